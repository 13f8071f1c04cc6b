/* store.c — the data directory: its lock, saving snapshots atomically, and loading them at start-up.
 *
 * Owns: <data-dir>/LOCK (flock held for the life of the qv_store, holding our pid),
 * <data-dir>/databases/<file>.qvg (one snapshot per database, named by store_file_name) and the
 * temporary files of saves in progress (.<file>.qvg.tmp). A save writes the temporary file, fsyncs it,
 * renames it over the old snapshot and fsyncs the directory, so after a crash either the old or the new
 * snapshot is there, whole. Must not know the snapshot format (snapshot_*.c do) and must not decide
 * which graphs are durable (callers do).
 */
#include "store/snapshot.h"
#include "store/store.h"
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
#include <sys/stat.h>
#include <unistd.h>

struct qv_store {
    char *dir;
    char *db_dir;
    int lock_fd;
    pthread_mutex_t mu; /* one save or remove at a time: saves of one name share a temporary file */
};

static char *join(const char *a, const char *b, const char *c) {
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

static int sync_dir(const char *path, qv_err *err) {
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return qv_err_set(err, QV_EIO, "cannot open directory %s: %s", path, strerror(errno));
    int rc = fsync(fd) < 0 ? qv_err_set(err, QV_EIO, "cannot fsync directory %s: %s", path, strerror(errno)) : 0;
    close(fd);
    return rc;
}

static int take_lock(qv_store *s, qv_err *err) {
    char *path = join(s->dir, "/LOCK", "");
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
    s->db_dir = join(s->dir, "/databases", "");
    pthread_mutex_init(&s->mu, NULL);
    if (make_dirs(s->dir, err) < 0 || take_lock(s, err) < 0 || make_dir(s->db_dir, err) < 0) {
        store_close(s);
        return NULL;
    }
    return s;
}

void store_close(qv_store *s) {
    if (!s) return;
    if (s->lock_fd >= 0) {
        if (ftruncate(s->lock_fd, 0) < 0) { /* a stale pid in an unlocked file is harmless */
        }
        close(s->lock_fd); /* releases the flock */
    }
    pthread_mutex_destroy(&s->mu);
    free(s->dir);
    free(s->db_dir);
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

int store_save(qv_store *s, const graph *g, qv_err *err) {
    if (!g->name || !*g->name) return qv_err_set(err, QV_EINVAL, "cannot save a graph without a name");
    char file[STORE_FILE_NAME_MAX];
    store_file_name(g->name, file);
    char *final = join(s->db_dir, "/", file), *tmp = join(s->db_dir, "/.", file);
    tmp = qv_realloc(tmp, strlen(tmp) + 5);
    strcat(tmp, ".tmp");
    uint64_t t0 = qv_now_ns();
    pthread_mutex_lock(&s->mu);
    int rc = write_synced(g, tmp, err);
    if (rc == 0 && rename(tmp, final) < 0) {
        rc = qv_err_set(err, QV_EIO, "cannot rename %s to %s: %s", tmp, final, strerror(errno));
        unlink(tmp);
    }
    if (rc == 0) rc = sync_dir(s->db_dir, err);
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
    char *final = join(s->db_dir, "/", file);
    pthread_mutex_lock(&s->mu);
    int rc = 0, removed = 0;
    if (unlink(final) == 0)
        removed = 1;
    else if (errno != ENOENT)
        rc = qv_err_set(err, QV_EIO, "cannot remove %s: %s", final, strerror(errno));
    if (removed) rc = sync_dir(s->db_dir, err);
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
            char *path = join(s->db_dir, "/", n);
            if (unlink(path) == 0)
                QV_WARN("removed %s, left by a save that did not finish; the snapshot it would have replaced "
                        "is kept",
                        path);
            else
                QV_WARN("cannot remove %s, left by a save that did not finish: %s", path, strerror(errno));
            free(path);
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

static int load_one(qv_store *s, const char *file, gcatalog *cat, qv_pool *pool, qv_err *err) {
    char *path = join(s->db_dir, "/", file);
    uint64_t t0 = qv_now_ns();
    graph *g = NULL;
    int rc = store_snapshot_read_file(path, pool, &g, err);
    if (rc == 0) {
        char expect[STORE_FILE_NAME_MAX];
        store_file_name(g->name, expect);
        if (strcmp(expect, file) != 0)
            rc = qv_err_set(err, QV_EINVAL,
                            "%s holds database '%s', whose file name is %s; rename the file back (or remove it) so "
                            "that one database has one file",
                            path, g->name, expect);
        else if (gcatalog_reserve(cat, g->name, false, err) < 0)
            rc = qv_err_prefix(err, "%s: cannot load database '%s'", path, g->name);
    }
    if (rc < 0) {
        graph_free(g);
    } else {
        uint64_t n = g->n_nodes, m = g->n_rels;
        char *name = qv_strdup(g->name);
        if (gcatalog_publish(cat, g, err) < 0) {
            rc = qv_err_prefix(err, "%s: cannot load database '%s'", path, name);
        } else {
            QV_INFO("loaded database '%s' from %s: %llu nodes, %llu relationships in %.3f s", name, path,
                    (unsigned long long)n, (unsigned long long)m, qv_seconds_since(t0));
        }
        free(name);
    }
    free(path);
    return rc;
}

int store_load_all(qv_store *s, gcatalog *cat, qv_pool *pool, qv_err *err) {
    char **files;
    size_t count;
    if (list_snapshots(s, &files, &count, err) < 0) return -1;
    int rc = 0;
    for (size_t i = 0; i < count && rc == 0; i++)
        rc = load_one(s, files[i], cat, pool, err);
    for (size_t i = 0; i < count; i++)
        free(files[i]);
    free(files);
    return rc;
}

int store_ensure_database(qv_store *s, gcatalog *cat, const char *name, qv_err *err) {
    if (gcatalog_exists(cat, name)) return 0;
    graph *g = graph_new(name, name, true, GRAPH_ID_INTEGER, NULL);
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
