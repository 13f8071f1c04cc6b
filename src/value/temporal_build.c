/* temporal_build.c — temporal values from maps ({year: 1984, week: 10, dayOfWeek: 3}, {date: d, hour: 12},
 * {datetime: x, timezone: '+05:00'}), from other temporal values (date(datetime(...))), from the clock,
 * from epoch seconds, and truncation (date.truncate('month', x, {day: 5})).
 *
 * A value is built from a base (the date, time and zone of the values given under date / time / datetime,
 * or of the truncated value) overridden field by field. A date is given in one of four styles: calendar
 * (year, month, day), week (year, week, dayOfWeek), ordinal (year, ordinalDay) or quarter (year, quarter,
 * dayOfQuarter). A time zone given with a zoned base converts the instant; otherwise it is attached.
 * Must not: parse strings (temporal_parse.c) or do arithmetic (temporal_arith.c).
 */
#include <string.h>
#include <strings.h>
#include <time.h>

#include "value/temporal_int.h"
#include "value/tz.h"

enum { K_YEAR, K_MONTH, K_DAY, K_WEEK, K_DOW, K_QUARTER, K_DOQ, K_ORDINAL, K_HOUR, K_MINUTE, K_SECOND, K_MS,
       K_US, K_NS, K_TZ, K_DATE, K_TIME, K_DATETIME, K_EPOCHSEC, K_EPOCHMS, NK };
static const char *const key_names[NK] = {
    "year", "month", "day", "week", "dayOfWeek", "quarter", "dayOfQuarter", "ordinalDay", "hour", "minute",
    "second", "millisecond", "microsecond", "nanosecond", "timezone", "date", "time", "datetime",
    "epochSeconds", "epochMillis"};

static const char *const type_names[] = {[QT_DATE] = "date", [QT_LOCALTIME] = "localtime", [QT_TIME] = "time",
                                         [QT_LOCALDATETIME] = "localdatetime", [QT_DATETIME] = "datetime"};

static bool has_date(qtype t) { return t == QT_DATE || t == QT_LOCALDATETIME || t == QT_DATETIME; }
static bool has_time(qtype t) { return t != QT_DATE && t >= QT_DATE && t <= QT_DATETIME; }
static bool has_zone(qtype t) { return t == QT_TIME || t == QT_DATETIME; }

/* What a value is built from. */
typedef struct spec {
    const qval *k[NK];           /* map fields (integers, a zone string, base values) */
    bool bdate, btime, bzone;    /* what the base provides */
    int64_t days, nanos;         /* base local date / time */
    qt_zone z;                   /* base zone */
    int32_t offset;              /* base offset (for the base instant) */
} spec;

static int64_t now_sec(void) { return (int64_t)time(NULL); }

static int spec_from_map(qtype t, qval map, spec *sp, cy_error *err) {
    memset(sp, 0, sizeof *sp);
    for (uint32_t i = 0; i < map.len; i++) {
        const qmapent *e = &map.ents[i];
        int k = -1;
        for (int j = 0; j < NK; j++)
            if (strlen(key_names[j]) == e->klen && strncasecmp(key_names[j], e->key, e->klen) == 0) { k = j; break; }
        bool ok = k >= 0;
        if (ok) {
            if (k <= K_ORDINAL || k == K_DATE) ok = has_date(t);
            else if (k <= K_NS) ok = has_time(t);
            else if (k == K_TZ) ok = has_zone(t);
            else if (k == K_TIME) ok = has_time(t);
            else if (k == K_DATETIME) ok = t == QT_LOCALDATETIME || t == QT_DATETIME;
            else ok = t == QT_DATETIME;
        }
        if (!ok) return qt_err_value(err, "%s(): unknown or inapplicable field '%.*s'", type_names[t], (int)e->klen, e->key);
        if (e->v.type == QT_NULL) continue;
        if (k <= K_NS || k == K_EPOCHSEC || k == K_EPOCHMS) {
            if (e->v.type != QT_INT)
                return qt_err_type(err, "%s(): field '%s' must be an Integer, not %s", type_names[t], key_names[k],
                                   qv_type_name((qtype)e->v.type));
        } else if (k == K_TZ) {
            if (e->v.type != QT_STRING)
                return qt_err_type(err, "%s(): timezone must be a String, not %s", type_names[t], qv_type_name((qtype)e->v.type));
        } else if (!qv_is_temporal(e->v)) {
            return qt_err_type(err, "%s(): field '%s' must be a temporal value, not %s", type_names[t], key_names[k],
                               qv_type_name((qtype)e->v.type));
        }
        sp->k[k] = &e->v;
    }
    /* bases: datetime gives date, time and zone; date gives a date; time gives a time (and zone) */
    const qval *bd = sp->k[K_DATETIME] ? sp->k[K_DATETIME] : sp->k[K_DATE];
    const qval *bt = sp->k[K_DATETIME] ? sp->k[K_DATETIME] : sp->k[K_TIME];
    if (bd) {
        if (!has_date((qtype)bd->type))
            return qt_err_type(err, "%s(): a %s has no date to select", type_names[t], qv_type_name((qtype)bd->type));
        sp->bdate = true;
        sp->days = bd->tm->days;
    }
    if (bt) {
        if (!has_time((qtype)bt->type))
            return qt_err_type(err, "%s(): a %s has no time to select", type_names[t], qv_type_name((qtype)bt->type));
        sp->btime = true;
        sp->nanos = bt->tm->nanos;
        if (has_zone((qtype)bt->type)) {
            sp->bzone = true;
            sp->offset = bt->tm->offset;
            sp->z = qt_zone_of(bt->tm);
            if (bt->type == QT_TIME) { sp->z.tz = NULL; sp->z.offset = sp->offset; }
        }
    }
    return 0;
}

static int get(const spec *sp, int k, int64_t *v) {
    if (!sp->k[k]) return 0;
    *v = sp->k[k]->i;
    return 1;
}

static int range(cy_error *err, const char *what, int64_t v, int64_t lo, int64_t hi) {
    if (v < lo || v > hi)
        return qt_err_value(err, "Invalid value for %s (valid values %lld - %lld): %lld", what, (long long)lo,
                            (long long)hi, (long long)v);
    return 0;
}

static int build_date(const spec *sp, qtype t, int64_t *days, cy_error *err) {
    bool week = sp->k[K_WEEK] || sp->k[K_DOW];
    bool ord = sp->k[K_ORDINAL] != NULL;
    bool quarter = sp->k[K_QUARTER] || sp->k[K_DOQ];
    bool cal = sp->k[K_MONTH] || sp->k[K_DAY];
    if (week + ord + quarter + cal > 1)
        return qt_err_value(err, "%s(): cannot mix calendar (month, day), week (week, dayOfWeek), ordinal "
                                 "(ordinalDay) and quarter (quarter, dayOfQuarter) fields", type_names[t]);
    int64_t y = 0;
    bool have_y = get(sp, K_YEAR, &y);
    if (!have_y && !sp->bdate) {
        bool any = false;
        for (int k = K_YEAR; k <= K_ORDINAL; k++) any |= sp->k[k] != NULL;
        if (any || t == QT_DATE || !sp->btime)
            return qt_err_value(err, "%s(): year must be specified", type_names[t]);
        /* a time-only base with no date at all cannot make a date-time */
        return qt_err_value(err, "%s(): year must be specified", type_names[t]);
    }
    if (have_y && range(err, "Year", y, QT_MIN_YEAR, QT_MAX_YEAR)) return -1;
    int64_t by = 0; int bm = 1, bd = 1;
    if (sp->bdate) qt_civil_from_days(sp->days, &by, &bm, &bd);
    if (week) {
        int64_t wy = y, w = 1, dow = 1;
        if (sp->bdate) {
            int bw, bdow; int64_t bwy;
            qt_week_date(sp->days, &bwy, &bw, &bdow);
            if (!have_y) wy = bwy;
            w = bw;
            dow = bdow;
        }
        get(sp, K_WEEK, &w);
        get(sp, K_DOW, &dow);
        if (range(err, "Week", w, 1, qt_weeks_in_year(wy)) || range(err, "DayOfWeek", dow, 1, 7)) return -1;
        *days = qt_days_from_week(wy, (int)w, (int)dow);
    } else if (ord) {
        if (!have_y) y = by;
        int64_t od = 1;
        get(sp, K_ORDINAL, &od);
        if (range(err, "DayOfYear", od, 1, qt_is_leap(y) ? 366 : 365)) return -1;
        *days = qt_days_from_civil(y, 1, 1) + od - 1;
    } else if (quarter) {
        if (!have_y) y = by;
        int64_t q = 1, dq = 1;
        if (sp->bdate) {
            q = (bm - 1) / 3 + 1;
            dq = sp->days - qt_days_from_civil(by, (int)(q - 1) * 3 + 1, 1) + 1;
        }
        get(sp, K_QUARTER, &q);
        get(sp, K_DOQ, &dq);
        if (range(err, "QuarterOfYear", q, 1, 4)) return -1;
        int64_t first = qt_days_from_civil(y, (int)(q - 1) * 3 + 1, 1);
        int64_t len = qt_days_from_civil(q == 4 ? y + 1 : y, q == 4 ? 1 : (int)q * 3 + 1, 1) - first;
        if (range(err, "DayOfQuarter", dq, 1, len)) return -1;
        *days = first + dq - 1;
    } else {
        if (!have_y) y = by;
        int64_t m = sp->bdate ? bm : 1, d = sp->bdate ? bd : 1;
        if (!sp->bdate && sp->k[K_DAY] && !sp->k[K_MONTH])
            return qt_err_value(err, "%s(): day cannot be given without month", type_names[t]);
        get(sp, K_MONTH, &m);
        get(sp, K_DAY, &d);
        if (range(err, "MonthOfYear", m, 1, 12) || range(err, "DayOfMonth", d, 1, qt_month_len(y, (int)m))) return -1;
        *days = qt_days_from_civil(y, (int)m, (int)d);
    }
    if (!qt_days_in_range(*days)) return qt_err_value(err, "%s(): the date is out of range", type_names[t]);
    return 0;
}

static int build_time(const spec *sp, qtype t, int64_t *nanos, cy_error *err) {
    int64_t h = 0, mi = 0, s = 0, frac = 0;
    bool hh = sp->k[K_HOUR], hm = sp->k[K_MINUTE], hs = sp->k[K_SECOND];
    bool hms = sp->k[K_MS], hus = sp->k[K_US], hns = sp->k[K_NS];
    if (sp->btime) {
        h = sp->nanos / 3600000000000LL;
        mi = sp->nanos / 60000000000LL % 60;
        s = sp->nanos / QT_NANOS_PER_SECOND % 60;
        frac = sp->nanos % QT_NANOS_PER_SECOND;
    } else {
        if (!hh && (t == QT_LOCALTIME || t == QT_TIME))
            return qt_err_value(err, "%s(): hour must be specified", type_names[t]);
        if ((hm && !hh) || (hs && !hm) || ((hms || hus || hns) && !hs))
            return qt_err_value(err, "%s(): a smaller time unit cannot be given without the larger ones "
                                     "(hour, minute, second, then millisecond/microsecond/nanosecond)", type_names[t]);
    }
    get(sp, K_HOUR, &h);
    get(sp, K_MINUTE, &mi);
    get(sp, K_SECOND, &s);
    if (range(err, "HourOfDay", h, 0, 23) || range(err, "MinuteOfHour", mi, 0, 59) ||
        range(err, "SecondOfMinute", s, 0, 59))
        return -1;
    if (hms || hus || hns) {
        int64_t ms = 0, us = 0, ns = 0;
        get(sp, K_MS, &ms);
        get(sp, K_US, &us);
        get(sp, K_NS, &ns);
        if (range(err, "MilliOfSecond", ms, 0, 999) ||
            range(err, "MicroOfSecond", us, 0, hms ? 999 : 999999) ||
            range(err, "NanoOfSecond", ns, 0, (hms || hus) ? 999 : 999999999))
            return -1;
        frac = ms * 1000000 + us * 1000 + ns;
    }
    *nanos = (h * 3600 + mi * 60 + s) * QT_NANOS_PER_SECOND + frac;
    return 0;
}

static int zone_of_string(const qval *v, qt_zone *z, cy_error *err) {
    return qt_zone_parse(v->s, v->len, z, err);
}

/* Builds type t from a spec (bases and fields). */
static int build(qv_arena *a, qtype t, const spec *sp, qval *out, cy_error *err) {
    int64_t days = 0, nanos = 0;
    if (t == QT_DATETIME && (sp->k[K_EPOCHSEC] || sp->k[K_EPOCHMS])) {
        for (int k = K_YEAR; k <= K_SECOND; k++)
            if (sp->k[k]) return qt_err_value(err, "datetime(): epochSeconds/epochMillis cannot be combined with %s", key_names[k]);
        if (sp->k[K_DATE] || sp->k[K_TIME] || sp->k[K_DATETIME] || (sp->k[K_EPOCHSEC] && sp->k[K_EPOCHMS]))
            return qt_err_value(err, "datetime(): epochSeconds/epochMillis cannot be combined with other bases");
        int64_t sec, ns = 0, ms = 0, us = 0, n = 0;
        if (sp->k[K_EPOCHSEC]) sec = sp->k[K_EPOCHSEC]->i;
        else { sec = qt_fdiv(sp->k[K_EPOCHMS]->i, 1000); ns = qt_fmod(sp->k[K_EPOCHMS]->i, 1000) * 1000000; }
        get(sp, K_MS, &ms);
        get(sp, K_US, &us);
        get(sp, K_NS, &n);
        if (range(err, "MilliOfSecond", ms, 0, 999) || range(err, "MicroOfSecond", us, 0, 999999) ||
            range(err, "NanoOfSecond", n, 0, 999999999))
            return -1;
        ns += ms * 1000000 + us * 1000 + n;
        sec += ns / QT_NANOS_PER_SECOND;
        ns %= QT_NANOS_PER_SECOND;
        qt_zone z = {NULL, 0};
        if (sp->k[K_TZ] && zone_of_string(sp->k[K_TZ], &z, err)) return -1;
        return qtemporal_from_epoch_zone(a, sec, ns, z, out, err);
    }
    if (has_date(t) && build_date(sp, t, &days, err)) return -1;
    if (has_time(t) && build_time(sp, t, &nanos, err)) return -1;
    if (!has_zone(t)) {
        *out = qt_make(a, t, days, nanos, 0, NULL);
        return 0;
    }
    qt_zone target = {NULL, 0};
    bool given = sp->k[K_TZ] != NULL;
    if (given && zone_of_string(sp->k[K_TZ], &target, err)) return -1;
    if (t == QT_TIME) {
        if (sp->bzone && given) {   /* convert: same instant of the day, new offset */
            int32_t to = target.tz ? qtz_offset_at(target.tz, now_sec()) : target.offset;
            int64_t n2 = qt_fmod(nanos + ((int64_t)to - sp->offset) * QT_NANOS_PER_SECOND, QT_NANOS_PER_DAY);
            *out = qt_make(a, t, 0, n2, to, NULL);
        } else {
            qt_zone z = sp->bzone ? sp->z : target;
            int32_t off = sp->bzone ? sp->offset : (z.tz ? qtz_offset_at(z.tz, now_sec()) : z.offset);
            *out = qt_make(a, t, 0, nanos, off, NULL);
        }
        return 0;
    }
    if (sp->bzone && given) {
        int32_t prefer = sp->offset;
        qval in_base = qt_datetime_local(a, days, nanos, sp->z, &prefer);
        int64_t s, n;
        qt_instant(in_base.tm, &s, &n);
        *out = qt_datetime_instant(a, s, n, target);
    } else {
        qt_zone z = sp->bzone ? sp->z : target;
        int32_t prefer = sp->offset;
        *out = qt_datetime_local(a, days, nanos, z, sp->bzone ? &prefer : NULL);
    }
    if (!qt_days_in_range(out->tm->days)) return qt_err_value(err, "datetime(): the date is out of range");
    return 0;
}

int qtemporal_from_map(qv_arena *a, qtype t, qval map, qval *out, cy_error *err) {
    if (map.type == QT_NULL) { *out = qv_null(); return 0; }
    if (map.type != QT_MAP) return qt_err_type(err, "Expected a map, got %s", qv_type_name((qtype)map.type));
    if (t == QT_DURATION) {
        static const char *const dn[QT_DUR_NFIELDS] = {"years", "months", "weeks", "days", "hours", "minutes",
                                                       "seconds", "milliseconds", "microseconds", "nanoseconds"};
        qt_num f[QT_DUR_NFIELDS];
        memset(f, 0, sizeof f);
        for (uint32_t i = 0; i < map.len; i++) {
            const qmapent *e = &map.ents[i];
            int k = -1;
            for (int j = 0; j < QT_DUR_NFIELDS; j++)
                if (strlen(dn[j]) == e->klen && strncasecmp(dn[j], e->key, e->klen) == 0) { k = j; break; }
            if (k < 0) return qt_err_value(err, "duration(): unknown field '%.*s' (expected years, months, weeks, days, "
                                                "hours, minutes, seconds, milliseconds, microseconds, nanoseconds)",
                                           (int)e->klen, e->key);
            if (e->v.type == QT_NULL) continue;
            if (e->v.type == QT_INT) f[k].i = e->v.i;
            else if (e->v.type == QT_FLOAT) { f[k].is_float = true; f[k].f = e->v.f; }
            else return qt_err_type(err, "duration(): field '%s' must be a number, not %s", dn[k], qv_type_name((qtype)e->v.type));
        }
        return qt_duration_build(a, f, out, err);
    }
    if (t < QT_DATE || t > QT_DATETIME) return qt_err_type(err, "Not a temporal type");
    spec sp;
    if (spec_from_map(t, map, &sp, err)) return -1;
    return build(a, t, &sp, out, err);
}

int qtemporal_from_epoch_zone(qv_arena *a, int64_t sec, int64_t nanos, qt_zone z, qval *out, cy_error *err) {
    sec += qt_fdiv(nanos, QT_NANOS_PER_SECOND);
    nanos = qt_fmod(nanos, QT_NANOS_PER_SECOND);
    if (sec < -31557014167219200LL || sec > 31556889864403199LL)
        return qt_err_value(err, "The epoch value is out of the supported range");
    *out = qt_datetime_instant(a, sec, nanos, z);
    return 0;
}

int qtemporal_from_epoch(qv_arena *a, int64_t seconds, int64_t nanos, qval *out, cy_error *err) {
    qt_zone z = {NULL, 0};
    return qtemporal_from_epoch_zone(a, seconds, nanos, z, out, err);
}

int qtemporal_convert(qv_arena *a, qtype t, qval src, qval *out, cy_error *err) {
    if (src.type == QT_NULL) { *out = qv_null(); return 0; }
    if (!qv_is_temporal(src)) return qt_err_type(err, "%s(): cannot convert a %s", type_names[t], qv_type_name((qtype)src.type));
    qtype s = (qtype)src.type;
    if ((has_date(t) && !has_date(s)) || (t == QT_LOCALTIME || t == QT_TIME ? !has_time(s) : false))
        return qt_err_type(err, "%s(): a %s has no %s", type_names[t], qv_type_name(s), has_date(t) ? "date" : "time");
    const qtemporal *tm = src.tm;
    switch (t) {
    case QT_DATE: *out = qt_make(a, t, tm->days, 0, 0, NULL); return 0;
    case QT_LOCALTIME: *out = qt_make(a, t, 0, tm->nanos, 0, NULL); return 0;
    case QT_TIME: *out = qt_make(a, t, 0, tm->nanos, has_zone(s) ? tm->offset : 0, NULL); return 0;
    case QT_LOCALDATETIME: *out = qt_make(a, t, tm->days, has_time(s) ? tm->nanos : 0, 0, NULL); return 0;
    case QT_DATETIME:
        if (s == QT_DATETIME) { *out = src; return 0; }
        *out = qt_make(a, t, tm->days, has_time(s) ? tm->nanos : 0, 0, NULL);
        return 0;
    default: return qt_err_type(err, "Not a temporal type");
    }
}

int qtemporal_now(qv_arena *a, qtype t, int64_t epoch_ns, qval zone, qval *out, cy_error *err) {
    qt_zone z = {NULL, 0};
    if (zone.type == QT_STRING) {
        if (zone.len && qt_zone_parse(zone.s, zone.len, &z, err)) return -1;
    } else if (zone.type != QT_NULL) {
        return qt_err_type(err, "%s(): the time zone must be a String, not %s", type_names[t], qv_type_name((qtype)zone.type));
    }
    qval dt = qt_datetime_instant(a, qt_fdiv(epoch_ns, QT_NANOS_PER_SECOND), qt_fmod(epoch_ns, QT_NANOS_PER_SECOND), z);
    if (t == QT_DATETIME) { *out = dt; return 0; }
    *out = qt_make(a, t, dt.tm->days, dt.tm->nanos, dt.tm->offset, NULL);
    return 0;
}

/* ---- truncation ---- */

static const char *const units[] = {"millennium", "century", "decade", "year", "weekYear", "quarter", "month",
                                    "week", "day", "hour", "minute", "second", "millisecond", "microsecond"};
enum { U_MILLENNIUM, U_CENTURY, U_DECADE, U_YEAR, U_WEEKYEAR, U_QUARTER, U_MONTH, U_WEEK, U_DAY, U_HOUR, U_MINUTE,
       U_SECOND, U_MS, U_US, NU };

int qtemporal_truncate(qv_arena *a, qtype t, qval unit, qval src, qval map, qval *out, cy_error *err) {
    if (unit.type == QT_NULL || src.type == QT_NULL) { *out = qv_null(); return 0; }
    if (unit.type != QT_STRING) return qt_err_type(err, "%s.truncate(): the unit must be a String", type_names[t]);
    if (!qv_is_temporal(src)) return qt_err_type(err, "%s.truncate(): cannot truncate a %s", type_names[t], qv_type_name((qtype)src.type));
    if (map.type != QT_NULL && map.type != QT_MAP) return qt_err_type(err, "%s.truncate(): the fields must be a Map", type_names[t]);
    int u = -1;
    for (int i = 0; i < NU; i++)
        if (strlen(units[i]) == unit.len && strncasecmp(units[i], unit.s, unit.len) == 0) { u = i; break; }
    if (u < 0) return qt_err_value(err, "%s.truncate(): unknown unit '%.*s'", type_names[t], (int)(unit.len > 40 ? 40 : unit.len), unit.s);
    qtype s = (qtype)src.type;
    if ((has_date(t) && !has_date(s)) || (!has_date(t) && !has_time(s)))
        return qt_err_type(err, "%s.truncate(): a %s cannot be truncated to a %s", type_names[t], qv_type_name(s), type_names[t]);
    if ((t == QT_DATE && u > U_DAY) || (!has_date(t) && u < U_DAY))
        return qt_err_value(err, "%s.truncate(): unit '%s' does not apply to a %s", type_names[t], units[u], type_names[t]);
    int64_t days = src.tm->days, nanos = has_time(s) ? src.tm->nanos : 0;
    if (u <= U_WEEK) {
        int64_t y; int m, d;
        qt_civil_from_days(days, &y, &m, &d);
        switch (u) {
        case U_MILLENNIUM: days = qt_days_from_civil(qt_fdiv(y, 1000) * 1000, 1, 1); break;
        case U_CENTURY: days = qt_days_from_civil(qt_fdiv(y, 100) * 100, 1, 1); break;
        case U_DECADE: days = qt_days_from_civil(qt_fdiv(y, 10) * 10, 1, 1); break;
        case U_YEAR: days = qt_days_from_civil(y, 1, 1); break;
        case U_WEEKYEAR: { int64_t wy; int w, dow; qt_week_date(days, &wy, &w, &dow); days = qt_days_from_week(wy, 1, 1); break; }
        case U_QUARTER: days = qt_days_from_civil(y, (m - 1) / 3 * 3 + 1, 1); break;
        case U_MONTH: days = qt_days_from_civil(y, m, 1); break;
        default: days -= qt_day_of_week(days) - 1; break;
        }
        nanos = 0;
    } else {
        static const int64_t step[] = {QT_NANOS_PER_DAY, 3600000000000LL, 60000000000LL, QT_NANOS_PER_SECOND, 1000000, 1000};
        nanos -= nanos % step[u - U_DAY];
    }
    spec sp;
    memset(&sp, 0, sizeof sp);
    if (map.type == QT_MAP && spec_from_map(t, map, &sp, err)) return -1;
    if (sp.k[K_DATE] || sp.k[K_TIME] || sp.k[K_DATETIME])
        return qt_err_value(err, "%s.truncate(): the fields cannot hold date, time or datetime", type_names[t]);
    sp.bdate = has_date(t);
    sp.btime = has_time(t);
    sp.days = days;
    sp.nanos = nanos;
    /* sub-second fields combine with what the unit kept: millisecond truncation + {nanosecond: 2} */
    qval keep_ms = qv_int(nanos % QT_NANOS_PER_SECOND / 1000000), keep_us = qv_int(nanos % QT_NANOS_PER_SECOND / 1000);
    if (u == U_MS && (sp.k[K_US] || sp.k[K_NS]) && !sp.k[K_MS]) sp.k[K_MS] = &keep_ms;
    else if (u == U_US && sp.k[K_NS] && !sp.k[K_US] && !sp.k[K_MS]) sp.k[K_US] = &keep_us;
    if (has_zone(t)) {
        /* the zone: the one given (attached, not converted), else the value's own, else UTC */
        sp.bzone = true;
        if (sp.k[K_TZ]) {
            if (zone_of_string(sp.k[K_TZ], &sp.z, err)) return -1;
            sp.k[K_TZ] = NULL;
            sp.offset = sp.z.tz ? qtz_offset_at(sp.z.tz, now_sec()) : sp.z.offset;
        } else if (has_zone(s)) {
            sp.z = qt_zone_of(src.tm);
            if (s == QT_TIME) { sp.z.tz = NULL; sp.z.offset = src.tm->offset; }
            sp.offset = src.tm->offset;
        } else {
            sp.z.tz = NULL;
            sp.z.offset = sp.offset = 0;
        }
        if (t == QT_DATETIME) {   /* resolve the truncated local date-time in the zone */
            int32_t off = qt_zone_resolve_local(sp.z, &sp.days, &sp.nanos, NULL);
            sp.offset = off;
            int64_t d2 = sp.days, n2 = sp.nanos;
            (void)d2; (void)n2;
        } else if (sp.z.tz) {
            sp.z.tz = NULL;
            sp.z.offset = sp.offset;
        }
    }
    return build(a, t, &sp, out, err);
}
