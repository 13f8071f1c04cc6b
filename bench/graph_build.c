/* graph_build.c — qv_bench_graph_build: a micro-benchmark of the engine's bulk build.
 *
 * Owns: generating a graph with random int64 node ids in memory, appended as 100k-row chunks by several
 * "stream" threads the way the Flight import appends decoded batches, then timing gloader_nodes_done and
 * gloader_rels_done, and the id index on its own (build rate, lookups per second). Reports M rels/s, the
 * peak RSS of each phase (VmHWM from /proc/self/status, reset through /proc/self/clear_refs) and the
 * topology bytes per relationship.
 * Must not: touch the network or the disk (besides /proc/self).
 *
 * Usage: qv_bench_graph_build [nodes [relationships [streams]]]   (default 4000000 64000000 2)
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "graph/loader.h"
#include "util/clock.h"
#include "util/hash.h"
#include "util/log.h"

#define CHUNK 100000ull

/* A bijection on [0, 2^63): distinct random-looking non-negative ids. */
static int64_t node_id(uint64_t i) {
    const uint64_t mask = INT64_MAX;
    uint64_t x = (i * 0x9e3779b97f4a7c15ull) & mask;
    x ^= x >> 31;
    x = (x * 0xbf58476d1ce4e5b9ull) & mask;
    x ^= x >> 29;
    return (int64_t)x;
}

static long status_kib(const char *key) {
    FILE *f = fopen("/proc/self/status", "r");
    if (!f) return -1;
    char line[256];
    long v = -1;
    size_t kl = strlen(key);
    while (fgets(line, sizeof line, f))
        if (strncmp(line, key, kl) == 0 && line[kl] == ':') {
            v = strtol(line + kl + 1, NULL, 10);
            break;
        }
    fclose(f);
    return v;
}

static void reset_peak(void) {
    FILE *f = fopen("/proc/self/clear_refs", "w");
    if (f) {
        fputs("5", f);
        fclose(f);
    }
}

static double mib(long kib) { return (double)kib / 1024.0; }

static long huge_kib(void) {   /* transparent huge pages in use */
    FILE *f = fopen("/proc/self/smaps_rollup", "r");
    if (!f) return -1;
    char line[256];
    long v = -1;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "AnonHugePages:", 14) == 0) v = strtol(line + 14, NULL, 10);
    fclose(f);
    return v;
}

static double thread_seconds(void) {   /* the calling thread only */
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_seconds(void) {   /* all threads of the process */
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef struct job {
    gloader *l;
    uint64_t nodes, rels;
    uint64_t nchunks;
    uint64_t next;        /* atomic chunk cursor */
    bool do_rels;
    uint16_t type;
    double add_seconds[64];
    int failed;
} job;

typedef struct worker {
    job *J;
    int id;
} worker;

static void *stream(void *arg) {
    worker *w = arg;
    job *J = w->J;
    for (;;) {
        uint64_t c = __atomic_fetch_add(&J->next, 1, __ATOMIC_RELAXED);
        if (c >= J->nchunks) break;
        uint64_t total = J->do_rels ? J->rels : J->nodes;
        uint64_t lo = c * CHUNK, hi = lo + CHUNK < total ? lo + CHUNK : total, n = hi - lo;
        qv_err err;
        int rc;
        if (!J->do_rels) {
            gnode_chunk ch = {.n = n, .ids = malloc(n * 8)};
            for (uint64_t i = 0; i < n; i++) ch.ids[i] = node_id(lo + i);
            double t0 = thread_seconds();
            rc = gloader_add_nodes(J->l, &ch, &err);
            J->add_seconds[w->id] += thread_seconds() - t0;
        } else {
            grel_chunk ch = {.n = n, .src = malloc(n * 8), .tgt = malloc(n * 8), .common_type = J->type};
            for (uint64_t i = 0; i < n; i++) {
                uint64_t h = qv_hash_u64(lo + i);
                ch.src[i] = node_id((h & 0xffffffffull) % J->nodes);
                ch.tgt[i] = node_id((h >> 32) % J->nodes);
            }
            double t0 = thread_seconds();
            rc = gloader_add_rels(J->l, &ch, &err);
            J->add_seconds[w->id] += thread_seconds() - t0;
        }
        if (rc) {
            fprintf(stderr, "add failed: %s\n", err.msg);
            J->failed = 1;
        }
    }
    return NULL;
}

static double run_streams(job *J, int streams) {
    pthread_t th[64];
    worker w[64];
    J->next = 0;
    uint64_t total = J->do_rels ? J->rels : J->nodes;
    J->nchunks = (total + CHUNK - 1) / CHUNK;
    memset(J->add_seconds, 0, sizeof J->add_seconds);
    uint64_t t0 = qv_now_ns();
    for (int i = 0; i < streams; i++) {
        w[i] = (worker){.J = J, .id = i};
        pthread_create(&th[i], NULL, stream, &w[i]);
    }
    for (int i = 0; i < streams; i++) pthread_join(th[i], NULL);
    return qv_seconds_since(t0);
}

static double in_add(const job *J, int streams) {
    double s = 0;
    for (int i = 0; i < streams; i++) s += J->add_seconds[i];
    return s;
}

static void bench_index(const graph *g, qv_pool *pool) {
    uint64_t n = g->n_nodes;
    if (!n) return;
    gidindex ix;
    qv_err err;
    uint64_t t0 = qv_now_ns();
    if (gidindex_build_int(&ix, g->ext_ids, n, pool, &err)) {
        fprintf(stderr, "index: %s\n", err.msg);
        return;
    }
    double tb = qv_seconds_since(t0);
    gidindex_free(&ix);
    t0 = qv_now_ns();
    if (gidindex_build_int(&ix, g->ext_ids, n, NULL, &err)) return;
    double tb1 = qv_seconds_since(t0);

    uint64_t q = 16000000;
    int64_t *keys = malloc(q * 8);
    uint32_t *out = malloc(q * 4);
    for (uint64_t i = 0; i < q; i++) keys[i] = g->ext_ids[qv_hash_u64(i) % n];
    double t = thread_seconds();
    uint64_t sum = 0;
    for (uint64_t i = 0; i < q; i++) sum += (uint64_t)gidindex_find_int(&ix, keys[i]);
    double tf = thread_seconds() - t;
    t = thread_seconds();
    uint64_t miss = gidindex_resolve_int(&ix, keys, q, out);
    double tr = thread_seconds() - t;
    if (getenv("QV_BENCH_DEBUG")) printf("index slab: %.0f MiB of huge pages in the process\n", mib(huge_kib()));
    printf("id index          %llu keys: build %.1f M keys/s on the pool, %.1f M keys/s on 1 thread; %.1f bytes/key\n",
           (unsigned long long)n, n / tb / 1e6, n / tb1 / 1e6, (double)gidindex_memory_bytes(&ix) / n);
    printf("id lookups        random existing keys, per thread-cpu-second: find %.1f M/s, batch resolve %.1f M/s "
           "(check %llu %llu)\n",
           q / tf / 1e6, q / tr / 1e6, (unsigned long long)(sum & 1), (unsigned long long)miss);
    free(keys);
    free(out);
    gidindex_free(&ix);
}

/* `qv_bench_graph_build index N`: the id index alone over N random keys. */
static int index_only(uint64_t n) {
    qv_pool *pool = qv_pool_new(0);
    graph g = {.n_nodes = n, .ext_ids = malloc(n * 8)};
    for (uint64_t i = 0; i < n; i++) g.ext_ids[i] = node_id(i);
    bench_index(&g, pool);
    printf("huge pages        %.0f MiB in use at the end\n", mib(huge_kib()));
    free(g.ext_ids);
    qv_pool_free(pool);
    return 0;
}

int main(int argc, char **argv) {
    if (argc > 2 && strcmp(argv[1], "index") == 0) return index_only(strtoull(argv[2], NULL, 10));
    uint64_t nodes = argc > 1 ? strtoull(argv[1], NULL, 10) : 4000000;
    uint64_t rels = argc > 2 ? strtoull(argv[2], NULL, 10) : 64000000;
    int streams = argc > 3 ? atoi(argv[3]) : 2;
    if (streams < 1 || streams > 64 || nodes == 0) {
        fprintf(stderr, "usage: %s [nodes [relationships [streams 1..64]]]\n", argv[0]);
        return 2;
    }
    if (getenv("QV_BENCH_DEBUG")) qv_log_set_level(QV_LOG_DEBUG);   /* the build's own phase timings */
    qv_pool *pool = qv_pool_new(0);
    printf("graph build: %llu nodes, %llu relationships, random int64 ids, %llu-row chunks from %d streams, "
           "pool of %d threads\n",
           (unsigned long long)nodes, (unsigned long long)rels, (unsigned long long)CHUNK, streams,
           qv_pool_threads(pool));

    gloader_config cfg = {.name = "bench", .database_name = "neo4j"};
    gloader *l = gloader_new(&cfg, pool);
    job J = {.l = l, .nodes = nodes, .rels = rels};
    qv_err err;

    double wall = run_streams(&J, streams);
    long rss_nodes_staged = status_kib("VmRSS");
    printf("add nodes         %.2f s wall (%.2f cpu-s inside gloader_add_nodes over all streams)\n", wall, in_add(&J, streams));

    reset_peak();
    double c0 = cpu_seconds();
    uint64_t t0 = qv_now_ns(), nn;
    if (gloader_nodes_done(l, &nn, &err)) {
        fprintf(stderr, "nodes_done: %s\n", err.msg);
        return 1;
    }
    double tn = qv_seconds_since(t0), cn = cpu_seconds() - c0;
    long peak_nodes = status_kib("VmHWM");
    printf("nodes_done        %.3f s wall, %.3f s cpu (%.1f M nodes/s)  peak RSS %.0f MiB (staged before: %.0f MiB)\n",
           tn, cn, nn / tn / 1e6, mib(peak_nodes), mib(rss_nodes_staged));

    J.do_rels = true;
    if (gloader_rel_type(l, "REL", 3, &J.type, &err)) return 1;
    long before_rels = status_kib("VmRSS");
    reset_peak();
    wall = run_streams(&J, streams);
    double adds = in_add(&J, streams);
    long rss_staged = status_kib("VmRSS");
    printf("add relationships %.2f s wall; %.2f cpu-s inside gloader_add_rels summed over the streams = %.1f M "
           "rels/cpu-s (a queued chunk is resolved by the loader's resolver thread, not here); staged %.1f bytes/rel\n",
           wall, adds, rels / adds / 1e6, (double)(rss_staged - before_rels) * 1024 / (double)(rels ? rels : 1));

    reset_peak();
    c0 = cpu_seconds();
    t0 = qv_now_ns();
    uint64_t nr;
    graph *g;
    if (gloader_rels_done(l, &nr, &g, &err)) {
        fprintf(stderr, "rels_done: %s\n", err.msg);
        return 1;
    }
    double tr = qv_seconds_since(t0), cr = cpu_seconds() - c0;
    long peak_rels = status_kib("VmHWM"), after = status_kib("VmRSS"), huge = huge_kib();
    gloader_free(l);
    printf("rels_done         %.3f s wall, %.3f s cpu (%.1f M rels/s)  peak RSS %.0f MiB (staged before: %.0f MiB, "
           "graph after: %.0f MiB, %.0f MiB of it in huge pages)\n",
           tr, cr, nr / tr / 1e6, mib(peak_rels), mib(rss_staged), mib(after), mib(huge));
    printf("build peak        %.1f bytes/rel above the process before relationships arrived\n",
           (double)(peak_rels - before_rels) * 1024 / (double)(nr ? nr : 1));
    printf("graph             %llu nodes, %llu relationships; topology %.2f bytes/rel (both directions, offsets "
           "included); whole graph %.2f bytes/rel\n",
           (unsigned long long)g->n_nodes, (unsigned long long)g->n_rels,
           (double)graph_topology_bytes(g) / (double)(nr ? nr : 1),
           (double)graph_memory_bytes(g) / (double)(nr ? nr : 1));
    bench_index(g, pool);
    graph_free(g);
    qv_pool_free(pool);
    return 0;
}
