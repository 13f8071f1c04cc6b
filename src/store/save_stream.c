/* save_stream.c — the save of a durable bulk load (v1/CREATE_DATABASE) overlapped with the end of its build.
 *
 * Owns: the temporary file of a streamed save (databases/.<file>.stream.tmp: its own name, so that a checkpoint
 * round of an older database of that name, which writes .<file>.tmp under the store's mutex, cannot collide with
 * it), the thread that writes the first part while the loader builds the incoming side of the CSR (for a bulk
 * load, 35-45% of the file: node arrays, columns, out_off, out_tgt), and the install once the graph is whole.
 * The guarantee is store_save's: the caller answers only after this returns 0, and by then the whole file is
 * written, fsynced, renamed over the database's file and the directory fsynced; a crash before leaves the
 * previous file (or none) and a stale temporary file that start-up removes.
 * Must not: run without the caller's promise that the first part's arrays stay as they are, or publish g.
 */
#include "store/save_stream.h"

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
#include <sys/stat.h>
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
};

static void *stream_first_part(void *arg) {
    store_stream *st = arg;
    uint64_t t = qv_now_ns();
    st->w = snap_split_begin(st->g, st->fd, st->tmp);
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
    if (rc == 0) rc = snap_split_finish(w, g, err);
    else snap_split_free(w);
    if (rc == 0 && fsync(st->fd) < 0) rc = qv_err_set(err, QV_EIO, "cannot fsync %s: %s", st->tmp, strerror(errno));
    if (close(st->fd) < 0 && rc == 0) rc = qv_err_set(err, QV_EIO, "cannot close %s: %s", st->tmp, strerror(errno));
    st->fd = -1;
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
    stream_free(st, rc < 0);
    return rc;
}
