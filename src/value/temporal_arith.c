/* temporal_arith.c — durations: building them from (possibly fractional) fields, adding them to temporal
 * values and to each other, scaling them, and the duration between two temporal values
 * (duration.between / inMonths / inDays / inSeconds) with Neo4j's rules for mixing types.
 * Must not: parse or print (temporal_parse.c, temporal.c).
 */
#include <math.h>
#include <string.h>

#include "value/temporal_int.h"
#include "value/tz.h"

#define OVF(x) __builtin_expect(!!(x), 0)

/* ---- building ---- */

/* Truncation toward zero of an amount of nanoseconds computed in long double: a thousandth of a
 * nanosecond of rounding error must not turn 49.5 s into 49.499999999 s. */
static bool trunc_ns(long double x, int64_t unit, int64_t *q) {
    long double v = (x + (x < 0 ? -1e-3L : 1e-3L)) / unit;
    v = truncl(v);
    if (!(v > -9.2e18L && v < 9.2e18L)) return false;
    *q = (int64_t)v;
    return true;
}

int qt_duration_approx(qv_arena *a, long double months, long double days, long double seconds, long double nanos,
                       qval *out, cy_error *err) {
    const long double day_ns = (long double)QT_NANOS_PER_DAY;
    const long double month_ns = (long double)QT_AVG_SECONDS_PER_MONTH * QT_NANOS_PER_SECOND;
    if (!(fabsl(months) < 9e18L && fabsl(days) < 9e18L && fabsl(seconds) < 9e18L && fabsl(nanos) < 9e18L))
        return qt_err_overflow(err, "The duration");
    int64_t m = (int64_t)truncl(months);
    long double dn = days * day_ns + (months - (long double)m) * month_ns;
    int64_t d, s, n;
    if (!trunc_ns(dn, QT_NANOS_PER_DAY, &d)) return qt_err_overflow(err, "The duration");
    long double sn = seconds * (long double)QT_NANOS_PER_SECOND + (dn - (long double)d * day_ns);
    if (!trunc_ns(sn, QT_NANOS_PER_SECOND, &s)) return qt_err_overflow(err, "The duration");
    long double nn = nanos + (sn - (long double)s * QT_NANOS_PER_SECOND);
    if (!trunc_ns(nn, 1, &n)) return qt_err_overflow(err, "The duration");
    *out = qv_duration_make(a, m, d, s, n);
    return 0;
}

int qt_duration_build(qv_arena *a, const qt_num f[QT_DUR_NFIELDS], qval *out, cy_error *err) {
    bool any_float = false;
    for (int i = 0; i < QT_DUR_NFIELDS; i++) any_float |= f[i].is_float;
    if (!any_float) {
        int64_t m, d, s, n, t;
        if (OVF(__builtin_mul_overflow(f[QT_DUR_YEARS].i, 12, &m) || __builtin_add_overflow(m, f[QT_DUR_MONTHS].i, &m) ||
                __builtin_mul_overflow(f[QT_DUR_WEEKS].i, 7, &d) || __builtin_add_overflow(d, f[QT_DUR_DAYS].i, &d) ||
                __builtin_mul_overflow(f[QT_DUR_HOURS].i, 3600, &s) ||
                __builtin_mul_overflow(f[QT_DUR_MINUTES].i, 60, &t) || __builtin_add_overflow(s, t, &s) ||
                __builtin_add_overflow(s, f[QT_DUR_SECONDS].i, &s) ||
                __builtin_mul_overflow(f[QT_DUR_MILLIS].i, 1000000, &n) ||
                __builtin_mul_overflow(f[QT_DUR_MICROS].i, 1000, &t) || __builtin_add_overflow(n, t, &n) ||
                __builtin_add_overflow(n, f[QT_DUR_NANOS].i, &n) ||
                __builtin_add_overflow(s, n / QT_NANOS_PER_SECOND, &s)))
            return qt_err_overflow(err, "The duration");
        *out = qv_duration_make(a, m, d, s, n % QT_NANOS_PER_SECOND);
        return 0;
    }
#define V(k) (f[k].is_float ? (long double)f[k].f : (long double)f[k].i)
    long double months = V(QT_DUR_YEARS) * 12 + V(QT_DUR_MONTHS);
    long double days = V(QT_DUR_WEEKS) * 7 + V(QT_DUR_DAYS);
    long double secs = V(QT_DUR_HOURS) * 3600 + V(QT_DUR_MINUTES) * 60 + V(QT_DUR_SECONDS);
    long double nanos = V(QT_DUR_MILLIS) * 1000000 + V(QT_DUR_MICROS) * 1000 + V(QT_DUR_NANOS);
#undef V
    return qt_duration_approx(a, months, days, secs, nanos, out, err);
}

/* ---- adding durations ---- */

static int add_dur_dur(qv_arena *a, const qduration *x, const qduration *y, int sign, qval *out, cy_error *err) {
    int64_t m, d, s, n = x->nanos + sign * y->nanos;
    if (OVF(__builtin_add_overflow(x->months, sign * y->months, &m) ||
            __builtin_add_overflow(x->days, sign * y->days, &d) ||
            __builtin_add_overflow(x->seconds, sign * y->seconds, &s)))
        return qt_err_overflow(err, "The duration");
    *out = qv_duration_make(a, m, d, s, n);
    return 0;
}

/* Local date-time plus whole seconds and nanos. */
static int local_plus(int64_t *days, int64_t *nanos, int64_t secs, int64_t ns) {
    int64_t dd = qt_fdiv(secs, QT_SECONDS_PER_DAY);
    int64_t rem = qt_fmod(secs, QT_SECONDS_PER_DAY) * QT_NANOS_PER_SECOND + ns + *nanos;
    dd += qt_fdiv(rem, QT_NANOS_PER_DAY);
    *nanos = qt_fmod(rem, QT_NANOS_PER_DAY);
    if (OVF(__builtin_add_overflow(*days, dd, days))) return -1;
    return 0;
}

static int add_temporal(qv_arena *a, qval x, const qduration *d, int sign, qval *out, cy_error *err) {
    const qtemporal *tm = x.tm;
    if (sign < 0 && (d->months == INT64_MIN || d->days == INT64_MIN || d->seconds == INT64_MIN))
        return qt_err_overflow(err, "The duration");
    int64_t months = sign * d->months, days = sign * d->days, secs = sign * d->seconds, ns = sign * d->nanos;
    int64_t day = tm->days, nanos = tm->nanos;
    qtype t = (qtype)x.type;
    /* beyond these the result is out of range whatever the value (years are +-999,999,999) */
    if (t != QT_LOCALTIME && t != QT_TIME &&
        (months > 24000000000LL || months < -24000000000LL || days > 800000000000LL || days < -800000000000LL))
        return qt_err_overflow(err, "The date");
    if (t == QT_LOCALTIME || t == QT_TIME) {
        int64_t total = qt_fmod(secs, QT_SECONDS_PER_DAY) * QT_NANOS_PER_SECOND + ns + nanos;
        *out = qt_make(a, t, 0, qt_fmod(total, QT_NANOS_PER_DAY), tm->offset, NULL);
        return 0;
    }
    if (months) day = qt_plus_months(day, months);
    day += days;
    if (t == QT_DATE) {
        day += secs / QT_SECONDS_PER_DAY;   /* whole days of the time part, truncated toward zero */
        if (!qt_days_in_range(day)) return qt_err_overflow(err, "The date");
        *out = qt_make(a, t, day, 0, 0, NULL);
        return 0;
    }
    if (!qt_days_in_range(day)) return qt_err_overflow(err, "The date");
    if (t == QT_LOCALDATETIME) {
        if (local_plus(&day, &nanos, secs, ns) || !qt_days_in_range(day)) return qt_err_overflow(err, "The date");
        *out = qt_make(a, t, day, nanos, 0, NULL);
        return 0;
    }
    /* DATETIME: months and days on the local time-line (keeping the offset when still valid), then the
     * time part on the instant time-line. */
    qt_zone z = qt_zone_of(tm);
    int32_t prefer = tm->offset;
    int32_t off = (months || days) ? qt_zone_resolve_local(z, &day, &nanos, &prefer) : tm->offset;
    int64_t inst = day * QT_SECONDS_PER_DAY + nanos / QT_NANOS_PER_SECOND - off;
    int64_t nano = nanos % QT_NANOS_PER_SECOND + ns;
    if (OVF(__builtin_add_overflow(inst, secs, &inst))) return qt_err_overflow(err, "The date");
    if (inst > 40000000000000000LL || inst < -40000000000000000LL) return qt_err_overflow(err, "The date");
    inst += qt_fdiv(nano, QT_NANOS_PER_SECOND);
    nano = qt_fmod(nano, QT_NANOS_PER_SECOND);
    *out = qt_datetime_instant(a, inst, nano, z);
    if (!qt_days_in_range(out->tm->days)) return qt_err_overflow(err, "The date");
    return 0;
}

int qtemporal_add(qv_arena *a, qval x, qval y, int sign, qval *out, cy_error *err) {
    if (x.type == QT_NULL || y.type == QT_NULL) { *out = qv_null(); return 0; }
    if (x.type == QT_DURATION && y.type == QT_DURATION) return add_dur_dur(a, x.dur, y.dur, sign, out, err);
    if (qv_is_temporal(x) && y.type == QT_DURATION) return add_temporal(a, x, y.dur, sign, out, err);
    if (sign > 0 && x.type == QT_DURATION && qv_is_temporal(y)) return add_temporal(a, y, x.dur, 1, out, err);
    return qt_err_type(err, "Cannot %s %s and %s", sign > 0 ? "add" : "subtract", qv_type_name((qtype)x.type),
                       qv_type_name((qtype)y.type));
}

int qduration_scale(qv_arena *a, qval dur, qval num, bool divide, qval *out, cy_error *err) {
    if (dur.type == QT_NULL || num.type == QT_NULL) { *out = qv_null(); return 0; }
    if (dur.type != QT_DURATION || !qv_is_number(num))
        return qt_err_type(err, "Cannot %s %s by %s", divide ? "divide" : "multiply", qv_type_name((qtype)dur.type),
                           qv_type_name((qtype)num.type));
    const qduration *d = dur.dur;
    if (!divide && num.type == QT_INT) {
        int64_t m, dd, s, n;
        __int128 nn = (__int128)d->nanos * num.i;
        if (OVF(__builtin_mul_overflow(d->months, num.i, &m) || __builtin_mul_overflow(d->days, num.i, &dd) ||
                __builtin_mul_overflow(d->seconds, num.i, &s) ||
                __builtin_add_overflow(s, (int64_t)(nn / QT_NANOS_PER_SECOND), &s)))
            return qt_err_overflow(err, "The duration");
        n = (int64_t)(nn % QT_NANOS_PER_SECOND);
        *out = qv_duration_make(a, m, dd, s, n);
        return 0;
    }
    long double f = num.type == QT_INT ? (long double)num.i : (long double)num.f;
    if (divide) {
        if (f == 0) {
            if (err) { cy_err(err, CYE_ARITHMETIC, "DivisionByZero", -1, "Division of a duration by zero"); err->phase = CY_PHASE_RUNTIME; }
            return -1;
        }
        return qt_duration_approx(a, d->months / f, d->days / f, d->seconds / f, d->nanos / f, out, err);
    }
    if (isnan((double)f) || isinf((double)f)) return qt_err_value(err, "Cannot multiply a duration by %g", (double)f);
    return qt_duration_approx(a, d->months * f, d->days * f, d->seconds * f, d->nanos * f, out, err);
}
