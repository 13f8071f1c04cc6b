/* temporal.h — openCypher temporal values (date, localtime, time, localdatetime, datetime) and durations.
 *
 * Owns: the semantics of QT_DATE .. QT_DATETIME and QT_DURATION payloads (value.h fixes their layout):
 * comparison, equality, hashing, the ORDER BY order within one type, toString exactly as the openCypher
 * openCypher (with Neo4j's semantics) specifies, arithmetic with durations, component access
 * (x.year, d.minutesOfHour, ...), construction from strings and maps, truncation and durations between
 * two values. Named time zones come from the system tz database through value/tz.h.
 * Must not: know about the AST, the graph or the function registry (cypher/func_temporal.c wraps these
 * functions as openCypher functions). Every result is allocated in the caller's arena.
 *
 * Errors: invalid values (a month 13, an unknown zone, a malformed string) fail with CYE_ARGUMENT
 * "InvalidArgumentValue"; operands of the wrong type with CYE_TYPE "InvalidArgumentType"; overflow with
 * CYE_ARITHMETIC "IntegerOverflow". Functions return 0 on success and -1 with *err set.
 */
#ifndef QV_VALUE_TEMPORAL_H
#define QV_VALUE_TEMPORAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/arena.h"
#include "value/cyerr.h"
#include "value/value.h"

#define QT_NANOS_PER_SECOND 1000000000LL
#define QT_NANOS_PER_DAY    86400000000000LL

/* ---- semantics used by value*.c (a and b have the same type) ---- */

/* Comparison for < <= > >= of two values of the same temporal type (not durations): dates by day, local
 * times and local date-times by value, TIME and DATETIME by instant (ties broken by local time, then zone,
 * so the result is consistent with qtemporal_eq). Returns -1, 0 or 1. */
int qtemporal_cmp(qval a, qval b);
/* Equality of two values of the same temporal or duration type. Times and datetimes are equal when they
 * denote the same instant with the same offset and zone; durations when months, days, seconds and
 * nanoseconds are all equal (P1D is not PT24H). */
bool qtemporal_eq(qval a, qval b);
/* A hash consistent with qtemporal_eq. */
uint64_t qtemporal_hash(qval v);
/* A total order within one type, durations included (durations by their average length, then by
 * components). Returns <0, 0, >0. */
int qtemporal_order(qval a, qval b);
/* toString(): "2015-07-21", "21:40:32.142", "21:40:32.142+01:00", "2015-07-21T21:40:32.142",
 * "2015-07-21T21:40:32.142+01:00[Europe/Stockholm]", "P1Y2M3DT4H5M6.7S", "PT0S". NUL-terminated, in a. */
const char *qtemporal_str(qv_arena *a, qval v, uint32_t *len);

/* x + sign * y where x is a temporal value or a duration and y a duration; with sign = +1 also
 * duration + temporal. Null in, null out. */
int qtemporal_add(qv_arena *a, qval x, qval y, int sign, qval *out, cy_error *err);
/* dur * num or (divide) dur / num, num an INTEGER or FLOAT. Division by zero fails with CYE_ARITHMETIC
 * "DivisionByZero". Null in, null out. */
int qduration_scale(qv_arena *a, qval dur, qval num, bool divide, qval *out, cy_error *err);
/* A component (x.year, x.timezone, d.minutesOfHour, ...). name is matched as openCypher does (exact
 * spelling). A component the type does not have fails with CYE_ARGUMENT "InvalidArgumentValue"
 * ("No such field"), as Neo4j does; a null v gives null. */
int qtemporal_component(qv_arena *a, qval v, const char *name, qval *out, cy_error *err);

/* ---- construction (used by cypher/func_temporal.c) ---- */

/* Parses an ISO 8601 string into a value of type t (QT_DATE .. QT_DATETIME or QT_DURATION). For TIME
 * and DATETIME without an offset in the text, default_zone applies (NULL: UTC). */
int qtemporal_parse(qv_arena *a, qtype t, const char *s, size_t n, qval *out, cy_error *err);
/* Builds a value of type t from a map ({year: 1984, week: 10, dayOfWeek: 3, timezone: 'Europe/Paris'},
 * {date: d, hour: 12}, {datetime: x, timezone: '+05:00'}, ...) or, for durations, from {years: 1.5, ...}. */
int qtemporal_from_map(qv_arena *a, qtype t, qval map, qval *out, cy_error *err);
/* Converts another temporal value into type t (date(datetime), localtime(time), datetime(localdatetime)
 * ...). Fails with CYE_TYPE when the source lacks what t needs (date(localtime(...))). */
int qtemporal_convert(qv_arena *a, qtype t, qval src, qval *out, cy_error *err);
/* The current instant (nanoseconds since the epoch, UTC) as type t, in zone (NULL or "": UTC; an offset
 * "+01:00" or a zone name). */
int qtemporal_now(qv_arena *a, qtype t, int64_t epoch_ns, qval zone, qval *out, cy_error *err);
/* t.truncate(unit, value[, map]): unit is "millennium", "century", "decade", "year", "weekYear",
 * "quarter", "month", "week", "day", "hour", "minute", "second", "millisecond", "microsecond"; fields
 * in map (may be null) then override the truncated value's fields. */
int qtemporal_truncate(qv_arena *a, qtype t, qval unit, qval src, qval map, qval *out, cy_error *err);
/* datetime({epochSeconds: s, nanosecond: n}) and datetime.fromepoch / fromepochmillis. */
int qtemporal_from_epoch(qv_arena *a, int64_t seconds, int64_t nanos, qval *out, cy_error *err);

/* duration.between / inMonths / inDays / inSeconds. */
typedef enum { QT_BETWEEN_ALL = 0, QT_BETWEEN_MONTHS, QT_BETWEEN_DAYS, QT_BETWEEN_SECONDS } qt_between_unit;
int qtemporal_between(qv_arena *a, qt_between_unit unit, qval from, qval to, qval *out, cy_error *err);

#endif
