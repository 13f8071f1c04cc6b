/* checkpoint_round.c — checkpoint rounds: when the log has grown, and at clean shutdown.
 *
 * Owns: choosing per database between carrying its log (a snapshot base with a small log: its records are
 * copied to databases/<file>.qvl) and a full checkpoint (checkpoint.c's format over its base file), taking
 * each at one consistent point (the writer slot is held only while the sequence number is read and the view
 * opened), then removing the log segments before the round; the background thread that runs rounds when the
 * flusher asks; shutdown. Must not: know the file formats, or let a checkpoint of a database replaced or
 * dropped meanwhile land over its successor's file.
 */
#include "store/save_stream.h"
#include "store/store_int.h"
#include "util/clock.h"
#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A checkpoint or carry of db must not land once db was replaced or dropped: the replacement's file would be
 * overwritten. Checked under s->mu, which the replacing save and the removal hold while they retire db. */
static int still_current(qv_store *s, wal_db *db, qv_err *err) {
    wal_lock_dbs(s->wal);
    bool retired = db->retired;
    wal_unlock_dbs(s->wal);
    return retired ? qv_err_set(err, QV_EPHASE, "database '%s' was replaced or dropped meanwhile", db->name) : 0;
}

/* Writes the committed state of a database whose writes went through the log as a checkpoint over its base
 * file. The writer slot is held only while the view is opened, so the view and the log position agree. */
int store_checkpoint_db(qv_store *s, graph *g, wal_db *db, qv_err *err) {
    uint64_t t0 = qv_now_ns();
    gtxn *t = gtxn_begin(g, err);
    if (!t) return -1;
    wal_lock_dbs(s->wal);
    ckpt_info info = {.ident = db->ident, .base_seq = db->seq, .node_hwm = db->node_hwm, .rel_hwm = db->rel_hwm};
    wal_unlock_dbs(s->wal);
    gview *v = gview_open(g, err);
    gtxn_rollback(t);
    if (!v) return -1;
    char *final, *tmp;
    store_base_paths(s, g->name, &final, &tmp);
    pthread_mutex_lock(&s->mu);
    int rc = 0, fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) rc = qv_err_set(err, QV_EIO, "cannot create %s: %s", tmp, strerror(errno));
    if (rc == 0) rc = ckpt_write(v, &info, fd, NULL, tmp, err);
    /* wal helper: with group commit the view may hold commits whose records are written but not yet synced;
     * the checkpoint must not be ahead of the durable log (a fallback to the previous one replays to base_seq) */
    if (rc == 0) rc = wal_flush(s->wal, err);
    if (rc == 0 && fsync(fd) < 0) rc = qv_err_set(err, QV_EIO, "cannot fsync %s: %s", tmp, strerror(errno));
    if (fd >= 0 && close(fd) < 0 && rc == 0) rc = qv_err_set(err, QV_EIO, "cannot close %s: %s", tmp, strerror(errno));
    if (rc == 0) rc = still_current(s, db, err);
    if (rc == 0) {
        /* the checkpoint being replaced stays as <file>.qvg.prev: with the segments since the previous round
         * (kept, see store_checkpoint) it stands in for this one should this one be found damaged */
        wal_lock_dbs(s->wal);
        bool old_is_checkpoint = db->from_checkpoint;
        wal_unlock_dbs(s->wal);
        store_keep_prev(s, final, old_is_checkpoint);
        rc = store_install_file(s, tmp, final, err);
        if (rc == 0) { /* the log the previous checkpoint needs starts where the old base's did */
            wal_lock_dbs(s->wal);
            db->prev_need = old_is_checkpoint ? (db->base_first ? db->base_first : 1) : 0;
            db->base_first = s->round_first ? s->round_first : 1;
            wal_unlock_dbs(s->wal);
        }
    } else if (fd >= 0) {
        unlink(tmp);
    }
    if (rc == 0) store_drop_carry(s, g->name);
    pthread_mutex_unlock(&s->mu);
    uint64_t nodes = gview_node_count(v), rels = gview_rel_count(v);
    gview_close(v);
    if (rc < 0) {
        qv_err_prefix(err, "cannot checkpoint database '%s'", g->name);
    } else {
        wal_lock_dbs(s->wal);
        if (info.base_seq > db->base_seq) db->base_seq = info.base_seq;
        db->from_checkpoint = true;
        db->carry_seq = 0;
        wal_unlock_dbs(s->wal);
        struct stat st;
        double mib = stat(final, &st) == 0 ? (double)st.st_size / (1 << 20) : 0;
        QV_INFO("checkpointed database '%s' to %s: %llu nodes, %llu relationships, log record %llu, %.1f MiB in %.3f s",
                g->name, final, (unsigned long long)nodes, (unsigned long long)rels,
                (unsigned long long)info.base_seq, mib, qv_seconds_since(t0));
    }
    free(final);
    free(tmp);
    return rc;
}

/* A database whose base is a (bulk) snapshot and whose log is small next to it is not rewritten: its records
 * are copied to its carried log (databases/<file>.qvl, replayed after the snapshot at start-up), so the
 * segments can go and start-up keeps loading the snapshot. *done is false when a full checkpoint pays off. */
static int carry_db(qv_store *s, graph *g, wal_db *db, bool *done, qv_err *err) {
    *done = false;
    wal_lock_dbs(s->wal);
    bool snapshot_base = !db->from_checkpoint;
    uint64_t base_seq = db->base_seq;
    wal_unlock_dbs(s->wal);
    if (!snapshot_base) return 0;
    char *final, *tmp, *carry = store_carry_path(s, g->name);
    store_base_paths(s, g->name, &final, &tmp);
    struct stat st;
    uint64_t base_size = stat(final, &st) == 0 ? (uint64_t)st.st_size : 0;
    uint64_t t0 = qv_now_ns();
    int rc = 0;
    gtxn *t = gtxn_begin(g, err);
    if (!t) rc = -1;
    wal_lock_dbs(s->wal);
    uint64_t upto = db->seq;
    wal_unlock_dbs(s->wal);
    if (rc == 0) rc = wal_flush(s->wal, err); /* async: what the records up to upto hold is written */
    if (t) gtxn_rollback(t);
    qv_buf b;
    qv_buf_init(&b);
    uint8_t h[WAL_SEG_HEADER] = {0};
    memcpy(h, WAL_CARRY_MAGIC, 8);
    qv_buf_append(&b, h, sizeof h);
    /* only worth it up to half the snapshot's size: collecting stops there */
    int got = rc == 0 ? wal_collect(wal_dir(s->wal), carry, g->name, db->ident, base_seq, upto,
                                    WAL_SEG_HEADER + base_size / 2, &b, err)
                      : -1;
    if (got < 0) rc = -1;
    if (got == 0) {
        char *ctmp = store_join(s->db_dir, "/.", strrchr(carry, '/') + 1);
        ctmp = qv_realloc(ctmp, strlen(ctmp) + 5);
        strcat(ctmp, ".tmp");
        pthread_mutex_lock(&s->mu);
        int fd = open(ctmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0) rc = qv_err_set(err, QV_EIO, "cannot create %s: %s", ctmp, strerror(errno));
        for (size_t off = 0; rc == 0 && off < b.len;) {
            ssize_t k = write(fd, b.data + off, b.len - off);
            if (k < 0 && errno == EINTR) continue;
            if (k < 0) rc = qv_err_set(err, QV_EIO, "cannot write %s: %s", ctmp, strerror(errno));
            else off += (size_t)k;
        }
        if (rc == 0 && fsync(fd) < 0) rc = qv_err_set(err, QV_EIO, "cannot fsync %s: %s", ctmp, strerror(errno));
        if (fd >= 0) close(fd);
        if (rc == 0) rc = still_current(s, db, err);
        if (rc == 0) rc = store_install_file(s, ctmp, carry, err);
        else if (fd >= 0) unlink(ctmp);
        pthread_mutex_unlock(&s->mu);
        free(ctmp);
        if (rc == 0) {
            wal_lock_dbs(s->wal);
            db->carry_seq = upto;
            wal_unlock_dbs(s->wal);
            *done = true;
            QV_INFO("database '%s': %llu log records carried to %s (%.1f KiB; the snapshot stays its base) in %.3f s",
                    g->name, (unsigned long long)(upto - base_seq), carry, (double)(b.len) / 1024, qv_seconds_since(t0));
        }
    }
    if (rc < 0) qv_err_prefix(err, "cannot carry the log of database '%s'", g->name);
    qv_buf_free(&b);
    free(final);
    free(tmp);
    free(carry);
    return rc;
}

/* Retention after a round whose checkpoints all completed: the segments before first are folded into the
 * base files, but a database's previous checkpoint (<file>.qvg.prev) needs the log since it (prev_need) to
 * stand in for a damaged newest one, so those stay. A previous checkpoint that would pin more than
 * STORE_PREV_ROUNDS rounds of log (its database has been idle since) is dropped instead: the log stays
 * bounded, and that database has no fallback until its next two checkpoints. */
#define STORE_PREV_ROUNDS 8
static int remove_segments(qv_store *s, uint64_t first, qv_err *err) {
    uint64_t bound = first;
    char **drop = NULL;
    size_t nd = 0;
    wal_lock_dbs(s->wal);
    for (wal_db *d = wal_dbs(s->wal); d; d = d->next) {
        if (d->retired || !d->prev_need) continue;
        if (first - d->prev_need > STORE_PREV_ROUNDS) {
            drop = qv_realloc(drop, (nd + 1) * sizeof *drop);
            drop[nd++] = qv_strdup(d->name);
            d->prev_need = 0;
        } else if (d->prev_need < bound) {
            bound = d->prev_need;
        }
    }
    wal_unlock_dbs(s->wal);
    for (size_t i = 0; i < nd; i++) {
        char *final, *tmp;
        store_base_paths(s, drop[i], &final, &tmp);
        pthread_mutex_lock(&s->mu);
        store_keep_prev(s, final, false);
        pthread_mutex_unlock(&s->mu);
        QV_INFO("database '%s': previous checkpoint dropped (idle for %d checkpoint rounds; the log it needs goes)",
                drop[i], STORE_PREV_ROUNDS);
        free(final);
        free(tmp);
        free(drop[i]);
    }
    free(drop);
    return wal_remove_before(s->wal, bound, err);
}

void *store_checkpointer_main(void *arg) {
    qv_store *s = arg;
    while (wal_wait_checkpoint_wanted(s->wal)) {
        qv_err err;
        qv_err_clear(&err);
        if (store_checkpoint(s, &err) < 0) QV_ERROR("checkpoint failed (the write-ahead log is kept): %s", err.msg);
    }
    return NULL;
}

int store_checkpoint(qv_store *s, qv_err *err) {
    if (!s->wal || !s->cat) return 0;
    pthread_mutex_lock(&s->ckpt_mu);
    uint64_t first;
    int rc = wal_rotate(s->wal, &first, err);
    if (rc == 0) s->round_first = first;
    char **names = NULL;
    size_t n = 0, cap = 0;
    if (rc == 0) {
        wal_lock_dbs(s->wal);
        for (wal_db *d = wal_dbs(s->wal); d; d = d->next) {
            if (d->retired || d->seq <= d->base_seq || d->seq <= d->carry_seq) continue;
            if (n == cap) names = qv_realloc(names, (cap = cap ? cap * 2 : 8) * sizeof *names);
            names[n++] = qv_strdup(d->name);
        }
        wal_unlock_dbs(s->wal);
    }
    bool keep = false; /* a database with records here that could not be checkpointed: keep the segments */
    for (size_t i = 0; i < n; i++) {
        graph *g = rc == 0 ? gcatalog_get(s->cat, names[i]) : NULL;
        wal_db *db = g ? wal_find(s->wal, names[i]) : NULL;
        if (rc == 0 && (!db || db->g != g)) {
            wal_db *d = wal_find(s->wal, names[i]);
            if (d) { /* not retired, yet not the catalog's graph of that name: leave its records alone */
                QV_WARN("database '%s' has log records but is not in the catalog as logged; the log is kept", names[i]);
                keep = true;
            }
        }
        bool carried = false;
        if (db && db->g == g) rc = carry_db(s, g, db, &carried, err);
        if (rc == 0 && db && db->g == g && !carried) rc = store_checkpoint_db(s, g, db, err);
        if (rc < 0 && err->code == QV_EPHASE) { /* dropped or replaced meanwhile: its records are not needed */
            QV_DEBUG("checkpoint of '%s' skipped: %s", names[i], err->msg);
            qv_err_clear(err);
            rc = 0;
        }
        if (g) gcatalog_release(s->cat, g);
        free(names[i]);
    }
    free(names);
    /* Retention: the segments since the previous round stay until this round's checkpoints are complete (they
     * are: rc == 0), so the previous checkpoint plus those segments can replace a damaged newest one. */
    if (rc == 0 && !keep) rc = remove_segments(s, first, err);
    if (rc == 0) wal_bytes_reset(s->wal);
    pthread_mutex_unlock(&s->ckpt_mu);
    return rc;
}

void store_shutdown(qv_store *s, bool checkpoint) {
    if (!s) return;
    store_stream_join_all(s); /* before the catalog goes: they hold references to its graphs */
    if (!s->wal) return;
    if (s->have_ckpt_thread) {
        wal_stop_waiters(s->wal);
        pthread_join(s->ckpt_thread, NULL);
        s->have_ckpt_thread = false;
    }
    if (checkpoint) {
        qv_err err;
        qv_err_clear(&err);
        if (store_checkpoint(s, &err) < 0) QV_ERROR("checkpoint at shutdown failed (the write-ahead log is kept): %s", err.msg);
    }
    s->cat = NULL;
}

