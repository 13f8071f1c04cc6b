/* fuzz_snapshot.c — libFuzzer target for the snapshot decoder (store_snapshot_decode).
 *
 * Every input is decoded twice: as it is (so header, checksum and length checks are exercised) and after
 * the section checksums have been recomputed over the mutated bytes (so the mutations reach the
 * structural validation behind the checksums, as a crafted file would). A decode must fail with a
 * message or produce a graph that every reader can walk: the walk below touches every array through the
 * offsets and ids the file supplied, so a validation gap shows up as an ASan report.
 * Seeds: tests/fuzz/seeds/fuzz_snapshot/ (snapshots of small loader-built graphs, version 2; *_v1.qvg are
 * version 1, still read; regenerate with QV_STORE_SEEDS=<dir> build/test_store_snapshot).
 */
#include "graph/graph.h"
#include "store/checksum.h"
#include "store/snapshot.h"
#include "store/store.h"
#include "util/pool.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static volatile uint64_t sink;

static void walk_column(const gcolumn *c, uint64_t rows) {
    size_t elem = snap_prop_elem_size(c->type);
    const uint8_t *v = c->values;
    uint64_t acc = 0;
    for (uint64_t r = 0; r < rows; r++) {
        if (!gcolumn_has(c, r)) continue;
        if (snap_prop_has_offsets(c->type)) {
            uint64_t a = c->offsets[r], b = c->offsets[r + 1];
            if (b > a) acc += v[a * elem] + v[b * elem - 1];
        } else {
            acc += v[r * elem];
        }
    }
    sink += acc;
}

static void walk(const graph *g) {
    uint64_t acc = 0;
    for (uint64_t v = 0; v < g->n_nodes; v++) {
        uint32_t nl;
        const uint32_t *l = graph_node_labels(g, v, &nl);
        for (uint32_t i = 0; i < nl; i++)
            acc += qv_strtab_name(&g->labels, l[i])[0];
        if (g->id_type == GRAPH_ID_STRING) {
            uint64_t a = g->ext_str_off[v], b = g->ext_str_off[v + 1];
            if (graph_node_by_str(g, g->ext_str + a, b - a) != (int64_t)v) abort();
        } else if (graph_node_by_id(g, g->ext_ids[v]) != (int64_t)v) {
            abort();
        }
        for (uint64_t r = g->out_off[v]; r < g->out_off[v + 1]; r++) {
            acc += g->out_tgt[r] + qv_strtab_name(&g->rel_types, g->rel_type[r])[0];
            if (graph_rel_source(g, r) != v) abort();
        }
        for (uint64_t j = g->in_off[v]; j < g->in_off[v + 1]; j++)
            acc += g->in_rel[j] + g->in_src[j];
    }
    for (uint32_t t = 0; t < g->rel_types.count; t++)
        acc += g->type_count[t] + g->type_undirected[t] + g->type_inverse[t];
    for (int i = 0; i < g->n_node_cols; i++) {
        acc += qv_strtab_name(&g->prop_keys, g->node_cols[i].key)[0];
        walk_column(&g->node_cols[i], g->n_nodes);
    }
    for (int i = 0; i < g->n_rel_cols; i++)
        walk_column(&g->rel_cols[i], g->n_rels);
    sink += acc;
}

/* Version 2: the recorded size, every section's CRC whose table entry lies in the file, the table's and the
 * header's CRC. */
static void repair2(uint8_t *p, size_t n) {
    uint64_t size = n, toc;
    uint32_t ntoc;
    memcpy(p + 16, &size, 8);
    memcpy(&toc, p + 24, 8);
    memcpy(&ntoc, p + 32, 4);
    if (toc <= n && (n - toc) / SNAP2_TOC_ENTRY >= ntoc) {
        for (uint32_t k = 0; k < ntoc; k++) {
            uint8_t *r = p + toc + (size_t)k * SNAP2_TOC_ENTRY;
            uint64_t off, len;
            memcpy(&off, r + 8, 8);
            memcpy(&len, r + 16, 8);
            if (off > n || len > n - off) continue;
            uint32_t crc = store_crc32c(0, p + off, (size_t)len);
            memcpy(r + 24, &crc, 4);
        }
        uint32_t crc = store_crc32c(0, p + toc, (size_t)ntoc * SNAP2_TOC_ENTRY);
        memcpy(p + 36, &crc, 4);
    }
    uint32_t hcrc = store_crc32c(0, p, 60);
    memcpy(p + 60, &hcrc, 4);
}

/* Recomputes every section's payload and header checksum in place, as far as the headers chain. */
static void repair(uint8_t *p, size_t n) {
    uint32_t version;
    if (n >= SNAP2_HEADER && (memcpy(&version, p + 8, 4), version == 2)) {
        repair2(p, n);
        return;
    }
    size_t pos = SNAP_FILE_HEADER;
    while (pos <= n && n - pos >= SNAP_SECTION_HEADER) {
        uint32_t id, index;
        uint64_t len;
        memcpy(&id, p + pos, 4);
        memcpy(&index, p + pos + 4, 4);
        memcpy(&len, p + pos + 8, 8);
        size_t body = pos + SNAP_SECTION_HEADER;
        if (len > n - body) break;
        uint64_t sum = store_checksum64(p + body, (size_t)len, snap_section_seed(id, index));
        memcpy(p + pos + 16, &sum, 8);
        uint64_t hsum = store_checksum64(p + pos, 24, SNAP_HEADER_SEED);
        memcpy(p + pos + 24, &hsum, 8);
        uint64_t next = body + len + snap_pad(len);
        if (next > n) break;
        pos = (size_t)next;
    }
}

static void one(const uint8_t *data, size_t size, qv_pool *pool) {
    graph *g = NULL;
    qv_err err = {0};
    if (store_snapshot_decode(data, size, pool, &g, &err) == 0) {
        walk(g);
        graph_free(g);
    } else if (!err.msg[0] || g) {
        fprintf(stderr, "decode failed without a message or left a graph\n");
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    qv_pool *pool = qv_pool_new(1); /* no helper threads: every task runs here */
    one(data, size, pool);
    uint8_t *copy = malloc(size ? size : 1);
    if (size) memcpy(copy, data, size);
    repair(copy, size);
    one(copy, size, pool);
    free(copy);
    qv_pool_free(pool);
    return 0;
}
