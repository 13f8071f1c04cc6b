/* clock.c — clocks and the parsing of human durations and sizes for command-line flags. */
#include "util/clock.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

uint64_t qv_now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t qv_wall_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000ull + (uint64_t)ts.tv_nsec / 1000000ull;
}

double qv_seconds_since(uint64_t start_ns) { return (double)(qv_now_ns() - start_ns) / 1e9; }

static int parse_scaled(const char *s, const char *const *units, const double *scale, int nunits,
                        double dflt, double *out) {
    if (!s || !*s) return -1;
    errno = 0;
    char *end;
    double v = strtod(s, &end);
    if (errno || end == s || v < 0) return -1;
    while (isspace((unsigned char)*end)) end++;
    if (!*end) {
        *out = v * dflt;
        return 0;
    }
    for (int i = 0; i < nunits; i++)
        if (strcasecmp(end, units[i]) == 0) {
            *out = v * scale[i];
            return 0;
        }
    return -1;
}

int qv_parse_duration_ms(const char *s, uint64_t *out_ms) {
    static const char *const u[] = {"ms", "s", "m", "min", "h", "d"};
    static const double k[] = {1, 1e3, 6e4, 6e4, 3.6e6, 8.64e7};
    double v;
    if (parse_scaled(s, u, k, 6, 1e3, &v)) return -1;
    *out_ms = (uint64_t)v;
    return 0;
}

int qv_parse_size(const char *s, uint64_t *out) {
    static const char *const u[] = {"b", "k", "kb", "kib", "m", "mb", "mib", "g", "gb", "gib"};
    static const double k[] = {1, 1024, 1024, 1024, 1048576, 1048576, 1048576,
                               1073741824.0, 1073741824.0, 1073741824.0};
    double v;
    if (parse_scaled(s, u, k, 10, 1, &v)) return -1;
    *out = (uint64_t)v;
    return 0;
}
