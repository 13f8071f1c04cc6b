/* wal.h — the write-ahead log, its record codec, recovery and checkpoints (internal to store/; the public
 * side is in store.h, the on-disk formats in README.md).
 *
 * Owns: the declarations that connect wal_codec.c (frames, values, change lists, replay through gtxn),
 * wal.c (segments, the group-commit syncer, the commit hooks), recovery.c (scanning the log at start-up)
 * and checkpoint.c (a graph's committed state through gview, and back through gtxn).
 * Must not: be included outside src/store.
 */
#ifndef QV_STORE_WAL_H
#define QV_STORE_WAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "graph/catalog.h"
#include "graph/gcommit.h"
#include "graph/greplay.h"
#include "graph/gview.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/pool.h"

/* ---- frames (wal_codec.c): one WAL record, or one checkpoint block ----
 * u32 magic, u32 body length, u32 CRC32C of the body, u32 CRC32C of the 12 bytes before it; then the body. */
#define WAL_FRAME_MAGIC   0x4C415751u /* "QWAL" little-endian */
#define WAL_FRAME_HEADER  16u
#define WAL_FRAME_MAX     (1u << 30)  /* larger bodies are refused on both sides */
#define WAL_SEG_MAGIC     "QVWALSG1"  /* segment header: magic, u64 segment number */
#define WAL_CARRY_MAGIC   "QVWALCY1"  /* carried log of one database (databases/<file>.qvl): magic, u64 0 */
#define WAL_SEG_HEADER    16u
#define CKPT_MAGIC        "QVCKPT\0\0" /* checkpoint header: magic, u32 version, u32 flags */
#define CKPT_HEADER       16u
#define CKPT_VERSION      2u          /* written (version 1 is still read) */

enum wal_body_kind { WAL_BODY_TXN = 1, CKPT_BODY_META = 2, CKPT_BODY_CHANGES = 3, CKPT_BODY_END = 4 };

/* Appends a framed body: the caller writes the body after wal_frame_begin and calls wal_frame_end. */
size_t wal_frame_begin(qv_buf *b);
int wal_frame_end(qv_buf *b, size_t start, qv_err *err);   /* QV_ETOOBIG over WAL_FRAME_MAX */
/* The frame at p[*off..n): 1 = a frame (body, *off advanced), 0 = clean end (*off == n), -1 = torn or
 * corrupt (*why says how; *off is left at the frame's start). */
int wal_frame_next(const uint8_t *p, size_t n, size_t *off, const uint8_t **body, size_t *body_len, qv_err *why);
/* wal_frame_next in two steps (the log's decoder threads claim frames in order by their headers, then check the
 * bodies in parallel): the header (magic, its CRC, the length) -- 1, 0 or -1 as wal_frame_next, the body's CRC
 * not checked yet --, then the body's CRC (0, or -1 with *why set). */
int wal_frame_head(const uint8_t *p, size_t n, size_t *off, const uint8_t **body, size_t *body_len, qv_err *why);
int wal_frame_body_ok(const uint8_t *body, size_t body_len, qv_err *why);

/* ---- bodies ---- */
void wal_put_varint(qv_buf *b, uint64_t v);
void wal_put_u64(qv_buf *b, uint64_t v);
void wal_put_str(qv_buf *b, const char *s, size_t n);
/* A cursor over untrusted bytes: every getter fails (returns -1, sets bad) instead of reading past end. */
typedef struct wal_cur {
    const uint8_t *p, *end;
    bool bad;
} wal_cur;
int wal_get_varint(wal_cur *c, uint64_t *v);
int wal_get_u64(wal_cur *c, uint64_t *v);
int wal_get_str(wal_cur *c, const char **s, size_t *n);
/* Storable values (gvalue_storable); strings point into the cursor's bytes, other payloads are allocated in a. */
int wal_put_value(qv_buf *b, qval v, qv_err *err);
int wal_get_value(wal_cur *c, qv_arena *a, qval *out, int depth);

/* Changes: "u varint count, then count changes" (kind, aux, token, id, src, dst, value). */
int wal_put_changes(qv_buf *b, const gchange *ch, size_t n, qv_err *err);
int wal_get_changes(wal_cur *c, qv_arena *a, gchange **out, size_t *n, qv_err *err);
/* The same into a reused buffer (*buf, capacity *cap; the caller frees it): replay decodes record after record
 * without allocating per record. String values point into the decoded bytes (both forms): keep them alive
 * while the changes are used; temporal, duration and list payloads are allocated in a. */
int wal_get_changes_buf(wal_cur *c, qv_arena *a, gchange **buf, size_t *cap, size_t *n, qv_err *err);
/* Applies changes through t, checking that ids and name ids come out as recorded. */
int wal_apply(gtxn *t, const gchange *ch, size_t n, qv_err *err);
/* Bulk replay (graph/greplay.h): decodes the change list at c and, if it holds only names and node creations
 * with their labels (ascending) and non-null properties (ascending keys) -- what CREATE of nodes records --
 * applies it: names through t, nodes into r (1, *n_changes set). 0: it holds anything else; r and c are as they
 * were (names it interned stay: interning them again gives the same ids). -1: malformed or refused (err).
 * Temporal, duration and list payloads go to a (r copies what it keeps). */
int wal_apply_bulk(gtxn *t, greplay *r, wal_cur *c, qv_arena *a, size_t *n_changes, qv_err *err);
/* The same in two steps (recovery decodes the next record on another thread while it applies this one):
 * wal_decode_bulk fills w (1; values point into the record's bytes or w's arena) or declines (0, c as it was)
 * without the graph; wal_rows_apply interns the names through t and gives the nodes to r. */
typedef struct wal_node {
    uint64_t id;
    qval ext;
    uint64_t xh;               /* greplay_ext_hash(ext) */
    uint32_t l0, nl, p0, np;   /* its labels and properties in w's arrays */
} wal_node;
typedef struct wal_rows {
    size_t n_changes;
    wal_node *nodes;
    size_t n_nodes, cap_nodes;
    uint32_t *labels;
    size_t n_labels, cap_labels;
    gprop *props;
    size_t n_props, cap_props;
    gchange *toks;
    size_t n_toks, cap_toks;
    qv_arena a;
} wal_rows;
void wal_rows_init(wal_rows *w);
void wal_rows_free(wal_rows *w);
int wal_decode_bulk(wal_cur *c, wal_rows *w, qv_err *err);
int wal_rows_apply(gtxn *t, greplay *r, const wal_rows *w, qv_err *err);

/* A transaction record body: kind, database name, identity, sequence number, csn, changes. */
typedef struct wal_txn {
    const char *db;
    size_t db_len;
    uint64_t ident, seq, csn;
    wal_cur changes;           /* positioned at the change list */
} wal_txn;
int wal_encode_txn(qv_buf *b, const char *db, uint64_t ident, uint64_t seq, uint64_t csn, const gchange *ch, size_t n,
                   qv_err *err);
int wal_decode_txn(const uint8_t *body, size_t n, wal_txn *out, qv_err *err);

/* ---- decoding ahead (wal_decode.c) ---- */
/* One frame decoded: k is wal_frame_next's (1 a frame, 0 the end, -1 torn or corrupt: why); dec 0, or -1 when
 * the record's header (or the block's kind) is malformed (err); changes is the change list; bulk is
 * wal_decode_bulk's (1: rows hold it and bulk_end is where its decoding ended; 0 not a bulk list; -1 err). */
typedef struct wal_slot {
    int k;
    size_t at, end;            /* the frame's offset, and the next one's */
    int dec;
    wal_txn r;                 /* log records */
    wal_cur changes;
    int bulk;
    const uint8_t *bulk_end;
    wal_rows rows;
    qv_err why, err;
} wal_slot;
typedef struct wal_decoder wal_decoder;
/* Decodes the frames of p[start..size): log records, or a checkpoint's change blocks (ckpt). */
wal_decoder *wal_decoder_start(const uint8_t *p, size_t size, size_t start, bool ckpt);
/* The next slot in order; call wal_decoder_done once done with it (before the next call). */
wal_slot *wal_decoder_next(wal_decoder *d);
void wal_decoder_done(wal_decoder *d);
void wal_decoder_stop(wal_decoder *d);      /* joins the thread, frees everything */
size_t wal_decoder_size(const wal_decoder *d);

/* ---- the log (wal.c) ---- */
typedef struct wal_db wal_db;
typedef struct qv_wal qv_wal;

/* One durable database the log knows: its identity (the graph's created_ms), the sequence number of the
 * last record written (seq) and the one its base file (snapshot or checkpoint) already holds (base_seq). */
struct wal_db {
    qv_wal *w;
    char *name;
    graph *g;                  /* the graph the hook is installed on (not a reference: see retired) */
    uint64_t ident;
    uint64_t seq, base_seq;
    uint64_t node_hwm, rel_hwm;/* ids below were committed at some point (deleted ones are holes to keep) */
    bool from_checkpoint;      /* the graph's data lives in its delta (loaded from a checkpoint) */
    uint64_t carry_seq;        /* snapshot bases: the last record copied to the carried log (0: none) */
    uint32_t names[3];         /* labels, types, keys the log (or the base) holds: ids below are known */
    bool retired;              /* dropped or replaced: its hook refuses commits */
    /* checkpoint retention (checkpoint_round.c, under wal_lock_dbs): the segment from which the log after the
     * base file (base_first) and after the kept previous checkpoint (prev_need; 0: none kept) starts */
    uint64_t base_first, prev_need;
    qv_buf rec;                /* the record being appended (used under the graph's writer slot only) */
    wal_db *next;
};

/* Opens the log in dir (created if needed) and starts segment last_seg + 1 and the syncer. durability: 0
 * fsync (a commit returns once its record is on disk), 1 async (fdatasync at most a second later). A
 * checkpoint is asked for (wal_wait_checkpoint_wanted) after checkpoint_bytes of log (0: never). */
qv_wal *wal_open(const char *dir, int durability, uint64_t checkpoint_bytes, uint64_t last_seg, qv_err *err);
/* Wakes wal_wait_checkpoint_wanted for good (it returns false from now on). */
void wal_stop_waiters(qv_wal *w);
/* Returns once everything written before the call is synced (fsync durability; async: at once, records are
 * written by their committers). */
int wal_flush(qv_wal *w, qv_err *err);
/* Stops the syncer (after a last fdatasync) and frees everything. */
void wal_close(qv_wal *w);
const char *wal_dir(const qv_wal *w);
/* Registers a database and installs the commit hooks on g (gcommit.h); a database of the same name is retired. */
wal_db *wal_attach(qv_wal *w, graph *g, uint64_t ident, uint64_t seq, uint64_t base_seq, uint64_t node_hwm,
                   uint64_t rel_hwm, bool from_checkpoint);
void wal_retire(qv_wal *w, const char *name);
wal_db *wal_find(qv_wal *w, const char *name);
/* Closes the active segment and starts segment number first + 1 (first is returned). */
int wal_rotate(qv_wal *w, uint64_t *first, qv_err *err);
/* Removes the segments numbered below seg. */
int wal_remove_before(qv_wal *w, uint64_t seg, qv_err *err);
/* Bytes written to segments since the last completed checkpoint round. */
uint64_t wal_bytes(qv_wal *w);
void wal_bytes_reset(qv_wal *w);
void wal_bytes_add(qv_wal *w, uint64_t n);   /* log found at start-up counts too */
/* Blocks until enough log was written for a checkpoint (true) or the log is closing (false). */
bool wal_wait_checkpoint_wanted(qv_wal *w);
void wal_lock_dbs(qv_wal *w);
void wal_unlock_dbs(qv_wal *w);
wal_db *wal_dbs(qv_wal *w);   /* under wal_lock_dbs */

/* Counters (tests, logs): syncer rounds (batches), records written, fdatasyncs, committers waiting (queued),
 * commits that left their sync to the next transaction of their graph (deferred). */
typedef struct wal_stats {
    uint64_t batches, records, syncs, queued, deferred;
} wal_stats;
wal_stats wal_get_stats(qv_wal *w);
/* Holds the syncer before its next fdatasync (commits keep writing, then wait) until wal_io_resume: a way for
 * tests to force many commits into one sync. */
void wal_io_pause(qv_wal *w);
void wal_io_resume(qv_wal *w);
/* Tests: fn(ctx, fd) runs instead of each fdatasync of a segment by a committer or syncer (rotation and close
 * still fdatasync), e.g. to copy what a sync makes durable; NULL restores fdatasync. */
typedef int (*wal_sync_fn)(void *ctx, int fd);
void wal_set_sync_fn(qv_wal *w, wal_sync_fn fn, void *ctx);

/* Segment file names, sorted by number (recovery.c). */
int wal_list_segments(const char *dir, uint64_t **nums, size_t *n, qv_err *err);
void wal_segment_path(const char *dir, uint64_t num, char *out, size_t cap);

/* ---- recovery (recovery.c) ---- */
int wal_read_file(const char *path, uint8_t **out, size_t *n, qv_err *err);   /* whole file, malloc'd */

typedef struct wal_target {
    graph *g;
    uint64_t ident, base_seq, seq;   /* seq: the last applied; set it to base_seq before replaying */
    uint64_t node_hwm, rel_hwm;      /* raised by replayed creations */
    uint64_t replayed, changes;
    greplay *sealed;                 /* its last bulk run, installed: a later run of creations may go on with it */
} wal_target;
/* Replays every segment of dir into the targets (by name and identity), cuts a torn or corrupt tail off
 * (logged with its offset; without repair nothing on disk changes and tail, if given, describes it), and
 * returns the number of the last segment (0 when none) in *last_seg and the bytes of log read. */
int wal_recover(const char *dir, wal_target *targets, size_t n, bool repair, qv_buf *tail, uint64_t *last_seg,
                uint64_t *bytes, qv_err *err);
/* Replays a database's carried log (its records after a snapshot base) into t; any damage is an error. */
int wal_replay_carry(const char *path, wal_target *t, qv_err *err);
/* Appends to out the frames of database (db, ident) with sequence numbers after..upto, from the carried log
 * (if carry is given and exists) and then the segments of dir. 0: all found; 1: out grew past cap bytes
 * (stopped there); -1: error (a record missing, unreadable files). */
int wal_collect(const char *dir, const char *carry, const char *db, uint64_t ident, uint64_t after, uint64_t upto,
                size_t cap, qv_buf *out, qv_err *err);

/* ---- checkpoints (checkpoint.c) ---- */
/* Writes the state v sees of its graph as a checkpoint to fd (fd < 0: appended to mem instead); base_seq is
 * the last WAL record of the database that v includes. Does not fsync. */
typedef struct ckpt_info {
    uint64_t ident, base_seq;
    uint64_t node_hwm, rel_hwm;      /* id high-water marks: deleted ids below them stay unused */
} ckpt_info;
int ckpt_write(gview *v, const ckpt_info *info, int fd, qv_buf *mem, const char *what, qv_err *err);
/* Reads a checkpoint image into a new graph (not published, no hook). */
int ckpt_read(const uint8_t *p, size_t n, graph **out, ckpt_info *info, qv_err *err);
bool ckpt_is_checkpoint(const uint8_t *p, size_t n);
/* Only the meta block (name, identity, base_seq) of a checkpoint whose later blocks may be damaged. */
int ckpt_read_meta(const uint8_t *p, size_t n, char **name, ckpt_info *info, qv_err *err);
/* ckpt: the same from a file: a version-2 checkpoint is mapped (its base arrays stay in the mapping, pool builds
 * the id index), version 1 read and replayed. Start-up uses these. */
int ckpt_load_file(const char *path, qv_pool *pool, graph **out, ckpt_info *info, qv_err *err);
int ckpt_read_meta_file(const char *path, char **name, ckpt_info *info, qv_err *err);

#endif
