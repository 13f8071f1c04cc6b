/* cypher_bench.c — qv_bench_cypher: quiver's openCypher engine on LDBC SNB SF0.1, through the embedded API.
 *
 * Owns: (1) Nodestream-shaped ingest: every Person, Forum, Post and Comment with the N1 node upsert, then
 * knows, hasCreator, replyOf, hasMember and likes with the R1 relationship upsert, in `UNWIND $params`
 * batches of 150 rows, a first load and a second load of the same rows (all MERGE hits), rows/s per phase;
 * memory per node and per relationship after compaction (RSS growth, malloc_trim'ed); (2) the LDBC
 * Interactive reads of cypher_queries.h on the loaded graph, 100 seeded parameter draws each, median and
 * p99 latency. Prints one JSON line per measurement (bench/cypher_report.mjs makes the tables;
 * bench/kuzu_cypher.mjs prints the same lines for Kuzu).
 * Must not: use the engine other than through cypher.h and value.h (plus graph_compact and graph_reap_wait to
 * fold the delta and free the old generation before measuring memory); copy the dataset.
 *
 * Usage: qv_bench_cypher --data DIR [--batch 150] [--draws 100] [--seed 42] [--no-reads] [--no-second-load]
 *                        [--only IS1,IC9]   (only these reads)
 *        qv_bench_cypher --data DIR --arrow-memory   (only the baseline: the same data built by the bulk
 *        loader behind the Arrow Flight import, RSS per node and relationship; run it as its own process)
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cypher/cypher.h"
#include "cypher_arrow.h"
#include "cypher_ldbc.h"
#include "cypher_queries.h"

#define GRAPH "ldbc"
#define PIPELINE_TS 1795317456.913938

typedef struct bench {
    cy_engine *e;
    gcatalog *cat;
    qv_arena arena;
    ldbc_data d;
    size_t batch;
    double now_ts;      /* last_ingested_at of the current load */
    const char *dataset;
} bench;

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double cpu_s(clockid_t c) {
    struct timespec ts;
    clock_gettime(c, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double loadavg(void) {
    double l = 0;
    FILE *f = fopen("/proc/loadavg", "r");
    if (f) {
        if (fscanf(f, "%lf", &l) != 1) l = 0;
        fclose(f);
    }
    return l;
}

static long rss_bytes(void) {
    long pages = 0, res = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f) {
        if (fscanf(f, "%ld %ld", &pages, &res) != 2) res = 0;
        fclose(f);
    }
    return res * sysconf(_SC_PAGESIZE);
}

static void die_cy(const char *what, const cy_error *err) {
    fprintf(stderr, "qv_bench_cypher: %s: %s: %s\n", what, cy_errclass_name(err->cls), err->msg);
    exit(1);
}

/* Runs a query to the end; returns the number of rows; adds the stats to *st if given. */
static uint64_t run(bench *b, const char *text, qval params, cy_stats *st, const char *what) {
    cy_query_opts o = {.graph = GRAPH, .params = params};
    cy_result *r;
    cy_error err;
    if (cy_query(b->e, text, strlen(text), &o, &r, &err)) die_cy(what, &err);
    const qval *row;
    uint64_t n = 0;
    int rc;
    while ((rc = cy_result_next(r, &row, &err)) == 1) n++;
    if (rc < 0) die_cy(what, &err);
    if (st) {
        const cy_stats *s = cy_result_stats(r);
        st->nodes_created += s->nodes_created;
        st->rels_created += s->rels_created;
        st->props_set += s->props_set;
    }
    cy_result_free(r);
    return n;
}

/* Nodestream's default properties (core PropertySet.default_properties), pipeline "ldbc". */
static void add_default_props(qmap_b *m, double ts) {
    qmap_b_set(m, "last_ingested_at", 16, qv_float(ts));
    qmap_b_set(m, "last_ingested_by_ldbc_at", 24, qv_float(ts));
    qmap_b_set(m, "was_ingested_by_ldbc", 20, qv_bool(true));
}

static qval cell_value(const ldbc_col *c, const char *s) {
    if (!*s) return qv_null();
    if (c->is_int) return qv_int(strtoll(s, NULL, 10));
    return qv_str_ref(s, (uint32_t)strlen(s));
}

static qval params_map(qv_arena *a, qval list) {
    qmap_b m;
    qmap_b_init(&m, a, 1);
    qmap_b_set(&m, "params", 6, list);
    return qmap_b_done(&m);
}

static qval node_row(bench *b, const ldbc_nodes *ns, size_t r) {
    const ldbc_table *t = &ns->t;
    char id[96];
    int n = ldbc_node_id(id, sizeof id, ns->label, ldbc_cell(t, r, 0));
    qmap_b m;
    qmap_b_init(&m, &b->arena, (uint32_t)t->ncols + 3);
    qmap_b_set(&m, "__node_id", 9, qv_str_copy(&b->arena, id, (size_t)n));
    for (size_t c = 1; c < t->ncols; c++)
        qmap_b_set(&m, t->cols[c].name, strlen(t->cols[c].name), cell_value(&t->cols[c], ldbc_cell(t, r, c)));
    add_default_props(&m, b->now_ts);
    return qmap_b_done(&m);
}

static qval rel_row(bench *b, const ldbc_rels *rs, size_t r) {
    const ldbc_table *t = &rs->t;
    char id[96];
    qmap_b m;
    qmap_b_init(&m, &b->arena, (uint32_t)t->ncols + 4);
    for (size_t c = 2; c < t->ncols; c++)
        qmap_b_set(&m, t->cols[c].name, strlen(t->cols[c].name), cell_value(&t->cols[c], ldbc_cell(t, r, c)));
    add_default_props(&m, b->now_ts);
    int n = ldbc_node_id(id, sizeof id, rs->from, ldbc_cell(t, r, 0));
    qmap_b_set(&m, "__from_node_id", 14, qv_str_copy(&b->arena, id, (size_t)n));
    n = ldbc_node_id(id, sizeof id, rs->to, ldbc_cell(t, r, 1));
    qmap_b_set(&m, "__to_node_id", 12, qv_str_copy(&b->arena, id, (size_t)n));
    return qmap_b_done(&m);
}

typedef struct phase_total {
    uint64_t rows, created;
    double seconds;
    double cpu0, thread0;   /* process and calling-thread CPU time at the start of the phase */
} phase_total;

/* Loads one node label or relationship set in batches; only the queries are timed (building the
 * parameter values is the client's work, outside the clock). */
static void load_set(bench *b, bool rels, size_t i, int load, phase_total *tot) {
    const ldbc_table *t = rels ? &b->d.rels[i].t : &b->d.nodes[i].t;
    char text[1024];
    if (rels)
        snprintf(text, sizeof text, QB_R1, b->d.rels[i].from, b->d.rels[i].to, b->d.rels[i].type);
    else
        snprintf(text, sizeof text, QB_N1, b->d.nodes[i].label);
    cy_stats st = {0};
    double secs = 0;
    for (size_t r0 = 0; r0 < t->nrows; r0 += b->batch) {
        qv_arena_mark mk = qv_arena_mark_get(&b->arena);
        size_t n = t->nrows - r0 < b->batch ? t->nrows - r0 : b->batch;
        qlist_b l;
        qlist_b_init(&l, &b->arena, (uint32_t)n);
        for (size_t r = r0; r < r0 + n; r++) qlist_b_push(&l, rels ? rel_row(b, &b->d.rels[i], r) : node_row(b, &b->d.nodes[i], r));
        qval p = params_map(&b->arena, qlist_b_done(&l));
        double t0 = now_s();
        run(b, text, p, &st, rels ? "R1" : "N1");
        secs += now_s() - t0;
        qv_arena_reset_to(&b->arena, mk);
    }
    uint64_t created = rels ? st.rels_created : st.nodes_created;
    printf("{\"bench\":\"cypher\",\"system\":\"quiver\",\"dataset\":\"%s\",\"kind\":\"ingest_set\",\"load\":%d,"
           "\"what\":\"%s\",\"label\":\"%s%s%s\",\"rows\":%zu,\"created\":%llu,\"seconds\":%.4f,\"rows_per_s\":%.0f}\n",
           b->dataset, load, rels ? "rels" : "nodes", rels ? b->d.rels[i].from : b->d.nodes[i].label,
           rels ? "-" : "", rels ? b->d.rels[i].type : "", t->nrows, (unsigned long long)created, secs,
           secs > 0 ? (double)t->nrows / secs : 0.0);
    fflush(stdout);
    tot->rows += t->nrows;
    tot->created += created;
    tot->seconds += secs;
}

static void start_phase(phase_total *p) {
    memset(p, 0, sizeof *p);
    p->cpu0 = cpu_s(CLOCK_PROCESS_CPUTIME_ID);
    p->thread0 = cpu_s(CLOCK_THREAD_CPUTIME_ID);
}

/* cpu_seconds: the whole process (the background compaction included) over the phase, parameter building
 * included; query_thread_cpu_seconds: the calling thread's, same span. */
static void print_phase(bench *b, const char *what, int load, const phase_total *p) {
    double cpu = cpu_s(CLOCK_PROCESS_CPUTIME_ID) - p->cpu0, th = cpu_s(CLOCK_THREAD_CPUTIME_ID) - p->thread0;
    printf("{\"bench\":\"cypher\",\"system\":\"quiver\",\"dataset\":\"%s\",\"kind\":\"ingest\",\"load\":%d,"
           "\"what\":\"%s\",\"rows\":%llu,\"created\":%llu,\"seconds\":%.4f,\"rows_per_s\":%.0f,\"batch\":%zu,"
           "\"cpu_seconds\":%.3f,\"thread_cpu_seconds\":%.3f,\"loadavg\":%.2f}\n",
           b->dataset, load, what, (unsigned long long)p->rows, (unsigned long long)p->created, p->seconds,
           p->seconds > 0 ? (double)p->rows / p->seconds : 0.0, b->batch, cpu, th, loadavg());
    fflush(stdout);
}

static void compact(bench *b) {
    graph *g = gcatalog_get(b->cat, GRAPH);
    if (!g) return;
    qv_err err;
    if (graph_compact(g, &err)) fprintf(stderr, "qv_bench_cypher: graph_compact: %s\n", err.msg);
    graph_reap_wait(g);   /* the old generation is freed by a reaper thread: before measuring RSS */
    gcatalog_release(b->cat, g);
    malloc_trim(0);
}

/* One load of everything: nodes then the timed relationship sets. Returns RSS after each phase in rss[]. */
static void load_all(bench *b, int load, long rss[2]) {
    b->now_ts = PIPELINE_TS + load - 1;
    phase_total nodes, rels;
    start_phase(&nodes);
    for (size_t i = 0; i < b->d.n_nodes; i++) load_set(b, false, i, load, &nodes);
    print_phase(b, "nodes", load, &nodes);
    compact(b);
    rss[0] = rss_bytes();
    start_phase(&rels);
    for (size_t i = 0; i < b->d.n_rels; i++)
        if (b->d.rels[i].timed) load_set(b, true, i, load, &rels);
    print_phase(b, "rels", load, &rels);
    compact(b);
    rss[1] = rss_bytes();
}

static uint64_t count(bench *b, const char *text) {
    cy_query_opts o = {.graph = GRAPH};
    cy_result *r;
    cy_error err;
    if (cy_query(b->e, text, strlen(text), &o, &r, &err)) die_cy(text, &err);
    const qval *row;
    uint64_t n = 0;
    if (cy_result_next(r, &row, &err) == 1 && row[0].type == QT_INT) n = (uint64_t)row[0].i;
    cy_result_free(r);
    return n;
}

/* ---- reads ---- */

static size_t col_index(const ldbc_table *t, const char *name) {
    for (size_t c = 0; c < t->ncols; c++)
        if (strcmp(t->cols[c].name, name) == 0) return c;
    fprintf(stderr, "qv_bench_cypher: no column %s\n", name);
    exit(1);
}

/* One draw of a read's parameters (the same sequence as kuzu_cypher.mjs). */
static qval draw_params(bench *b, const qb_read *q, uint32_t *rng) {
    const ldbc_table *pt = &b->d.nodes[b->d.person_set].t;
    const ldbc_table *po = &b->d.nodes[b->d.post_set].t, *co = &b->d.nodes[b->d.comment_set].t;
    char id[96];
    qmap_b m;
    qmap_b_init(&m, &b->arena, 3);
    for (int k = 0; k < 3 && q->params[k]; k++) {
        uint32_t x = ldbc_rand(rng);
        size_t nmsg = po->nrows + co->nrows;
        switch (q->params[k]) {
        case QP_PERSON: {
            int n = ldbc_node_id(id, sizeof id, "Person", ldbc_cell(pt, x % pt->nrows, 0));
            qmap_b_set(&m, "personId", 8, qv_str_copy(&b->arena, id, (size_t)n));
            break;
        }
        case QP_FIRSTNAME: {
            const char *s = ldbc_cell(pt, x % pt->nrows, col_index(pt, "firstName"));
            qmap_b_set(&m, "firstName", 9, qv_str_cstr(&b->arena, s));
            break;
        }
        case QP_MESSAGE:
        case QP_MAXDATE: {
            size_t i = x % nmsg;
            const ldbc_table *t = i < po->nrows ? po : co;
            size_t r = i < po->nrows ? i : i - po->nrows;
            if (q->params[k] == QP_MESSAGE) {
                int n = ldbc_node_id(id, sizeof id, t == po ? "Post" : "Comment", ldbc_cell(t, r, 0));
                qmap_b_set(&m, "messageId", 9, qv_str_copy(&b->arena, id, (size_t)n));
            } else {
                qmap_b_set(&m, "maxDate", 7, qv_int(strtoll(ldbc_cell(t, r, col_index(t, "creationDate")), NULL, 10)));
            }
            break;
        }
        }
    }
    return qmap_b_done(&m);
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void reads(bench *b, int draws, uint32_t seed, const char *only) {
    double *lat = calloc((size_t)draws, sizeof *lat);
    if (!lat) exit(1);
    for (size_t qi = 0; qi < sizeof QB_READS / sizeof QB_READS[0]; qi++) {
        const qb_read *q = &QB_READS[qi];
        if (only && !strstr(only, q->name)) continue;
        uint32_t rng = seed + (uint32_t)qi;
        uint64_t rows = 0, rows10 = 0;
        for (int d = -1; d < draws; d++) {   /* d = -1: the warm-up (plan cache), same parameters as draw 0 */
            uint32_t r = rng;
            qv_arena_mark mk = qv_arena_mark_get(&b->arena);
            qval p = draw_params(b, q, d < 0 ? &r : &rng);
            double t0 = now_s();
            uint64_t n = run(b, q->text, p, NULL, q->name);
            double t = now_s() - t0;
            qv_arena_reset_to(&b->arena, mk);
            if (d < 0) continue;
            lat[d] = t * 1e3;
            rows += n;
            if (d < 10) rows10 += n;
        }
        qsort(lat, (size_t)draws, sizeof *lat, cmp_double);
        double sum = 0;
        for (int d = 0; d < draws; d++) sum += lat[d];
        printf("{\"bench\":\"cypher\",\"system\":\"quiver\",\"dataset\":\"%s\",\"kind\":\"read\",\"query\":\"%s\","
               "\"draws\":%d,\"rows\":%llu,\"rows_first10\":%llu,\"median_ms\":%.4f,\"p99_ms\":%.4f,\"mean_ms\":%.4f,\"max_ms\":%.4f,"
               "\"loadavg\":%.2f}\n",
               b->dataset, q->name, draws, (unsigned long long)rows, (unsigned long long)rows10, lat[draws / 2],
               lat[(draws * 99 + 99) / 100 - 1], sum / draws, lat[draws - 1], loadavg());
        fflush(stdout);
    }
    free(lat);
}

int main(int argc, char **argv) {
    const char *dir = NULL;
    int draws = 100;
    uint32_t seed = 42;
    bool do_reads = true, second = true, arrow = false;
    const char *only = NULL;
    bench b = {.batch = 150, .dataset = "ldbc-snb-sf0.1"};
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--data") && i + 1 < argc) dir = argv[++i];
        else if (!strcmp(argv[i], "--batch") && i + 1 < argc) b.batch = (size_t)atol(argv[++i]);
        else if (!strcmp(argv[i], "--draws") && i + 1 < argc) draws = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--seed") && i + 1 < argc) seed = (uint32_t)strtoul(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--no-reads")) do_reads = false;
        else if (!strcmp(argv[i], "--no-second-load")) second = false;
        else if (!strcmp(argv[i], "--arrow-memory")) arrow = true;
        else if (!strcmp(argv[i], "--only") && i + 1 < argc) only = argv[++i];
        else {
            fprintf(stderr, "usage: qv_bench_cypher --data DIR [--batch 150] [--draws 100] [--seed 42] "
                            "[--no-reads] [--no-second-load] [--only IS1,IC9] | --arrow-memory\n");
            return 2;
        }
    }
    if (!dir || b.batch == 0 || draws < 1) {
        fprintf(stderr, "qv_bench_cypher: --data DIR is required (the LDBC SNB SF0.1 CSV files)\n");
        return 2;
    }
    double t0 = now_s();
    if (ldbc_load(&b.d, dir)) return 1;
    fprintf(stderr, "qv_bench_cypher: read the CSV files in %.2f s\n", now_s() - t0);
    qv_pool *pool = qv_pool_new(0);
    if (arrow) {
        cypher_arrow_mem m;
        if (cypher_arrow_memory(&b.d, pool, &m)) return 1;
        printf("{\"bench\":\"cypher\",\"system\":\"quiver-arrow\",\"dataset\":\"%s\",\"kind\":\"memory\","
               "\"nodes\":%llu,\"rels\":%llu,\"node_bytes\":%ld,\"rel_bytes\":%ld,\"bytes_per_node\":%.1f,"
               "\"bytes_per_rel\":%.1f,\"graph_memory_bytes\":%llu,\"method\":\"RSS growth, bulk loader (Arrow path)\"}\n",
               b.dataset, (unsigned long long)m.nodes, (unsigned long long)m.rels, m.node_bytes, m.rel_bytes,
               m.nodes ? (double)m.node_bytes / (double)m.nodes : 0.0,
               m.rels ? (double)m.rel_bytes / (double)m.rels : 0.0, (unsigned long long)m.graph_bytes);
        qv_pool_free(pool);
        ldbc_free(&b.d);
        return 0;
    }
    qv_arena_init(&b.arena);
    b.cat = gcatalog_new();
    b.e = cy_engine_new(b.cat, pool);
    qv_err qerr;
    if (!b.e || cy_engine_create_graph(b.e, GRAPH, &qerr)) {
        fprintf(stderr, "qv_bench_cypher: cannot create the engine or graph\n");
        return 1;
    }
    malloc_trim(0);
    long rss0 = rss_bytes(), rss1[2], rss2[2];
    load_all(&b, 1, rss1);
    uint64_t nodes = count(&b, "MATCH (n) RETURN count(n)");
    uint64_t rels = count(&b, "MATCH ()-[r]->() RETURN count(r)");
    printf("{\"bench\":\"cypher\",\"system\":\"quiver\",\"dataset\":\"%s\",\"kind\":\"memory\",\"nodes\":%llu,"
           "\"rels\":%llu,\"node_bytes\":%ld,\"rel_bytes\":%ld,\"bytes_per_node\":%.1f,\"bytes_per_rel\":%.1f,"
           "\"method\":\"RSS growth after graph_compact and malloc_trim\"}\n",
           b.dataset, (unsigned long long)nodes, (unsigned long long)rels, rss1[0] - rss0, rss1[1] - rss1[0],
           nodes ? (double)(rss1[0] - rss0) / (double)nodes : 0.0,
           rels ? (double)(rss1[1] - rss1[0]) / (double)rels : 0.0);
    fflush(stdout);
    if (second) {
        load_all(&b, 2, rss2);
        uint64_t n2 = count(&b, "MATCH (n) RETURN count(n)"), r2 = count(&b, "MATCH ()-[r]->() RETURN count(r)");
        if (n2 != nodes || r2 != rels) {
            fprintf(stderr, "qv_bench_cypher: the second load changed the counts (%llu -> %llu nodes, %llu -> %llu rels)\n",
                    (unsigned long long)nodes, (unsigned long long)n2, (unsigned long long)rels, (unsigned long long)r2);
            return 1;
        }
    }
    if (do_reads) {
        phase_total extra;
        start_phase(&extra);
        for (size_t i = 0; i < b.d.n_rels; i++)
            if (!b.d.rels[i].timed) load_set(&b, true, i, 1, &extra);
        compact(&b);
        reads(&b, draws, seed, only);
    }
    cy_engine_free(b.e);
    qv_pool_free(pool);
    gcatalog_free(b.cat);
    qv_arena_free(&b.arena);
    ldbc_free(&b.d);
    return 0;
}
