/* names.c — the file names of database snapshots.
 *
 * Owns: the mapping from a graph name (any bytes a user types: spaces, '/', unicode) to a file name that is
 * safe in any directory, unique per name and stable across versions (it only depends on the name). The
 * real name is kept inside the file; this mapping is only used to find it. Must not touch the disk.
 */
#include "store/checksum.h"
#include "store/store.h"

#include <stdio.h>
#include <string.h>

#define ENC_MAX 200 /* longest encoding kept whole */
#define ENC_CUT 180 /* longer ones keep this much, then '~' and 16 hex digits of a hash */

static int keep(unsigned char c, size_t i) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
           (c == '.' && i > 0);
}

/* Encodes name into out (room for limit bytes); returns the bytes name needs in full. */
static size_t encode(const char *name, size_t len, char *out, size_t limit) {
    static const char hex[] = "0123456789ABCDEF";
    size_t o = 0, need = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)name[i];
        size_t w = keep(c, i) ? 1 : 3;
        if (need + w <= limit) {
            if (w == 1) {
                out[o++] = (char)c;
            } else {
                out[o++] = '%';
                out[o++] = hex[c >> 4];
                out[o++] = hex[c & 15];
            }
        } else {
            limit = 0; /* stop at a whole character */
        }
        need += w;
    }
    out[o] = 0;
    return need;
}

void store_file_name(const char *name, char out[STORE_FILE_NAME_MAX]) {
    size_t len = strlen(name);
    if (encode(name, len, out, ENC_MAX) > ENC_MAX) {
        encode(name, len, out, ENC_CUT);
        size_t o = strlen(out);
        snprintf(out + o, STORE_FILE_NAME_MAX - o, "~%016llx", (unsigned long long)store_checksum64(name, len, 0));
    }
    strcat(out, ".qvg");
}
