/* wal.c — the write-ahead log of a data directory: segment files, the commit hook, and group commit.
 *
 * Owns: <data-dir>/wal/<16 hex digits>.wal segments (one shared log for every durable database), the syncer
 * thread, and the registry of durable databases (wal_db) whose graphs carry the two-step commit hook
 * (graph/gcommit.h). A commit's append step (writer slot held) encodes the transaction and write()s it to the
 * active segment itself; its position in the log (lsn: bytes appended since open) is the ticket. The
 * graph's writer slot is then released, and (--durability fsync) the wait step blocks until an fdatasync
 * that started after the record was written returns: one fdatasync covers every record written before it
 * started, so commits of one graph (whose next transaction runs during the sync) and of different graphs share
 * syncs. A committer whose record no sync in flight covers runs the fdatasync itself (no hand-off to a syncer
 * thread and back: two wake-ups and context switches per commit on a loaded 2-core machine), with two rules that
 * make commits under load share syncs (each cost ~80 us of machine CPU on this disk) instead of nearly every
 * commit running its own: (1) few syncs in flight: a record written while one runs waits for it to return (then one
 * sync covers everything written meanwhile), unless it has run WAL_SYNC_OVERLAP_US already (a slow sync: this disk
 * has fast ones, ~0.06 ms, and some that take a 4 ms tick; waiting behind those would cap commits at a few hundred
 * syncs a second), and never more than WAL_SYNCS_MAX at once; (2) successors: a committer whose graph's next
 * transaction already holds or awaits the writer slot (gcommit.h's hint) leaves its sync to that transaction's
 * committer, whose sync covers both (at most WAL_GROUP_MAX at once, each waiting at most WAL_GROUP_WAIT_US for a
 * later record to be written, then syncing itself: a successor that rolls back costs that wait, not a hang).
 * An idle log syncs at once, as before. The syncer threads serve what no committer syncs (wal_flush callers with
 * QV_WAL_INLINE_SYNC=0, async). With --durability async nothing waits, and a syncer fdatasyncs at most a second
 * after a write.
 * Preallocation: a preparer thread keeps the active segment zero-filled (real writes, then fdatasync) ahead of
 * the records, WAL_PREALLOC bytes at a time, so that a commit's record overwrites blocks that already exist and
 * its fdatasync flushes data only: an append that grows the file also has to commit the inode's new size through
 * the ext4 journal (a second device flush, measured: README.md). The zeros after the last record read as the
 * clean end of the log (wal_frame_next); a closed segment is cut back to its records (not synced: either length
 * reads the same). QV_WAL_PREALLOC=0 turns it off (bytes otherwise; tests); QV_WAL_SYNCS_MAX, QV_WAL_SYNC_OVERLAP_US,
 * QV_WAL_GROUP_MAX and QV_WAL_GROUP_WAIT_US set the group rules (0: no limit / at once / no successors; A/B, tests).
 * A failed write is cut back off the segment (ftruncate past the preallocated part, zeros written back over it
 * inside) and refused to its committer, whose transaction rolls back (no later record can depend on it: the
 * writer slot was held); a failed fdatasync makes the log refuse every later commit and fail every waiter not
 * yet covered (the kernel may have dropped the pages), until a restart recovers from what is on disk.
 * Locks, in this order: sync_rw (read: a sync or a preallocation in flight; write: rotation), app_mu (appends:
 * fd, off, lsn, zend), mu (registry, flags, counters, synced / appended positions, waiters).
 * Must not: decode records (recovery.c), know the catalog, or decide when to checkpoint (store.c does,
 * when enough log was written).
 */
#include "store/wal.h"
#include "util/clock.h"
#include "util/log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define WAL_SYNCERS 4
#define WAL_PREALLOC (8u << 20)   /* bytes zero-filled ahead of the records at a time (QV_WAL_PREALLOC) */
#define WAL_ZERO_BUF (1u << 20)
#define WAL_SYNCS_MAX 4           /* fdatasyncs committers may run at once; 0: no limit (QV_WAL_SYNCS_MAX) */
#define WAL_SYNC_OVERLAP_US 200   /* a sync may start while one runs only once that one has run this long */
#define WAL_GROUP_MAX 4          /* committers that may wait at once for a successor's sync (QV_WAL_GROUP_MAX) */
#define WAL_GROUP_WAIT_US 1000   /* how long one waits for it before running its own (QV_WAL_GROUP_WAIT_US) */

/* A committer waiting for its record's sync (on its stack, listed under mu). */
typedef struct wal_waiter {
    uint64_t lsn;
    bool leaving;            /* it leaves its sync to a later record's committer for now (wait_for_successor) */
    pthread_cond_t cv;
    struct wal_waiter *next;
} wal_waiter;

struct qv_wal {
    char *dir;
    int durability;          /* 0 fsync, 1 async */
    uint64_t ckpt_bytes;
    pthread_mutex_t mu;      /* dbs, flags, counters, positions below */
    pthread_cond_t cv_work, cv_ckpt;
    struct wal_waiter *waiters; /* committers waiting for a sync (each woken only once it is covered) */
    bool stop, ckpt_wanted, ckpt_stop;
    pthread_t syncer[WAL_SYNCERS];
    int n_syncers;
    pthread_t prep;          /* the preparer (prealloc > 0) */
    bool prep_running, prep_wanted;
    pthread_cond_t cv_prep;  /* prep_wanted or stop (mu) */
    uint64_t prealloc;       /* bytes zero-filled ahead at a time; 0: off */
    bool inline_sync;        /* fsync: a committer whose record no sync in flight covers runs the fdatasync itself */
    int group_max;           /* committers that may leave their sync to a successor at once (0: none) */
    int inflight, sync_max;  /* fdatasyncs running now; at most this many started by committers (0: no limit) */
    uint64_t overlap_ns;     /* ... and another only once the last one started has run this long (0: at once) */
    uint64_t last_start_ns;  /* when the last sync started (qv_now_ns) */
    int deferring;           /* committers doing so now */
    uint64_t group_wait_ns;  /* how long one waits for the successor's sync to start */
    wal_sync_fn sync_fn;     /* tests: replaces fdatasync */
    void *sync_ctx;
    uint8_t *zeros;          /* WAL_ZERO_BUF zero bytes */
    wal_db *dbs;
    uint64_t bytes;          /* since the last checkpoint round */
    bool broken;
    char broken_msg[QV_ERR_MSG_MAX];
    uint64_t appended;       /* lsn of the end of the last record written (under mu; app_mu's lsn copied) */
    uint64_t synced;         /* lsn known to be on disk */
    uint64_t started;        /* lsn the syncs started so far will cover (>= synced) */
    uint64_t wanted;         /* the highest ticket a committer waits for */
    uint64_t last_sync_ns;
    wal_stats st;
    /* appends (app_mu): the active segment */
    pthread_mutex_t app_mu;
    int fd;
    uint64_t seg, off, lsn;
    uint64_t zend;           /* the active segment's size: records below off, zeros written from off to zend */
    bool zbusy;              /* the preparer is writing zeros from zend on: appends stay below zend meanwhile */
    pthread_cond_t zcv;      /* zbusy went false (app_mu) */
    pthread_condattr_t waiter_attr; /* the waiters' condition variables time out on CLOCK_MONOTONIC */
    /* read-held by each sync in flight, write-held by rotation (and wal_io_pause) */
    pthread_rwlock_t sync_rw;
};

void wal_segment_path(const char *dir, uint64_t num, char *out, size_t cap) {
    snprintf(out, cap, "%s/%016" PRIx64 ".wal", dir, num);
}

static int sync_dir(const char *path, qv_err *err) {
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return qv_err_set(err, QV_EIO, "cannot open directory %s: %s", path, strerror(errno));
    int rc = fsync(fd) < 0 ? qv_err_set(err, QV_EIO, "cannot fsync directory %s: %s", path, strerror(errno)) : 0;
    close(fd);
    return rc;
}

static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

int wal_list_segments(const char *dir, uint64_t **nums, size_t *n, qv_err *err) {
    *nums = NULL;
    *n = 0;
    DIR *d = opendir(dir);
    if (!d) return qv_err_set(err, QV_EIO, "cannot read directory %s: %s", dir, strerror(errno));
    size_t cap = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        const char *s = e->d_name;
        if (strlen(s) != 20 || strcmp(s + 16, ".wal") != 0) {
            if (s[0] != '.') QV_WARN("ignoring %s/%s: not a write-ahead log segment", dir, s);
            continue;
        }
        uint64_t v = 0;
        bool ok = true;
        for (int i = 0; i < 16 && ok; i++) {
            char c = s[i];
            int x = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
            if (x < 0) ok = false;
            v = v << 4 | (uint64_t)(x < 0 ? 0 : x);
        }
        if (!ok) continue;
        if (*n == cap) *nums = qv_realloc(*nums, (cap = cap ? cap * 2 : 16) * sizeof **nums);
        (*nums)[(*n)++] = v;
    }
    closedir(d);
    if (*n) qsort(*nums, *n, sizeof **nums, cmp_u64);
    return 0;
}

/* Creates segment num (header written and synced, directory synced); returns its fd. */
static int segment_create(qv_wal *w, uint64_t num, qv_err *err) {
    char path[4096];
    wal_segment_path(w->dir, num, path, sizeof path);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return qv_err_set(err, QV_EIO, "cannot create write-ahead log segment %s: %s", path, strerror(errno));
    uint8_t h[WAL_SEG_HEADER];
    memcpy(h, WAL_SEG_MAGIC, 8);
    memcpy(h + 8, &num, 8);
    if (write(fd, h, sizeof h) != (ssize_t)sizeof h || fdatasync(fd) < 0 || sync_dir(w->dir, err) < 0) {
        int e = errno;
        close(fd);
        unlink(path);
        return err->code ? -1 : qv_err_set(err, QV_EIO, "cannot write write-ahead log segment %s: %s", path, strerror(e));
    }
    return fd;
}

/* Wakes the waiters a sync now covers, or all of them once the log is broken (under mu): a broadcast to every
 * waiter on every sync would wake each one several times for nothing. */
static void wake_covered(qv_wal *w) {
    bool may_sync = !w->sync_max || w->inflight < w->sync_max;
    for (wal_waiter *x = w->waiters; x; x = x->next)
        if (x->lsn <= w->synced || w->broken || (may_sync && x->lsn > w->started && !x->leaving))
            pthread_cond_signal(&x->cv);   /* covered, or it may now start the sync it waits for */
}

static void set_broken(qv_wal *w, const char *fmt, const char *path, int e) {
    pthread_mutex_lock(&w->mu);
    if (!w->broken) {
        w->broken = true;
        snprintf(w->broken_msg, sizeof w->broken_msg, fmt, path, strerror(e));
        QV_ERROR("%s; openCypher writes to databases are refused until the server is restarted", w->broken_msg);
    }
    wake_covered(w);
    pthread_mutex_unlock(&w->mu);
}

/* Writes p[0..n) at off; the bytes written before a failure in *done. */
static int pwrite_all(int fd, const uint8_t *p, size_t n, uint64_t off, size_t *done) {
    *done = 0;
    while (*done < n) {
        ssize_t k = pwrite(fd, p + *done, n - *done, (off_t)(off + *done));
        if (k < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        if (k == 0) {
            errno = ENOSPC;
            return -1;
        }
        *done += (size_t)k;
    }
    return 0;
}

/* Zeros over [from, to) of fd (to at most WAL_ZERO_BUF past from per call, repeated). */
static int write_zeros(qv_wal *w, int fd, uint64_t from, uint64_t to, uint64_t *done) {
    *done = 0;
    while (from + *done < to) {
        size_t k = to - from - *done > WAL_ZERO_BUF ? WAL_ZERO_BUF : (size_t)(to - from - *done), d;
        int rc = pwrite_all(fd, w->zeros, k, from + *done, &d);
        *done += d;
        if (rc < 0) return -1;
    }
    return 0;
}

/* Asks the preparer to zero-fill more of the active segment if less than half a chunk is left (app_mu and mu
 * held). */
static void want_prep(qv_wal *w) {
    if (w->prealloc && !w->zbusy && w->zend - w->off < w->prealloc / 2 && !w->prep_wanted) {
        w->prep_wanted = true;
        pthread_cond_signal(&w->cv_prep);
    }
}

/* One preallocation step: zeros written from the active segment's end to the next multiple of prealloc at least
 * half a chunk ahead, then fdatasync (so the size is committed before any record is written there). A failed
 * write (disk full) only stops the extension: appends past zend grow the file as without preallocation. */
static void prep_once(qv_wal *w) {
    pthread_rwlock_rdlock(&w->sync_rw);   /* no rotation meanwhile: fd stays the active segment */
    pthread_mutex_lock(&w->app_mu);
    int fd = w->fd;
    uint64_t from = w->zend, seg = w->seg;
    bool go = fd >= 0 && !w->zbusy && from - w->off < w->prealloc / 2;
    if (go) w->zbusy = true;
    pthread_mutex_unlock(&w->app_mu);
    if (go) {
        uint64_t to = (from + w->prealloc / 2 + w->prealloc) / w->prealloc * w->prealloc, done;
        int rc = write_zeros(w, fd, from, to, &done), e = errno;
        if (rc < 0 && e != ENOSPC && e != EFBIG && e != EDQUOT)
            QV_WARN("cannot preallocate the write-ahead log in %s: %s", w->dir, strerror(e));
        if (done && fdatasync(fd) < 0) {
            char path[4096];
            wal_segment_path(w->dir, seg, path, sizeof path);
            set_broken(w, "cannot fdatasync the write-ahead log %s: %s", path, errno);
        }
        pthread_mutex_lock(&w->app_mu);
        w->zend = from + done;
        w->zbusy = false;
        pthread_cond_broadcast(&w->zcv);
        pthread_mutex_unlock(&w->app_mu);
    }
    pthread_rwlock_unlock(&w->sync_rw);
}

static void *prep_main(void *arg) {
    qv_wal *w = arg;
    pthread_mutex_lock(&w->mu);
    while (!w->stop) {
        if (!w->prep_wanted) {
            pthread_cond_wait(&w->cv_prep, &w->mu);
            continue;
        }
        w->prep_wanted = false;
        pthread_mutex_unlock(&w->mu);
        prep_once(w);
        pthread_mutex_lock(&w->mu);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

/* One fdatasync of the active segment covering everything written before it starts, unless a sync already
 * started covers as much. Called without mu. */
static void sync_once(qv_wal *w) {
    pthread_rwlock_rdlock(&w->sync_rw);
    pthread_mutex_lock(&w->app_mu);
    int fd = w->fd;
    uint64_t target = w->lsn, seg = w->seg;
    pthread_mutex_unlock(&w->app_mu);
    pthread_mutex_lock(&w->mu);
    bool need = target > w->started && !w->broken;
    if (need) {
        w->started = target;
        w->inflight++;
        w->last_start_ns = qv_now_ns();
    }
    wal_sync_fn fn = w->sync_fn;
    void *fn_ctx = w->sync_ctx;
    pthread_mutex_unlock(&w->mu);
    if (need) {
        int rc = fn ? fn(fn_ctx, fd) : fdatasync(fd), e = errno;
        if (rc < 0) {
            char path[4096];
            wal_segment_path(w->dir, seg, path, sizeof path);
            set_broken(w, "cannot fdatasync the write-ahead log %s: %s", path, e);
        }
        pthread_mutex_lock(&w->mu);
        if (rc == 0 && target > w->synced) w->synced = target; /* it waited for every page written before it */
        w->inflight--;
        w->st.syncs++;
        w->st.batches++;
        w->last_sync_ns = qv_now_ns();
        wake_covered(w);
        pthread_mutex_unlock(&w->mu);
    }
    pthread_rwlock_unlock(&w->sync_rw);
}

/* A syncer (WAL_SYNCERS of them): starts an fdatasync as soon as a committer waits for a position no sync in
 * flight covers (fsync), or a second after the first write not covered (async). */
static void *syncer_main(void *arg) {
    qv_wal *w = arg;
    pthread_mutex_lock(&w->mu);
    for (;;) {
        bool due = false;
        while (!w->stop && !(w->wanted > w->started && !w->broken)) {
            if (w->durability == 1 && w->appended > w->started && !w->broken) {
                uint64_t at = w->last_sync_ns + 1000000000ull, now = qv_now_ns();
                if (now >= at) {
                    due = true;
                    break;
                }
                struct timespec ts;
                clock_gettime(CLOCK_REALTIME, &ts);
                uint64_t ns = (uint64_t)ts.tv_nsec + (at - now);
                ts.tv_sec += (time_t)(ns / 1000000000ull);
                ts.tv_nsec = (long)(ns % 1000000000ull);
                pthread_cond_timedwait(&w->cv_work, &w->mu, &ts);
            } else {
                pthread_cond_wait(&w->cv_work, &w->mu);
            }
        }
        if (w->stop && !due && !(w->wanted > w->started && !w->broken)) break;
        pthread_mutex_unlock(&w->mu);
        sync_once(w);
        pthread_mutex_lock(&w->mu);
    }
    pthread_mutex_unlock(&w->mu);
    sync_once(w); /* what async commits wrote last */
    return NULL;
}

/* Leaves lsn's sync to the committer of a later record (under mu, me listed). Returns true once a sync covering
 * lsn has started (it returned: wake_covered), or once group_wait_ns have passed if a later record was written by
 * then: its committer waits for a sync that covers it, hence lsn (each committer of a later record either syncs,
 * or leaves it to a committer of a record later still; the last one cannot leave it to anyone for longer than
 * group_wait_ns). False if no record came after lsn in that time (the successor wrote none: it rolled back or
 * changed nothing, or is still running): the caller then runs its own sync. */
static bool wait_for_successor(qv_wal *w, wal_waiter *me, uint64_t lsn) {
    me->leaving = true;
    w->deferring++;
    w->st.deferred++;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    uint64_t ns = (uint64_t)ts.tv_nsec + w->group_wait_ns;
    ts.tv_sec += (time_t)(ns / 1000000000ull);
    ts.tv_nsec = (long)(ns % 1000000000ull);
    bool timed = true;
    while (lsn > w->synced && !w->broken) {
        if (timed && pthread_cond_timedwait(&me->cv, &w->mu, &ts) == ETIMEDOUT) {
            if (lsn > w->started && w->appended <= lsn) break; /* nothing after it: its committer syncs it */
            timed = false;
        } else if (!timed) {
            pthread_cond_wait(&me->cv, &w->mu);
        }
    }
    w->deferring--;
    me->leaving = false;
    return lsn <= w->started || w->broken;
}

/* Waits until lsn is on disk (fsync durability); 0, or -1 with the reason the log cannot get there. successor:
 * the graph's next transaction holds or awaits its writer slot (gcommit.h): its record comes within one
 * transaction's time, and a sync it starts then covers lsn as well, so this committer may leave the sync to it
 * (at most group_max committers at once, each for at most group_wait_ns): under load one fdatasync covers several
 * commits of one graph, instead of each commit starting its own while the next transaction runs. */
static int wait_synced(qv_wal *w, uint64_t lsn, bool successor, qv_err *err) {
    pthread_mutex_lock(&w->mu);
    if (lsn > w->synced && !w->broken) {
        if (lsn > w->wanted) w->wanted = lsn;
        w->st.queued++;
        wal_waiter me = {.lsn = lsn, .next = w->waiters};
        pthread_cond_init(&me.cv, &w->waiter_attr);   /* monotonic: wait_for_successor's bound */
        w->waiters = &me;
        while (lsn > w->synced && !w->broken) {
            if (lsn > w->started && w->inline_sync && successor && w->deferring < w->group_max) {
                successor = false; /* once: a successor that brings no record (rolled back) costs one wait */
                if (wait_for_successor(w, &me, lsn)) continue;
            }
            if (lsn > w->started && w->inline_sync) { /* no sync in flight covers it: this committer runs one */
                if (w->sync_max && w->inflight >= w->sync_max) {   /* once one returns (wake_covered) */
                    pthread_cond_wait(&me.cv, &w->mu);
                    continue;
                }
                uint64_t due = w->last_start_ns + w->overlap_ns;
                if (w->inflight && qv_now_ns() < due) {   /* it may return soon: then one sync covers all waiting */
                    struct timespec ts = {.tv_sec = (time_t)(due / 1000000000ull), .tv_nsec = (long)(due % 1000000000ull)};
                    pthread_cond_timedwait(&me.cv, &w->mu, &ts);   /* or wake_covered when it returns */
                    continue;
                }
                pthread_mutex_unlock(&w->mu);
                sync_once(w);
                pthread_mutex_lock(&w->mu);
                continue;
            }
            if (lsn > w->started) pthread_cond_signal(&w->cv_work);   /* else a sync in flight covers it */
            pthread_cond_wait(&me.cv, &w->mu);
        }
        wal_waiter **pp = &w->waiters;
        while (*pp != &me) pp = &(*pp)->next;
        *pp = me.next;
        pthread_cond_destroy(&me.cv);
        w->st.queued--;
    }
    int rc = 0;
    if (lsn > w->synced)
        rc = qv_err_set(err, QV_EIO, "%s; this transaction is not durable (it may be visible until the server "
                        "restarts, and will be gone after)", w->broken_msg);
    pthread_mutex_unlock(&w->mu);
    return rc;
}

static void raise_hwm(wal_db *db, const gchange *ch, size_t n) {
    for (size_t i = 0; i < n; i++) {
        if (ch[i].kind == GCH_NODE_CREATE && ch[i].id + 1 > db->node_hwm) db->node_hwm = ch[i].id + 1;
        if (ch[i].kind == GCH_REL_CREATE && ch[i].id + 1 > db->rel_hwm) db->rel_hwm = ch[i].id + 1;
    }
}

static void name_counts(graph *g, uint32_t out[3]) {
    pthread_rwlock_rdlock(&g->cols_lock);
    out[0] = g->labels.count;
    out[1] = g->rel_types.count;
    out[2] = g->prop_keys.count;
    pthread_rwlock_unlock(&g->cols_lock);
}

/* Names interned by a transaction that was rolled back stay in the graph (ids are stable) but were never
 * logged; a later transaction that uses one does not intern it again. So every record first logs the names
 * the log does not hold yet, in id order (replay re-interns them to the same ids; a name the record interns
 * itself is then found, not added). Returns the change list to encode (ch itself when nothing is missing). */
static gchange *with_missing_names(wal_db *db, graph *g, const gchange *ch, size_t n, uint32_t cur[3], size_t *out_n) {
    name_counts(g, cur);
    size_t extra = 0;
    for (int k = 0; k < 3; k++) extra += cur[k] > db->names[k] ? cur[k] - db->names[k] : 0;
    if (!extra) return NULL;
    gchange *all = qv_malloc((extra + n) * sizeof *all);
    size_t m = 0;
    pthread_rwlock_rdlock(&g->cols_lock);
    const qv_strtab *tabs[3] = {&g->labels, &g->rel_types, &g->prop_keys};
    for (int k = 0; k < 3; k++)
        for (uint32_t id = db->names[k]; id < cur[k]; id++) {
            const char *name = qv_strtab_name(tabs[k], id);
            all[m++] = (gchange){.kind = GCH_TOKEN, .aux = (uint8_t)k, .token = id,
                                 .value = qv_str_ref(name, (uint32_t)strlen(name))};
        }
    pthread_rwlock_unlock(&g->cols_lock);
    memcpy(all + m, ch, n * sizeof *ch);
    *out_n = m + n;
    return all;
}

/* The append step (writer slot of g held): the record is written to the active segment; *ticket is its end
 * in the log for wait_step (fsync durability), 0 with async. A refused or failed append rolls back. */
static int append_step(void *ctx, graph *g, uint64_t csn, const gchange *ch0, size_t n0, uint64_t *ticket, qv_err *err) {
    wal_db *db = ctx;
    qv_wal *w = db->w;
    *ticket = 0;
    uint32_t cur[3];
    size_t n = n0;
    gchange *all = with_missing_names(db, g, ch0, n0, cur, &n);
    const gchange *ch = all ? all : ch0;
    pthread_mutex_lock(&w->mu);
    bool retired = db->retired, broken = w->broken, stop = w->stop;
    uint64_t seq = db->seq + 1;
    pthread_mutex_unlock(&w->mu);
    if (retired || broken || stop) {
        free(all);
        if (retired)
            return qv_err_set(err, QV_EPHASE, "database '%s' was dropped or replaced; this write was not committed", db->name);
        if (stop) return qv_err_set(err, QV_EPHASE, "the server is shutting down; this write was not committed");
        return qv_err_set(err, QV_EIO, "%s", w->broken_msg);
    }
    qv_buf *b = &db->rec; /* the graph's writer slot is held: only this thread uses it */
    b->len = 0;
    int rc = wal_encode_txn(b, db->name, db->ident, seq, csn, ch, n, err);
    free(all);
    if (rc < 0) return qv_err_prefix(err, "cannot log the transaction on database '%s'", db->name);
    pthread_mutex_lock(&w->app_mu);
    while (w->zbusy && w->off + b->len > w->zend) pthread_cond_wait(&w->zcv, &w->app_mu); /* zeros going there */
    size_t done;
    if (pwrite_all(w->fd, b->data, b->len, w->off, &done) < 0) {
        int e = errno;
        char path[4096];
        wal_segment_path(w->dir, w->seg, path, sizeof path);
        rc = qv_err_set(err, QV_EIO, "cannot write the write-ahead log %s: %s; the transaction was not committed", path,
                        strerror(e));
        /* what it wrote goes: past the preallocated part by truncation, inside it by zeros written back (a
         * preallocated segment cannot shrink under records the preparer's zeros follow) */
        uint64_t end = w->off + b->len, zeroed;
        if ((end > w->zend && ftruncate(w->fd, (off_t)(w->off > w->zend ? w->off : w->zend)) < 0) ||
            (w->off < w->zend && write_zeros(w, w->fd, w->off, end < w->zend ? end : w->zend, &zeroed) < 0))
            set_broken(w, "cannot cut a failed write off the write-ahead log %s: %s", path, errno);
    } else {
        w->off += b->len;
        w->lsn += b->len;
        if (w->off > w->zend) w->zend = w->off;   /* grew the file */
        pthread_mutex_lock(&w->mu);
        want_prep(w);
        w->appended = w->lsn;
        w->bytes += b->len;
        w->st.records++;
        db->seq = seq;
        memcpy(db->names, cur, sizeof cur);
        raise_hwm(db, ch0, n0);
        if (w->durability == 0) *ticket = w->lsn;
        else if (w->appended > w->synced) pthread_cond_signal(&w->cv_work); /* starts the one-second clock */
        if (w->ckpt_bytes && w->bytes >= w->ckpt_bytes && !w->ckpt_wanted) {
            w->ckpt_wanted = true;
            pthread_cond_broadcast(&w->cv_ckpt);
        }
        pthread_mutex_unlock(&w->mu);
    }
    pthread_mutex_unlock(&w->app_mu);
    if (b->cap > (1u << 20)) qv_buf_free(b); /* a bulk transaction's buffer is not kept */
    return rc;
}

/* The wait step (writer slot released): the record is on disk, or the error that keeps it from being so. */
static int wait_step(void *ctx, uint64_t ticket, bool successor, qv_err *err) {
    wal_db *db = ctx;
    return wait_synced(db->w, ticket, successor, err);
}

int wal_flush(qv_wal *w, qv_err *err) {
    pthread_mutex_lock(&w->app_mu);
    uint64_t lsn = w->lsn;
    pthread_mutex_unlock(&w->app_mu);
    if (w->durability == 1) return 0; /* written: records are write()n by their committers */
    return wait_synced(w, lsn, false, err);
}

qv_wal *wal_open(const char *dir, int durability, uint64_t checkpoint_bytes, uint64_t last_seg, qv_err *err) {
    if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
        qv_err_set(err, QV_EIO, "cannot create directory %s: %s", dir, strerror(errno));
        return NULL;
    }
    qv_wal *w = qv_calloc(1, sizeof *w);
    w->dir = qv_strdup(dir);
    w->durability = durability;
    w->ckpt_bytes = checkpoint_bytes;
    w->fd = -1;
    pthread_mutex_init(&w->mu, NULL);
    pthread_mutex_init(&w->app_mu, NULL);
    pthread_rwlockattr_t ra; /* a rotation must not wait behind an endless stream of syncs */
    pthread_rwlockattr_init(&ra);
    pthread_rwlockattr_setkind_np(&ra, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    pthread_rwlock_init(&w->sync_rw, &ra);
    pthread_rwlockattr_destroy(&ra);
    pthread_cond_init(&w->cv_work, NULL);
    pthread_cond_init(&w->cv_ckpt, NULL);
    pthread_cond_init(&w->cv_prep, NULL);
    pthread_cond_init(&w->zcv, NULL);
    pthread_condattr_init(&w->waiter_attr);
    pthread_condattr_setclock(&w->waiter_attr, CLOCK_MONOTONIC);
    const char *pa = getenv("QV_WAL_PREALLOC");   /* bytes zero-filled ahead at a time; 0: off (tests) */
    w->prealloc = pa ? strtoull(pa, NULL, 10) : WAL_PREALLOC;
    if (w->prealloc) {
        w->prealloc = (w->prealloc + 4095) / 4096 * 4096;
        w->zeros = qv_calloc(1, WAL_ZERO_BUF);
    }
    const char *is = getenv("QV_WAL_INLINE_SYNC");   /* 0: committers always hand the sync to a syncer (comparisons) */
    w->inline_sync = durability == 0 && !(is && strcmp(is, "0") == 0);
    const char *gm = getenv("QV_WAL_GROUP_MAX"), *gw = getenv("QV_WAL_GROUP_WAIT_US");   /* comparisons, tests */
    w->group_max = gm ? atoi(gm) : WAL_GROUP_MAX;
    w->group_wait_ns = (gw ? strtoull(gw, NULL, 10) : WAL_GROUP_WAIT_US) * 1000ull;
    const char *sm = getenv("QV_WAL_SYNCS_MAX");
    w->sync_max = sm ? atoi(sm) : WAL_SYNCS_MAX;
    const char *so = getenv("QV_WAL_SYNC_OVERLAP_US");
    w->overlap_ns = (so ? strtoull(so, NULL, 10) : WAL_SYNC_OVERLAP_US) * 1000ull;
    w->seg = last_seg;
    uint64_t first;
    if (wal_rotate(w, &first, err) < 0) {
        wal_close(w);
        return NULL;
    }
    w->last_sync_ns = qv_now_ns();
    for (int i = 0; i < (durability == 1 ? 1 : WAL_SYNCERS); i++) {
        if (pthread_create(&w->syncer[i], NULL, syncer_main, w) != 0) {
            qv_err_set(err, QV_EINTERNAL, "cannot start the write-ahead log threads");
            wal_close(w);
            return NULL;
        }
        w->n_syncers++;
    }
    if (w->prealloc) {
        if (pthread_create(&w->prep, NULL, prep_main, w) != 0) {
            qv_err_set(err, QV_EINTERNAL, "cannot start the write-ahead log threads");
            wal_close(w);
            return NULL;
        }
        w->prep_running = true;
        pthread_mutex_lock(&w->app_mu);
        pthread_mutex_lock(&w->mu);
        want_prep(w);
        pthread_mutex_unlock(&w->mu);
        pthread_mutex_unlock(&w->app_mu);
    }
    return w;
}

void wal_stop_waiters(qv_wal *w) {
    pthread_mutex_lock(&w->mu);
    w->ckpt_stop = true;
    pthread_cond_broadcast(&w->cv_ckpt);
    pthread_mutex_unlock(&w->mu);
}

void wal_close(qv_wal *w) {
    if (!w) return;
    pthread_mutex_lock(&w->mu);
    w->stop = w->ckpt_stop = true;
    pthread_cond_broadcast(&w->cv_work);
    pthread_cond_broadcast(&w->cv_prep);
    pthread_cond_broadcast(&w->cv_ckpt);
    pthread_mutex_unlock(&w->mu);
    for (int i = 0; i < w->n_syncers; i++) pthread_join(w->syncer[i], NULL);
    if (w->prep_running) pthread_join(w->prep, NULL);
    if (w->st.records)
        QV_INFO("write-ahead log: %llu records in %llu fdatasyncs (%.2f per sync; %llu commits left their sync to the "
                "next one)", (unsigned long long)w->st.records, (unsigned long long)w->st.syncs,
                w->st.syncs ? (double)w->st.records / (double)w->st.syncs : 0.0, (unsigned long long)w->st.deferred);
    if (w->fd >= 0) {
        if (fdatasync(w->fd) < 0) QV_WARN("cannot fdatasync the write-ahead log in %s: %s", w->dir, strerror(errno));
        if (w->zend > w->off && ftruncate(w->fd, (off_t)w->off) < 0)   /* the zeros go (either size reads the same) */
            QV_WARN("cannot cut the preallocated end off the write-ahead log in %s: %s", w->dir, strerror(errno));
        close(w->fd);
    }
    for (wal_db *d = w->dbs, *next; d; d = next) {
        next = d->next;
        qv_buf_free(&d->rec);
        free(d->name);
        free(d);
    }
    pthread_mutex_destroy(&w->mu);
    pthread_mutex_destroy(&w->app_mu);
    pthread_rwlock_destroy(&w->sync_rw);
    pthread_cond_destroy(&w->cv_work);
    pthread_cond_destroy(&w->cv_ckpt);
    pthread_cond_destroy(&w->cv_prep);
    pthread_cond_destroy(&w->zcv);
    pthread_condattr_destroy(&w->waiter_attr);
    free(w->zeros);
    free(w->dir);
    free(w);
}


const char *wal_dir(const qv_wal *w) { return w->dir; }

wal_db *wal_attach(qv_wal *w, graph *g, uint64_t ident, uint64_t seq, uint64_t base_seq, uint64_t node_hwm,
                   uint64_t rel_hwm, bool from_checkpoint) {
    wal_db *db = qv_calloc(1, sizeof *db);
    db->w = w;
    db->name = qv_strdup(g->name);
    db->g = g;
    db->ident = ident;
    db->seq = seq;
    db->base_seq = base_seq;
    db->node_hwm = node_hwm;
    db->rel_hwm = rel_hwm;
    db->from_checkpoint = from_checkpoint;
    name_counts(g, db->names);
    pthread_mutex_lock(&w->mu);
    for (wal_db *d = w->dbs; d; d = d->next)
        if (!d->retired && strcmp(d->name, db->name) == 0) d->retired = true;
    db->next = w->dbs;
    w->dbs = db;
    pthread_mutex_unlock(&w->mu);
    graph_set_commit_hooks(g, append_step, wait_step, db);
    return db;
}

void wal_retire(qv_wal *w, const char *name) {
    pthread_mutex_lock(&w->mu);
    for (wal_db *d = w->dbs; d; d = d->next)
        if (!d->retired && strcmp(d->name, name) == 0) d->retired = true;
    pthread_mutex_unlock(&w->mu);
}

wal_db *wal_find(qv_wal *w, const char *name) {
    pthread_mutex_lock(&w->mu);
    wal_db *r = NULL;
    for (wal_db *d = w->dbs; d && !r; d = d->next)
        if (!d->retired && strcmp(d->name, name) == 0) r = d;
    pthread_mutex_unlock(&w->mu);
    return r;
}

int wal_rotate(qv_wal *w, uint64_t *first, qv_err *err) {
    pthread_rwlock_wrlock(&w->sync_rw);
    pthread_mutex_lock(&w->app_mu);
    int fd = segment_create(w, w->seg + 1, err), rc = 0;
    if (fd < 0) {
        rc = -1;
    } else {
        if (w->fd >= 0) {
            if (fdatasync(w->fd) < 0) {
                char path[4096];
                wal_segment_path(w->dir, w->seg, path, sizeof path);
                set_broken(w, "cannot fdatasync the write-ahead log %s: %s", path, errno);
            } else { /* everything written so far is on disk */
                pthread_mutex_lock(&w->mu);
                w->synced = w->lsn;
                if (w->started < w->lsn) w->started = w->lsn;
                wake_covered(w);
                pthread_mutex_unlock(&w->mu);
                if (w->zend > w->off && ftruncate(w->fd, (off_t)w->off) < 0) /* closed: its zeros go (not synced: */
                    QV_WARN("cannot cut the preallocated end off the write-ahead log in %s: %s", w->dir, /* either */
                            strerror(errno));                                                /* size reads the same) */
            }
            close(w->fd);
        }
        w->fd = fd;
        w->seg++;
        w->off = w->zend = WAL_SEG_HEADER;
        *first = w->seg;
        pthread_mutex_lock(&w->mu);
        want_prep(w);
        pthread_mutex_unlock(&w->mu);
    }
    pthread_mutex_unlock(&w->app_mu);
    pthread_rwlock_unlock(&w->sync_rw);
    return rc;
}


int wal_remove_before(qv_wal *w, uint64_t seg, qv_err *err) {
    uint64_t *nums;
    size_t n;
    if (wal_list_segments(w->dir, &nums, &n, err) < 0) return -1;
    int rc = 0, removed = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        if (nums[i] >= seg) break;
        char path[4096];
        wal_segment_path(w->dir, nums[i], path, sizeof path);
        if (unlink(path) < 0 && errno != ENOENT)
            rc = qv_err_set(err, QV_EIO, "cannot remove write-ahead log segment %s: %s", path, strerror(errno));
        else
            removed++;
    }
    free(nums);
    if (removed && rc == 0) rc = sync_dir(w->dir, err);
    return rc;
}

uint64_t wal_bytes(qv_wal *w) {
    pthread_mutex_lock(&w->mu);
    uint64_t b = w->bytes;
    pthread_mutex_unlock(&w->mu);
    return b;
}

void wal_bytes_add(qv_wal *w, uint64_t n) {
    pthread_mutex_lock(&w->mu);
    w->bytes += n;
    if (w->ckpt_bytes && w->bytes >= w->ckpt_bytes && !w->ckpt_wanted) {
        w->ckpt_wanted = true;
        pthread_cond_broadcast(&w->cv_ckpt);
    }
    pthread_mutex_unlock(&w->mu);
}

void wal_bytes_reset(qv_wal *w) {
    pthread_mutex_lock(&w->mu);
    w->bytes = 0;
    pthread_mutex_unlock(&w->mu);
}

bool wal_wait_checkpoint_wanted(qv_wal *w) {
    pthread_mutex_lock(&w->mu);
    while (!w->ckpt_wanted && !w->ckpt_stop) pthread_cond_wait(&w->cv_ckpt, &w->mu);
    bool r = !w->ckpt_stop;
    w->ckpt_wanted = false;
    pthread_mutex_unlock(&w->mu);
    return r;
}

void wal_lock_dbs(qv_wal *w) { pthread_mutex_lock(&w->mu); }
void wal_unlock_dbs(qv_wal *w) { pthread_mutex_unlock(&w->mu); }
wal_db *wal_dbs(qv_wal *w) { return w->dbs; }

wal_stats wal_get_stats(qv_wal *w) {
    pthread_mutex_lock(&w->mu);
    wal_stats st = w->st;
    pthread_mutex_unlock(&w->mu);
    return st;
}

/* Holds the syncers before their next fdatasync (commits keep writing and then wait) until wal_io_resume: tests
 * use it to force many commits into one sync. */
void wal_io_pause(qv_wal *w) { pthread_rwlock_wrlock(&w->sync_rw); }
void wal_set_sync_fn(qv_wal *w, wal_sync_fn fn, void *ctx) {
    pthread_mutex_lock(&w->mu);
    w->sync_fn = fn;
    w->sync_ctx = ctx;
    pthread_mutex_unlock(&w->mu);
}
void wal_io_resume(qv_wal *w) { pthread_rwlock_unlock(&w->sync_rw); }
