/* test_graph_csr_release.c — the CSR build gives memory back while it runs, without losing data:
 * gpar_discard returns whole 2 MiB pages only (the range reads as zeros afterwards, the bytes around it are
 * kept), and a build big enough for the incoming side to give loc's pages back as its buckets finish
 * (one build task, so that one task's part of loc spans several huge pages) still makes every incoming
 * list exact: the right targets, the right sources, relationship ids ascending, the same arrays as a
 * build of the same graph in a pool. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "graph/gpar.h"
#include "graph/loader.h"
#include "util/hash.h"
#include "test_graph_util.h"

#define MIB ((size_t)1 << 20)

static void test_discard_whole_pages(void **state) {
    (void)state;
    size_t len = 9 * MIB;
    unsigned char *p = gpar_alloc(len);
    assert_non_null(p);
    memset(p, 0xab, len);
    /* from one byte in to one byte short of the end: whatever the alignment, at least two whole pages */
    size_t got = gpar_discard(p + 1, len - 2);
    assert_true(got >= 2 * 2 * MIB);
    assert_int_equal(got % (2 * MIB), 0);
    uintptr_t a = ((uintptr_t)(p + 1) + 2 * MIB - 1) & ~(uintptr_t)(2 * MIB - 1);
    size_t off = (size_t)(a - (uintptr_t)p);
    for (size_t i = 0; i < len; i += 4096) {
        unsigned char want = i >= off && i < off + got ? 0 : 0xab;
        assert_int_equal(p[i], want);
    }
    assert_int_equal(p[0], 0xab);
    assert_int_equal(p[len - 1], 0xab);
    assert_int_equal(gpar_discard(p + 1, MIB), 0);   /* no whole page inside: nothing */
    assert_int_equal(p[2], 0xab);
    assert_int_equal(gpar_discard(NULL, len), 0);
    free(p);
}

#define NN 300000u
#define NR 4000000u
#define CHUNK 100000u

static graph *load(qv_pool *pl) {
    gloader_config cfg = {.name = "g", .database_name = "neo4j", .id_type = GRAPH_ID_INTEGER};
    gloader *l = gloader_new(&cfg, pl);
    qv_err err;
    int64_t *ids = malloc(NN * sizeof *ids);
    for (uint64_t i = 0; i < NN; i++) ids[i] = (int64_t)(qv_hash_u64(i) >> 1);   /* sparse: the index path */
    gnode_chunk nc = {.n = NN, .ids = ids};
    assert_int_equal(gloader_add_nodes(l, &nc, &err), 0);
    uint64_t nn;
    assert_int_equal(gloader_nodes_done(l, &nn, &err), 0);
    uint16_t ty;
    assert_int_equal(gloader_rel_type(l, "R", 1, &ty, &err), 0);
    for (uint64_t c = 0; c < NR / CHUNK; c++) {
        int64_t *s = malloc(CHUNK * 8), *t = malloc(CHUNK * 8);
        for (uint64_t i = 0; i < CHUNK; i++) {
            uint64_t h = qv_hash_u64(c * CHUNK + i + 12345);
            s[i] = (int64_t)(qv_hash_u64(h % NN) >> 1);
            t[i] = (int64_t)(qv_hash_u64((h >> 32) % NN) >> 1);
        }
        grel_chunk rc = {.n = CHUNK, .src = s, .tgt = t, .common_type = ty};
        if (gloader_add_rels(l, &rc, &err)) fail_msg("%s", err.msg);
    }
    graph *g = NULL;
    uint64_t nr;
    assert_int_equal(gloader_rels_done(l, &nr, &g, &err), 0);
    assert_int_equal(nr, NR);
    gloader_free(l);
    return g;
}

static void test_incoming_exact_after_release(void **state) {
    (void)state;
    graph *g = load(NULL);   /* one task finishes every incoming bucket: 8 MiB of loc, given back as it goes */
    assert_int_equal(g->n_rels, NR);
    uint64_t *src_of = malloc(NR * sizeof *src_of);
    for (uint64_t v = 0; v < g->n_nodes; v++)
        for (uint64_t r = g->out_off[v]; r < g->out_off[v + 1]; r++) src_of[r] = v;
    for (uint64_t t = 0; t < g->n_nodes; t++)
        for (uint64_t i = g->in_off[t]; i < g->in_off[t + 1]; i++) {
            assert_int_equal(g->out_tgt[g->in_rel[i]], t);
            assert_int_equal(g->in_src[i], src_of[g->in_rel[i]]);
            if (i > g->in_off[t]) assert_true(g->in_rel[i - 1] < g->in_rel[i]);
        }
    assert_int_equal(g->in_off[g->n_nodes], NR);
    free(src_of);
    graph *h = load(pool);   /* several tasks: the same graph */
    assert_memory_equal(g->out_off, h->out_off, (g->n_nodes + 1) * 8);
    assert_memory_equal(g->out_tgt, h->out_tgt, (size_t)NR * 4);
    assert_memory_equal(g->in_off, h->in_off, (g->n_nodes + 1) * 8);
    assert_memory_equal(g->in_rel, h->in_rel, (size_t)NR * 4);
    assert_memory_equal(g->in_src, h->in_src, (size_t)NR * 4);
    graph_free(h);
    graph_free(g);
}

int main(void) {
    (void)dupmem;   /* test_graph_util.h's helper: the chunks here are built in place */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_discard_whole_pages),
        cmocka_unit_test(test_incoming_exact_after_release),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
