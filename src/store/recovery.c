/* recovery.c — replaying the write-ahead log at start-up.
 *
 * Owns: reading every segment of <data-dir>/wal in order, handing each transaction record to the database it
 * names (same name and identity, sequence number after what its base file holds) and applying it through
 * replay transactions (gcommit.h: a run of records of one database in one transaction), and cutting off a
 * torn or corrupt tail: the segment is truncated at the bad record's offset and the
 * segments after it are removed, each logged with the reason. A record that fits no loaded database (a
 * dropped or replaced one) is skipped. A gap in a database's sequence numbers or a record that does not
 * apply stops start-up with an error naming the segment and offset: quiver does not guess.
 * Must not: install hooks or publish graphs (store.c does, after this).
 */
#include "store/wal.h"
#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

int wal_read_file(const char *path, uint8_t **out, size_t *n, qv_err *err) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return qv_err_set(err, QV_EIO, "cannot open %s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) < 0) {
        close(fd);
        return qv_err_set(err, QV_EIO, "cannot stat %s: %s", path, strerror(errno));
    }
    size_t size = (size_t)st.st_size, got = 0;
    uint8_t *p = qv_malloc(size ? size : 1);
    while (got < size) {
        ssize_t k = read(fd, p + got, size - got);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) {
            int e = errno;
            free(p);
            close(fd);
            return qv_err_set(err, QV_EIO, "cannot read %s: %s", path, k < 0 ? strerror(e) : "file shrank");
        }
        got += (size_t)k;
    }
    close(fd);
    *out = p;
    *n = size;
    return 0;
}

/* A segment mapped read-only instead of copied into memory (replay reads it once, front to back: its pages are
 * faulted in by the decoder thread, in parallel with the apply); *mapped says which (an empty file, or a mapping
 * refused, is read). Free with segment_free. */
static int segment_read(const char *path, uint8_t **out, size_t *n, bool *mapped, qv_err *err) {
    *mapped = false;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return qv_err_set(err, QV_EIO, "cannot open %s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) == 0 && st.st_size > 0) {
        void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (m != MAP_FAILED) {
            (void)madvise(m, (size_t)st.st_size, MADV_SEQUENTIAL);   /* read ahead; faulted in by the decoder */
            close(fd);
            *out = m;
            *n = (size_t)st.st_size;
            *mapped = true;
            return 0;
        }
    }
    close(fd);
    return wal_read_file(path, out, n, err);
}

static void segment_free(uint8_t *p, size_t n, bool mapped) {
    if (mapped) munmap(p, n);
    else free(p);
}

static int cut_tail(const char *dir, const uint64_t *segs, size_t n, size_t i, size_t off, const char *why,
                    qv_err *err) {
    char path[4096];
    wal_segment_path(dir, segs[i], path, sizeof path);
    if (off == 0) {
        QV_WARN("write-ahead log %s: %s; removing the segment and any after it", path, why);
        if (unlink(path) < 0) return qv_err_set(err, QV_EIO, "cannot remove %s: %s", path, strerror(errno));
    } else {
        QV_WARN("write-ahead log %s: torn or corrupt record at offset %zu (%s); cutting the log off there", path, off,
                why);
        int fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0 || ftruncate(fd, (off_t)off) < 0 || fsync(fd) < 0) {
            int e = errno;
            if (fd >= 0) close(fd);
            return qv_err_set(err, QV_EIO, "cannot truncate %s: %s", path, strerror(e));
        }
        close(fd);
    }
    for (size_t j = i + 1; j < n; j++) {
        wal_segment_path(dir, segs[j], path, sizeof path);
        QV_WARN("write-ahead log %s: removed, it follows the cut", path);
        if (unlink(path) < 0) return qv_err_set(err, QV_EIO, "cannot remove %s: %s", path, strerror(errno));
    }
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        if (fsync(fd) < 0) QV_WARN("cannot fsync %s: %s", dir, strerror(errno));
        close(fd);
    }
    return 0;
}

static wal_target *find_target(wal_target *t, size_t n, const wal_txn *r) {
    for (size_t i = 0; i < n; i++)
        if (strlen(t[i].g->name) == r->db_len && memcmp(t[i].g->name, r->db, r->db_len) == 0)
            return t[i].ident == r->ident ? &t[i] : NULL;
    return NULL;
}

/* Consecutive records of one database are applied as one replay transaction (gcommit.h: no change list, no
 * external-id lookups, ids indexed at commit), committed when a record of another database comes, at the end
 * of the log, or once it holds RUN_MAX changes (which bounds its undo lists and label-list set; a larger
 * record is a run of its own). Records that only create nodes (names, nodes with their labels and properties:
 * wal_bulk_eligible) go to a bulk builder instead (graph/greplay.h) while the graph allows one: the nodes are
 * gathered into a node pack, installed when a record of another kind or database comes or the log ends; no
 * RUN_MAX there (the builder has no undo lists). The change list is decoded into a buffer reused from record to
 * record, its strings pointing into the file's bytes (the builder copies what it keeps). */
#define RUN_MAX (1u << 16)
typedef struct replay_run {
    wal_target *t; /* the database of the open transaction */
    gtxn *x;
    greplay *bulk; /* node creations gathered for t (x open) */
    bool bulk_ok;  /* QV_REPLAY_BULK is not 0 */
    size_t changes;
    gchange *ch;
    size_t cap;
    qv_arena a;    /* temporal, duration and list payloads of the record being applied */
} replay_run;

static int run_end(replay_run *run, bool commit, qv_err *err) {
    int rc = 0;
    if (run->bulk) {   /* installed and kept: the database's next run of creations may grow the same pack */
        if (commit && greplay_install(run->bulk, err) == 0) {
            greplay_release(run->t->sealed);
            run->t->sealed = run->bulk;
        } else {
            if (commit) rc = -1, commit = false;   /* the run's transaction goes too: the graph is not used */
            greplay_free(run->bulk);
        }
        run->bulk = NULL;
    }
    if (run->x) {
        if (commit) rc = gtxn_commit(run->x, err);
        else gtxn_rollback(run->x);
    }
    run->x = NULL;
    run->t = NULL;
    run->changes = 0;
    return rc;
}

static int begin_run(replay_run *run, wal_target *t, qv_err *err) {
    run->x = gtxn_begin_replay(t->g, err);
    run->t = t;
    return run->x ? 0 : -1;
}

/* The record through the bulk builder, w being its decoded form (NULL: not a bulk record): 1 applied, 0 not a
 * bulk record (or the graph allows none), -1 error. */
static int apply_bulk(replay_run *run, const wal_rows *w, double rest, qv_err *err) {
    wal_target *t = run->t;
    if (w && run->bulk_ok && !run->bulk && t->sealed && greplay_resume(t->sealed, run->x)) {
        run->bulk = t->sealed;   /* the pack grows */
        t->sealed = NULL;
    } else if (w && run->bulk_ok && !run->bulk) {
        greplay_release(t->sealed);   /* it cannot go on (nodes created since, a compaction, ...): its nodes stay */
        t->sealed = NULL;
        run->bulk = greplay_begin(run->x);
    }
    if (w && run->bulk) {
        if (!greplay_count(run->bulk))   /* as many nodes per byte in the rest of the file */
            greplay_reserve(run->bulk, w->n_nodes + (uint64_t)((double)w->n_nodes * rest));
        return wal_rows_apply(run->x, run->bulk, w, err) < 0 ? -1 : 1;
    }
    if (run->bulk && greplay_count(run->bulk) == 0) {   /* nothing gathered yet: the run goes on through gtxn */
        greplay_free(run->bulk);
        run->bulk = NULL;
    } else if (run->bulk) {   /* install the nodes gathered so far (their own commit), then this record */
        if (run_end(run, true, err) < 0 || begin_run(run, t, err) < 0) return -1;
    }
    return 0;
}

/* rest: the bytes of the file after the record, in records of its size (a guess at how many more like it). */
static int apply_record(replay_run *run, wal_target *t, wal_txn *r, const wal_rows *w, double rest, qv_err *err) {
    if (run->x && run->t != t && run_end(run, true, err) < 0) return -1;
    size_t n = w ? w->n_changes : 0;
    int rc = run->x ? 0 : begin_run(run, t, err);
    int k = rc == 0 ? apply_bulk(run, w, rest, err) : -1;
    if (k < 0) rc = -1;
    if (rc == 0 && k == 0) {
        rc = wal_get_changes_buf(&r->changes, &run->a, &run->ch, &run->cap, &n, err);
        if (rc == 0) rc = wal_apply(run->x, run->ch, n, err);
    }
    if (rc < 0) {
        run_end(run, false, NULL);
    } else {
        if (k == 0) {
            for (size_t i = 0; i < n; i++) {
                const gchange *c = &run->ch[i];
                if (c->kind == GCH_NODE_CREATE && c->id + 1 > t->node_hwm) t->node_hwm = c->id + 1;
                if (c->kind == GCH_REL_CREATE && c->id + 1 > t->rel_hwm) t->rel_hwm = c->id + 1;
            }
        } else {
            uint64_t hwm = greplay_next_id(run->bulk);
            if (hwm > t->node_hwm) t->node_hwm = hwm;
        }
        t->seq = r->seq;
        t->replayed++;
        t->changes += n;
        run->changes += n;
        if (!run->bulk && run->changes >= RUN_MAX) rc = run_end(run, true, err);
    }
    qv_arena_free(&run->a);
    return rc;
}

/* Without repair (quiver check): nothing on disk changes; a bad tail is described in *tail instead. */
static int bad_tail(const char *dir, const uint64_t *segs, size_t n, size_t i, size_t off, const char *why, bool repair,
                    qv_buf *tail, qv_err *err) {
    if (repair) return cut_tail(dir, segs, n, i, off, why, err);
    if (tail) {
        char path[4096];
        wal_segment_path(dir, segs[i], path, sizeof path);
        qv_buf_printf(tail, "write-ahead log %s: torn or corrupt at offset %zu (%s)", path, off, why);
        if (i + 1 < n) qv_buf_printf(tail, "; %zu later segments would be removed", n - i - 1);
    }
    return 0;
}

/* Replays the frames of one file from offset start. Returns 0 at a clean end (the records' end in *bad_at), 1 at
 * a torn or corrupt frame (its offset in *bad_at, the reason in *why), -1 when a record cannot be applied (err). */
static int replay_slots(const char *path, wal_decoder *dec, wal_target *targets, size_t nt, size_t *bad_at, qv_err *why,
                        uint64_t *skipped, replay_run *run, qv_err *err) {
    for (;; wal_decoder_done(dec)) {
        wal_slot *s = wal_decoder_next(dec);
        size_t at = s->at;
        if (s->k == 0) {
            *bad_at = at;   /* [walprep] where the records end (before a preallocated segment's zeros) */
            return 0;
        }
        if (s->k < 0) {
            *bad_at = at;
            *why = s->why;
            return 1;
        }
        if (s->dec < 0) {
            *err = s->err;
            return qv_err_prefix(err, "write-ahead log %s, offset %zu", path, at);
        }
        wal_txn *r = &s->r;
        wal_target *t = NULL;
        if (!(t = find_target(targets, nt, r)) || r->seq <= t->seq) {
            (*skipped)++;
            continue;
        }
        if (r->seq != t->seq + 1)
            return qv_err_set(err, QV_EINVAL, "write-ahead log %s, offset %zu: database '%s' jumps from record %llu to "
                              "%llu (a record is missing); move the wal directory away to start from the last "
                              "checkpoint", path, at, t->g->name, (unsigned long long)t->seq, (unsigned long long)r->seq);
        if (s->bulk < 0) {
            *err = s->err;
        } else if (apply_record(run, t, r, s->bulk == 1 ? &s->rows : NULL,
                                (double)(wal_decoder_size(dec) - s->end) / (double)(s->end - at), err) == 0) {
            continue;
        }
        return qv_err_prefix(err, "write-ahead log %s, offset %zu: cannot replay record %llu of database '%s'", path, at,
                             (unsigned long long)r->seq, t->g->name);
    }
}

/* Replays the frames of one file from offset start. Returns 0 at a clean end, 1 at a torn or corrupt frame
 * (its offset in *bad_at, the reason in *why), -1 when a record cannot be applied (err). */
static int replay_file(const char *path, const uint8_t *p, size_t size, size_t start, wal_target *targets, size_t nt,
                       size_t *bad_at, qv_err *why, uint64_t *skipped, replay_run *run, qv_err *err) {
    wal_decoder *dec = wal_decoder_start(p, size, start, false);
    int rc = replay_slots(path, dec, targets, nt, bad_at, why, skipped, run, err);
    wal_decoder_stop(dec);
    return rc;
}

static void run_init(replay_run *run) {
    memset(run, 0, sizeof *run);
    qv_arena_init(&run->a);
    const char *b = getenv("QV_REPLAY_BULK");   /* 0: every record through gtxn (comparisons, tests) */
    run->bulk_ok = !b || strcmp(b, "0") != 0;
}

/* Commits what the run applied (unless ok is false: rolled back) and frees it. */
static int run_close(replay_run *run, bool ok, qv_err *err) {
    int rc = ok ? run_end(run, true, err) : 0;
    run_end(run, false, NULL);
    free(run->ch);
    qv_arena_free(&run->a);
    return rc;
}

int wal_replay_carry(const char *path, wal_target *t, qv_err *err) {
    uint8_t *p = NULL;
    size_t size = 0;
    if (wal_read_file(path, &p, &size, err) < 0) return -1;
    int rc = 0;
    if (size < WAL_SEG_HEADER || memcmp(p, WAL_CARRY_MAGIC, 8) != 0) {
        rc = qv_err_set(err, QV_EINVAL, "%s is not a carried write-ahead log (bad header)", path);
    } else {
        size_t at = 0;
        uint64_t skipped = 0;
        qv_err why;
        qv_err_clear(&why);
        replay_run run;
        run_init(&run);
        int k = replay_file(path, p, size, WAL_SEG_HEADER, t, 1, &at, &why, &skipped, &run, err);
        if (run_close(&run, k >= 0, err) < 0) k = -1;
        greplay_release(t->sealed);
        t->sealed = NULL;
        if (k == 1) rc = qv_err_set(err, QV_EINVAL, "%s is corrupt at offset %zu (%s)", path, at, why.msg);
        else rc = k;
    }
    free(p);
    return rc;
}

/* Appends the frames of one file whose records are (db, ident) with seq in (*last, upto], in order; returns 1
 * as soon as out holds more than cap bytes. */
static int collect_file(const char *path, size_t start, const char *db, uint64_t ident, uint64_t *last, uint64_t upto,
                        size_t cap, qv_buf *out, qv_err *err) {
    uint8_t *p = NULL;
    size_t size = 0;
    if (wal_read_file(path, &p, &size, err) < 0) return -1;
    size_t off = start, dlen = strlen(db);
    int rc = 0;
    while (rc == 0) {
        const uint8_t *body;
        size_t blen, at = off;
        qv_err why;
        qv_err_clear(&why);
        int k = wal_frame_next(p, size, &off, &body, &blen, &why);
        if (k == 0) break;
        if (k < 0) { /* the active segment can end in a record being written: later seqs are not needed */
            break;
        }
        wal_txn r;
        if (wal_decode_txn(body, blen, &r, err) < 0) {
            rc = qv_err_prefix(err, "%s, offset %zu", path, at);
            break;
        }
        if (r.db_len != dlen || memcmp(r.db, db, dlen) != 0 || r.ident != ident || r.seq <= *last || r.seq > upto) continue;
        if (r.seq != *last + 1) {
            rc = qv_err_set(err, QV_EINVAL, "%s, offset %zu: database '%s' jumps from record %llu to %llu", path, at, db,
                            (unsigned long long)*last, (unsigned long long)r.seq);
            break;
        }
        qv_buf_append(out, p + at, off - at);
        *last = r.seq;
        if (out->len > cap) {
            rc = 1;
            break;
        }
    }
    free(p);
    return rc;
}

int wal_collect(const char *dir, const char *carry, const char *db, uint64_t ident, uint64_t after, uint64_t upto,
                size_t cap, qv_buf *out, qv_err *err) {
    uint64_t last = after;
    struct stat st;
    int rc = 0;
    if (carry && stat(carry, &st) == 0) rc = collect_file(carry, WAL_SEG_HEADER, db, ident, &last, upto, cap, out, err);
    if (rc != 0) return rc;
    uint64_t *segs;
    size_t n;
    if (wal_list_segments(dir, &segs, &n, err) < 0) return -1;
    for (size_t i = 0; i < n && rc == 0 && last < upto; i++) {
        char path[4096];
        wal_segment_path(dir, segs[i], path, sizeof path);
        rc = collect_file(path, WAL_SEG_HEADER, db, ident, &last, upto, cap, out, err);
    }
    free(segs);
    if (rc == 0 && last != upto)
        rc = qv_err_set(err, QV_EINTERNAL, "database '%s': records %llu..%llu are not in the log", db,
                        (unsigned long long)last + 1, (unsigned long long)upto);
    return rc;
}

int wal_recover(const char *dir, wal_target *targets, size_t nt, bool repair, qv_buf *tail, uint64_t *last_seg,
                uint64_t *bytes, qv_err *err) {
    *last_seg = 0;
    *bytes = 0;
    qv_err_clear(err);
    if (!repair) {
        struct stat st;
        if (stat(dir, &st) < 0 && errno == ENOENT) return 0;
    } else if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
        return qv_err_set(err, QV_EIO, "cannot create directory %s: %s", dir, strerror(errno));
    }
    uint64_t *segs;
    size_t n;
    if (wal_list_segments(dir, &segs, &n, err) < 0) return -1;
    int rc = 0;
    uint64_t skipped = 0;
    bool cut = false;
    replay_run run;   /* spans segments: a bulk run of node creations goes on into the next segment */
    run_init(&run);
    for (size_t i = 0; i < n && rc == 0 && !cut; i++) {
        char path[4096];
        wal_segment_path(dir, segs[i], path, sizeof path);
        uint8_t *p = NULL;
        size_t size = 0, mapped_size;
        bool mapped;
        if ((rc = segment_read(path, &p, &size, &mapped, err)) < 0) break;
        mapped_size = size;
        if (size == WAL_SEG_HEADER && memcmp(p, WAL_SEG_MAGIC, 8) == 0) { /* empty: a fresh one replaces it */
            if (repair && unlink(path) < 0) QV_WARN("cannot remove empty write-ahead log segment %s: %s", path, strerror(errno));
            if (segs[i] > *last_seg) *last_seg = segs[i];
            segment_free(p, mapped_size, mapped);
            continue;
        }
        uint64_t num = 0;
        if (size >= WAL_SEG_HEADER) memcpy(&num, p + 8, 8);
        if (size < WAL_SEG_HEADER || memcmp(p, WAL_SEG_MAGIC, 8) != 0 || num != segs[i]) {
            rc = bad_tail(dir, segs, n, i, 0, "no valid segment header", repair, tail, err);
            cut = true;
            segment_free(p, mapped_size, mapped);
            break;
        }
        *last_seg = segs[i];
        size_t at = 0;
        qv_err why;
        qv_err_clear(&why);
        int k = replay_file(path, p, size, WAL_SEG_HEADER, targets, nt, &at, &why, &skipped, &run, err);
        if (k < 0) {
            rc = -1;
        } else if (k == 0) {
            size = at;   /* [walprep] the log read: not the zeros a preallocated segment ends in */
        } else if (k == 1) {
            rc = bad_tail(dir, segs, n, i, at, why.msg, repair, tail, err);
            cut = true;
            size = at;
        }
        *bytes += size;
        segment_free(p, mapped_size, mapped);
    }
    free(segs);
    if (run_close(&run, rc == 0, err) < 0) rc = -1;
    for (size_t i = 0; i < nt; i++) {
        greplay_release(targets[i].sealed);
        targets[i].sealed = NULL;
    }
    if (skipped) QV_INFO("write-ahead log: skipped %llu records of dropped or replaced databases or already in a checkpoint",
                         (unsigned long long)skipped);
    return rc;
}
