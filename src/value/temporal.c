/* temporal.c — temporal and duration values: constructors, equality, comparison, hashing, ordering,
 * toString and component access (x.year, d.minutesOfHour).
 * Must not: parse strings or maps (temporal_parse.c, temporal_build.c) or do arithmetic
 * (temporal_arith.c). Every payload lives in the caller's arena.
 */
#include "value/temporal_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/hash.h"

/* ---- errors ---- */

static int qt_verr(cy_error *err, cy_errclass cls, const char *detail, const char *fmt, va_list ap) {
    if (!err) return -1;
    char buf[CY_ERR_MSG_MAX];
    vsnprintf(buf, sizeof buf, fmt, ap);
    cy_err(err, cls, detail, -1, "%s", buf);
    err->phase = CY_PHASE_RUNTIME;
    return -1;
}

int qt_err_value(cy_error *err, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    qt_verr(err, CYE_ARGUMENT, "InvalidArgumentValue", fmt, ap);
    va_end(ap);
    return -1;
}

int qt_err_type(cy_error *err, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    qt_verr(err, CYE_TYPE, "InvalidArgumentType", fmt, ap);
    va_end(ap);
    return -1;
}

int qt_err_overflow(cy_error *err, const char *what) {
    if (!err) return -1;
    cy_err(err, CYE_ARITHMETIC, "IntegerOverflow", -1, "%s overflows the supported range", what);
    err->phase = CY_PHASE_RUNTIME;
    return -1;
}

/* ---- constructors ---- */

qval qt_make(qv_arena *a, qtype t, int64_t days, int64_t nanos, int32_t offset, const char *zone) {
    qtemporal *tm = qv_arena_alloc(a, sizeof *tm);
    tm->days = (t == QT_LOCALTIME || t == QT_TIME) ? 0 : days;
    tm->nanos = (t == QT_DATE) ? 0 : nanos;
    tm->offset = (t == QT_TIME || t == QT_DATETIME) ? offset : 0;
    tm->zone = (t == QT_DATETIME) ? zone : NULL;
    qval v = {.type = (uint8_t)t};
    v.tm = tm;
    return v;
}

qval qv_temporal_make(qv_arena *a, qtype t, int64_t days, int64_t nanos, int32_t offset, const char *zone) {
    return qt_make(a, t, days, nanos, offset, zone);
}

qval qv_duration_make(qv_arena *a, int64_t months, int64_t days, int64_t seconds, int64_t nanos) {
    qduration *d = qv_arena_alloc(a, sizeof *d);
    seconds += nanos / QT_NANOS_PER_SECOND;
    nanos %= QT_NANOS_PER_SECOND;
    if (nanos < 0) { seconds--; nanos += QT_NANOS_PER_SECOND; }
    d->months = months;
    d->days = days;
    d->seconds = seconds;
    d->nanos = nanos;
    qval v = {.type = QT_DURATION};
    v.dur = d;
    return v;
}

/* ---- comparison ---- */

static int cmp64(int64_t a, int64_t b) { return a < b ? -1 : a > b; }

static int zone_cmp(const char *a, const char *b) {
    if (a == b) return 0;
    if (!a) return -1;
    if (!b) return 1;
    int c = strcmp(a, b);
    return c < 0 ? -1 : c > 0;
}

int qtemporal_cmp(qval a, qval b) {
    const qtemporal *x = a.tm, *y = b.tm;
    int c;
    switch ((qtype)a.type) {
    case QT_DATE: return cmp64(x->days, y->days);
    case QT_LOCALTIME: return cmp64(x->nanos, y->nanos);
    case QT_LOCALDATETIME:
        c = cmp64(x->days, y->days);
        return c ? c : cmp64(x->nanos, y->nanos);
    case QT_TIME:
        c = cmp64(x->nanos - (int64_t)x->offset * QT_NANOS_PER_SECOND, y->nanos - (int64_t)y->offset * QT_NANOS_PER_SECOND);
        return c ? c : cmp64(x->nanos, y->nanos);
    case QT_DATETIME: {
        int64_t xs, xn, ys, yn;
        qt_instant(x, &xs, &xn);
        qt_instant(y, &ys, &yn);
        c = cmp64(xs, ys);
        if (!c) c = cmp64(xn, yn);
        if (!c) c = cmp64(x->days, y->days);
        if (!c) c = cmp64(x->nanos, y->nanos);
        if (!c) c = zone_cmp(x->zone, y->zone);
        return c;
    }
    default: return 0;
    }
}

bool qtemporal_eq(qval a, qval b) {
    if (a.type != b.type) return false;
    if (a.type == QT_DURATION)
        return a.dur->months == b.dur->months && a.dur->days == b.dur->days && a.dur->seconds == b.dur->seconds &&
               a.dur->nanos == b.dur->nanos;
    return a.tm->days == b.tm->days && a.tm->nanos == b.tm->nanos && a.tm->offset == b.tm->offset &&
           zone_cmp(a.tm->zone, b.tm->zone) == 0;
}

uint64_t qtemporal_hash(qval v) {
    uint64_t h = qv_hash_u64(0x7e3a000000000000ull + v.type);
    if (v.type == QT_DURATION) {
        h = qv_hash_u64(h ^ (uint64_t)v.dur->months);
        h = qv_hash_u64(h ^ (uint64_t)v.dur->days);
        h = qv_hash_u64(h ^ (uint64_t)v.dur->seconds);
        return qv_hash_u64(h ^ (uint64_t)v.dur->nanos);
    }
    h = qv_hash_u64(h ^ (uint64_t)v.tm->days);
    h = qv_hash_u64(h ^ (uint64_t)v.tm->nanos);
    h = qv_hash_u64(h ^ (uint64_t)(uint32_t)v.tm->offset);
    if (v.tm->zone) h ^= qv_hash_bytes(v.tm->zone, strlen(v.tm->zone));
    return h;
}

int qtemporal_order(qval a, qval b) {
    if (a.type != QT_DURATION) return qtemporal_cmp(a, b);
    const qduration *x = a.dur, *y = b.dur;
    __int128 lx = (__int128)x->months * QT_AVG_SECONDS_PER_MONTH + (__int128)x->days * QT_SECONDS_PER_DAY + x->seconds;
    __int128 ly = (__int128)y->months * QT_AVG_SECONDS_PER_MONTH + (__int128)y->days * QT_SECONDS_PER_DAY + y->seconds;
    if (lx != ly) return lx < ly ? -1 : 1;
    int c = cmp64(x->nanos, y->nanos);
    if (!c) c = cmp64(x->months, y->months);
    if (!c) c = cmp64(x->days, y->days);
    return c;
}

/* ---- toString ---- */

typedef struct sbuf { char b[160]; size_t n; } sbuf;

static void sb_put(sbuf *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_put(sbuf *s, const char *fmt, ...) {
    if (s->n >= sizeof s->b) return;
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(s->b + s->n, sizeof s->b - s->n, fmt, ap);
    va_end(ap);
    if (k > 0) s->n += (size_t)k;
    if (s->n >= sizeof s->b) s->n = sizeof s->b - 1;
}

static void put_date(sbuf *s, int64_t days) {
    int64_t y; int m, d;
    qt_civil_from_days(days, &y, &m, &d);
    if (y > 9999) sb_put(s, "+%lld", (long long)y);
    else if (y < 0 && y > -1000) sb_put(s, "-%04lld", (long long)-y);
    else if (y >= 0 && y < 1000) sb_put(s, "%04lld", (long long)y);
    else sb_put(s, "%lld", (long long)y);
    sb_put(s, "-%02d-%02d", m, d);
}

/* java.time's LocalTime.toString: HH:mm, then :ss when seconds or nanos, then 3, 6 or 9 digits. */
static void put_time(sbuf *s, int64_t nanos) {
    int64_t secs = nanos / QT_NANOS_PER_SECOND, ns = nanos % QT_NANOS_PER_SECOND;
    sb_put(s, "%02d:%02d", (int)(secs / 3600), (int)(secs / 60 % 60));
    if (secs % 60 || ns) {
        sb_put(s, ":%02d", (int)(secs % 60));
        if (ns) {
            if (ns % 1000000 == 0) sb_put(s, ".%03d", (int)(ns / 1000000));
            else if (ns % 1000 == 0) sb_put(s, ".%06d", (int)(ns / 1000));
            else sb_put(s, ".%09d", (int)ns);
        }
    }
}

static void put_offset(sbuf *s, int32_t off) {
    if (off == 0) { sb_put(s, "Z"); return; }
    char sign = off < 0 ? '-' : '+';
    int32_t a = off < 0 ? -off : off;
    sb_put(s, "%c%02d:%02d", sign, a / 3600, a / 60 % 60);
    if (a % 60) sb_put(s, ":%02d", a % 60);
}

static void put_fraction(sbuf *s, int64_t n) {
    if (n < 0) n = -n;
    char f[12];
    snprintf(f, sizeof f, "%09d", (int)(n % QT_NANOS_PER_SECOND));
    int k = 9;
    while (k > 0 && f[k - 1] == '0') k--;
    f[k] = 0;
    sb_put(s, ".%s", f);
}

static void put_duration(sbuf *s, const qduration *d) {
    sb_put(s, "P");
    if (d->months / 12) sb_put(s, "%lldY", (long long)(d->months / 12));
    if (d->months % 12) sb_put(s, "%lldM", (long long)(d->months % 12));
    if (d->days) sb_put(s, "%lldD", (long long)d->days);
    if (d->seconds || d->nanos) {
        int64_t sec = d->seconds, n = d->nanos;
        if (sec < 0 && n) { sec++; n -= QT_NANOS_PER_SECOND; }
        sb_put(s, "T");
        if (sec / 3600) sb_put(s, "%lldH", (long long)(sec / 3600));
        if (sec % 3600 / 60) sb_put(s, "%lldM", (long long)(sec % 3600 / 60));
        sec %= 60;
        if (sec) {
            sb_put(s, "%lld", (long long)sec);
            if (n) put_fraction(s, n);
            sb_put(s, "S");
        } else if (n) {
            sb_put(s, "%s0", n < 0 ? "-" : "");
            put_fraction(s, n);
            sb_put(s, "S");
        }
    }
    if (s->n == 1) sb_put(s, "T0S");
}

const char *qtemporal_str(qv_arena *a, qval v, uint32_t *len) {
    sbuf s = {.n = 0};
    s.b[0] = 0;
    switch ((qtype)v.type) {
    case QT_DATE: put_date(&s, v.tm->days); break;
    case QT_LOCALTIME: put_time(&s, v.tm->nanos); break;
    case QT_TIME: put_time(&s, v.tm->nanos); put_offset(&s, v.tm->offset); break;
    case QT_LOCALDATETIME: put_date(&s, v.tm->days); sb_put(&s, "T"); put_time(&s, v.tm->nanos); break;
    case QT_DATETIME:
        put_date(&s, v.tm->days);
        sb_put(&s, "T");
        put_time(&s, v.tm->nanos);
        put_offset(&s, v.tm->offset);
        if (v.tm->zone) {
            char *out = qv_arena_alloc(a, s.n + strlen(v.tm->zone) + 3);
            int k = sprintf(out, "%.*s[%s]", (int)s.n, s.b, v.tm->zone);
            if (len) *len = (uint32_t)k;
            return out;
        }
        break;
    case QT_DURATION: put_duration(&s, v.dur); break;
    default: if (len) *len = 0; return NULL;
    }
    if (len) *len = (uint32_t)s.n;
    return qv_arena_strndup(a, s.b, s.n);
}

/* ---- components ---- */

enum { F_DATE = 1, F_TIME = 2, F_ZONE = 4 };

static int type_fields(qtype t) {
    switch (t) {
    case QT_DATE: return F_DATE;
    case QT_LOCALTIME: return F_TIME;
    case QT_TIME: return F_TIME | F_ZONE;
    case QT_LOCALDATETIME: return F_DATE | F_TIME;
    case QT_DATETIME: return F_DATE | F_TIME | F_ZONE;
    default: return 0;
    }
}

static qval offset_str(qv_arena *a, int32_t off) {
    sbuf s = {.n = 0};
    put_offset(&s, off);
    return qv_str_copy(a, s.b, s.n);
}

static int duration_component(qv_arena *a, const qduration *d, const char *name, qval *out, cy_error *err) {
    (void)a;
    int64_t m = d->months, days = d->days, s = d->seconds, n = d->nanos;
    struct { const char *k; __int128 v; } f[] = {
        {"years", m / 12}, {"quarters", m / 3}, {"months", m}, {"weeks", days / 7}, {"days", days},
        {"hours", s / 3600}, {"minutes", s / 60}, {"seconds", s},
        {"milliseconds", (__int128)s * 1000 + n / 1000000}, {"microseconds", (__int128)s * 1000000 + n / 1000},
        {"nanoseconds", (__int128)s * QT_NANOS_PER_SECOND + n},
        {"quartersOfYear", m / 3 % 4}, {"monthsOfQuarter", m % 3}, {"monthsOfYear", m % 12},
        {"daysOfWeek", days % 7}, {"minutesOfHour", s / 60 % 60}, {"secondsOfMinute", s % 60},
        {"millisecondsOfSecond", n / 1000000}, {"microsecondsOfSecond", n / 1000}, {"nanosecondsOfSecond", n},
    };
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
        if (strcmp(f[i].k, name) == 0) {
            if (f[i].v > INT64_MAX || f[i].v < INT64_MIN) return qt_err_overflow(err, name);
            *out = qv_int((int64_t)f[i].v);
            return 0;
        }
    return qt_err_value(err, "No such field: %s (durations have years, months, days, hours, minutes, seconds, "
                             "milliseconds, ..., monthsOfYear, minutesOfHour, nanosecondsOfSecond, ...)", name);
}

int qtemporal_component(qv_arena *a, qval v, const char *name, qval *out, cy_error *err) {
    if (v.type == QT_NULL) { *out = qv_null(); return 0; }
    if (v.type == QT_DURATION) return duration_component(a, v.dur, name, out, err);
    int fl = type_fields((qtype)v.type);
    if (!fl) return qt_err_type(err, "Cannot read the component %s of a %s", name, qv_type_name((qtype)v.type));
    const qtemporal *tm = v.tm;
    if (fl & F_DATE) {
        int64_t y, wy; int m, d, w, dow;
        qt_civil_from_days(tm->days, &y, &m, &d);
        qt_week_date(tm->days, &wy, &w, &dow);
        int q = (m - 1) / 3 + 1;
        struct { const char *k; int64_t v; } f[] = {
            {"year", y}, {"quarter", q}, {"month", m}, {"week", w}, {"weekYear", wy}, {"day", d},
            {"ordinalDay", qt_day_of_year(tm->days)}, {"weekDay", dow}, {"dayOfWeek", dow},
            {"dayOfQuarter", tm->days - qt_days_from_civil(y, (q - 1) * 3 + 1, 1) + 1},
        };
        for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
            if (strcmp(f[i].k, name) == 0) { *out = qv_int(f[i].v); return 0; }
    }
    if (fl & F_TIME) {
        int64_t ns = tm->nanos;
        struct { const char *k; int64_t v; } f[] = {
            {"hour", ns / 3600000000000LL}, {"minute", ns / 60000000000LL % 60},
            {"second", ns / QT_NANOS_PER_SECOND % 60}, {"millisecond", ns % QT_NANOS_PER_SECOND / 1000000},
            {"microsecond", ns % QT_NANOS_PER_SECOND / 1000}, {"nanosecond", ns % QT_NANOS_PER_SECOND},
        };
        for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
            if (strcmp(f[i].k, name) == 0) { *out = qv_int(f[i].v); return 0; }
    }
    if (fl & F_ZONE) {
        if (strcmp(name, "timezone") == 0) {
            *out = tm->zone ? qv_str_cstr(a, tm->zone) : offset_str(a, tm->offset);
            return 0;
        }
        if (strcmp(name, "offset") == 0) { *out = offset_str(a, tm->offset); return 0; }
        if (strcmp(name, "offsetMinutes") == 0) { *out = qv_int(tm->offset / 60); return 0; }
        if (strcmp(name, "offsetSeconds") == 0) { *out = qv_int(tm->offset); return 0; }
    }
    if ((fl & F_DATE) && (fl & F_ZONE)) {
        int64_t s, n;
        qt_instant(tm, &s, &n);
        if (strcmp(name, "epochSeconds") == 0) { *out = qv_int(s); return 0; }
        if (strcmp(name, "epochMillis") == 0) {
            int64_t ms;
            if (__builtin_mul_overflow(s, 1000, &ms) || __builtin_add_overflow(ms, n / 1000000, &ms))
                return qt_err_overflow(err, "epochMillis");
            *out = qv_int(ms);
            return 0;
        }
    }
    return qt_err_value(err, "No such field: %s on a %s value", name, qv_type_name((qtype)v.type));
}
