/* snapshot_crc.c — CRC32C of big sections.
 *
 * Owns: snap_crc32c, which is store_crc32c (checksum.c: the SSE4.2 crc32 instruction where the CPU has it, the
 * portable slice-by-8 tables otherwise); kept as the name the snapshot code uses. Must not know the file format.
 */
#include "store/checksum.h"
#include "store/snapshot.h"

uint32_t snap_crc32c(uint32_t crc, const void *p, size_t n) { return store_crc32c(crc, p, n); }
