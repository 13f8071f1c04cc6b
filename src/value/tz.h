/* tz.h — named time zones from the system tz database (TZif files under $TZDIR or /usr/share/zoneinfo).
 *
 * Owns: reading TZif (version 2+ 64-bit data, with the version 1 block as a fallback and the POSIX TZ
 * footer for instants after the last transition), the offset of a zone at an instant, and the process-
 * wide cache of parsed zones.
 * The cache is the one shared structure of the temporal code: parsing a zone file costs a file read and a
 * few hundred transitions, and queries ask for the same handful of zones again and again, so each zone is
 * parsed once, kept for the life of the process and never changed afterwards (readers need no lock once
 * they hold a pointer; only the lookup/insert takes a mutex).
 * Must not: know about qval or openCypher.
 */
#ifndef QV_VALUE_TZ_H
#define QV_VALUE_TZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct qtz qtz;

/* The zone named name[0..n) ("Europe/Stockholm", "UTC"), or NULL when the tz database has no such zone
 * or the name is not a valid zone id. The result lives until the process exits. */
const qtz *qtz_get(const char *name, size_t n);
/* The zone's id as it was asked for (NUL-terminated, lives with the zone). */
const char *qtz_name(const qtz *z);
/* Seconds east of UTC in effect at the UTC instant utc_sec. */
int32_t qtz_offset_at(const qtz *z, int64_t utc_sec);

#endif
