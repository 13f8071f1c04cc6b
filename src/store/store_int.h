/* store_int.h — what store.c and checkpoint_round.c share (internal to store/).
 *
 * Owns: the qv_store struct and the data-directory helpers both files use (paths, atomic install, directory
 * fsync, carried-log removal). Must not be included outside src/store.
 */
#ifndef QV_STORE_INT_H
#define QV_STORE_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "store/store.h"
#include "store/wal.h"

struct qv_store {
    char *dir;
    char *db_dir;
    char *wal_dir;
    int lock_fd;
    pthread_mutex_t mu; /* one save or remove at a time: saves of one name share a temporary file */
    /* the write-ahead log: open from store_load_all on */
    int durability;
    uint64_t ckpt_bytes;
    qv_wal *wal;
    gcatalog *cat;
    pthread_mutex_t ckpt_mu; /* one checkpoint round at a time */
    pthread_t ckpt_thread;
    bool have_ckpt_thread;
    /* the segment the last checkpoint round started (under ckpt_mu; 0 before the first round): the log after a
     * checkpoint written then starts at or after it */
    uint64_t round_first;
    /* streamed saves whose incoming index is being appended (save_stream.c) */
    pthread_mutex_t app_mu;
    struct store_stream *appending;
};

char *store_join(const char *a, const char *b, const char *c);   /* malloc'd a + b + c */
int store_sync_dir(const char *path, qv_err *err);
/* databases/<file>.qvg of a database and the temporary file a save writes first (both malloc'd). */
void store_base_paths(qv_store *s, const char *name, char **final, char **tmp);
char *store_carry_path(qv_store *s, const char *name);           /* databases/<file>.qvl */
/* Renames tmp over final and syncs the directory; removes tmp on failure. Under s->mu. */
int store_install_file(qv_store *s, const char *tmp, const char *final, qv_err *err);
/* A saved bulk load's file tmp becomes database g's base file final (a previous checkpoint beside it
 * removed, its carried log dropped) and the log takes g's writes from now on. Under s->mu. */
int store_install_base(qv_store *s, graph *g, const char *tmp, const char *final, qv_err *err);
/* Removes a database's carried log. Under s->mu. */
void store_drop_carry(qv_store *s, const char *name);
/* The previous checkpoint kept next to a checkpoint base: <final>.prev (malloc'd). Keeping one (keep_prev):
 * final is hard-linked there before a new checkpoint is renamed over it; otherwise a stale one is removed.
 * Under s->mu. */
char *store_prev_path(const char *final);
void store_keep_prev(qv_store *s, const char *final, bool keep_prev);
/* Writes a checkpoint of db over its base file (checkpoint_round.c). */
int store_checkpoint_db(qv_store *s, graph *g, wal_db *db, qv_err *err);
void *store_checkpointer_main(void *arg);

#endif
