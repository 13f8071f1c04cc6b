/* save_stream.c — the save of a durable bulk load (v1/CREATE_DATABASE) overlapped with the end of its build.
 *
 * Owns: the temporary file of a streamed save (databases/.<file>.stream.tmp: its own name, so that a checkpoint
 * round of an older database of that name, which writes .<file>.tmp under the store's mutex, cannot collide with
 * it), the thread that writes the first part while the loader builds the incoming side of the CSR (node arrays,
 * columns, out_off, out_tgt), the install once the graph is whole, and the threads that append the incoming side
 * to the installed file afterwards (and after a start-up that had to rebuild it), with the list of them the store
 * joins at shutdown. The guarantee is store_save's: the caller answers only after store_stream_finish returns 0,
 * and by then the file, which holds everything but the incoming side (it follows from the outgoing one), is
 * written, fsynced, renamed over the database's file and the directory fsynced; a crash before leaves the previous
 * file (or none) and a stale temporary file that start-up removes; a crash before the appendix's fsync leaves the
 * file whole, and loading it rebuilds the incoming side.
 * Must not: run without the caller's promise that the first part's arrays stay as they are, publish g, write
 * anything but the appendix after the install, or free a published graph other than by its catalog reference.
 */
#include "store/save_stream.h"

#include "graph/gmap.h"
#include "store/snapshot.h"
#include "store/store_int.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

struct store_stream {
    int fd;
    char *tmp, *final;
    const graph *g;
    snap_split *w;
    pthread_t th;
    bool joined;
    uint64_t t0;
    double first_s; /* seconds the first part took */
    /* once installed: the appendix still to write (store_stream_append) */
    snap_file_id id;
    gcatalog *cat; /* the catalog g's reference is given back to (NULL: none held) */
    bool done;     /* the appendix thread finished (joined by the next append or by store_shutdown) */
    struct store_stream *next; /* s->appending */
};

static void *stream_first_part(void *arg) {
    store_stream *st = arg;
    uint64_t t = qv_now_ns();
    st->w = snap_split_begin(st->g, st->fd, st->tmp, true);
    st->first_s = qv_seconds_since(t);
    return NULL;
}

store_stream *store_stream_begin(qv_store *s, const graph *g) {
    if (!s || !g->name || !*g->name) return NULL;
    store_stream *st = qv_calloc(1, sizeof *st);
    char *tmp;
    store_base_paths(s, g->name, &st->final, &tmp);
    st->tmp = qv_malloc(strlen(tmp) + 16);
    memcpy(st->tmp, tmp, strlen(tmp) - 4); /* ".tmp" -> ".stream.tmp" */
    strcpy(st->tmp + strlen(tmp) - 4, ".stream.tmp");
    free(tmp);
    st->g = g;
    st->t0 = qv_now_ns();
    st->fd = open(st->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (st->fd < 0) {
        QV_WARN("cannot create %s: %s (the database is saved once built instead)", st->tmp, strerror(errno));
        goto fail;
    }
    if (pthread_create(&st->th, NULL, stream_first_part, st) != 0) {
        QV_WARN("cannot start a thread to save '%s' while it is built (it is saved once built instead)", g->name);
        close(st->fd);
        unlink(st->tmp);
        goto fail;
    }
    return st;
fail:
    free(st->tmp);
    free(st->final);
    free(st);
    return NULL;
}

static void stream_free(store_stream *st, bool remove) {
    if (!st->joined) pthread_join(st->th, NULL);
    st->joined = true;
    snap_split_free(st->w);
    if (st->fd >= 0) close(st->fd);
    if (remove) unlink(st->tmp);
    free(st->tmp);
    free(st->final);
    free(st);
}

void store_stream_cancel(store_stream *st) {
    if (st) stream_free(st, true);
}

int store_stream_finish(qv_store *s, store_stream *st, graph *g, qv_err *err) {
    pthread_join(st->th, NULL);
    st->joined = true;
    uint64_t t1 = qv_now_ns();
    int rc = 0;
    if (g != st->g) rc = qv_err_set(err, QV_EINTERNAL, "a streamed save finished with another graph");
    snap_split *w = st->w;
    st->w = NULL;
    if (rc == 0) rc = snap_split_finish(w, g, &st->id, err);
    else snap_split_free(w);
    if (rc == 0 && fsync(st->fd) < 0) rc = qv_err_set(err, QV_EIO, "cannot fsync %s: %s", st->tmp, strerror(errno));
    double second_s = qv_seconds_since(t1);
    if (rc == 0) {
        /* as store_save: under the mutex, so that a checkpoint of an older database of this name cannot land
         * over the file, and so that the log takes the new database from now on */
        pthread_mutex_lock(&s->mu);
        rc = store_install_base(s, g, st->tmp, st->final, err);
        pthread_mutex_unlock(&s->mu);
    }
    if (rc < 0) {
        qv_err_prefix(err, "cannot save database '%s'", g->name);
    } else {
        struct stat sb;
        double mib = stat(st->final, &sb) == 0 ? (double)sb.st_size / (1 << 20) : 0;
        QV_INFO("saved database '%s' to %s: %llu nodes, %llu relationships, %.1f MiB in %.3f s (streamed: first "
                "part %.3f s while the incoming index was built, then %.3f s)",
                g->name, st->final, (unsigned long long)g->n_nodes, (unsigned long long)g->n_rels, mib,
                qv_seconds_since(st->t0), st->first_s, second_s);
    }
    if (rc < 0) stream_free(st, true);
    return rc;
}

/* ---- the appendix ---------------------------------------------------------------------------------- */

static void append_now(store_stream *st) {
    uint64_t t0 = qv_now_ns();
    qv_err err;
    qv_err_clear(&err);
    const graph *g = st->g;
    int rc = snap_write_appendix(g, st->fd, st->id, st->final, &err);
    if (rc == 0 && fsync(st->fd) < 0) rc = qv_err_set(&err, QV_EIO, "cannot fsync %s: %s", st->final, strerror(errno));
    if (rc < 0)
        QV_WARN("database '%s': cannot append its incoming index to %s (%s); the file is whole, and loading it "
                "rebuilds the index from the outgoing side", g->name, st->final, err.msg);
    else
        QV_INFO("database '%s': incoming index appended to %s: %.1f MiB in %.3f s", g->name, st->final,
                (double)((g->n_nodes + 1) * 8 + g->n_rels * 8) / (1 << 20), qv_seconds_since(t0));
}

/* The appendix, then the graph's reference back and the file closed: here rather than where the thread is joined
 * (a request), since freeing a dropped graph and the last close of a dropped database's file (the file system
 * then frees its blocks) each take milliseconds. */
static void append_and_release(store_stream *st) {
    append_now(st); /* also when the database was dropped meanwhile: the fd is then an unlinked file's */
    if (st->cat) gcatalog_release(st->cat, (graph *)st->g);
    st->cat = NULL;
    close(st->fd);
    st->fd = -1;
}

static void *append_main(void *arg) {
    store_stream *st = arg;
    /* after the reply, which must not wait for a time slice: the request thread, and the loads and queries that
     * follow, come first (the pipe's writer threads inherit this) */
    setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 10);
    append_and_release(st);
    __atomic_store_n(&st->done, true, __ATOMIC_RELEASE);
    return NULL;
}

/* Joins and frees the finished appendix threads (all of them with wait). */
static void reap(qv_store *s, bool wait) {
    pthread_mutex_lock(&s->app_mu);
    store_stream **pp = &s->appending, *done = NULL;
    while (*pp) {
        store_stream *st = *pp;
        if (wait || __atomic_load_n(&st->done, __ATOMIC_ACQUIRE)) {
            *pp = st->next;
            st->next = done;
            done = st;
        } else {
            pp = &st->next;
        }
    }
    pthread_mutex_unlock(&s->app_mu);
    while (done) {
        store_stream *st = done;
        done = st->next;
        pthread_join(st->th, NULL);
        stream_free(st, false);
    }
}

void store_stream_append(qv_store *s, store_stream *st, gcatalog *cat, const graph *g) {
    if (!st) return;
    if (!g) {
        stream_free(st, false);
        return;
    }
    st->g = g;
    st->cat = cat;
    reap(s, false);
    int e = -1;   /* without a catalog (no reference held): written now */
    if (cat) {
        pthread_mutex_lock(&s->app_mu);
        e = pthread_create(&st->th, NULL, append_main, st);
        if (e == 0) {
            st->next = s->appending;
            s->appending = st;
        }
        pthread_mutex_unlock(&s->app_mu);
        if (e != 0) QV_WARN("cannot start a thread to append the incoming index of '%s': written now", g->name);
    }
    if (e != 0) {
        append_and_release(st);
        stream_free(st, false);
    }
}

void store_stream_join_all(qv_store *s) { reap(s, true); }

store_stream *store_stream_reappend(const graph *g) {
    if (snap_in_after_state(g) != 0) return NULL; /* not a streamed save's file, or its appendix was used */
    const gmap *map = g->map;
    int fd = open(map->path, O_RDWR | O_CLOEXEC);
    uint8_t h[SNAP2_HEADER];
    /* still the file that was loaded (nothing renames over a base during start-up, but the appendix must never go
     * after another file's bytes) */
    if (fd < 0 || pread(fd, h, sizeof h, 0) != (ssize_t)sizeof h || memcmp(h, map->base, sizeof h) != 0) {
        QV_WARN("database '%s': cannot reopen %s to append its incoming index (%s): it is rebuilt at each start "
                "until the next checkpoint", g->name, map->path,
                fd < 0 ? strerror(errno) : "its header is not the one loaded");
        if (fd >= 0) close(fd);
        return NULL;
    }
    store_stream *st = qv_calloc(1, sizeof *st);
    st->fd = fd;
    st->final = qv_strdup(map->path);
    st->g = g;
    st->joined = true;
    memcpy(&st->id.size, h + 16, 8);
    memcpy(&st->id.hcrc, h + 60, 4);
    return st;
}
