/* loader.c — the bulk loader's phase machine (see loader.h).
 *
 * Owns: gloader_new/free, adding chunks (checked on the adding thread, appended under the lock), the
 * *_done entry points (which move the staged chunks out under the lock and build without it), abort, and
 * the error messages for calls in the wrong phase, and the relationship resolver: one background thread,
 * started by the first relationship chunk, that turns queued raw chunks into stages (id resolution against
 * the node index) while the network thread goes back to receiving. Concurrency rules: an add registers
 * itself (active_adds) before it works unlocked, and so does the resolver for the chunk it took; a build
 * or an abort waits for registered work to finish, so nothing ever reads the node index while it is built
 * or freed. The resolver takes chunks only in phase RELS and exits when the phase leaves RELS (or on
 * cancel); gloader_free joins it. RELATIONSHIP_LOAD_DONE takes what is still queued and resolves it on the
 * pool. An abort during a build only flags it: the build notices, stops at its next step and frees
 * everything. Must not: build anything itself.
 */
#include "graph/loader_int.h"
#include "graph/gpar.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

const char *gload_phase_name(gload_phase p) {
    switch (p) {
    case GLOAD_NODES: return "nodes";
    case GLOAD_RELS: return "relationships";
    case GLOAD_TRIPLETS: return "triplets";
    case GLOAD_BUILDING: return "building";
    case GLOAD_DONE: return "done";
    case GLOAD_FAILED: return "failed";
    case GLOAD_ABORTED: return "aborted";
    }
    return "unknown";
}

static char **copy_list(const char *const *v, int n) {
    if (n <= 0) return NULL;
    char **o = qv_calloc((size_t)n, sizeof *o);
    for (int i = 0; i < n; i++) o[i] = qv_strdup(v[i] ? v[i] : "");
    return o;
}

static void free_list(char **v, int n) {
    for (int i = 0; i < n; i++) free(v[i]);
    free(v);
}

gloader *gloader_new(const gloader_config *cfg, qv_pool *pool) {
    gloader *l = qv_calloc(1, sizeof *l);
    l->name = qv_strdup(cfg->name ? cfg->name : "");
    l->database_name = cfg->database_name ? qv_strdup(cfg->database_name) : NULL;
    l->id_type = cfg->id_type;
    l->id_property = cfg->id_type == GRAPH_ID_STRING ? qv_strdup(cfg->id_property ? cfg->id_property : "__originalId__")
                                                      : NULL;
    l->durable = cfg->durable;
    l->skip_dangling = cfg->skip_dangling;
    l->triplets = cfg->triplets;
    l->undirected = copy_list(cfg->undirected_types, cfg->n_undirected);
    l->n_undirected = cfg->n_undirected > 0 ? cfg->n_undirected : 0;
    l->inverse = copy_list(cfg->inverse_types, cfg->n_inverse);
    l->n_inverse = cfg->n_inverse > 0 ? cfg->n_inverse : 0;
    l->pool = pool;
    l->out_done = cfg->out_done; /* ckpt */
    l->out_done_arg = cfg->out_done_arg;
    pthread_mutex_init(&l->mu, NULL);
    pthread_cond_init(&l->cv, NULL);
    pthread_cond_init(&l->qcv, NULL);
    l->phase = cfg->triplets ? GLOAD_TRIPLETS : GLOAD_NODES;
    qv_strtab_init(&l->labels);
    qv_strtab_init(&l->rel_types);
    qv_strtab_init(&l->prop_keys);
    gload_labelset_locked(l, NULL, 0);   /* label set 0: no labels */
    gslab_init(&l->arena);
    l->g = graph_new(l->name, l->database_name, l->durable, l->id_type, l->id_property);
    return l;
}

/* Frees staged chunks and the graph in construction. Caller holds the lock, no build runs, no add is
 * in flight. */
static void drop_data(gloader *l) {
    for (size_t i = 0; i < l->nodes.n; i++) gload_free_nodes(l->nodes.v[i]);
    for (size_t i = 0; i < l->rels.n; i++) grel_stage_free(l->rels.v[i]);
    for (size_t i = 0; i < l->trips.n; i++) gload_free_rels(l->trips.v[i]);
    for (size_t i = l->qhead; i < l->queue.n; i++) gload_free_rels(l->queue.v[i]);
    free(l->nodes.v);
    free(l->rels.v);
    free(l->trips.v);
    free(l->queue.v);
    memset(&l->nodes, 0, sizeof l->nodes);
    memset(&l->rels, 0, sizeof l->rels);
    memset(&l->trips, 0, sizeof l->trips);
    memset(&l->queue, 0, sizeof l->queue);
    l->qhead = 0;
    l->queued_bytes = 0;
    gslab_release(&l->arena);
    gload_dense_free(l);
    __atomic_store_n(&l->staged_bytes, 0, __ATOMIC_RELAXED);
    graph_free(l->g);
    l->g = NULL;
}

static void wait_quiet(gloader *l) {
    while (l->building || l->active_adds > 0) pthread_cond_wait(&l->cv, &l->mu);
}

void gloader_free(gloader *l) {
    if (!l) return;
    pthread_mutex_lock(&l->mu);
    __atomic_store_n(&l->cancel, 1, __ATOMIC_RELAXED);
    pthread_cond_broadcast(&l->qcv);
    wait_quiet(l);
    drop_data(l);
    bool join = l->resolver_on;
    l->resolver_on = false;
    pthread_mutex_unlock(&l->mu);
    if (join) pthread_join(l->resolver, NULL);   /* it exits once it sees cancel */
    pthread_mutex_destroy(&l->mu);
    pthread_cond_destroy(&l->cv);
    pthread_cond_destroy(&l->qcv);
    qv_strtab_free(&l->labels);
    qv_strtab_free(&l->rel_types);
    qv_strtab_free(&l->prop_keys);
    glabelsets_free(&l->ls);
    gslab_destroy(&l->arena);
    free(l->key_type[0]);
    free(l->key_type[1]);
    free(l->name);
    free(l->database_name);
    free(l->id_property);
    free_list(l->undirected, l->n_undirected);
    free_list(l->inverse, l->n_inverse);
    free(l);
}

gload_phase gloader_phase(const gloader *l) { return __atomic_load_n(&l->phase, __ATOMIC_RELAXED); }

uint64_t gloader_memory_bytes(const gloader *l) { return __atomic_load_n(&l->staged_bytes, __ATOMIC_RELAXED); }

uint64_t gloader_rows_received(const gloader *l, bool rels) {
    return __atomic_load_n(&l->rows[rels ? 1 : 0], __ATOMIC_RELAXED);
}

uint64_t gloader_dangling(const gloader *l) { return __atomic_load_n(&l->dangling, __ATOMIC_RELAXED); }

static void set_phase(gloader *l, gload_phase p) { __atomic_store_n(&l->phase, p, __ATOMIC_RELAXED); }

/* QV_EPHASE naming the phase. Caller holds the lock. */
static int phase_err(const gloader *l, qv_err *err, const char *hint) {
    if (l->phase == GLOAD_FAILED)
        return qv_err_set(err, QV_EPHASE, "import '%s' is in phase 'failed' (%s); start a new import", l->name,
                          l->fail_msg);
    if (l->phase == GLOAD_ABORTED)
        return qv_err_set(err, QV_EPHASE, "import '%s' is in phase 'aborted'; start a new import", l->name);
    return qv_err_set(err, QV_EPHASE, "import '%s' is in phase '%s': %s", l->name, gload_phase_name(l->phase), hint);
}

/* ---------- adding chunks ---------- */

#define MAX_ROWS ((uint64_t)UINT32_MAX - 1)

/* Registers an add: phase check, row budget, column keys. Caller holds the lock. */
static int begin_add(gloader *l, bool ok_phase, const char *hint, int which, uint64_t n, bool rel_cols,
                     gchunk_col *cols, int ncols, qv_err *err) {
    if (!ok_phase) return phase_err(l, err, hint);
    if (gload_check_cols_locked(l, rel_cols, cols, ncols, n, err)) return -1;
    if (l->rows[which] + n > MAX_ROWS)
        return qv_err_set(err, QV_ETOOBIG, "import '%s' has received %llu %s rows and this batch has %llu more; a "
                          "graph holds at most %llu",
                          l->name, (unsigned long long)l->rows[which], which ? "relationship" : "node",
                          (unsigned long long)n, (unsigned long long)MAX_ROWS);
    __atomic_fetch_add(&l->rows[which], n, __ATOMIC_RELAXED);   /* reserved now, returned if the add fails */
    l->active_adds++;
    return 0;
}

/* Ends an add registered by begin_add; the chunk is appended by the caller unless this fails. */
static int end_add(gloader *l, qv_err *err) {
    if (--l->active_adds == 0) pthread_cond_broadcast(&l->cv);
    if (__atomic_load_n(&l->cancel, __ATOMIC_RELAXED) || l->phase == GLOAD_ABORTED)
        return qv_err_set(err, QV_ECANCELLED, "import '%s' was aborted", l->name);
    return 0;
}

int gloader_add_nodes(gloader *l, gnode_chunk *in, qv_err *err) {
    gnode_chunk *c = gload_take_nodes(in);
    if (c->n == 0) {
        gload_free_nodes(c);
        pthread_mutex_lock(&l->mu);
        int rc = l->phase == GLOAD_NODES ? 0
                                         : phase_err(l, err, "node batches are accepted only before NODE_LOAD_DONE");
        pthread_mutex_unlock(&l->mu);
        return rc;
    }
    pthread_mutex_lock(&l->mu);
    const char *hint = l->triplets ? "this import loads triplets: send triplet batches"
                                   : "node batches are accepted only before NODE_LOAD_DONE";
    if (begin_add(l, l->phase == GLOAD_NODES, hint, 0, c->n, false, c->cols, c->ncols, err)) {
        pthread_mutex_unlock(&l->mu);
        gload_free_nodes(c);
        return -1;
    }
    uint32_t n_ls = l->ls.n;
    pthread_mutex_unlock(&l->mu);

    int rc = gload_check_nodes(l, c, n_ls, err);
    uint64_t bytes = gload_nodes_bytes(c);

    pthread_mutex_lock(&l->mu);
    if (end_add(l, rc ? NULL : err)) rc = -1;
    if (rc == 0) {
        gptrvec_push(&l->nodes, c);
        __atomic_fetch_add(&l->staged_bytes, bytes, __ATOMIC_RELAXED);
        c = NULL;
    } else {
        __atomic_fetch_sub(&l->rows[0], c->n, __ATOMIC_RELAXED);
    }
    pthread_mutex_unlock(&l->mu);
    gload_free_nodes(c);
    return rc;
}

/* ---------- the relationship resolver ---------- */

/* Raw bytes the queue may hold before adds resolve on their own thread again (16 B per relationship:
 * 32 MiB is ~2 M relationships, 20 batches of 100 K). The network thread is never blocked by a full queue;
 * past this the adding thread works too, so both cores resolve during the upload, and a short queue keeps
 * the chunks' malloc'd memory recycled instead of faulting in fresh pages (measured: ~20% of the load's
 * CPU is the kernel zeroing pages). */
#define QUEUE_MAX_BYTES ((uint64_t)32 << 20)

/* Turns one chunk into a stage and files it in l->rels. The chunk was registered in active_adds by whoever
 * took it; called without the lock. */
static void resolve_one(gloader *l, grel_chunk *c, uint64_t raw) {
    grel_stage *s = gload_stage_rels(l, c);
    uint64_t bytes = s ? grel_stage_bytes(s) : 0;
    pthread_mutex_lock(&l->mu);
    if (!s) l->stage_oom = true;
    __atomic_fetch_sub(&l->staged_bytes, raw, __ATOMIC_RELAXED);
    if (s && !__atomic_load_n(&l->cancel, __ATOMIC_RELAXED) && l->phase != GLOAD_ABORTED) {   /* abort: drop */
        gptrvec_push(&l->rels, s);
        __atomic_fetch_add(&l->staged_bytes, bytes, __ATOMIC_RELAXED);
        s = NULL;
    }
    if (--l->active_adds == 0) pthread_cond_broadcast(&l->cv);
    pthread_mutex_unlock(&l->mu);
    grel_stage_free(s);
}

static void *resolver_main(void *arg) {
    gloader *l = arg;
    pthread_mutex_lock(&l->mu);
    for (;;) {
        if (__atomic_load_n(&l->cancel, __ATOMIC_RELAXED) || l->phase != GLOAD_RELS) break;
        if (l->qhead == l->queue.n) {
            pthread_cond_wait(&l->qcv, &l->mu);
            continue;
        }
        grel_chunk *c = l->queue.v[l->qhead++];
        if (l->qhead == l->queue.n) l->qhead = l->queue.n = 0;
        uint64_t raw = gload_rels_bytes(c);
        l->queued_bytes -= raw;
        l->active_adds++;
        pthread_mutex_unlock(&l->mu);
        resolve_one(l, c, raw);
        pthread_mutex_lock(&l->mu);
    }
    pthread_mutex_unlock(&l->mu);
    return NULL;
}

/* Queues an accepted relationship chunk for the resolver (starting it the first time). False when the
 * queue is full or the thread cannot run: the caller resolves the chunk itself. Caller holds the lock. */
static bool enqueue_locked(gloader *l, grel_chunk *c, uint64_t raw) {
    if (l->phase != GLOAD_RELS || l->resolver_off || l->queued_bytes + raw > QUEUE_MAX_BYTES) return false;
    if (!l->resolver_on) {
        if (pthread_create(&l->resolver, NULL, resolver_main, l)) {
            l->resolver_off = true;
            QV_WARN("import '%s': no resolver thread; relationship ids are resolved as batches arrive", l->name);
            return false;
        }
        l->resolver_on = true;
    }
    gptrvec_push(&l->queue, c);
    l->queued_bytes += raw;
    __atomic_fetch_add(&l->staged_bytes, raw, __ATOMIC_RELAXED);
    pthread_cond_signal(&l->qcv);
    return true;
}

/* RELATIONSHIP_LOAD_DONE's share of the queue: chunk t becomes stage t (NULL: out of memory, or
 * cancelled). Runs during the build, so nothing else touches these chunks. */
typedef struct resolve_job {
    gloader *l;
    grel_chunk **c;
    grel_stage **s;
    int oom;
} resolve_job;

static void resolve_task(void *arg, size_t t) {
    resolve_job *j = arg;
    grel_chunk *c = j->c[t];
    j->c[t] = NULL;
    if (__atomic_load_n(&j->l->cancel, __ATOMIC_RELAXED)) {
        gload_free_rels(c);
        return;
    }
    j->s[t] = gload_stage_rels(j->l, c);
    if (!j->s[t]) __atomic_store_n(&j->oom, 1, __ATOMIC_RELAXED);
}

int gloader_add_rels(gloader *l, grel_chunk *in, qv_err *err) {
    grel_chunk *c = gload_take_rels(in);
    pthread_mutex_lock(&l->mu);
    bool ok = l->phase == GLOAD_RELS || l->phase == GLOAD_TRIPLETS;
    const char *hint = l->phase == GLOAD_NODES ? "relationship batches are accepted only after NODE_LOAD_DONE"
                                               : "relationship batches are accepted only before the load is done";
    if (c->n == 0) {
        int rc = ok ? 0 : phase_err(l, err, hint);
        pthread_mutex_unlock(&l->mu);
        gload_free_rels(c);
        return rc;
    }
    if (begin_add(l, ok, hint, 1, c->n, true, c->cols, c->ncols, err)) {
        pthread_mutex_unlock(&l->mu);
        gload_free_rels(c);
        return -1;
    }
    uint32_t n_ls = l->ls.n, n_types = l->rel_types.count;
    bool trip = l->phase == GLOAD_TRIPLETS;
    pthread_mutex_unlock(&l->mu);

    int rc = gload_check_rels(l, c, n_ls, n_types, err);
    grel_stage *s = NULL;
    uint64_t n = c->n, bytes = 0;
    if (rc == 0 && !trip) {
        uint64_t raw = gload_rels_bytes(c);
        pthread_mutex_lock(&l->mu);
        if (enqueue_locked(l, c, raw)) {   /* the resolver takes it from here */
            end_add(l, NULL);             /* an abort meanwhile frees the queue; the chunk was accepted */
            pthread_mutex_unlock(&l->mu);
            return 0;
        }
        pthread_mutex_unlock(&l->mu);
        /* queue full (or no resolver): resolve now, on this thread, while the index is read-only */
        s = gload_stage_rels(l, c);
        c = NULL;
        if (s) bytes = grel_stage_bytes(s);
        else rc = qv_err_set(err, QV_ENOMEM, "out of memory staging %llu relationships", (unsigned long long)n);
    } else if (rc == 0) {
        bytes = gload_rels_bytes(c);
    }

    pthread_mutex_lock(&l->mu);
    if (end_add(l, rc ? NULL : err)) rc = -1;
    if (rc == 0) {
        if (s) gptrvec_push(&l->rels, s);
        else gptrvec_push(&l->trips, c);
        __atomic_fetch_add(&l->staged_bytes, bytes, __ATOMIC_RELAXED);
        s = NULL;
        c = NULL;
    } else {
        __atomic_fetch_sub(&l->rows[1], n, __ATOMIC_RELAXED);
    }
    pthread_mutex_unlock(&l->mu);
    grel_stage_free(s);
    gload_free_rels(c);
    return rc;
}

/* ---------- builds ---------- */

/* Gives the allocator's free memory back to the system before a build allocates its big arrays: the
 * upload's buffers (received messages, raw chunks) were freed by the network and resolver threads into
 * their malloc arenas, where glibc keeps them resident (measured: ~50 MiB after a 64 M-relationship upload,
 * part of the import's peak RSS otherwise). */
static void trim_heap(const gloader *l) {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
    struct mallinfo2 mi = mallinfo2();
    malloc_trim(0);
    QV_DEBUG("import '%s': %.1f MiB free in the malloc arenas before the relationship build (their whole pages go back)", l->name,
             (double)mi.fordblks / (1 << 20));
#elif defined(__GLIBC__)
    (void)l;
    malloc_trim(0);
#else
    (void)l;
#endif
}

/* Waits while a build of the same kind runs (a retried *_done call joins it). Caller holds the lock. */
static void wait_build(gloader *l, gload_phase from) {
    while (l->building && l->building_from == from && l->phase == GLOAD_BUILDING) pthread_cond_wait(&l->cv, &l->mu);
}

/* Starts a build from phase `from`: takes the staged chunks once in-flight adds have landed. */
static void begin_build(gloader *l, gload_phase from, gptrvec *take, gptrvec *into) {
    set_phase(l, GLOAD_BUILDING);
    l->building = true;
    l->building_from = from;
    while (l->active_adds > 0) pthread_cond_wait(&l->cv, &l->mu);
    *into = *take;
    memset(take, 0, sizeof *take);
    __atomic_store_n(&l->staged_bytes, 0, __ATOMIC_RELAXED);
}

/* Ends a build: rc 0 moves to `next`; failure frees everything and records why; an abort that came in
 * meanwhile wins over both. Caller holds the lock. Returns the final rc. */
static int end_build(gloader *l, int rc, gload_phase next, qv_err *err) {
    l->building = false;
    bool cancel = __atomic_load_n(&l->cancel, __ATOMIC_RELAXED);
    if ((cancel || rc) && l->out_done) l->out_done(l->out_done_arg, NULL); /* ckpt: before drop_data frees g */
    if (cancel) {
        drop_data(l);
        set_phase(l, GLOAD_ABORTED);
        rc = qv_err_set(err, QV_ECANCELLED, "import '%s' was aborted", l->name);
    } else if (rc) {
        l->fail_code = err ? err->code : QV_EINTERNAL;
        snprintf(l->fail_msg, sizeof l->fail_msg, "%s", err ? err->msg : "build failed");
        drop_data(l);
        set_phase(l, GLOAD_FAILED);
        QV_WARN("import '%s' failed: %s", l->name, l->fail_msg);
    } else {
        set_phase(l, next);
    }
    pthread_cond_broadcast(&l->cv);
    return rc;
}

int gloader_nodes_done(gloader *l, uint64_t *node_count, qv_err *err) {
    pthread_mutex_lock(&l->mu);
    wait_build(l, GLOAD_NODES);
    gload_phase p = l->phase;
    bool built = p == GLOAD_RELS || p == GLOAD_DONE || (p == GLOAD_BUILDING && l->building_from == GLOAD_RELS);
    if (built && !l->triplets) {
        *node_count = l->node_count;
        pthread_mutex_unlock(&l->mu);
        return 0;
    }
    if (p != GLOAD_NODES) {
        int rc = phase_err(l, err, l->triplets ? "this import loads triplets: finish it with TRIPLET_LOAD_DONE"
                                               : "NODE_LOAD_DONE is not possible now");
        pthread_mutex_unlock(&l->mu);
        return rc;
    }
    gptrvec chunks;
    begin_build(l, GLOAD_NODES, &l->nodes, &chunks);
    pthread_mutex_unlock(&l->mu);

    qv_err e;
    qv_err_clear(&e);
    int rc = gload_build_nodes(l, (gnode_chunk **)chunks.v, chunks.n, &e);
    for (size_t i = 0; i < chunks.n; i++) gload_free_nodes(chunks.v[i]);   /* left-overs after a failure */
    free(chunks.v);

    pthread_mutex_lock(&l->mu);
    rc = end_build(l, rc, GLOAD_RELS, &e);
    if (rc == 0) *node_count = l->node_count;
    pthread_mutex_unlock(&l->mu);
    if (rc && err) *err = e;
    return rc;
}

/* Hands the finished graph out. Caller holds the lock and has just ended a successful build. */
static graph *hand_out(gloader *l) {
    graph *g = l->g;
    l->g = NULL;
    gload_install_names(l, g);
    g->created_ms = qv_wall_ms();
    return g;
}

int gloader_rels_done(gloader *l, uint64_t *rel_count, graph **out, qv_err *err) {
    *out = NULL;
    pthread_mutex_lock(&l->mu);
    wait_build(l, GLOAD_RELS);
    if (l->phase == GLOAD_DONE && !l->triplets) {
        *rel_count = l->rel_count;
        pthread_mutex_unlock(&l->mu);
        return 0;
    }
    if (l->phase != GLOAD_RELS) {
        const char *hint = l->triplets ? "this import loads triplets: finish it with TRIPLET_LOAD_DONE"
                           : l->phase == GLOAD_NODES ? "send NODE_LOAD_DONE first"
                                                     : "RELATIONSHIP_LOAD_DONE is not possible now";
        int rc = phase_err(l, err, hint);
        pthread_mutex_unlock(&l->mu);
        return rc;
    }
    gptrvec st;
    begin_build(l, GLOAD_RELS, &l->rels, &st);   /* waits for the chunk the resolver has in hand */
    pthread_cond_broadcast(&l->qcv);              /* the phase left RELS: the resolver exits */
    /* what the resolver has not reached yet is resolved here, on the pool (every core helps) */
    size_t qn = l->queue.n - l->qhead;
    grel_chunk **q = qv_malloc((qn ? qn : 1) * sizeof *q);
    if (qn) memcpy(q, l->queue.v + l->qhead, qn * sizeof *q);
    l->queue.n = l->qhead = 0;
    l->queued_bytes = 0;
    bool oom = l->stage_oom;
    pthread_mutex_unlock(&l->mu);

    qv_err e;
    qv_err_clear(&e);
    resolve_job job = {.l = l, .c = q, .s = qv_calloc(qn ? qn : 1, sizeof(grel_stage *))};
    if (qn) gpar_run(l->pool, qn, resolve_task, &job);
    for (size_t i = 0; i < qn; i++)
        if (job.s[i]) gptrvec_push(&st, job.s[i]);
    free(job.s);
    free(q);
    gload_dense_free(l);   /* every relationship is resolved: the build needs the memory more */
    trim_heap(l);
    int rc = 0;
    if (oom || job.oom)
        rc = qv_err_set(&e, QV_ENOMEM, "out of memory staging relationships of import '%s'", l->name);
    if (rc == 0) rc = gload_build_rels(l, (grel_stage **)st.v, st.n, &e);
    for (size_t i = 0; i < st.n; i++) grel_stage_free(st.v[i]);
    free(st.v);

    pthread_mutex_lock(&l->mu);
    rc = end_build(l, rc, GLOAD_DONE, &e);
    if (rc == 0) {
        *rel_count = l->rel_count;
        *out = hand_out(l);
    }
    pthread_mutex_unlock(&l->mu);
    if (rc && err) *err = e;
    return rc;
}

int gloader_triplets_done(gloader *l, uint64_t *node_count, uint64_t *rel_count, graph **out, qv_err *err) {
    *out = NULL;
    pthread_mutex_lock(&l->mu);
    wait_build(l, GLOAD_TRIPLETS);
    if (l->phase == GLOAD_DONE && l->triplets) {
        *node_count = l->node_count;
        *rel_count = l->rel_count;
        pthread_mutex_unlock(&l->mu);
        return 0;
    }
    if (l->phase != GLOAD_TRIPLETS) {
        int rc = phase_err(l, err, l->triplets ? "TRIPLET_LOAD_DONE is not possible now"
                                               : "this import loads nodes and relationships, not triplets");
        pthread_mutex_unlock(&l->mu);
        return rc;
    }
    gptrvec trips;
    begin_build(l, GLOAD_TRIPLETS, &l->trips, &trips);
    pthread_mutex_unlock(&l->mu);

    qv_err e;
    qv_err_clear(&e);
    grel_stage **st = NULL;
    int rc = gload_build_triplets(l, (grel_chunk **)trips.v, trips.n, &st, &e);
    for (size_t i = 0; i < trips.n; i++) gload_free_rels(trips.v[i]);
    free(trips.v);
    if (rc == 0) rc = gload_build_rels(l, st, trips.n, &e);
    if (st)
        for (size_t i = 0; i < trips.n; i++) grel_stage_free(st[i]);
    free(st);

    pthread_mutex_lock(&l->mu);
    rc = end_build(l, rc, GLOAD_DONE, &e);
    if (rc == 0) {
        *node_count = l->node_count;
        *rel_count = l->rel_count;
        *out = hand_out(l);
    }
    pthread_mutex_unlock(&l->mu);
    if (rc && err) *err = e;
    return rc;
}

void gloader_abort(gloader *l) {
    pthread_mutex_lock(&l->mu);
    __atomic_store_n(&l->cancel, 1, __ATOMIC_RELAXED);
    set_phase(l, GLOAD_ABORTED);
    pthread_cond_broadcast(&l->qcv);   /* the resolver exits after the chunk in hand */
    if (!l->building) {   /* a running build frees its own data when it notices */
        while (l->active_adds > 0) pthread_cond_wait(&l->cv, &l->mu);
        drop_data(l);
    }
    pthread_cond_broadcast(&l->cv);
    pthread_mutex_unlock(&l->mu);
}
