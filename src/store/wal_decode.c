/* wal_decode.c — decoding the log (or a checkpoint's change blocks) ahead of the thread that applies it.
 *
 * Owns: a ring of slots filled by decoder threads of its own (two, for inputs of 4 MiB or more; inline below
 * that): frames are claimed in order by their headers (under the ring's lock), then each claimed frame's body is
 * checked (CRC32C), its header read (a log record's, or a checkpoint block's kind), and its change list decoded
 * for the bulk builder when it is a bulk one (wal_decode_bulk, which needs no graph), with each node's id-index
 * hash -- by the two threads in parallel, slots finishing in any order, taken in order by the applier. Replay
 * is CPU-bound and decoding is as much work as applying, so the three threads share both cores.
 * Must not: touch a graph, or hand out anything after the first torn or corrupt frame (its slot says so, no
 * frame is claimed after it is known; a frame claimed before that -- its header read and bounds-checked, so
 * within the input -- is decoded and never handed out).
 * Values in a slot point into the input's bytes, which the caller keeps until wal_decoder_stop.
 */
#include "store/wal.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define DEC_THREADS 2         /* decoding is as much work as applying: two decoders and the applier share the cores */
#define DEC_SLOTS 5           /* one being applied, the rest decoded or being decoded ahead */
#define DEC_THREAD_MIN (4u << 20)   /* smaller files are decoded inline */
struct wal_decoder {
    const uint8_t *p;
    size_t size, off;     /* off: the next frame to claim (under mu) */
    bool ckpt;            /* checkpoint blocks rather than log records */
    wal_slot slot[DEC_SLOTS];
    bool ready[DEC_SLOTS];/* decoded, not consumed yet */
    size_t claimed, taken;/* slots claimed by the decoders and consumed so far (claimed - taken <= DEC_SLOTS) */
    bool stop, ended;     /* ended: a slot claimed the end of the input, or a frame it cannot go past */
    int threads;          /* decoder threads running (0: inline) */
    pthread_t th[DEC_THREADS];
    pthread_mutex_t mu;
    pthread_cond_t cv_dec, cv_app;   /* a slot free to decode into; the next slot in order decoded */
};

/* The frame at d->off into s: its header is read (and the input advanced past it) under the caller's lock,
 * so that frames are claimed in order; claim says whether anything after it may be read. */
static bool claim_one(wal_decoder *d, wal_slot *s, const uint8_t **body, size_t *blen) {
    qv_err_clear(&s->why);
    qv_err_clear(&s->err);
    s->at = d->off;
    s->dec = s->bulk = 0;
    s->k = wal_frame_head(d->p, d->size, &d->off, body, blen, &s->why);
    s->end = d->off;
    return s->k == 1;
}

/* The rest, without the lock: the body's CRC, the record's header, the bulk rows. */
static void decode_body(wal_decoder *d, wal_slot *s, const uint8_t *body, size_t blen) {
    if (s->k != 1) return;
    if (wal_frame_body_ok(body, blen, &s->why) < 0) {
        s->k = -1;
        s->end = s->at;
        return;
    }
    if (d->ckpt) {   /* a checkpoint's block: u8 kind, then a change list */
        s->dec = blen < 1 || body[0] != CKPT_BODY_CHANGES
                     ? qv_err_set(&s->err, QV_EINVAL, "unknown block kind at offset %zu (file corrupt)", s->at)
                     : 0;
        s->changes = (wal_cur){body + 1, body + blen, false};
    } else {
        s->dec = wal_decode_txn(body, blen, &s->r, &s->err);
        s->changes = s->r.changes;
    }
    if (s->dec < 0) return;
    wal_cur c = s->changes;
    s->bulk = wal_decode_bulk(&c, &s->rows, &s->err);
    s->bulk_end = c.p;
}

/* A decoder thread: claims the next frame (header under the lock), decodes it into its slot outside the lock.
 * Slots may finish out of order; the applier takes them in order. A slot that ends the input (end, torn or
 * corrupt frame, malformed record) stops further claims; slots claimed before it was known are decoded anyway
 * (within the file's bounds: their headers were checked) and never consumed. */
static void *decoder_main(void *arg) {
    wal_decoder *d = arg;
    pthread_mutex_lock(&d->mu);
    for (;;) {
        while (!d->stop && !d->ended && d->claimed - d->taken == DEC_SLOTS) pthread_cond_wait(&d->cv_dec, &d->mu);
        if (d->stop || d->ended) break;
        size_t i = d->claimed++ % DEC_SLOTS;
        wal_slot *s = &d->slot[i];
        const uint8_t *body = NULL;
        size_t blen = 0;
        if (!claim_one(d, s, &body, &blen)) d->ended = true;
        pthread_mutex_unlock(&d->mu);
        decode_body(d, s, body, blen);
        pthread_mutex_lock(&d->mu);
        if (s->k != 1 || s->dec < 0) d->ended = true;   /* nothing after it is read */
        d->ready[i] = true;
        pthread_cond_broadcast(&d->cv_app);
    }
    pthread_cond_broadcast(&d->cv_dec);
    pthread_mutex_unlock(&d->mu);
    return NULL;
}

wal_decoder *wal_decoder_start(const uint8_t *p, size_t size, size_t start, bool ckpt) {
    wal_decoder *d = qv_calloc(1, sizeof *d);
    d->ckpt = ckpt;
    d->p = p;
    d->size = size;
    d->off = start;
    for (int i = 0; i < DEC_SLOTS; i++) wal_rows_init(&d->slot[i].rows);
    pthread_mutex_init(&d->mu, NULL);
    pthread_cond_init(&d->cv_dec, NULL);
    pthread_cond_init(&d->cv_app, NULL);
    if (size - start >= DEC_THREAD_MIN) {
        pthread_mutex_lock(&d->mu);   /* the threads start claiming once all are counted */
        for (int i = 0; i < DEC_THREADS; i++)
            if (pthread_create(&d->th[d->threads], NULL, decoder_main, d) == 0) d->threads++;
        pthread_mutex_unlock(&d->mu);
    }
    return d;
}

wal_slot *wal_decoder_next(wal_decoder *d) {
    if (!d->threads) {
        wal_slot *s = &d->slot[0];
        const uint8_t *body = NULL;
        size_t blen = 0;
        claim_one(d, s, &body, &blen);
        decode_body(d, s, body, blen);
        return s;
    }
    pthread_mutex_lock(&d->mu);
    size_t i = d->taken % DEC_SLOTS;
    while (!d->ready[i]) pthread_cond_wait(&d->cv_app, &d->mu);
    pthread_mutex_unlock(&d->mu);
    return &d->slot[i];
}

void wal_decoder_done(wal_decoder *d) {
    if (!d->threads) return;
    pthread_mutex_lock(&d->mu);
    d->ready[d->taken % DEC_SLOTS] = false;
    d->taken++;
    pthread_cond_broadcast(&d->cv_dec);
    pthread_mutex_unlock(&d->mu);
}

void wal_decoder_stop(wal_decoder *d) {
    pthread_mutex_lock(&d->mu);
    d->stop = true;
    pthread_cond_broadcast(&d->cv_dec);
    pthread_mutex_unlock(&d->mu);
    for (int i = 0; i < d->threads; i++) pthread_join(d->th[i], NULL);
    for (int i = 0; i < DEC_SLOTS; i++) wal_rows_free(&d->slot[i].rows);
    pthread_mutex_destroy(&d->mu);
    pthread_cond_destroy(&d->cv_dec);
    pthread_cond_destroy(&d->cv_app);
    free(d);
}

size_t wal_decoder_size(const wal_decoder *d) { return d->size; }

