/* clock.h — monotonic and wall clocks in one unit (nanoseconds as uint64_t / double seconds). */
#ifndef QV_CLOCK_H
#define QV_CLOCK_H

#include <stdint.h>

uint64_t qv_now_ns(void);      /* CLOCK_MONOTONIC */
uint64_t qv_wall_ms(void);     /* CLOCK_REALTIME, milliseconds since the epoch */
double qv_seconds_since(uint64_t start_ns);
/* Parses a duration such as "10m", "30s", "2h", "1500ms" or a bare number of seconds. */
int qv_parse_duration_ms(const char *s, uint64_t *out_ms);
/* Parses a size such as "2GiB", "512MiB", "64KiB", "1G", "4096". */
int qv_parse_size(const char *s, uint64_t *out);

#endif
