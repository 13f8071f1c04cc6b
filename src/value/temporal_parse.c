/* temporal_parse.c — ISO 8601 strings into temporal values and durations, in the forms openCypher accepts:
 * dates "2015-07-21" "20150721" "2015-07" "201507" "2015-W30-2" "2015W302" "2015-W30" "2015-202"
 * "2015202" "2015" (years may be signed, up to 9 digits); times "21:40:32.142" "214032.142" "21:40" "21"
 * with an offset "+01:00" "+0100" "+01" "Z" and/or a zone "[Europe/Stockholm]"; date-times joined by
 * 'T'; durations "P1Y2M3W4DT5H6M7.8S" (fractions and negative parts allowed) and "P2012-02-02T14:37:21.5".
 * Must not: accept trailing garbage or out-of-range fields (those are InvalidArgumentValue errors).
 */
#include <math.h>
#include <string.h>

#include "value/temporal_int.h"
#include "value/tz.h"

typedef struct cur { const char *s; size_t n, i; } cur;

static bool at(const cur *c, char ch) { return c->i < c->n && c->s[c->i] == ch; }
static bool isdig(const cur *c, size_t k) { return c->i + k < c->n && c->s[c->i + k] >= '0' && c->s[c->i + k] <= '9'; }
static size_t ndigits(const cur *c) { size_t k = 0; while (isdig(c, k)) k++; return k; }
static int64_t take(cur *c, size_t k) {
    int64_t v = 0;
    for (size_t j = 0; j < k; j++) v = v * 10 + (c->s[c->i++] - '0');
    return v;
}

static int bad(cy_error *err, const char *what, const char *s, size_t n) {
    return qt_err_value(err, "Text cannot be parsed to a %s: '%.*s'", what, (int)(n > 80 ? 80 : n), s);
}

/* A date at the cursor; stops before 'T' or the end. */
static int parse_date_fields(cur *c, int64_t *days) {
    int sign = 1;
    bool signed_year = false;
    if (at(c, '+') || at(c, '-')) { sign = at(c, '-') ? -1 : 1; signed_year = true; c->i++; }
    size_t nd = ndigits(c);
    if (nd < 4) return -1;
    bool extended;
    size_t yd = 4;
    if (nd > 4) {
        /* basic format (20150721, 2015202, 201507, 2015W..) unless a signed long year precedes '-' */
        if (signed_year && c->i + nd < c->n && c->s[c->i + nd] == '-' && nd <= 9) yd = nd;
        else if (signed_year && c->i + nd == c->n && nd <= 9) yd = nd;
    }
    int64_t y = sign * take(c, yd);
    extended = at(c, '-');
    if (extended) c->i++;
    int m = 1, d = 1;
    if (c->i >= c->n || at(c, 'T')) {
        if (extended) return -1;
        *days = qt_days_from_civil(y, 1, 1);
        return 0;
    }
    if (at(c, 'W')) {
        c->i++;
        if (ndigits(c) < 2) return -1;
        int w = (int)take(c, 2), dow = 1;
        if (extended && at(c, '-')) {
            c->i++;
            if (!isdig(c, 0)) return -1;
            dow = (int)take(c, 1);
        } else if (!extended && isdig(c, 0)) dow = (int)take(c, 1);
        if (w < 1 || w > qt_weeks_in_year(y) || dow < 1 || dow > 7) return -1;
        *days = qt_days_from_week(y, w, dow);
        return 0;
    }
    size_t k = ndigits(c);
    if (extended) {
        if (k == 3) {   /* ordinal */
            int od = (int)take(c, 3);
            if (od < 1 || od > (qt_is_leap(y) ? 366 : 365)) return -1;
            *days = qt_days_from_civil(y, 1, 1) + od - 1;
            return 0;
        }
        if (k != 2) return -1;
        m = (int)take(c, 2);
        if (at(c, '-')) {
            c->i++;
            if (ndigits(c) != 2) return -1;
            d = (int)take(c, 2);
        }
    } else {
        if (k == 3) {
            int od = (int)take(c, 3);
            if (od < 1 || od > (qt_is_leap(y) ? 366 : 365)) return -1;
            *days = qt_days_from_civil(y, 1, 1) + od - 1;
            return 0;
        }
        if (k != 2 && k != 4) return -1;
        m = (int)take(c, 2);
        if (k == 4) d = (int)take(c, 2);
    }
    if (m < 1 || m > 12 || d < 1 || d > qt_month_len(y, m)) return -1;
    *days = qt_days_from_civil(y, m, d);
    return qt_days_in_range(*days) ? 0 : -1;
}

static int parse_date(cur *c, int64_t *days) {
    if (parse_date_fields(c, days)) return -1;
    return qt_days_in_range(*days) ? 0 : -1;
}

/* A local time at the cursor; stops at an offset, '[' or the end. */
static int parse_time(cur *c, int64_t *nanos) {
    if (ndigits(c) < 2) return -1;
    int h = (int)take(c, 2), mi = 0, s = 0;
    int64_t frac = 0;
    bool ext = at(c, ':');
    if (ext) c->i++;
    if (isdig(c, 0)) {
        if (ndigits(c) < 2) return -1;
        mi = (int)take(c, 2);
        if (ext ? at(c, ':') : isdig(c, 0)) {
            if (ext) c->i++;
            if (ndigits(c) < 2) return -1;
            s = (int)take(c, 2);
            if (at(c, '.') || at(c, ',')) {
                c->i++;
                size_t k = ndigits(c);
                if (k < 1 || k > 9) return -1;
                frac = take(c, k);
                for (size_t j = k; j < 9; j++) frac *= 10;
            }
        }
    } else if (ext) return -1;
    if (h > 23 || mi > 59 || s > 59) return -1;
    *nanos = ((int64_t)h * 3600 + mi * 60 + s) * QT_NANOS_PER_SECOND + frac;
    return 0;
}

/* Optional offset and/or [zone]. */
static int parse_zone(cur *c, bool *has, qt_zone *z, bool *has_offset, int32_t *offset, cy_error *err) {
    *has = false;
    *has_offset = false;
    if (at(c, 'Z') || at(c, 'z')) {
        c->i++;
        *has = *has_offset = true;
        *offset = 0;
        z->tz = NULL;
        z->offset = 0;
    } else if (at(c, '+') || at(c, '-')) {
        size_t b = c->i;
        c->i++;
        while (c->i < c->n && (isdig(c, 0) || at(c, ':'))) c->i++;
        if (qt_zone_parse(c->s + b, c->i - b, z, err)) return -1;
        *has = *has_offset = true;
        *offset = z->offset;
    }
    if (at(c, '[')) {
        size_t b = ++c->i;
        while (c->i < c->n && !at(c, ']')) c->i++;
        if (!at(c, ']')) return -1;
        qt_zone named;
        if (qt_zone_parse(c->s + b, c->i - b, &named, err)) return -1;
        c->i++;
        *z = named;
        *has = true;
    }
    return 0;
}

static int parse_duration(qv_arena *a, const char *s, size_t n, qval *out, cy_error *err);

int qtemporal_parse(qv_arena *a, qtype t, const char *s, size_t n, qval *out, cy_error *err) {
    static const char *names[] = {[QT_DATE] = "Date", [QT_LOCALTIME] = "LocalTime", [QT_TIME] = "Time",
                                  [QT_LOCALDATETIME] = "LocalDateTime", [QT_DATETIME] = "DateTime"};
    if (t == QT_DURATION) return parse_duration(a, s, n, out, err);
    if (t < QT_DATE || t > QT_DATETIME) return qt_err_type(err, "Not a temporal type");
    cur c = {s, n, 0};
    int64_t days = 0, nanos = 0;
    bool want_date = t == QT_DATE || t == QT_LOCALDATETIME || t == QT_DATETIME;
    bool want_time = t != QT_DATE;
    bool want_zone = t == QT_TIME || t == QT_DATETIME;
    if (want_date) {
        if (parse_date(&c, &days)) return bad(err, names[t], s, n);
        if (t != QT_DATE && at(&c, 'T')) {
            c.i++;
            if (parse_time(&c, &nanos)) return bad(err, names[t], s, n);
        }
    } else {
        if (at(&c, 'T')) c.i++;
        if (parse_time(&c, &nanos)) return bad(err, names[t], s, n);
    }
    (void)want_time;
    bool has_zone = false, has_off = false;
    int32_t off = 0;
    qt_zone z = {NULL, 0};
    if (c.i < n && want_zone) {
        if (parse_zone(&c, &has_zone, &z, &has_off, &off, err)) {
            if (err && err->cls) return -1;
            return bad(err, names[t], s, n);
        }
        if (t == QT_TIME && z.tz) return bad(err, names[t], s, n);
    }
    if (c.i != n) return bad(err, names[t], s, n);
    switch (t) {
    case QT_DATE: *out = qt_make(a, t, days, 0, 0, NULL); break;
    case QT_LOCALTIME: *out = qt_make(a, t, 0, nanos, 0, NULL); break;
    case QT_LOCALDATETIME: *out = qt_make(a, t, days, nanos, 0, NULL); break;
    case QT_TIME: *out = qt_make(a, t, 0, nanos, z.offset, NULL); break;
    default:
        *out = qt_datetime_local(a, days, nanos, z, has_off ? &off : NULL);
        /* both an offset and a zone: they must agree (java.time's ZonedDateTime.ofStrict) */
        if (has_off && z.tz && (out->tm->offset != off || out->tm->days != days || out->tm->nanos != nanos))
            return qt_err_value(err, "Timezone and offset do not match: '%.*s'", (int)(n > 80 ? 80 : n), s);
        break;
    }
    return 0;
}

/* ---- durations ---- */

static int parse_num(cur *c, qt_num *v, bool seconds) {
    int sign = 1;
    if (at(c, '-') || at(c, '+')) { sign = at(c, '-') ? -1 : 1; c->i++; }
    size_t k = ndigits(c);
    if (k == 0 || k > 18) return -1;
    int64_t ip = take(c, k);
    if (at(c, '.') || at(c, ',')) {
        c->i++;
        size_t f = ndigits(c);
        if (f == 0) return -1;
        size_t b = c->i;
        if (seconds && f <= 9) {   /* exact nanoseconds */
            int64_t fr = take(c, f);
            for (size_t j = f; j < 9; j++) fr *= 10;
            v->is_float = false;
            v->i = sign * ip;
            v->extra_nanos = sign * fr;
            return 0;
        }
        double x = (double)ip, scale = 0.1;
        for (size_t j = 0; j < f; j++, scale /= 10) x += (c->s[b + j] - '0') * scale;
        c->i += f;
        v->is_float = true;
        v->f = sign * x;
        return 0;
    }
    v->is_float = false;
    v->i = sign * ip;
    return 0;
}

static int parse_duration(qv_arena *a, const char *s, size_t n, qval *out, cy_error *err) {
    cur c = {s, n, 0};
    qt_num f[QT_DUR_NFIELDS];
    memset(f, 0, sizeof f);
    int sign = 1;
    if (at(&c, '-') || at(&c, '+')) { sign = at(&c, '-') ? -1 : 1; c.i++; }
    if (!at(&c, 'P') && !at(&c, 'p')) return bad(err, "Duration", s, n);
    c.i++;
    /* the alternative form P2012-02-02T14:37:21.545 */
    size_t k = ndigits(&c);
    if (k == 4 && c.i + 4 < n && c.s[c.i + 4] == '-') {
        int64_t y = take(&c, 4), m = 0, d = 0, h = 0, mi = 0, sec = 0, fr = 0;
        if (!at(&c, '-') || (c.i++, ndigits(&c) != 2)) return bad(err, "Duration", s, n);
        m = take(&c, 2);
        if (!at(&c, '-') || (c.i++, ndigits(&c) != 2)) return bad(err, "Duration", s, n);
        d = take(&c, 2);
        if (at(&c, 'T')) {
            c.i++;
            int64_t ns;
            if (parse_time(&c, &ns)) return bad(err, "Duration", s, n);
            h = ns / 3600000000000LL;
            mi = ns / 60000000000LL % 60;
            sec = ns / QT_NANOS_PER_SECOND % 60;
            fr = ns % QT_NANOS_PER_SECOND;
        }
        if (c.i != n || m > 12 || d > 31) return bad(err, "Duration", s, n);
        f[QT_DUR_YEARS].i = sign * y;
        f[QT_DUR_MONTHS].i = sign * m;
        f[QT_DUR_DAYS].i = sign * d;
        f[QT_DUR_HOURS].i = sign * h;
        f[QT_DUR_MINUTES].i = sign * mi;
        f[QT_DUR_SECONDS].i = sign * sec;
        f[QT_DUR_NANOS].i = sign * fr;
        return qt_duration_build(a, f, out, err);
    }
    bool time_part = false, any = false;
    int last = -1;
    while (c.i < n) {
        if (at(&c, 'T') || at(&c, 't')) {
            if (time_part) return bad(err, "Duration", s, n);
            time_part = true;
            c.i++;
            if (c.i >= n) return bad(err, "Duration", s, n);
            continue;
        }
        qt_num v = {0};
        if (parse_num(&c, &v, true)) return bad(err, "Duration", s, n);
        if (c.i >= n) return bad(err, "Duration", s, n);
        char u = c.s[c.i++];
        if (u >= 'a' && u <= 'z') u = (char)(u - 'a' + 'A');
        int field;
        if (!time_part) {
            switch (u) {
            case 'Y': field = QT_DUR_YEARS; break;
            case 'M': field = QT_DUR_MONTHS; break;
            case 'W': field = QT_DUR_WEEKS; break;
            case 'D': field = QT_DUR_DAYS; break;
            default: return bad(err, "Duration", s, n);
            }
        } else {
            switch (u) {
            case 'H': field = QT_DUR_HOURS; break;
            case 'M': field = QT_DUR_MINUTES; break;
            case 'S': field = QT_DUR_SECONDS; break;
            default: return bad(err, "Duration", s, n);
            }
        }
        if (field <= last) return bad(err, "Duration", s, n);
        if (field != QT_DUR_SECONDS && v.extra_nanos) {   /* fraction of a non-second unit: a double */
            v.is_float = true;
            v.f = (double)v.i + (double)v.extra_nanos / 1e9;
            v.extra_nanos = 0;
        }
        last = field;
        if (sign < 0) { v.i = -v.i; v.f = -v.f; v.extra_nanos = -v.extra_nanos; }
        if (field == QT_DUR_SECONDS && v.extra_nanos) {
            f[QT_DUR_NANOS].i = v.extra_nanos;
            v.extra_nanos = 0;
        }
        f[field] = v;
        any = true;
    }
    if (!any) return bad(err, "Duration", s, n);
    return qt_duration_build(a, f, out, err);
}
