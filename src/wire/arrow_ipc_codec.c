/* arrow_ipc_codec.c — Arrow IPC body compression: LZ4 frame (liblz4 LZ4F_*) and ZSTD (libzstd), one
 * buffer at a time, with the 8-byte uncompressed-length prefix handled by the callers.
 *
 * Owns: decompression of untrusted buffers — the claimed size is checked against what the codec can
 * physically expand to, the output grows only as real output appears (a lying claim costs nothing), and
 * the result must be exactly the claimed size — and compression for the writer. Must not: know about
 * Arrow buffers, columns or messages.
 */
#include "wire/arrow_ipc_int.h"

#include <lz4frame.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

struct arw_dctx {
    LZ4F_dctx *lz4;
    ZSTD_DCtx *zstd;
};

arw_dctx *arw_dctx_new(void) { return qv_calloc(1, sizeof(arw_dctx)); }

void arw_dctx_free(arw_dctx *c) {
    if (!c) return;
    if (c->lz4) LZ4F_freeDecompressionContext(c->lz4);
    if (c->zstd) ZSTD_freeDCtx(c->zstd);
    free(c);
}

static const char *codec_name(arw_codec codec) { return codec == ARW_CODEC_LZ4_FRAME ? "LZ4_FRAME" : "ZSTD"; }

/* The most a codec can expand n bytes to: LZ4 emits at most ~255 bytes per input byte (match length
 * extension bytes), ZSTD at most one 128 KiB block per 4 bytes (an RLE block). */
uint64_t arw_max_expansion(arw_codec codec, size_t n) {
    if (codec == ARW_CODEC_LZ4_FRAME) return (uint64_t)n * 256 + 4096;
    return (uint64_t)n * 32768 + (1u << 17);
}

typedef struct out_buf {
    uint8_t *p;
    size_t cap, len, claimed;
} out_buf;

/* Makes room for more output; -1 when the output already reached the claimed size. */
static int out_grow(out_buf *o) {
    if (o->cap >= o->claimed) return -1;
    size_t cap = o->cap * 2;
    if (cap < o->cap || cap > o->claimed) cap = o->claimed;
    o->p = qv_realloc(o->p, cap);
    o->cap = cap;
    return 0;
}

static int too_much(out_buf *o, arw_codec codec, qv_err *err) {
    free(o->p);
    o->p = NULL;
    return qv_err_set(err, QV_EINVAL,
                      "%s data decompresses to more than the %zu bytes its length prefix claims",
                      codec_name(codec), o->claimed);
}

static int fail(out_buf *o, qv_err *err, const char *codec, const char *why) {
    free(o->p);
    o->p = NULL;
    return qv_err_set(err, QV_EINVAL, "%s data is corrupt: %s", codec, why);
}

static int lz4_run(arw_dctx *c, const uint8_t *src, size_t n, out_buf *o, qv_err *err) {
    if (!c->lz4 && LZ4F_isError(LZ4F_createDecompressionContext(&c->lz4, LZ4F_VERSION)))
        return qv_err_set(err, QV_ENOMEM, "cannot create an LZ4 decompression context");
    LZ4F_resetDecompressionContext(c->lz4);
    size_t in = 0, r = 1;
    for (;;) {
        if (in == n && r == 0) return 0;
        size_t dsz = o->cap - o->len, ssz = n - in;
        r = LZ4F_decompress(c->lz4, o->p + o->len, &dsz, src + in, &ssz, NULL);
        if (LZ4F_isError(r)) {
            LZ4F_resetDecompressionContext(c->lz4);
            return fail(o, err, "LZ4_FRAME", LZ4F_getErrorName(r));
        }
        in += ssz;
        o->len += dsz;
        if (ssz || dsz) continue;
        if (o->len == o->cap) {
            if (out_grow(o)) return too_much(o, ARW_CODEC_LZ4_FRAME, err);
        } else if (in == n && r != 0) {
            return fail(o, err, "LZ4_FRAME", "the frame is truncated");
        } else if (in == n) {
            return 0;
        } else {
            return fail(o, err, "LZ4_FRAME", "the decoder made no progress");
        }
    }
}

static int zstd_run(arw_dctx *c, const uint8_t *src, size_t n, out_buf *o, qv_err *err) {
    if (!c->zstd && !(c->zstd = ZSTD_createDCtx()))
        return qv_err_set(err, QV_ENOMEM, "cannot create a ZSTD decompression context");
    ZSTD_DCtx_reset(c->zstd, ZSTD_reset_session_only);
    ZSTD_inBuffer in = {src, n, 0};
    size_t r = 1;
    for (;;) {
        if (in.pos == in.size && r == 0) return 0;
        size_t before_in = in.pos, before_out = o->len;
        ZSTD_outBuffer out = {o->p, o->cap, o->len};
        r = ZSTD_decompressStream(c->zstd, &out, &in);
        if (ZSTD_isError(r)) {
            ZSTD_DCtx_reset(c->zstd, ZSTD_reset_session_only);
            return fail(o, err, "ZSTD", ZSTD_getErrorName(r));
        }
        o->len = out.pos;
        if (in.pos != before_in || o->len != before_out) continue;
        if (o->len == o->cap) {
            if (out_grow(o)) return too_much(o, ARW_CODEC_ZSTD, err);
        } else if (in.pos == in.size) {
            return fail(o, err, "ZSTD", "the frame is truncated");
        } else {
            return fail(o, err, "ZSTD", "the decoder made no progress");
        }
    }
}

int arw_decompress_check(arw_codec codec, size_t n, uint64_t claimed, qv_err *err) {
    if (claimed <= arw_max_expansion(codec, n)) return 0;
    return qv_err_set(err, QV_EINVAL,
                      "length prefix claims %llu uncompressed bytes from %zu compressed bytes, more than %s "
                      "can expand to",
                      (unsigned long long)claimed, n, codec_name(codec));
}

int arw_decompress(arw_dctx *c, arw_codec codec, const uint8_t *src, size_t n, size_t claimed, bool exact,
                   uint8_t **out, size_t *out_len, qv_err *err) {
    *out = NULL;
    *out_len = 0;
    if (codec != ARW_CODEC_LZ4_FRAME && codec != ARW_CODEC_ZSTD)
        return qv_err_set(err, QV_EINVAL, "unknown compression codec %d", (int)codec);
    if (arw_decompress_check(codec, n, claimed, err)) return -1;
    out_buf o = {.claimed = claimed};
    o.cap = n * 4 > ((size_t)64 << 10) ? n * 4 : (size_t)64 << 10;
    if (o.cap > claimed) o.cap = claimed;
    o.p = qv_malloc(o.cap ? o.cap : 1);
    if (claimed == 0) { /* nothing to produce (Java writes a 0 prefix for empty buffers) */
        *out = o.p;
        return 0;
    }
    int rc = codec == ARW_CODEC_LZ4_FRAME ? lz4_run(c, src, n, &o, err) : zstd_run(c, src, n, &o, err);
    if (rc) return -1;
    if (exact && o.len != claimed) {
        free(o.p);
        return qv_err_set(err, QV_EINVAL, "%s data decompresses to %zu bytes but its length prefix claims %zu",
                          codec_name(codec), o.len, claimed);
    }
    *out = o.p;
    *out_len = o.len;
    return 0;
}

/* ---- compression (writer) --------------------------------------------------------------------- */

void arw_compress(arw_codec codec, void **zctx, qv_buf *out, const uint8_t *src, size_t n) {
    size_t bound = codec == ARW_CODEC_LZ4_FRAME ? LZ4F_compressFrameBound(n, NULL) : ZSTD_compressBound(n);
    qv_buf_reserve(out, 8 + (bound > n ? bound : n));
    uint8_t *p = out->data + out->len;
    size_t csize = 0;
    bool ok = false;
    if (codec == ARW_CODEC_LZ4_FRAME) {
        csize = LZ4F_compressFrame(p + 8, bound, src, n, NULL);
        ok = !LZ4F_isError(csize);
    } else {
        if (!*zctx) *zctx = ZSTD_createCCtx();
        if (*zctx) {
            csize = ZSTD_compressCCtx(*zctx, p + 8, bound, src, n, ZSTD_CLEVEL_DEFAULT);
            ok = !ZSTD_isError(csize);
        }
    }
    int64_t prefix;
    if (ok && csize < n) {
        prefix = (int64_t)n;
    } else {
        prefix = -1;
        if (n) memcpy(p + 8, src, n);
        csize = n;
    }
    memcpy(p, &prefix, 8);
    out->len += 8 + csize;
}

void arw_compress_end(void **zctx) {
    if (*zctx) ZSTD_freeCCtx(*zctx);
    *zctx = NULL;
}
