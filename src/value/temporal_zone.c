/* temporal_zone.c — zones as openCypher temporal values use them: parsing "+01:00" / "Z" / zone names,
 * offsets at instants, and resolving a local date-time in a zone with java.time's rules for gaps and
 * overlaps (Neo4j's semantics, which openCypher follows).
 * Must not: read zone files itself (tz.c does, and caches them).
 */
#include <string.h>

#include "value/temporal_int.h"
#include "value/tz.h"

static int digits(const char *s, size_t n, size_t i, size_t k, int *out) {
    if (i + k > n) return -1;
    int v = 0;
    for (size_t j = 0; j < k; j++) {
        if (s[i + j] < '0' || s[i + j] > '9') return -1;
        v = v * 10 + (s[i + j] - '0');
    }
    *out = v;
    return 0;
}

/* "+h", "+hh", "+hh:mm", "+hhmm", "+hh:mm:ss", "+hhmmss" (java.time's ZoneOffset.of). */
static int parse_offset(const char *s, size_t n, int32_t *off) {
    if (n < 2 || (s[0] != '+' && s[0] != '-')) return -1;
    int sign = s[0] == '-' ? -1 : 1;
    int h = 0, m = 0, sec = 0;
    size_t i = 1;
    if (n == 2) { if (digits(s, n, 1, 1, &h)) return -1; i = 2; }
    else {
        if (digits(s, n, 1, 2, &h)) return -1;
        i = 3;
        if (i < n) {
            bool colon = s[i] == ':';
            if (colon) i++;
            if (digits(s, n, i, 2, &m)) return -1;
            i += 2;
            if (i < n) {
                if (colon != (s[i] == ':')) return -1;
                if (colon) i++;
                if (digits(s, n, i, 2, &sec)) return -1;
                i += 2;
            }
        }
    }
    if (i != n || h > 18 || m > 59 || sec > 59 || (h == 18 && (m || sec))) return -1;
    *off = sign * (h * 3600 + m * 60 + sec);
    return 0;
}

int qt_zone_parse(const char *s, size_t n, qt_zone *z, cy_error *err) {
    z->tz = NULL;
    z->offset = 0;
    if (n == 1 && (s[0] == 'Z' || s[0] == 'z')) return 0;
    if (n && (s[0] == '+' || s[0] == '-')) {
        if (parse_offset(s, n, &z->offset) == 0) return 0;
        return qt_err_value(err, "Invalid time zone offset '%.*s' (expected +hh:mm, +hhmm, +hh or Z, within "
                                 "+-18:00)", (int)(n > 64 ? 64 : n), s);
    }
    const qtz *tz = qtz_get(s, n);
    if (!tz) return qt_err_value(err, "Unknown time zone '%.*s' (expected an IANA zone id such as "
                                      "Europe/Stockholm, or an offset such as +01:00)", (int)(n > 64 ? 64 : n), s);
    z->tz = tz;
    return 0;
}

int32_t qt_zone_offset_at_instant(qt_zone z, int64_t epoch_sec) {
    return z.tz ? qtz_offset_at(z.tz, epoch_sec) : z.offset;
}

int32_t qt_zone_resolve_local(qt_zone z, int64_t *days, int64_t *nanos, const int32_t *prefer) {
    if (!z.tz) return z.offset;
    int64_t local = *days * QT_SECONDS_PER_DAY + *nanos / QT_NANOS_PER_SECOND;
    int32_t early = qtz_offset_at(z.tz, local - QT_SECONDS_PER_DAY);
    int32_t late = qtz_offset_at(z.tz, local + QT_SECONDS_PER_DAY);
    bool early_ok = qtz_offset_at(z.tz, local - early) == early;
    bool late_ok = qtz_offset_at(z.tz, local - late) == late;
    if (early_ok && late_ok && early != late) {     /* overlap: the earlier offset unless told otherwise */
        if (prefer && *prefer == late) return late;
        return early;
    }
    if (early_ok) return early;
    if (late_ok) return late;
    /* a gap: move forward by its length, to the same instant under the earlier offset */
    int64_t shift = (int64_t)late - early;
    int64_t ns = *nanos + shift * QT_NANOS_PER_SECOND;
    *days += qt_fdiv(ns, QT_NANOS_PER_DAY);
    *nanos = qt_fmod(ns, QT_NANOS_PER_DAY);
    return late;
}

qt_zone qt_zone_of(const qtemporal *tm) {
    qt_zone z = {NULL, tm->offset};
    if (tm->zone) z.tz = qtz_get(tm->zone, strlen(tm->zone));
    return z;
}

qval qt_datetime_local(qv_arena *a, int64_t days, int64_t nanos, qt_zone z, const int32_t *prefer) {
    int32_t off = qt_zone_resolve_local(z, &days, &nanos, prefer);
    return qt_make(a, QT_DATETIME, days, nanos, off, z.tz ? qtz_name(z.tz) : NULL);
}

qval qt_datetime_instant(qv_arena *a, int64_t epoch_sec, int64_t nano_of_sec, qt_zone z) {
    int32_t off = qt_zone_offset_at_instant(z, epoch_sec);
    int64_t local = epoch_sec + off;
    return qt_make(a, QT_DATETIME, qt_fdiv(local, QT_SECONDS_PER_DAY),
                   qt_fmod(local, QT_SECONDS_PER_DAY) * QT_NANOS_PER_SECOND + nano_of_sec, off,
                   z.tz ? qtz_name(z.tz) : NULL);
}
