/* temporal_between.c — duration.between / inMonths / inDays / inSeconds.
 *
 * The two values may be of different types. As Neo4j does, the one missing a part borrows it from the
 * other before they are compared: a date gets midnight when the other has a time (or the unit is
 * time-based), a time gets the other's date, and a value without a zone gets the other's zone. Date-based
 * units count like java.time's until (a month is complete only when the day and time are reached); the
 * general form counts months, then days, then the rest, on the first value's own type.
 * Must not: print or parse.
 */
#include <string.h>

#include "value/temporal_int.h"
#include "value/tz.h"

typedef struct parts {
    bool date, time, zone;
    int64_t days, nanos;   /* local */
    int32_t offset;
    qt_zone z;
} parts;

static parts parts_of(qval v) {
    parts p = {0};
    qtype t = (qtype)v.type;
    p.date = t == QT_DATE || t == QT_LOCALDATETIME || t == QT_DATETIME;
    p.time = t != QT_DATE;
    p.zone = t == QT_TIME || t == QT_DATETIME;
    p.days = v.tm->days;
    p.nanos = v.tm->nanos;
    p.offset = v.tm->offset;
    p.z = qt_zone_of(v.tm);
    if (t == QT_TIME) { p.z.tz = NULL; p.z.offset = p.offset; }
    return p;
}

static void attach_zone(parts *p, const parts *from) {
    p->zone = true;
    if (p->date) {
        p->z = from->z;
        p->offset = qt_zone_resolve_local(p->z, &p->days, &p->nanos, NULL);
    } else {
        p->z.tz = NULL;
        p->z.offset = p->offset = from->offset;
    }
}

/* Completes both sides as TemporalValue.until does before comparing. */
static void complete(parts *a, parts *b, bool time_unit) {
    if (time_unit) { a->time = true; b->time = true; }
    else if (a->time && !b->time) b->time = true;
    else if (b->time && !a->time) a->time = true;
    if (a->date && !b->date) {
        b->date = true;
        b->days = a->days;
        if (b->zone) { b->z.tz = NULL; b->z.offset = b->offset; }
    } else if (b->date && !a->date) {
        a->date = true;
        a->days = b->days;
        if (a->zone) { a->z.tz = NULL; a->z.offset = a->offset; }
    }
    if (a->zone && !b->zone) attach_zone(b, a);
    else if (b->zone && !a->zone) attach_zone(a, b);
}

/* The instant (seconds, nanos of second) of a zoned value, or its local value as if at UTC. */
static void inst(const parts *p, int64_t *s, int64_t *n) {
    *s = p->days * QT_SECONDS_PER_DAY + p->nanos / QT_NANOS_PER_SECOND - (p->zone ? p->offset : 0);
    *n = p->nanos % QT_NANOS_PER_SECOND;
}

/* b expressed in a's zone (for zoned date-times), so local fields compare. */
static parts in_zone_of(const parts *b, const parts *a) {
    parts r = *b;
    if (a->zone && a->date && b->zone) {
        int64_t s, n;
        inst(b, &s, &n);
        int32_t off = qt_zone_offset_at_instant(a->z, s);
        int64_t local = s + off;
        r.days = qt_fdiv(local, QT_SECONDS_PER_DAY);
        r.nanos = qt_fmod(local, QT_SECONDS_PER_DAY) * QT_NANOS_PER_SECOND + n;
        r.offset = off;
    }
    return r;
}

/* Whole months or days from a to b (both completed, both with a date). */
static int64_t until_date_unit(const parts *a, const parts *b0, bool months) {
    parts b = in_zone_of(b0, a);
    int64_t end = b.days;
    if (a->time) {
        if (end > a->days && b.nanos < a->nanos) end--;
        else if (end < a->days && b.nanos > a->nanos) end++;
    }
    return months ? qt_months_between(a->days, end) : end - a->days;
}

/* b - a as seconds and nanos (0 <= nanos < 1e9), both completed. */
static void until_time(const parts *a, const parts *b, int64_t *s, int64_t *n) {
    int64_t as, an, bs, bn;
    inst(a, &as, &an);
    inst(b, &bs, &bn);
    if (!a->date) {   /* times of day: no dates, compare within the day */
        as = a->nanos / QT_NANOS_PER_SECOND - (a->zone ? a->offset : 0);
        bs = b->nanos / QT_NANOS_PER_SECOND - (b->zone ? b->offset : 0);
    }
    *s = bs - as;
    *n = bn - an;
    if (*n < 0) { *n += QT_NANOS_PER_SECOND; (*s)--; }
}

/* a plus months (or days) on its own time-line: local for dates and local date-times, resolved again in
 * the zone (keeping the offset when it is still valid) for datetimes. */
static void plus_date_unit(parts *p, int64_t amount, bool months) {
    p->days = months ? qt_plus_months(p->days, amount) : p->days + amount;
    if (p->zone && p->date) {
        int32_t prefer = p->offset;
        p->offset = qt_zone_resolve_local(p->z, &p->days, &p->nanos, &prefer);
    }
}

int qtemporal_between(qv_arena *a, qt_between_unit unit, qval from, qval to, qval *out, cy_error *err) {
    if (from.type == QT_NULL || to.type == QT_NULL) { *out = qv_null(); return 0; }
    if (!qv_is_temporal(from) || !qv_is_temporal(to))
        return qt_err_type(err, "duration.between expects two temporal values, got %s and %s",
                           qv_type_name((qtype)from.type), qv_type_name((qtype)to.type));
    parts f = parts_of(from), t = parts_of(to);
    int64_t s, n;
    switch (unit) {
    case QT_BETWEEN_MONTHS:
    case QT_BETWEEN_DAYS: {
        complete(&f, &t, false);
        int64_t v = f.date ? until_date_unit(&f, &t, unit == QT_BETWEEN_MONTHS) : 0;
        *out = unit == QT_BETWEEN_MONTHS ? qv_duration_make(a, v, 0, 0, 0) : qv_duration_make(a, 0, v, 0, 0);
        return 0;
    }
    case QT_BETWEEN_SECONDS:
        complete(&f, &t, true);
        until_time(&f, &t, &s, &n);
        *out = qv_duration_make(a, 0, 0, s, n);
        return 0;
    case QT_BETWEEN_ALL:
    default: {
        int64_t months = 0, days = 0;
        if (f.date && t.date) {
            parts f1 = f, t1 = t;
            complete(&f1, &t1, false);
            months = until_date_unit(&f1, &t1, true);
            plus_date_unit(&f, months, true);
            f1 = f;
            t1 = t;
            complete(&f1, &t1, false);
            days = until_date_unit(&f1, &t1, false);
            plus_date_unit(&f, days, false);
        }
        complete(&f, &t, true);
        until_time(&f, &t, &s, &n);
        *out = qv_duration_make(a, months, days, s, n);
        return 0;
    }
    }
}
