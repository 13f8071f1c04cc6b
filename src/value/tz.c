/* tz.c — TZif reader, POSIX TZ rules and the process-wide zone cache (see tz.h for why it is shared).
 * Must not: know about qval or openCypher; must not trust the files (every count and index is checked).
 */
#include "value/tz.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/hash.h"
#include "value/temporal_int.h"

/* A POSIX TZ rule date: Mm.w.d, Jn (1..365, no leap day) or n (0..365). */
typedef struct tzrule_date { char kind; int m, w, d; int32_t time; } tzrule_date;

typedef struct tzposix {
    bool valid, has_dst;
    int32_t std_off, dst_off;   /* seconds east of UTC */
    tzrule_date start, end;
} tzposix;

struct qtz {
    char *name;
    int64_t *times;     /* transition instants, ascending */
    uint8_t *idx;       /* type index after each transition */
    int32_t *offs;      /* offset of each type */
    uint32_t ntimes, ntypes;
    tzposix rule;
};

/* The cache: an open-addressing table of zones by name, half full at most. Zones are never removed. */
#define QTZ_MAX_ZONES 2048
#define QTZ_SLOTS 4096

static pthread_mutex_t qtz_lock = PTHREAD_MUTEX_INITIALIZER;
static struct qtz *qtz_slots[QTZ_SLOTS];
static unsigned qtz_count;

static int64_t be(const uint8_t *p, int n) {
    uint64_t v = 0;
    for (int i = 0; i < n; i++) v = (v << 8) | p[i];
    if (n == 4) return (int32_t)(uint32_t)v;
    return (int64_t)v;
}

/* ---- POSIX TZ strings ("CET-1CEST,M3.5.0,M10.5.0/3") ---- */

static const char *px_name(const char *s) {
    if (*s == '<') {
        while (*s && *s != '>') s++;
        return *s ? s + 1 : NULL;
    }
    const char *b = s;
    while ((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z')) s++;
    return s - b >= 3 ? s : NULL;
}

static const char *px_time(const char *s, int32_t *out) {
    int sign = 1;
    if (*s == '+' || *s == '-') { if (*s == '-') sign = -1; s++; }
    if (*s < '0' || *s > '9') return NULL;
    int32_t v[3] = {0, 0, 0};
    for (int k = 0; k < 3; k++) {
        if (k && *s != ':') break;
        if (k) s++;
        if (*s < '0' || *s > '9') return NULL;
        int x = 0;
        while (*s >= '0' && *s <= '9' && x < 1000) x = x * 10 + (*s++ - '0');
        v[k] = x;
    }
    *out = sign * (v[0] * 3600 + v[1] * 60 + v[2]);
    return s;
}

static const char *px_date(const char *s, tzrule_date *r) {
    if (*s == 'M') {
        r->kind = 'M';
        if (sscanf(s + 1, "%d.%d.%d", &r->m, &r->w, &r->d) != 3) return NULL;
        if (r->m < 1 || r->m > 12 || r->w < 1 || r->w > 5 || r->d < 0 || r->d > 6) return NULL;
        s++;
        while ((*s >= '0' && *s <= '9') || *s == '.') s++;
    } else {
        r->kind = 'n';
        if (*s == 'J') { r->kind = 'J'; s++; }
        if (*s < '0' || *s > '9') return NULL;
        int x = 0;
        while (*s >= '0' && *s <= '9' && x < 1000) x = x * 10 + (*s++ - '0');
        r->d = x;
        if (x > 365) return NULL;
    }
    r->time = 7200;
    if (*s == '/') s = px_time(s + 1, &r->time);
    return s;
}

static void px_parse(const char *s, tzposix *p) {
    memset(p, 0, sizeof *p);
    int32_t t;
    if (!(s = px_name(s)) || !(s = px_time(s, &t))) return;
    p->std_off = -t;
    if (!*s) { p->valid = true; return; }
    if (!(s = px_name(s))) return;
    p->dst_off = p->std_off + 3600;
    if (*s && *s != ',') {
        if (!(s = px_time(s, &t))) return;
        p->dst_off = -t;
    }
    if (*s != ',') return;   /* a DST zone without rules: not supported, fall back to the last transition */
    if (!(s = px_date(s + 1, &p->start)) || *s != ',' || !(s = px_date(s + 1, &p->end))) return;
    p->has_dst = true;
    p->valid = true;
}

/* The day (days since the epoch) a rule date falls on in year y. */
static int64_t px_day(const tzrule_date *r, int64_t y) {
    if (r->kind == 'J') {
        int64_t d = qt_days_from_civil(y, 1, 1) + r->d - 1;
        if (qt_is_leap(y) && r->d >= 60) d++;
        return d;
    }
    if (r->kind == 'n') return qt_days_from_civil(y, 1, 1) + r->d;
    int64_t first = qt_days_from_civil(y, r->m, 1);
    int dow0 = qt_day_of_week(first) % 7;   /* 0 = Sunday */
    int64_t d = first + ((r->d - dow0) % 7 + 7) % 7 + (int64_t)(r->w - 1) * 7;
    int64_t last = first + qt_month_len(y, r->m) - 1;
    while (d > last) d -= 7;
    return d;
}

static int32_t px_offset(const tzposix *p, int64_t t) {
    if (!p->has_dst) return p->std_off;
    int64_t y; int m, d;
    qt_civil_from_days(qt_fdiv(t + p->std_off, QT_SECONDS_PER_DAY), &y, &m, &d);
    int64_t start = px_day(&p->start, y) * QT_SECONDS_PER_DAY + p->start.time - p->std_off;
    int64_t end = px_day(&p->end, y) * QT_SECONDS_PER_DAY + p->end.time - p->dst_off;
    bool dst = start < end ? (t >= start && t < end) : !(t >= end && t < start);
    return dst ? p->dst_off : p->std_off;
}

/* ---- TZif ---- */

static struct qtz *tzif_parse(const uint8_t *b, size_t n, const char *name, size_t nlen) {
    if (n < 44 || memcmp(b, "TZif", 4) != 0) return NULL;
    size_t pos = 0;
    int tsize = 4;
    for (int pass = 0; pass < 2; pass++) {
        if (pos + 44 > n || memcmp(b + pos, "TZif", 4) != 0) return NULL;
        uint8_t ver = b[pos + 4];
        int64_t c[6];
        for (int i = 0; i < 6; i++) c[i] = be(b + pos + 20 + 4 * i, 4);
        for (int i = 0; i < 6; i++) if (c[i] < 0 || c[i] > 100000) return NULL;
        int64_t isut = c[0], isstd = c[1], leap = c[2], ntimes = c[3], ntypes = c[4], nchars = c[5];
        size_t body = (size_t)(ntimes * tsize + ntimes + ntypes * 6 + nchars + leap * (tsize + 4) + isstd + isut);
        if (pos + 44 + body > n || ntypes < 1) return NULL;
        if (pass == 0 && ver >= '2') { pos += 44 + body; tsize = 8; continue; }
        const uint8_t *p = b + pos + 44;
        struct qtz *z = calloc(1, sizeof *z);
        if (!z) return NULL;
        z->name = malloc(nlen + 1);
        z->times = malloc(sizeof *z->times * (size_t)(ntimes ? ntimes : 1));
        z->idx = malloc((size_t)(ntimes ? ntimes : 1));
        z->offs = malloc(sizeof *z->offs * (size_t)ntypes);
        if (!z->name || !z->times || !z->idx || !z->offs) {
            free(z->name); free(z->times); free(z->idx); free(z->offs); free(z);
            return NULL;
        }
        memcpy(z->name, name, nlen);
        z->name[nlen] = 0;
        z->ntimes = (uint32_t)ntimes;
        z->ntypes = (uint32_t)ntypes;
        for (int64_t i = 0; i < ntimes; i++) z->times[i] = be(p + i * tsize, tsize);
        p += ntimes * tsize;
        for (int64_t i = 0; i < ntimes; i++) z->idx[i] = p[i] < ntypes ? p[i] : 0;
        p += ntimes;
        for (int64_t i = 0; i < ntypes; i++) z->offs[i] = (int32_t)be(p + i * 6, 4);
        size_t foot = pos + 44 + body;
        if (tsize == 8 && foot < n && b[foot] == '\n') {
            char tzs[128];
            size_t k = 0;
            for (size_t i = foot + 1; i < n && b[i] != '\n' && k + 1 < sizeof tzs; i++) tzs[k++] = (char)b[i];
            tzs[k] = 0;
            px_parse(tzs, &z->rule);
        }
        return z;
    }
    return NULL;
}

static bool valid_zone_name(const char *s, size_t n) {
    if (n == 0 || n > 100 || s[0] == '/' || s[0] == '.') return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '/' ||
                  c == '_' || c == '-' || c == '+';
        if (!ok) return false;
        if (c == '/' && (i + 1 == n || s[i + 1] == '/' || s[i + 1] == '.')) return false;
    }
    return true;
}

/* Looks up a tab-separated table of the tz database: in zone.tab, the country code of zone `name`; in
 * zone1970.tab, the one zone whose country list holds `cc` (NULL when none or several). */
static bool tab_lookup(const char *dir, const char *file, const char *name, size_t n, const char *cc, char *out,
                       size_t outsz) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    FILE *f = fopen(path, "r");
    if (!f) return false;
    char line[1024];
    int hits = 0;
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#') continue;
        char *sv = NULL;
        char *codes = strtok_r(line, "\t", &sv), *coord = strtok_r(NULL, "\t", &sv), *zone = strtok_r(NULL, "\t\n", &sv);
        if (!codes || !coord || !zone) continue;
        if (!cc) {
            if (strlen(zone) == n && memcmp(zone, name, n) == 0) { snprintf(out, outsz, "%s", codes); hits = 1; break; }
            continue;
        }
        if (strlen(zone) == n && memcmp(zone, name, n) == 0) { hits = 0; break; }   /* a canonical zone itself */
        for (char *c = codes; c && *c;) {
            char *comma = strchr(c, ',');
            size_t len = comma ? (size_t)(comma - c) : strlen(c);
            if (len == strlen(cc) && memcmp(c, cc, len) == 0) { snprintf(out, outsz, "%s", zone); hits++; }
            c = comma ? comma + 1 : NULL;
        }
    }
    fclose(f);
    return hits == 1;
}

/* java.time's tz database is compiled from the main IANA data, where a zone that has agreed with another
 * since 1970 is a link to it (Europe/Stockholm to Europe/Berlin); Debian builds zoneinfo with the
 * historical "backzone" data instead. Following the link gives the offsets openCypher (Neo4j) users get:
 * datetime('1818-07-21T21:40:32.142[Europe/Stockholm]') is at +00:53:28. The file name to read is written
 * to file (the zone keeps its own name). */
static void canonical_file(const char *dir, const char *name, size_t n, char *file, size_t filesz) {
    snprintf(file, filesz, "%.*s", (int)n, name);
    char cc[64], target[128];
    if (!tab_lookup(dir, "zone1970.tab", name, n, NULL, cc, sizeof cc)) {
        if (tab_lookup(dir, "zone.tab", name, n, NULL, cc, sizeof cc) && !strchr(cc, ',') &&
            tab_lookup(dir, "zone1970.tab", name, n, cc, target, sizeof target))
            snprintf(file, filesz, "%s", target);
    }
}

static struct qtz *tz_load(const char *name, size_t n) {
    const char *dir = getenv("TZDIR");
    if (!dir || !*dir) dir = "/usr/share/zoneinfo";
    char file[256], path[512];
    canonical_file(dir, name, n, file, sizeof file);
    snprintf(path, sizeof path, "%s/%s", dir, file);
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    uint8_t *buf = malloc(1 << 20);
    size_t len = buf ? fread(buf, 1, 1 << 20, f) : 0;
    fclose(f);
    struct qtz *z = buf ? tzif_parse(buf, len, name, n) : NULL;
    free(buf);
    return z;
}

const qtz *qtz_get(const char *name, size_t n) {
    if (!valid_zone_name(name, n)) return NULL;
    size_t slot = (size_t)(qv_hash_bytes(name, n) & (QTZ_SLOTS - 1));
    pthread_mutex_lock(&qtz_lock);
    struct qtz *z;
    while ((z = qtz_slots[slot]) && !(strlen(z->name) == n && memcmp(z->name, name, n) == 0))
        slot = (slot + 1) & (QTZ_SLOTS - 1);
    if (!z && qtz_count < QTZ_MAX_ZONES) {
        z = tz_load(name, n);
        if (z) {
            qtz_slots[slot] = z;
            qtz_count++;
        }
    }
    pthread_mutex_unlock(&qtz_lock);
    return z;
}

const char *qtz_name(const qtz *z) { return z->name; }

int32_t qtz_offset_at(const qtz *z, int64_t t) {
    if (z->ntimes == 0) return z->rule.valid ? px_offset(&z->rule, t) : z->offs[0];
    if (t < z->times[0]) return z->offs[0];
    if (t >= z->times[z->ntimes - 1] && z->rule.valid) return px_offset(&z->rule, t);
    uint32_t lo = 0, hi = z->ntimes;   /* last transition <= t */
    while (hi - lo > 1) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (z->times[mid] <= t) lo = mid;
        else hi = mid;
    }
    return z->offs[z->idx[lo]];
}
