/* store.h — durability of databases: snapshots, checkpoints and the write-ahead log on disk.
 *
 * Owns: the data directory layout (<data-dir>/databases/<name>.qvg, <data-dir>/wal/), the snapshot file
 * format (checksummed sections of the graph's columns) written atomically (temporary file, fsync, rename,
 * directory fsync) after bulk loads, the write-ahead log every transaction on a durable database goes
 * through before it is acknowledged (the commit hook store_load_all / store_save / store_ensure_database
 * install), checkpoints that fold the log into a database's base file, and recovery at start-up (base
 * file + log replay). A lock file keeps two servers from sharing one data directory. src/store/README.md
 * documents the formats.
 */
#ifndef QV_STORE_H
#define QV_STORE_H

#include "graph/catalog.h"
#include "graph/graph.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/pool.h"

typedef struct qv_store qv_store;

typedef enum {
    STORE_DURABILITY_FSYNC = 0,  /* a commit returns once its log record is fdatasync'ed (group commit) */
    STORE_DURABILITY_ASYNC = 1,  /* a commit returns once queued; the log is fdatasync'ed at most 1 s later,
                                    so a crash loses at most the last second of acknowledged writes */
} store_durability;
#define STORE_CHECKPOINT_WAL_SIZE_DEFAULT (256ull << 20)

/* Creates the directory if needed and takes its lock (QV_EIO naming the path on failure,
 * QV_EPHASE "data directory DIR is in use by another quiver (pid N)" when locked). */
qv_store *store_open(const char *data_dir, qv_err *err);
void store_close(qv_store *s);
const char *store_dir(const qv_store *s);
/* Before store_load_all: the durability of commits and the amount of log (bytes, 0 = never) after which a
 * background checkpoint runs. Defaults: fsync, STORE_CHECKPOINT_WAL_SIZE_DEFAULT. */
void store_configure(qv_store *s, store_durability durability, uint64_t checkpoint_wal_size);
/* Loads every saved database into the catalog, replays the write-ahead log into them (a torn or corrupt
 * tail is cut off and logged), opens the log and installs the commit hook on each. A corrupt or truncated
 * base file is an error naming it (the server refuses to start rather than silently lose a database).
 * Call once; the store remembers cat for checkpoints until store_shutdown. */
int store_load_all(qv_store *s, gcatalog *cat, qv_pool *pool, qv_err *err);
/* Writes g (a database) durably; replaces an older base file of the same name atomically. A graph fresh
 * from a bulk load is written as a snapshot and its writes go through the log from then on (a database of
 * the same name before it is retired); a graph already written through the log is checkpointed. (g is const
 * for the callers' sake: installing the commit hook and checkpointing touch only its writable side.) */
int store_save(qv_store *s, const graph *g, qv_err *err);
/* A checkpoint round: every database with log records after its base file is checkpointed, then the log
 * segments before the round are removed. Runs by itself after the configured log size. */
int store_checkpoint(qv_store *s, qv_err *err);
/* Before freeing the catalog: stops the background checkpoints and, when checkpoint, runs a last round
 * (clean shutdown). The log stays open until store_close. */
void store_shutdown(qv_store *s, bool checkpoint);
/* Creates an empty durable database (integer ids) under name unless the catalog has one: the default
 * database of a new data directory. */
int store_ensure_database(qv_store *s, gcatalog *cat, const char *name, qv_err *err);
/* Deletes the base file of the named database (its log records are ignored from then on); succeeds when
 * there is none. */
int store_remove(qv_store *s, const char *name, qv_err *err);
/* `quiver check`: verifies every base file, the log and the recovered graphs' invariants without changing
 * anything; appends a report to out and returns the number of problems found. */
int store_check(const char *data_dir, qv_pool *pool, qv_buf *out);
/* `quiver backup` (backup.c): a copy of the data directory at <to> (which must not exist, or be an empty
 * directory) that starts and passes store_check, every transaction wholly in it or not at all. store_backup is
 * the running server's (commits go on meanwhile; checkpoint rounds wait); store_backup_offline takes the lock
 * of a stopped server's directory (QV_EPHASE naming --server when a server holds it). The copy is written to
 * "<to>.partial" and renamed once synced. */
typedef struct store_backup_info {
    uint64_t files, bytes;
    double seconds;
} store_backup_info;
int store_backup(qv_store *s, const char *to, store_backup_info *out, qv_err *err);
int store_backup_offline(const char *data_dir, const char *to, store_backup_info *out, qv_err *err);
/* Snapshot codec on its own, for tests and fuzzing. */
int store_snapshot_write_file(const graph *g, const char *path, qv_err *err);
int store_snapshot_read_file(const char *path, qv_pool *pool, graph **out, qv_err *err);
int store_snapshot_decode(const uint8_t *p, size_t n, qv_pool *pool, graph **out, qv_err *err);
/* The snapshot of g, appended to out (what store_snapshot_write_file writes). */
int store_snapshot_encode(const graph *g, qv_buf *out, qv_err *err);

/* The file name (no directory) a database's snapshot has: the name with every byte outside
 * [A-Za-z0-9_.-] (and a leading '.') percent-encoded, then ".qvg"; names whose encoding would be long
 * are cut and end in '~' and a hash, so every file name stays under 210 bytes. name must not be empty. */
#define STORE_FILE_NAME_MAX 256
void store_file_name(const char *name, char out[STORE_FILE_NAME_MAX]);

#endif
