/* wal_decode.c — decoding the log (or a checkpoint's change blocks) ahead of the thread that applies it.
 *
 * Owns: a ring of slots filled in order by a thread of its own (for inputs of 4 MiB or more; inline below that):
 * each frame checked (CRCs), its header read (a log record's, or a checkpoint block's kind), and its change list
 * decoded for the bulk builder when it is a bulk one (wal_decode_bulk, which needs no graph), with each node's
 * id-index hash. Replay is CPU-bound and decoding is about half of it, so the two halves run on both cores.
 * Must not: touch a graph, or read past the first torn or corrupt frame (the slot says so and the thread stops).
 * Values in a slot point into the input's bytes, which the caller keeps until wal_decoder_stop.
 */
#include "store/wal.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define DEC_SLOTS 3
#define DEC_THREAD_MIN (4u << 20)   /* smaller files are decoded inline */
struct wal_decoder {
    const uint8_t *p;
    size_t size, off;
    bool ckpt;            /* checkpoint blocks rather than log records */
    wal_slot slot[DEC_SLOTS];
    size_t made, taken;   /* slots filled and consumed so far (made - taken <= DEC_SLOTS) */
    bool stop, threaded;
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
};

static void decode_one(wal_decoder *d, wal_slot *s) {
    const uint8_t *body;
    size_t blen;
    qv_err_clear(&s->why);
    qv_err_clear(&s->err);
    s->at = d->off;
    s->dec = s->bulk = 0;
    s->k = wal_frame_next(d->p, d->size, &d->off, &body, &blen, &s->why);
    s->end = d->off;
    if (s->k != 1) return;
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

static void *decoder_main(void *arg) {
    wal_decoder *d = arg;
    pthread_mutex_lock(&d->mu);
    for (;;) {
        while (!d->stop && d->made - d->taken == DEC_SLOTS) pthread_cond_wait(&d->cv, &d->mu);
        if (d->stop) break;
        wal_slot *s = &d->slot[d->made % DEC_SLOTS];
        pthread_mutex_unlock(&d->mu);
        decode_one(d, s);
        pthread_mutex_lock(&d->mu);
        d->made++;
        pthread_cond_broadcast(&d->cv);
        if (s->k != 1 || s->dec < 0) break;   /* nothing after it is read */
    }
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
    pthread_cond_init(&d->cv, NULL);
    d->threaded = size - start >= DEC_THREAD_MIN && pthread_create(&d->th, NULL, decoder_main, d) == 0;
    return d;
}

wal_slot *wal_decoder_next(wal_decoder *d) {
    if (!d->threaded) {
        wal_slot *s = &d->slot[0];
        decode_one(d, s);
        return s;
    }
    pthread_mutex_lock(&d->mu);
    while (d->made == d->taken) pthread_cond_wait(&d->cv, &d->mu);
    wal_slot *s = &d->slot[d->taken % DEC_SLOTS];
    pthread_mutex_unlock(&d->mu);
    return s;
}

void wal_decoder_done(wal_decoder *d) {
    if (!d->threaded) return;
    pthread_mutex_lock(&d->mu);
    d->taken++;
    pthread_cond_broadcast(&d->cv);
    pthread_mutex_unlock(&d->mu);
}

void wal_decoder_stop(wal_decoder *d) {
    if (d->threaded) {
        pthread_mutex_lock(&d->mu);
        d->stop = true;
        pthread_cond_broadcast(&d->cv);
        pthread_mutex_unlock(&d->mu);
        pthread_join(d->th, NULL);
    }
    for (int i = 0; i < DEC_SLOTS; i++) wal_rows_free(&d->slot[i].rows);
    pthread_mutex_destroy(&d->mu);
    pthread_cond_destroy(&d->cv);
    free(d);
}

size_t wal_decoder_size(const wal_decoder *d) { return d->size; }

