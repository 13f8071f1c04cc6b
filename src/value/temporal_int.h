/* temporal_int.h — internals shared by the temporal*.c files: proleptic Gregorian calendar arithmetic,
 * the "parts" form a temporal value is taken apart into while it is being built, and error helpers.
 * Must not: be included outside src/value/temporal*.c and src/value/tz*.c.
 */
#ifndef QV_VALUE_TEMPORAL_INT_H
#define QV_VALUE_TEMPORAL_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "value/temporal.h"

#define QT_MIN_YEAR (-999999999LL)
#define QT_MAX_YEAR 999999999LL
#define QT_SECONDS_PER_DAY 86400LL
/* The average Gregorian month (365.2425 / 12 days), as Neo4j uses for fractional months. */
#define QT_AVG_SECONDS_PER_MONTH 2629746LL

/* ---- calendar (temporal_cal.c) ---- */
bool qt_is_leap(int64_t y);
int qt_month_len(int64_t y, int m);
int64_t qt_days_from_civil(int64_t y, int m, int d);
void qt_civil_from_days(int64_t days, int64_t *y, int *m, int *d);
int qt_day_of_week(int64_t days);                 /* 1 = Monday .. 7 = Sunday */
int qt_day_of_year(int64_t days);                 /* 1 .. 366 */
int qt_weeks_in_year(int64_t wyear);              /* 52 or 53 (ISO week-based year) */
void qt_week_date(int64_t days, int64_t *wyear, int *week, int *dow);
int64_t qt_days_from_week(int64_t wyear, int week, int dow);
/* Adds months to a date, clamping the day to the last day of the resulting month (Jan 31 + 1M = Feb 28). */
int64_t qt_plus_months(int64_t days, int64_t months);
/* Whole months from date a to date b, truncated toward zero (java.time's LocalDate.until(MONTHS)). */
int64_t qt_months_between(int64_t a, int64_t b);
bool qt_days_in_range(int64_t days);

/* Floor division and modulo for a positive divisor. */
static inline int64_t qt_fdiv(int64_t a, int64_t b) { int64_t q = a / b; return (a % b < 0) ? q - 1 : q; }
static inline int64_t qt_fmod(int64_t a, int64_t b) { int64_t r = a % b; return r < 0 ? r + b : r; }

/* ---- errors ---- */
int qt_err_value(cy_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int qt_err_type(cy_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int qt_err_overflow(cy_error *err, const char *what);

/* ---- zones (temporal_zone.c) ---- */
/* A resolved zone: either a fixed offset (name NULL) or a named tz database zone. */
typedef struct qtz qtz;
typedef struct qt_zone {
    const qtz *tz;        /* a tz database zone (lives for the process), NULL for a fixed offset */
    int32_t offset;       /* the fixed offset when tz is NULL */
} qt_zone;
/* Parses "+01:00", "-0130", "+01", "Z", "+02:05:59" (is_offset true) or a zone name. */
int qt_zone_parse(const char *s, size_t n, qt_zone *z, cy_error *err);
/* The offset the zone has at the given UTC instant. */
int32_t qt_zone_offset_at_instant(qt_zone z, int64_t epoch_sec);
/* Resolves a local date-time in the zone the way java.time does: in a gap the time moves forward by the
 * gap's length, in an overlap the earlier offset (or prefer_offset when valid) is kept. Updates
 * *days / *nanos (gap) and returns the offset. */
int32_t qt_zone_resolve_local(qt_zone z, int64_t *days, int64_t *nanos, const int32_t *prefer_offset);
/* The zone of a TIME / DATETIME value. */
qt_zone qt_zone_of(const qtemporal *tm);

/* ---- building ---- */
qval qt_make(qv_arena *a, qtype t, int64_t days, int64_t nanos, int32_t offset, const char *zone);
/* A datetime at a local date-time in a zone (resolved), or at a UTC instant shown in the zone. */
qval qt_datetime_local(qv_arena *a, int64_t days, int64_t nanos, qt_zone z, const int32_t *prefer);
qval qt_datetime_instant(qv_arena *a, int64_t epoch_sec, int64_t nano_of_sec, qt_zone z);

/* ---- durations (temporal_arith.c) ---- */
enum { QT_DUR_YEARS, QT_DUR_MONTHS, QT_DUR_WEEKS, QT_DUR_DAYS, QT_DUR_HOURS, QT_DUR_MINUTES, QT_DUR_SECONDS,
       QT_DUR_MILLIS, QT_DUR_MICROS, QT_DUR_NANOS, QT_DUR_NFIELDS };
typedef struct qt_num { bool is_float; int64_t i; double f; int64_t extra_nanos; } qt_num;
/* A duration from its fields, exactly when all are integers, else as Neo4j approximates fractions
 * (fractional months carried down as average months, fractional days as 86400 s, ...). */
int qt_duration_build(qv_arena *a, const qt_num f[QT_DUR_NFIELDS], qval *out, cy_error *err);
/* months/days/seconds/nanos given as possibly fractional amounts, carried down and truncated. */
int qt_duration_approx(qv_arena *a, long double months, long double days, long double seconds, long double nanos,
                       qval *out, cy_error *err);

int qtemporal_from_epoch_zone(qv_arena *a, int64_t sec, int64_t nanos, qt_zone z, qval *out, cy_error *err);

/* The instant of a TIME (seconds of the day in UTC, may be outside 0..86400) / DATETIME value. */
static inline void qt_instant(const qtemporal *tm, int64_t *sec, int64_t *nano) {
    *sec = tm->days * QT_SECONDS_PER_DAY + tm->nanos / QT_NANOS_PER_SECOND - tm->offset;
    *nano = tm->nanos % QT_NANOS_PER_SECOND;
}

#endif
