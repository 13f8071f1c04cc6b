/* snapshot_pipe.c — puts a snapshot's (or checkpoint's) bytes on disk while the encoder produces them.
 *
 * Owns: the aligned buffers, the writer threads and the file offsets. The encoder (snapshot_write.c) appends
 * bytes in file order; they are copied into 4 MiB buffers aligned to 4096 bytes, and two writer threads
 * pwrite full buffers at their offsets while the encoder fills the next ones. The file descriptor is switched
 * to O_DIRECT for the duration (fcntl F_SETFL) where the file system takes it: the data then goes from the
 * buffers to the device without being copied into the page cache first (no page-cache allocation, no dirty
 * pages for the final fsync to write back one by one), and two requests are in flight, which this VM's disk
 * needs to reach its bandwidth (measured: 1 GiB in 0.86-1.1 s with one writer, 0.6-0.9 s with two; through the
 * page cache with one fsync at the end, 0.86-1.5 s and twice the CPU). The last buffer is padded to 4096
 * bytes and the file cut back to its real size; the header block is written last (a cut-short file has no
 * valid header). Without O_DIRECT (EINVAL: tmpfs on older kernels, some file systems) the same threads write
 * through the page cache. QV_STORE_DIRECT=0 turns O_DIRECT off (comparisons); QV_STORE_WRITE_DELAY_MS=N makes
 * each buffer's write wait N ms first (crash tests: a save long enough to be killed in the middle of).
 *
 * Must not: fsync, rename or close the file (the caller does: the durability order is store.c's and
 * checkpoint_round.c's), or know the file format.
 */
#include "store/snapshot_pipe.h"

#include "util/buf.h"
#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PIPE_CHUNK   (4u << 20) /* bytes per buffer (a multiple of PIPE_ALIGN) */
#define PIPE_BUFS    6          /* buffers: writers' + the one being filled + spare */
#define PIPE_WRITERS 2
#define PIPE_ALIGN   4096u /* O_DIRECT offset, length and memory alignment (covers 512-byte devices too) */

typedef struct pipe_job {
    uint8_t *buf;
    size_t len;
    uint64_t off;
} pipe_job;

struct snap_pipe {
    int fd, fl_saved;
    const char *what;
    bool direct, threaded;
    pthread_mutex_t mu;
    pthread_cond_t cv_job, cv_free;
    pipe_job jobs[PIPE_BUFS];
    unsigned jhead, jcount;   /* queued jobs */
    uint8_t *free_bufs[PIPE_BUFS];
    unsigned nfree;
    bool stop;
    unsigned delay_ms; /* QV_STORE_WRITE_DELAY_MS */
    int werr;          /* first write error (errno), 0 if none */
    uint64_t werr_off;
    pthread_t th[PIPE_WRITERS];
    int nth;
    uint8_t *cur;      /* the buffer being filled */
    size_t fill;
    uint64_t cur_off;  /* file offset of cur[0] */
    uint64_t base;     /* file offset of the first byte appended (a multiple of PIPE_ALIGN) */
    uint8_t *block0;   /* a copy of the first PIPE_ALIGN bytes appended (the header goes over them at the end) */
    size_t block0_len;
};

/* One pwrite loop; on EINVAL under O_DIRECT, drops O_DIRECT for the file and retries through the page cache. */
static int pipe_pwrite(snap_pipe *p, const uint8_t *b, size_t n, uint64_t off) {
    while (n > 0) {
        ssize_t w = pwrite(p->fd, b, n, (off_t)off);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0 && errno == EINVAL && __atomic_load_n(&p->direct, __ATOMIC_ACQUIRE)) {
            pthread_mutex_lock(&p->mu);
            if (p->direct) {
                (void)fcntl(p->fd, F_SETFL, p->fl_saved);
                __atomic_store_n(&p->direct, false, __ATOMIC_RELEASE);
            }
            pthread_mutex_unlock(&p->mu);
            continue;
        }
        if (w <= 0) return w < 0 ? errno : EIO;
        b += w;
        n -= (size_t)w;
        off += (uint64_t)w;
    }
    return 0;
}

static void *aligned(size_t n) {
    void *b = NULL;
    if (posix_memalign(&b, PIPE_ALIGN, n) != 0) {
        QV_ERROR("out of memory (%zu aligned bytes for a snapshot write buffer)", n);
        abort();
    }
    return b;
}

static void fail_at(snap_pipe *p, int e, uint64_t off) {
    if (!p->werr) {
        p->werr = e;
        p->werr_off = off;
    }
}

static void *pipe_writer(void *arg) {
    snap_pipe *p = arg;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (!p->jcount && !p->stop) pthread_cond_wait(&p->cv_job, &p->mu);
        if (!p->jcount) break;
        pipe_job j = p->jobs[p->jhead];
        p->jhead = (p->jhead + 1) % PIPE_BUFS;
        p->jcount--;
        bool skip = p->werr != 0;
        pthread_mutex_unlock(&p->mu);
        if (p->delay_ms && !skip) usleep(p->delay_ms * 1000u);
        int e = skip ? 0 : pipe_pwrite(p, j.buf, j.len, j.off);
        pthread_mutex_lock(&p->mu);
        if (e) fail_at(p, e, j.off);
        p->free_bufs[p->nfree++] = j.buf;
        pthread_cond_signal(&p->cv_free);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

snap_pipe *snap_pipe_open(int fd, const char *what) { return snap_pipe_open_at(fd, 0, what); }

snap_pipe *snap_pipe_open_at(int fd, uint64_t at, const char *what) {
    snap_pipe *p = qv_calloc(1, sizeof *p);
    p->fd = fd;
    p->base = p->cur_off = at;
    p->what = what;
    p->fl_saved = fcntl(fd, F_GETFL);
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv_job, NULL);
    pthread_cond_init(&p->cv_free, NULL);
    for (int i = 0; i < PIPE_BUFS; i++) p->free_bufs[p->nfree++] = aligned(PIPE_CHUNK);
    p->block0 = aligned(PIPE_ALIGN);
    const char *delay = getenv("QV_STORE_WRITE_DELAY_MS");
    if (delay) p->delay_ms = (unsigned)strtoul(delay, NULL, 10) % 10000u;
    const char *env = getenv("QV_STORE_DIRECT");
    if (p->fl_saved >= 0 && !(env && !strcmp(env, "0")) && at % PIPE_ALIGN == 0 &&
        fcntl(fd, F_SETFL, p->fl_saved | O_DIRECT) == 0)
        p->direct = true;
    for (int i = 0; i < PIPE_WRITERS; i++)
        if (pthread_create(&p->th[p->nth], NULL, pipe_writer, p) == 0) p->nth++;
    p->threaded = p->nth > 0;
    p->cur = p->free_bufs[--p->nfree];
    return p;
}

int snap_pipe_direct(const snap_pipe *p) { return p && p->direct; }

static int report(snap_pipe *p, qv_err *err) {
    return qv_err_set(err, QV_EIO, "cannot write %s at offset %llu: %s", p->what, (unsigned long long)p->werr_off,
                      strerror(p->werr));
}

/* Hands the filled part of cur (len bytes) to a writer and takes a free buffer. */
static int submit(snap_pipe *p, size_t len, qv_err *err) {
    if (p->cur_off == p->base) { /* keep the first block: the header is written over it at the end */
        p->block0_len = len < PIPE_ALIGN ? len : PIPE_ALIGN;
        memcpy(p->block0, p->cur, p->block0_len);
    }
    pipe_job j = {.buf = p->cur, .len = len, .off = p->cur_off};
    p->cur_off += len;
    p->fill = 0;
    if (!p->threaded) {
        int e = pipe_pwrite(p, j.buf, j.len, j.off);
        if (e) fail_at(p, e, j.off);
        return p->werr ? report(p, err) : 0;
    }
    pthread_mutex_lock(&p->mu);
    p->jobs[(p->jhead + p->jcount) % PIPE_BUFS] = j;
    p->jcount++;
    pthread_cond_signal(&p->cv_job);
    while (!p->nfree) pthread_cond_wait(&p->cv_free, &p->mu);
    p->cur = p->free_bufs[--p->nfree];
    int rc = p->werr ? report(p, err) : 0;
    pthread_mutex_unlock(&p->mu);
    return rc;
}

int snap_pipe_append(snap_pipe *p, const void *data, size_t n, qv_err *err) {
    const uint8_t *s = data;
    if (p->werr) return report(p, err);
    while (n > 0) {
        size_t take = PIPE_CHUNK - p->fill;
        if (take > n) take = n;
        memcpy(p->cur + p->fill, s, take);
        p->fill += take;
        s += take;
        n -= take;
        if (p->fill == PIPE_CHUNK && submit(p, PIPE_CHUNK, err) < 0) return -1;
    }
    return 0;
}

static void stop_writers(snap_pipe *p) {
    if (!p->nth) return;
    pthread_mutex_lock(&p->mu);
    p->stop = true;
    pthread_cond_broadcast(&p->cv_job);
    pthread_mutex_unlock(&p->mu);
    for (int i = 0; i < p->nth; i++) pthread_join(p->th[i], NULL);
    p->nth = 0;
}

int snap_pipe_finish(snap_pipe *p, const void *head, size_t hlen, qv_err *err) {
    uint64_t total = p->cur_off + p->fill;
    size_t len = p->fill;
    if (len && p->direct) { /* O_DIRECT writes whole blocks: pad with zeros, cut the file back below */
        size_t padded = (len + PIPE_ALIGN - 1) / PIPE_ALIGN * PIPE_ALIGN;
        memset(p->cur + len, 0, padded - len);
        len = padded;
    }
    if (len && submit(p, len, err) < 0) return -1;
    stop_writers(p); /* the writers drain the queue before they stop */
    if (p->werr) return report(p, err);
    if (hlen > PIPE_ALIGN || hlen > p->block0_len)
        return qv_err_set(err, QV_EINTERNAL, "cannot write %s: header of %zu bytes over %zu written", p->what, hlen,
                          p->block0_len);
    memcpy(p->block0, head, hlen);
    size_t blen = p->direct ? (p->block0_len + PIPE_ALIGN - 1) / PIPE_ALIGN * PIPE_ALIGN : hlen;
    if (blen > p->block0_len) memset(p->block0 + p->block0_len, 0, blen - p->block0_len);
    int e = pipe_pwrite(p, p->block0, blen, p->base);
    if (e) {
        fail_at(p, e, p->base);
        return report(p, err);
    }
    {
        off_t end = lseek(p->fd, 0, SEEK_END);
        if (end < 0 || ((uint64_t)end != total && ftruncate(p->fd, (off_t)total) < 0))
            return qv_err_set(err, QV_EIO, "cannot cut %s to %llu bytes: %s", p->what, (unsigned long long)total,
                              strerror(errno));
    }
    return 0;
}

void snap_pipe_free(snap_pipe *p) {
    if (!p) return;
    stop_writers(p);
    if (p->direct && p->fl_saved >= 0) (void)fcntl(p->fd, F_SETFL, p->fl_saved);
    if (p->cur) p->free_bufs[p->nfree++] = p->cur;
    for (unsigned i = 0; i < p->nfree; i++) free(p->free_bufs[i]);
    free(p->block0);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv_job);
    pthread_cond_destroy(&p->cv_free);
    free(p);
}
