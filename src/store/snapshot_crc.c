/* snapshot_crc.c — CRC32C of big sections, with the SSE4.2 crc32 instruction where the CPU has it.
 *
 * Owns: snap_crc32c, which gives exactly store_crc32c's values (checksum.c, the portable slice-by-8 one) at
 * several times its speed: mapped files of gigabytes are verified with it. Must not know the file format.
 */
#include "store/checksum.h"
#include "store/snapshot.h"

#include <string.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define SNAP_CRC_HW 1
/* One stream of 8-byte steps (the instruction's latency bounds it near 8 bytes per 3 cycles, some GB/s). */
__attribute__((target("sse4.2"))) static uint32_t crc_hw(uint32_t crc, const uint8_t *p, size_t n) {
    uint64_t c = ~crc & 0xFFFFFFFFu;
    while (n && ((uintptr_t)p & 7)) {
        c = __builtin_ia32_crc32qi((uint32_t)c, *p++);
        n--;
    }
    while (n >= 64) {
        uint64_t w[8];
        memcpy(w, p, 64);
        for (int i = 0; i < 8; i++) c = __builtin_ia32_crc32di(c, w[i]);
        p += 64;
        n -= 64;
    }
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        c = __builtin_ia32_crc32di(c, w);
        p += 8;
        n -= 8;
    }
    while (n--) c = __builtin_ia32_crc32qi((uint32_t)c, *p++);
    return ~(uint32_t)c;
}
#endif

uint32_t snap_crc32c(uint32_t crc, const void *p, size_t n) {
#ifdef SNAP_CRC_HW
    if (__builtin_cpu_supports("sse4.2")) return crc_hw(crc, p, n);
#endif
    return store_crc32c(crc, p, n);
}
