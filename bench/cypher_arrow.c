/* cypher_arrow.c — the memory baseline of the openCypher benchmark: the same LDBC nodes and relationships
 * that qv_bench_cypher ingests with N1/R1, built instead by the bulk loader that the GDS Arrow Flight import
 * feeds (gloader: string ids, one label per node, the same property values as typed columns;
 * relationship properties as doubles, the only type the Arrow path takes), so RSS per node and per
 * relationship can be compared with the openCypher-built graph after compaction.
 * Must not: go through the network (the Flight decoding is not what is measured) or keep the graph.
 */
#include "cypher_arrow.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "graph/loader.h"

static long rss_now(void) {
    long pages = 0, res = 0;
    malloc_trim(0);
    FILE *f = fopen("/proc/self/statm", "r");
    if (f) {
        if (fscanf(f, "%ld %ld", &pages, &res) != 2) res = 0;
        fclose(f);
    }
    return res * sysconf(_SC_PAGESIZE);
}

static void *xcalloc(size_t n, size_t sz) {
    void *p = calloc(n ? n : 1, sz);
    if (!p) {
        fprintf(stderr, "qv_bench_cypher: out of memory\n");
        exit(1);
    }
    return p;
}

/* A column of strings or ints (cells of column c), with presence bits for empty cells. */
static void fill_col(gchunk_col *col, const ldbc_table *t, size_t c) {
    size_t n = t->nrows;
    col->type = t->cols[c].is_int ? GPROP_INT64 : GPROP_STRING;
    col->present = xcalloc((n + 63) / 64, 8);
    if (col->type == GPROP_INT64) {
        int64_t *v = xcalloc(n, 8);
        for (size_t r = 0; r < n; r++) {
            const char *s = ldbc_cell(t, r, c);
            if (*s) col->present[r >> 6] |= 1ull << (r & 63), v[r] = strtoll(s, NULL, 10);
        }
        col->values = v;
        return;
    }
    uint64_t *off = xcalloc(n + 1, 8);
    size_t bytes = 0;
    for (size_t r = 0; r < n; r++) bytes += strlen(ldbc_cell(t, r, c));
    char *v = xcalloc(bytes, 1);
    for (size_t r = 0; r < n; r++) {
        const char *s = ldbc_cell(t, r, c);
        size_t l = strlen(s);
        if (*s) col->present[r >> 6] |= 1ull << (r & 63);
        memcpy(v + off[r], s, l);
        off[r + 1] = off[r] + l;
    }
    col->values = v;
    col->offsets = off;
}

static void fill_const(gchunk_col *col, size_t n, gprop_type type, double x) {
    col->type = type;
    if (type == GPROP_BOOL) {
        uint8_t *v = xcalloc(n, 1);
        memset(v, 1, n);
        col->values = v;
    } else {
        double *v = xcalloc(n, 8);
        for (size_t r = 0; r < n; r++) v[r] = x;
        col->values = v;
    }
}

/* String ids "<Label>_id:<id>" of column c into *off / *str. */
static void fill_ids(uint64_t **off, char **str, const ldbc_table *t, size_t c, const char *label) {
    size_t n = t->nrows, bytes = 0;
    char buf[96];
    for (size_t r = 0; r < n; r++) bytes += (size_t)ldbc_node_id(buf, sizeof buf, label, ldbc_cell(t, r, c));
    *off = xcalloc(n + 1, 8);
    *str = xcalloc(bytes, 1);
    for (size_t r = 0; r < n; r++) {
        int l = ldbc_node_id(buf, sizeof buf, label, ldbc_cell(t, r, c));
        memcpy(*str + (*off)[r], buf, (size_t)l);
        (*off)[r + 1] = (*off)[r] + (uint64_t)l;
    }
}

static const char *const DEFAULTS[3] = {"last_ingested_at", "last_ingested_by_ldbc_at", "was_ingested_by_ldbc"};

static int key(gloader *l, bool rel, const char *name, gprop_type type, uint32_t *out) {
    qv_err err;
    if (gloader_prop_key(l, rel, name, type, out, &err)) {
        fprintf(stderr, "qv_bench_cypher: arrow build: %s\n", err.msg);
        return -1;
    }
    return 0;
}

int cypher_arrow_memory(const ldbc_data *d, qv_pool *pool, cypher_arrow_mem *m) {
    memset(m, 0, sizeof *m);
    long rss0 = rss_now();
    gloader_config cfg = {.name = "ldbc-arrow", .database_name = "neo4j", .id_type = GRAPH_ID_STRING};
    gloader *l = gloader_new(&cfg, pool);
    qv_err err;
    for (size_t i = 0; i < d->n_nodes; i++) {
        const ldbc_table *t = &d->nodes[i].t;
        gnode_chunk ch = {.n = t->nrows};
        fill_ids(&ch.str_off, &ch.str, t, 0, d->nodes[i].label);
        uint32_t lab = gloader_label(l, d->nodes[i].label, strlen(d->nodes[i].label));
        ch.common_labelset = gloader_labelset(l, &lab, 1);
        ch.cols = xcalloc(t->ncols + 3, sizeof *ch.cols);
        for (size_t c = 1; c < t->ncols; c++) {
            gchunk_col *col = &ch.cols[ch.ncols++];
            fill_col(col, t, c);
            if (key(l, false, t->cols[c].name, col->type, &col->key)) return -1;
        }
        for (int k = 0; k < 3; k++) {
            gchunk_col *col = &ch.cols[ch.ncols++];
            fill_const(col, t->nrows, k == 2 ? GPROP_BOOL : GPROP_DOUBLE, 1795317456.913938);
            if (key(l, false, DEFAULTS[k], col->type, &col->key)) return -1;
        }
        if (gloader_add_nodes(l, &ch, &err)) goto fail;
    }
    if (gloader_nodes_done(l, &m->nodes, &err)) goto fail;
    long rss1 = rss_now();
    for (size_t i = 0; i < d->n_rels; i++) {
        if (!d->rels[i].timed) continue;
        const ldbc_table *t = &d->rels[i].t;
        grel_chunk ch = {.n = t->nrows};
        fill_ids(&ch.src_off, &ch.src_str, t, 0, d->rels[i].from);
        fill_ids(&ch.tgt_off, &ch.tgt_str, t, 1, d->rels[i].to);
        if (gloader_rel_type(l, d->rels[i].type, strlen(d->rels[i].type), &ch.common_type, &err)) goto fail;
        ch.cols = xcalloc(t->ncols + 3, sizeof *ch.cols);
        for (size_t c = 2; c < t->ncols; c++) {   /* integers as doubles: the Arrow path takes doubles only */
            gchunk_col *col = &ch.cols[ch.ncols++];
            col->type = GPROP_DOUBLE;
            double *v = xcalloc(t->nrows, 8);
            for (size_t r = 0; r < t->nrows; r++) v[r] = strtod(ldbc_cell(t, r, c), NULL);
            col->values = v;
            if (key(l, true, t->cols[c].name, GPROP_DOUBLE, &col->key)) return -1;
        }
        for (int k = 0; k < 3; k++) {
            gchunk_col *col = &ch.cols[ch.ncols++];
            fill_const(col, t->nrows, GPROP_DOUBLE, k == 2 ? 1.0 : 1795317456.913938);
            if (key(l, true, DEFAULTS[k], GPROP_DOUBLE, &col->key)) return -1;
        }
        if (gloader_add_rels(l, &ch, &err)) goto fail;
    }
    graph *g = NULL;
    if (gloader_rels_done(l, &m->rels, &g, &err)) goto fail;
    gloader_free(l);
    long rss2 = rss_now();
    m->node_bytes = rss1 - rss0;
    m->rel_bytes = rss2 - rss1;
    m->graph_bytes = graph_memory_bytes(g);
    graph_free(g);
    return 0;
fail:
    fprintf(stderr, "qv_bench_cypher: arrow build: %s\n", err.msg);
    gloader_free(l);
    return -1;
}
