/* store.h — durability of databases: snapshots of whole graphs on disk.
 *
 * Owns: the data directory layout (<data-dir>/databases/<name>.qvg), the snapshot file format
 * (checksummed sections of the graph's columns), writing a snapshot atomically (temporary file, fsync,
 * rename, directory fsync) and loading every database at start-up. A lock file keeps two servers from
 * sharing one data directory. The write-ahead log for transactional writes comes with the openCypher
 * engine; until then a database is durable from the moment its bulk load is acknowledged.
 */
#ifndef QV_STORE_H
#define QV_STORE_H

#include "graph/catalog.h"
#include "graph/graph.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/pool.h"

typedef struct qv_store qv_store;

/* Creates the directory if needed and takes its lock (QV_EIO naming the path on failure,
 * QV_EPHASE "data directory DIR is in use by another quiver (pid N)" when locked). */
qv_store *store_open(const char *data_dir, qv_err *err);
void store_close(qv_store *s);
const char *store_dir(const qv_store *s);
/* Loads every saved database into the catalog. A corrupt or truncated file is an error naming it
 * (the server refuses to start rather than silently lose a database). */
int store_load_all(qv_store *s, gcatalog *cat, qv_pool *pool, qv_err *err);
/* Writes g (a database) durably; replaces an older snapshot of the same name atomically. */
int store_save(qv_store *s, const graph *g, qv_err *err);
/* Creates an empty durable database (integer ids) under name unless the catalog has one: the default
 * database of a new data directory. */
int store_ensure_database(qv_store *s, gcatalog *cat, const char *name, qv_err *err);
/* Deletes the snapshot of the named database; succeeds when there is none. */
int store_remove(qv_store *s, const char *name, qv_err *err);
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
