/* store.c — the data directory: its lock, base files saved atomically, checkpoint rounds, and start-up.
 *
 * Owns: <data-dir>/LOCK (flock held for the life of the qv_store, holding our pid),
 * <data-dir>/databases/<file>.qvg (one base file per database, named by store_file_name: a snapshot or a
 * checkpoint), <file>.qvl (a snapshot-based database's carried log) and the temporary files of saves in
 * progress (.<file>.tmp). A save writes the temporary file, fsyncs it, renames it over the old file and
 * fsyncs the directory, so after a crash either the old or the new file is there, whole. Start-up: base
 * files, carried logs, then the write-ahead log (recovery.c), then hooks and publishing. Checkpoint rounds
 * (background after --checkpoint-wal-size, at clean shutdown) choose per database between carrying its log
 * and a full checkpoint. Must not know the file formats (snapshot_*.c, checkpoint.c, wal_codec.c do) and
 * must not decide which graphs are durable (callers do).
 */
#include "store/save_stream.h"
#include "store/snapshot.h"
#include "store/store.h"
#include "store/store_int.h"
#include "store/wal.h"
#include "util/clock.h"
#include "util/log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>


char *store_join(const char *a, const char *b, const char *c) {
    size_t n = strlen(a) + strlen(b) + strlen(c) + 1;
    char *s = qv_malloc(n);
    snprintf(s, n, "%s%s%s", a, b, c);
    return s;
}

static int make_dir(const char *path, qv_err *err) {
    if (mkdir(path, 0755) < 0 && errno != EEXIST)
        return qv_err_set(err, QV_EIO, "cannot create directory %s: %s", path, strerror(errno));
    struct stat st;
    if (stat(path, &st) < 0) return qv_err_set(err, QV_EIO, "cannot use directory %s: %s", path, strerror(errno));
    if (!S_ISDIR(st.st_mode)) return qv_err_set(err, QV_EIO, "cannot use %s as a directory: it is a file", path);
    return 0;
}

static int make_dirs(const char *path, qv_err *err) {
    char *p = qv_strdup(path);
    int rc = 0;
    for (char *q = p + 1; *q && rc == 0; q++) {
        if (*q != '/') continue;
        *q = 0;
        if (mkdir(p, 0755) < 0 && errno != EEXIST)
            rc = qv_err_set(err, QV_EIO, "cannot create directory %s: %s", p, strerror(errno));
        *q = '/';
    }
    if (rc == 0) rc = make_dir(p, err);
    free(p);
    return rc;
}

int store_sync_dir(const char *path, qv_err *err) {
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return qv_err_set(err, QV_EIO, "cannot open directory %s: %s", path, strerror(errno));
    int rc = fsync(fd) < 0 ? qv_err_set(err, QV_EIO, "cannot fsync directory %s: %s", path, strerror(errno)) : 0;
    close(fd);
    return rc;
}

static int take_lock(qv_store *s, qv_err *err) {
    char *path = store_join(s->dir, "/LOCK", "");
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        qv_err_set(err, QV_EIO, "cannot open lock file %s: %s", path, strerror(errno));
        free(path);
        return -1;
    }
    free(path);
    if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        int e = errno;
        char pid[32] = {0};
        ssize_t n = pread(fd, pid, sizeof pid - 1, 0);
        while (n > 0 && (pid[n - 1] == '\n' || pid[n - 1] == ' '))
            pid[--n] = 0;
        close(fd);
        if (e == EWOULDBLOCK)
            return qv_err_set(err, QV_EPHASE, "data directory %s is in use by another quiver (pid %s)", s->dir,
                              n > 0 ? pid : "unknown");
        return qv_err_set(err, QV_EIO, "cannot lock data directory %s: %s", s->dir, strerror(e));
    }
    char pid[32];
    int n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) < 0 || pwrite(fd, pid, (size_t)n, 0) != n) {
        qv_err_set(err, QV_EIO, "cannot write lock file in %s: %s", s->dir, strerror(errno));
        close(fd);
        return -1;
    }
    s->lock_fd = fd;
    return 0;
}

qv_store *store_open(const char *data_dir, qv_err *err) {
    if (!data_dir || !*data_dir) {
        qv_err_set(err, QV_EINVAL, "no data directory given");
        return NULL;
    }
    qv_store *s = qv_calloc(1, sizeof *s);
    s->lock_fd = -1;
    s->dir = qv_strdup(data_dir);
    size_t n = strlen(s->dir);
    while (n > 1 && s->dir[n - 1] == '/')
        s->dir[--n] = 0;
    s->db_dir = store_join(s->dir, "/databases", "");
    s->wal_dir = store_join(s->dir, "/wal", "");
    s->ckpt_bytes = STORE_CHECKPOINT_WAL_SIZE_DEFAULT;
    pthread_mutex_init(&s->mu, NULL);
    pthread_mutex_init(&s->ckpt_mu, NULL);
    pthread_mutex_init(&s->app_mu, NULL);
    if (make_dirs(s->dir, err) < 0 || take_lock(s, err) < 0 || make_dir(s->db_dir, err) < 0) {
        store_close(s);
        return NULL;
    }
    return s;
}

void store_close(qv_store *s) {
    if (!s) return;
    store_shutdown(s, false);
    wal_close(s->wal);
    if (s->lock_fd >= 0) {
        if (ftruncate(s->lock_fd, 0) < 0) { /* a stale pid in an unlocked file is harmless */
        }
        close(s->lock_fd); /* releases the flock */
    }
    pthread_mutex_destroy(&s->mu);
    pthread_mutex_destroy(&s->ckpt_mu);
    pthread_mutex_destroy(&s->app_mu);
    free(s->dir);
    free(s->db_dir);
    free(s->wal_dir);
    free(s);
}

const char *store_dir(const qv_store *s) { return s->dir; }

int store_snapshot_encode(const graph *g, qv_buf *out, qv_err *err) { return snap_write(g, -1, out, "memory", err); }

/* Writes, fsyncs and closes path; removes it on failure. */
static int write_synced(const graph *g, const char *path, qv_err *err) {
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return qv_err_set(err, QV_EIO, "cannot create %s: %s", path, strerror(errno));
    int rc = snap_write(g, fd, NULL, path, err);
    if (rc == 0 && fsync(fd) < 0) rc = qv_err_set(err, QV_EIO, "cannot fsync %s: %s", path, strerror(errno));
    if (close(fd) < 0 && rc == 0) rc = qv_err_set(err, QV_EIO, "cannot close %s: %s", path, strerror(errno));
    if (rc < 0) unlink(path);
    return rc;
}

int store_snapshot_write_file(const graph *g, const char *path, qv_err *err) { return write_synced(g, path, err); }

/* The paths of a database's base file and of the temporary file a save writes first. */
void store_base_paths(qv_store *s, const char *name, char **final, char **tmp) {
    char file[STORE_FILE_NAME_MAX];
    store_file_name(name, file);
    *final = store_join(s->db_dir, "/", file);
    *tmp = store_join(s->db_dir, "/.", file);
    *tmp = qv_realloc(*tmp, strlen(*tmp) + 5);
    strcat(*tmp, ".tmp");
}

/* databases/<file>.qvl: the carried log of a database whose base is a snapshot. */
char *store_carry_path(qv_store *s, const char *name) {
    char file[STORE_FILE_NAME_MAX];
    store_file_name(name, file);
    memcpy(file + strlen(file) - 4, ".qvl", 4);
    return store_join(s->db_dir, "/", file);
}

/* Removes a database's carried log (a new base holds its records, or replaces them). Under s->mu. */
void store_drop_carry(qv_store *s, const char *name) {
    char *c = store_carry_path(s, name);
    if (unlink(c) == 0) {
        qv_err e;
        if (store_sync_dir(s->db_dir, &e) < 0) QV_WARN("%s", e.msg);
    } else if (errno != ENOENT) {
        QV_WARN("cannot remove %s: %s (its records are ignored: they are older than the base file)", c, strerror(errno));
    }
    free(c);
}

char *store_prev_path(const char *final) { return store_join(final, ".prev", ""); }

void store_keep_prev(qv_store *s, const char *final, bool keep_prev) {
    char *prev = store_prev_path(final);
    if (keep_prev) {
        /* link to a temporary name, then rename: prev is at every moment either the old one or final's */
        const char *slash = strrchr(final, '/');
        char *ptmp = store_join(s->db_dir, "/.", slash ? slash + 1 : final);
        ptmp = qv_realloc(ptmp, strlen(ptmp) + 10);
        strcat(ptmp, ".prev.tmp");
        unlink(ptmp);
        if (link(final, ptmp) < 0 || rename(ptmp, prev) < 0) {
            if (errno != ENOENT) QV_WARN("cannot keep %s as %s: %s (no fallback for this checkpoint)", final, prev,
                                         strerror(errno));
            unlink(ptmp);
            unlink(prev);
        }
        free(ptmp);
    } else if (unlink(prev) < 0 && errno != ENOENT) {
        QV_WARN("cannot remove %s: %s", prev, strerror(errno));
    }
    free(prev);
}

/* Renames tmp over final and syncs the directory; removes tmp on failure. Under s->mu. */
int store_install_file(qv_store *s, const char *tmp, const char *final, qv_err *err) {
    if (rename(tmp, final) < 0) {
        int rc = qv_err_set(err, QV_EIO, "cannot rename %s to %s: %s", tmp, final, strerror(errno));
        unlink(tmp);
        return rc;
    }
    return store_sync_dir(s->db_dir, err);
}

int store_install_base(qv_store *s, graph *g, const char *tmp, const char *final, qv_err *err) {
    store_keep_prev(s, final, false); /* another database's previous checkpoint */
    int rc = store_install_file(s, tmp, final, err);
    if (rc == 0) store_drop_carry(s, g->name);
    /* from now on its writes go through the log (a database of that name before it is retired, under s->mu
     * so that a checkpoint of the old one in progress cannot land over this file) */
    if (rc == 0 && s->wal) wal_attach(s->wal, g, g->created_ms, 0, 0, g->n_nodes, g->n_rels, false);
    return rc;
}

int store_save(qv_store *s, const graph *cg, qv_err *err) {
    graph *g = (graph *)cg; /* the hook and checkpoints go through the graph's writable side */
    if (!g->name || !*g->name) return qv_err_set(err, QV_EINVAL, "cannot save a graph without a name");
    /* A graph written through the log keeps (part of) its state in its delta, which a snapshot of the base
     * arrays would miss: it is saved as a checkpoint. */
    wal_db *db = s->wal ? wal_find(s->wal, g->name) : NULL;
    if (db && db->g == g) {
        wal_lock_dbs(s->wal);
        bool written = db->from_checkpoint || db->seq > 0;
        wal_unlock_dbs(s->wal);
        if (written) {
            pthread_mutex_lock(&s->ckpt_mu);
            int rc = store_checkpoint_db(s, g, db, err);
            pthread_mutex_unlock(&s->ckpt_mu);
            return rc;
        }
    }
    char *final, *tmp;
    store_base_paths(s, g->name, &final, &tmp);
    uint64_t t0 = qv_now_ns();
    pthread_mutex_lock(&s->mu);
    int rc = write_synced(g, tmp, err);
    if (rc == 0) rc = store_install_base(s, g, tmp, final, err);
    pthread_mutex_unlock(&s->mu);
    if (rc < 0) {
        qv_err_prefix(err, "cannot save database '%s'", g->name);
    } else {
        struct stat st;
        double mib = stat(final, &st) == 0 ? (double)st.st_size / (1 << 20) : 0;
        QV_INFO("saved database '%s' to %s: %llu nodes, %llu relationships, %.1f MiB in %.3f s", g->name, final,
                (unsigned long long)g->n_nodes, (unsigned long long)g->n_rels, mib, qv_seconds_since(t0));
    }
    free(final);
    free(tmp);
    return rc;
}

int store_remove(qv_store *s, const char *name, qv_err *err) {
    if (!name || !*name) return qv_err_set(err, QV_EINVAL, "cannot remove a database without a name");
    char file[STORE_FILE_NAME_MAX];
    store_file_name(name, file);
    char *final = store_join(s->db_dir, "/", file);
    pthread_mutex_lock(&s->mu);
    int rc = 0, removed = 0;
    if (unlink(final) == 0)
        removed = 1;
    else if (errno != ENOENT)
        rc = qv_err_set(err, QV_EIO, "cannot remove %s: %s", final, strerror(errno));
    if (rc == 0) store_keep_prev(s, final, false);
    if (removed) rc = store_sync_dir(s->db_dir, err);
    if (rc == 0) store_drop_carry(s, name);
    if (rc == 0 && s->wal) wal_retire(s->wal, name);
    pthread_mutex_unlock(&s->mu);
    if (removed && rc == 0) QV_INFO("removed database '%s' (%s)", name, final);
    free(final);
    return rc;
}

static int ends_with(const char *s, const char *suffix) {
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

static int by_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* A checkpoint round links the current file to <file>.prev, then renames its finished, synced .<file>.tmp over
 * <file> (checkpoint_round.c). A crash between the two leaves <file> and <file>.prev as one inode: a damaged
 * <file> would then have no fallback. The round's file is whole (it is only linked in after its fsync), so the
 * install is finished here, leaving what a completed round leaves: the new checkpoint and the previous one
 * (the log segments both need are still there: they are removed only after an install). True when done. */
static bool finish_install(qv_store *s, const char *n, const char *tmp_path) {
    if (!ends_with(n, ".qvg.tmp") || ends_with(n, ".prev.tmp")) return false;
    char *final = store_join(s->db_dir, "/", n + 1);
    final[strlen(final) - 4] = 0;   /* drop ".tmp" */
    char *prev = store_prev_path(final);
    struct stat a, b;
    bool done = stat(final, &a) == 0 && stat(prev, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino &&
                rename(tmp_path, final) == 0;
    if (done) {
        QV_WARN("finished installing %s: the server stopped between keeping %s and renaming %s over it", final, prev,
                tmp_path);
        qv_err e;
        if (store_sync_dir(s->db_dir, &e) < 0) QV_WARN("%s", e.msg);
    }
    free(prev);
    free(final);
    return done;
}

/* The snapshot files of databases/, sorted; stale temporary files are removed on the way. */
static int list_snapshots(qv_store *s, char ***out, size_t *count, qv_err *err) {
    *out = NULL;
    *count = 0;
    DIR *dir = opendir(s->db_dir);
    if (!dir) return qv_err_set(err, QV_EIO, "cannot read directory %s: %s", s->db_dir, strerror(errno));
    size_t cap = 0;
    struct dirent *e;
    while ((e = readdir(dir)) != NULL) {
        const char *n = e->d_name;
        if (strcmp(n, ".") == 0 || strcmp(n, "..") == 0) continue;
        if (n[0] == '.' && ends_with(n, ".tmp")) {
            char *path = store_join(s->db_dir, "/", n);
            if (finish_install(s, n, path)) {
                free(path);
                continue;
            }
            if (unlink(path) == 0)
                QV_WARN("removed %s, left by a save that did not finish; the snapshot it would have replaced "
                        "is kept",
                        path);
            else
                QV_WARN("cannot remove %s, left by a save that did not finish: %s", path, strerror(errno));
            free(path);
        } else if (n[0] != '.' && ends_with(n, ".qvg.prev")) {
            /* the previous checkpoint: read only if its successor is damaged */
        } else if (n[0] != '.' && ends_with(n, ".qvg.damaged")) {
            /* a damaged checkpoint set aside by a fallback, kept for inspection */
        } else if (n[0] != '.' && ends_with(n, ".qvl")) {
            /* a carried log: read with its base file */
        } else if (n[0] != '.' && ends_with(n, ".qvg")) {
            if (*count == cap) *out = qv_realloc(*out, (cap = cap ? cap * 2 : 8) * sizeof **out);
            (*out)[(*count)++] = qv_strdup(n);
        } else {
            QV_WARN("ignoring %s/%s: not a database snapshot", s->db_dir, n);
        }
    }
    closedir(dir);
    if (*count) qsort(*out, *count, sizeof **out, by_name);
    return 0;
}

/* A database's base file: a snapshot (bulk load) or a checkpoint (written through the log). */
typedef struct base_file {
    graph *g;
    wal_target t;
    bool from_checkpoint;
    uint64_t carry_seq;
    double seconds;
    char *path;
    uint64_t need_seq; /* loaded from <path>.prev because <path> is damaged: the log must reach this record */
} base_file;

static int is_checkpoint_file(const char *path, bool *yes, qv_err *err) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return qv_err_set(err, QV_EIO, "cannot open %s: %s", path, strerror(errno));
    uint8_t h[8] = {0};
    ssize_t k = pread(fd, h, 8, 0);
    close(fd);
    *yes = k == 8 && ckpt_is_checkpoint(h, 8);
    return 0;
}

/* The newest checkpoint at b->path could not be read (damaged: err says how). Its previous one, kept as
 * <path>.prev, takes its place when its meta block still says which database it was and how far it reached
 * (need_seq: the log replayed after the previous one must get there, checked after recovery) and the previous
 * one is whole and of the same database. Otherwise the original error stands. */
static int fall_back(base_file *b, qv_pool *pool, ckpt_info *info, qv_err *err) {
    char *prev = store_prev_path(b->path), *name = NULL;
    ckpt_info dinfo = {0};
    qv_err why;
    qv_err_clear(&why);
    struct stat st;
    int rc = -1;
    if (stat(prev, &st) < 0) {
        qv_err_set(&why, QV_ENOTFOUND, "no previous checkpoint %s", prev);
    } else if (ckpt_read_meta_file(b->path, &name, &dinfo, &why) == 0) { /* ckpt: files mapped, not read */
        if (ckpt_load_file(prev, pool, &b->g, info, &why) == 0) {
            if (strcmp(b->g->name, name) != 0 || info->ident != dinfo.ident || info->base_seq > dinfo.base_seq) {
                qv_err_set(&why, QV_EINVAL, "%s is not an earlier checkpoint of the same database", prev);
                graph_free(b->g);
                b->g = NULL;
            } else {
                rc = 0;
            }
        } else {
            qv_err_prefix(&why, "%s", prev);
        }
    } else {
        qv_err_prefix(&why, "its meta block is unreadable");
    }
    if (rc == 0) {
        b->need_seq = dinfo.base_seq;
        QV_WARN("%s is damaged (%s); falling back to the previous checkpoint %s (log record %llu) and the "
                "write-ahead log after it, which must reach record %llu", b->path, err->msg, prev,
                (unsigned long long)info->base_seq, (unsigned long long)dinfo.base_seq);
        qv_err_clear(err);
    } else {
        qv_err_prefix(err, "no fallback (%s)", why.msg);
    }
    free(prev);
    free(name);
    return rc;
}

static int read_base(qv_store *s, const char *file, base_file *b, qv_pool *pool, qv_err *err) {
    b->path = store_join(s->db_dir, "/", file);
    uint64_t t0 = qv_now_ns();
    bool ck = false;
    int rc = is_checkpoint_file(b->path, &ck, err);
    if (rc == 0 && ck) {
        ckpt_info info = {0};
        rc = ckpt_load_file(b->path, pool, &b->g, &info, err); /* ckpt: a version-2 checkpoint is mapped */
        if (rc < 0 && err->code != QV_EIO && err->code != QV_ENOMEM) rc = fall_back(b, pool, &info, err);
        if (rc == 0) {
            b->t = (wal_target){.g = b->g, .ident = info.ident, .base_seq = info.base_seq, .seq = info.base_seq,
                                .node_hwm = info.node_hwm,
                                .rel_hwm = info.rel_hwm};
            b->from_checkpoint = true;
        } else {
            qv_err_prefix(err, "%s", b->path);
        }
    } else if (rc == 0) {
        rc = store_snapshot_read_file(b->path, pool, &b->g, err);
        if (rc == 0)
            b->t = (wal_target){.g = b->g, .ident = b->g->created_ms, .node_hwm = b->g->n_nodes, .rel_hwm = b->g->n_rels};
    }
    if (rc == 0) {
        char expect[STORE_FILE_NAME_MAX];
        store_file_name(b->g->name, expect);
        if (strcmp(expect, file) != 0)
            rc = qv_err_set(err, QV_EINVAL,
                            "%s holds database '%s', whose file name is %s; rename the file back (or remove it) so "
                            "that one database has one file",
                            b->path, b->g->name, expect);
    }
    b->seconds = qv_seconds_since(t0);
    return rc;
}

/* After recovery of a database loaded from its previous checkpoint: the log must have brought it at least as
 * far as the damaged checkpoint was (else acknowledged writes would be missing: start-up stops). Then the
 * damaged file is set aside as <file>.qvg.damaged and the previous checkpoint put in its place, so that the
 * next checkpoint round does not keep the damaged one as its "previous". */
static int settle_fallback(qv_store *s, base_file *b, const wal_target *t, qv_err *err) {
    if (t->seq < b->need_seq)
        return qv_err_set(err, QV_EINVAL,
                          "%s is damaged and its previous checkpoint plus the write-ahead log reach record %llu only, "
                          "short of the %llu it held (the log after the previous checkpoint is gone): restore a backup",
                          b->path, (unsigned long long)t->seq, (unsigned long long)b->need_seq);
    char *prev = store_prev_path(b->path), *damaged = store_join(b->path, ".damaged", ""),
         *tmp = store_join(s->db_dir, "/.", strrchr(b->path, '/') + 1); /* a dot name ending in .tmp: */
    tmp = qv_realloc(tmp, strlen(tmp) + 14);                            /* removed at start-up if left */
    strcat(tmp, ".fallback.tmp");
    unlink(damaged);
    unlink(tmp);
    int rc = 0;
    if (link(b->path, damaged) < 0 || link(prev, tmp) < 0 || rename(tmp, b->path) < 0) {
        rc = qv_err_set(err, QV_EIO, "cannot put %s in place of the damaged %s: %s", prev, b->path, strerror(errno));
        unlink(tmp);
    }
    if (rc == 0) rc = store_sync_dir(s->db_dir, err);
    if (rc == 0)
        QV_WARN("database '%s' recovered from %s and the write-ahead log up to record %llu; the damaged checkpoint "
                "is kept as %s", b->g->name, prev, (unsigned long long)t->seq, damaged);
    free(prev);
    free(damaged);
    free(tmp);
    return rc;
}

/* CPU seconds of every thread of the process so far, those that have ended too (replay's decoder). */
static double process_cpu_s(void) {
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) < 0) return 0;
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) + (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

int store_load_all(qv_store *s, gcatalog *cat, qv_pool *pool, qv_err *err) {
    char **files;
    size_t count;
    if (list_snapshots(s, &files, &count, err) < 0) return -1;
    uint64_t t0 = qv_now_ns();
    base_file *b = qv_calloc(count ? count : 1, sizeof *b);
    wal_target *targets = qv_calloc(count ? count : 1, sizeof *targets);
    int rc = 0;
    size_t loaded = 0;
    for (size_t i = 0; i < count && rc == 0; i++, loaded++) rc = read_base(s, files[i], &b[i], pool, err);
    uint64_t last_seg = 0, wal_bytes = 0;
    if (rc == 0) {
        for (size_t i = 0; i < count; i++) targets[i] = b[i].t;
        uint64_t t1 = qv_now_ns();
        for (size_t i = 0; i < count && rc == 0; i++) { /* carried logs first: they precede the segments */
            char *carry = store_carry_path(s, b[i].g->name);
            struct stat st;
            if (stat(carry, &st) == 0) {
                rc = wal_replay_carry(carry, &targets[i], err);
                b[i].carry_seq = targets[i].seq;
                if (rc == 0 && targets[i].replayed)
                    QV_INFO("database '%s': replayed %llu transactions carried in %s", b[i].g->name,
                            (unsigned long long)targets[i].replayed, carry);
            }
            free(carry);
        }
        if (rc == 0) rc = wal_recover(s->wal_dir, targets, count, true, NULL, &last_seg, &wal_bytes, err);
        for (size_t i = 0; i < count && rc == 0; i++)
            if (b[i].need_seq) rc = settle_fallback(s, &b[i], &targets[i], err);
        uint64_t txns = 0;
        for (size_t i = 0; i < count && rc == 0; i++) {
            b[i].t = targets[i];
            txns += targets[i].replayed;
            if (targets[i].replayed)
                QV_INFO("database '%s': replayed %llu transactions (%llu changes) from the write-ahead log, up to "
                        "record %llu", b[i].g->name, (unsigned long long)targets[i].replayed,
                        (unsigned long long)targets[i].changes, (unsigned long long)targets[i].seq);
        }
        if (rc == 0 && wal_bytes > WAL_SEG_HEADER)
            QV_INFO("write-ahead log: %.1f MiB read, %llu transactions replayed in %.3f s (%.1f MiB/s); the process "
                    "has used %.2f CPU s so far", (double)wal_bytes / (1 << 20), (unsigned long long)txns,
                    qv_seconds_since(t1),
                    (double)wal_bytes / (1 << 20) / (qv_seconds_since(t1) > 1e-9 ? qv_seconds_since(t1) : 1e-9),
                    process_cpu_s());
    }
    uint64_t oldest_seg = last_seg + 1; /* the segments found at start-up begin here (or the log does) */
    if (rc == 0) {
        uint64_t *nums;
        size_t nn;
        qv_err e2;
        if (wal_list_segments(s->wal_dir, &nums, &nn, &e2) == 0 && nn) oldest_seg = nums[0];
        if (nn) free(nums);
    }
    if (rc == 0 && !s->wal) {
        s->wal = wal_open(s->wal_dir, s->durability, s->ckpt_bytes, last_seg, err);
        if (!s->wal) rc = -1;
    }
    for (size_t i = 0; i < count && rc == 0; i++) {
        graph *g = b[i].g;
        if (gcatalog_reserve(cat, g->name, false, err) < 0) {
            rc = qv_err_prefix(err, "%s: cannot load database '%s'", b[i].path, g->name);
            break;
        }
        wal_db *db = wal_attach(s->wal, g, b[i].t.ident, b[i].t.seq, b[i].t.base_seq, b[i].t.node_hwm,
                                b[i].t.rel_hwm, b[i].from_checkpoint);
        db->carry_seq = b[i].carry_seq;
        /* retention: a checkpoint base may have a previous checkpoint whose log is among the segments found at
         * start-up; keep them all (the oldest on) until its later rounds say otherwise */
        if (b[i].from_checkpoint) db->base_first = db->prev_need = oldest_seg;
        uint64_t n = 0, m = 0;
        gview *v = gview_open(g, err);
        if (v) {
            n = gview_node_count(v);
            m = gview_rel_count(v);
            gview_close(v);
        }
        char *name = qv_strdup(g->name);
        b[i].g = NULL;
        store_stream *ra = store_stream_reappend(g); /* an incoming index rebuilt: appended for the next start */
        if ((ra ? gcatalog_publish_ref(cat, g, err) : gcatalog_publish(cat, g, err)) < 0) {
            store_stream_append(s, ra, NULL, NULL);
            rc = qv_err_prefix(err, "%s: cannot load database '%s'", b[i].path, name);
            wal_retire(s->wal, name);
        } else {
            store_stream_append(s, ra, cat, g);
            QV_INFO("loaded database '%s' from %s (%s): %llu nodes, %llu relationships in %.3f s", name, b[i].path,
                    b[i].from_checkpoint ? "checkpoint" : "snapshot", (unsigned long long)n, (unsigned long long)m,
                    b[i].seconds);
        }
        free(name);
    }
    for (size_t i = 0; i < loaded; i++) {
        graph_free(b[i].g);
        free(b[i].path);
    }
    for (size_t i = 0; i < count; i++) free(files[i]);
    free(files);
    free(b);
    free(targets);
    if (rc < 0) return -1;
    s->cat = cat;
    if (!s->have_ckpt_thread && pthread_create(&s->ckpt_thread, NULL, store_checkpointer_main, s) == 0)
        s->have_ckpt_thread = true;
    wal_bytes_add(s->wal, wal_bytes > WAL_SEG_HEADER ? wal_bytes : 0);
    QV_DEBUG("store: loaded %zu databases in %.3f s", count, qv_seconds_since(t0));
    return 0;
}

void store_configure(qv_store *s, store_durability durability, uint64_t checkpoint_wal_size) {
    s->durability = durability == STORE_DURABILITY_ASYNC ? 1 : 0;
    s->ckpt_bytes = checkpoint_wal_size;
}

int store_ensure_database(qv_store *s, gcatalog *cat, const char *name, qv_err *err) {
    if (gcatalog_exists(cat, name)) return 0;
    graph *g = graph_new(name, name, true, GRAPH_ID_INTEGER, NULL);
    g->created_ms = qv_wall_ms(); /* the database's identity in the write-ahead log */
    if (gcatalog_reserve(cat, name, false, err) < 0) {
        graph_free(g);
        return -1;
    }
    if (s && store_save(s, g, err) < 0) {
        gcatalog_unreserve(cat, name);
        graph_free(g);
        return -1;
    }
    return gcatalog_publish(cat, g, err);
}
