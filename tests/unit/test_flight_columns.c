/* test_flight_columns.c — the DoPut conversion path (api/flight/columns.c): Arrow record batches written
 * with wire/arrow_ipc, wrapped in FlightData, decoded back, mapped onto graph roles and loaded; then the
 * built graph is checked value by value: typed node properties (null float -> NaN, null int -> absent),
 * labels as list, dictionary and plain strings plus common labels, relationship types and numeric
 * properties stored as double; and the column errors a user sees. With QV_DOPUT_SEEDS=<dir> it also
 * writes the streams as seeds for tests/fuzz/fuzz_doput.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/flight/columns.h"
#include "graph/loader.h"
#include "util/pool.h"
#include "wire/arrow_ipc.h"
#include "wire/flight_proto.h"

/* ---- stream: FlightData messages built with our writer, replayed through the real decoders ---- */

typedef struct stream {
    qv_buf msgs; /* [u32 len][FlightData] ... : the fuzz_doput input format after its mode byte */
} stream;

static void put_msg(stream *s, qv_buf *hdr, qv_buf *body) {
    qv_buf fd;
    qv_buf_init(&fd);
    const void *parts[1] = {body ? body->data : NULL};
    size_t lens[1] = {body ? body->len : 0};
    fp_encode_flight_data(&fd, hdr->data, hdr->len, parts, lens, body ? 1 : 0);
    uint32_t len = (uint32_t)fd.len;
    qv_buf_append(&s->msgs, &len, 4);
    qv_buf_append(&s->msgs, fd.data, fd.len);
    qv_buf_free(&fd);
}

static void put_schema(stream *s, arw_field *fields, int n) {
    arw_schema sc = {.nfields = n, .fields = fields};
    qv_buf h;
    qv_buf_init(&h);
    arw_write_schema(&h, &sc);
    put_msg(s, &h, NULL);
    qv_buf_free(&h);
}

static void put_batch(stream *s, int64_t rows, arw_array *cols, int n) {
    qv_buf h, b;
    qv_buf_init(&h);
    qv_buf_init(&b);
    arw_write_record_batch(&h, &b, rows, cols, n, ARW_CODEC_NONE);
    put_msg(s, &h, &b);
    qv_buf_free(&h);
    qv_buf_free(&b);
}

static void put_dict(stream *s, int64_t id, arw_array *values) {
    qv_buf h, b;
    qv_buf_init(&h);
    qv_buf_init(&b);
    arw_write_dictionary_batch(&h, &b, id, values, false, ARW_CODEC_NONE);
    put_msg(s, &h, &b);
    qv_buf_free(&h);
    qv_buf_free(&b);
}

static void save_seed(const stream *s, uint8_t mode, const char *name) {
    const char *dir = getenv("QV_DOPUT_SEEDS");
    if (!dir) return;
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f) return;
    fwrite(&mode, 1, 1, f);
    fwrite(s->msgs.data, 1, s->msgs.len, f);
    fclose(f);
}

/* Replays the stream into a plan; returns the first error's code (QV_OK when all went in). */
static qv_code replay(const stream *s, col_plan *plan, qv_err *err) {
    arw_reader *r = arw_reader_new();
    size_t pos = 0;
    qv_code code = QV_OK;
    while (pos + 4 <= s->msgs.len) {
        uint32_t len;
        memcpy(&len, s->msgs.data + pos, 4);
        pos += 4;
        uint8_t *m = malloc(len);
        memcpy(m, s->msgs.data + pos, len);
        pos += len;
        fp_flight_data fd;
        arw_msg_type t;
        int rc = fp_decode_flight_data(m, len, &fd, err);
        if (rc == 0) rc = arw_reader_feed(r, fd.data_header.p, fd.data_header.n, fd.data_body.p, fd.data_body.n, &t, err);
        if (rc == 0 && t == ARW_MSG_SCHEMA) rc = col_plan_schema(plan, arw_reader_schema(r), err);
        else if (rc == 0 && t == ARW_MSG_RECORD_BATCH) rc = col_plan_batch(plan, arw_reader_batch(r), err);
        free(m);
        if (rc < 0) {
            code = err->code;
            break;
        }
    }
    arw_reader_free(r);
    return code;
}

static arw_field fld(const char *name, arw_kind kind, int bits, bool sign) {
    arw_field f;
    memset(&f, 0, sizeof f);
    f.name = (char *)name;
    f.nullable = true;
    f.kind = kind;
    f.bit_width = bits;
    f.is_signed = sign;
    return f;
}

static const double *dcol(const graph *g, const char *k) { return graph_node_col(g, k)->values; }

/* ---- nodes -------------------------------------------------------------------------------------- */

static void test_node_columns(void **state) {
    (void)state;
    /* schema: nodeId int64, labels list<utf8>, score double, age int32, flag bool, name utf8,
     * emb list<float>, pair fixed_size_list<double, 2>, __index_level_0__ int64 (dropped) */
    arw_field item = fld("item", ARW_UTF8, 0, false);
    arw_field fitem = fld("item", ARW_FLOAT, 32, false);
    arw_field ditem = fld("item", ARW_FLOAT, 64, false);
    arw_field f[9] = {fld("nodeId", ARW_INT, 64, true), fld("labels", ARW_LIST, 0, false),
                      fld("score", ARW_FLOAT, 64, false), fld("age", ARW_INT, 32, true),
                      fld("flag", ARW_BOOL, 0, false),  fld("name", ARW_UTF8, 0, false),
                      fld("emb", ARW_LIST, 0, false),   fld("pair", ARW_FIXED_SIZE_LIST, 0, false),
                      fld("__index_level_0__", ARW_INT, 64, true)};
    f[1].nchildren = 1, f[1].children = &item;
    f[6].nchildren = 1, f[6].children = &fitem;
    f[7].nchildren = 1, f[7].children = &ditem, f[7].list_size = 2;

    int64_t ids[3] = {10, 20, 30};
    int32_t lab_off[4] = {0, 2, 2, 3};
    int32_t lab_str_off[4] = {0, 1, 2, 3};
    double score[3] = {1.5, 0, -2.25};
    uint8_t score_valid = 0x5; /* row 1 null -> NaN */
    int32_t age[3] = {7, 0, 9};
    uint8_t age_valid = 0x5;   /* row 1 null -> absent */
    uint8_t flag = 0x2, name_valid = 0x3;
    int32_t name_off[4] = {0, 3, 5, 5};
    int32_t emb_off[4] = {0, 2, 2, 3};
    float emb[3] = {0.5f, 1.5f, -1};
    double pair[6] = {1, 2, 3, 4, 5, 6};
    int64_t idx[3] = {0, 1, 2};
    arw_array labc = {.field = &item, .length = 3, .offsets = lab_str_off, .values = "ABA", .values_len = 3};
    arw_array embc = {.field = &fitem, .length = 3, .values = emb, .values_len = sizeof emb};
    arw_array pairc = {.field = &ditem, .length = 6, .values = pair, .values_len = sizeof pair};
    arw_array cols[9] = {
        {.field = &f[0], .length = 3, .values = ids, .values_len = sizeof ids},
        {.field = &f[1], .length = 3, .offsets = lab_off, .nchildren = 1, .children = &labc},
        {.field = &f[2], .length = 3, .null_count = 1, .validity = &score_valid, .values = score, .values_len = sizeof score},
        {.field = &f[3], .length = 3, .null_count = 1, .validity = &age_valid, .values = age, .values_len = sizeof age},
        {.field = &f[4], .length = 3, .values = &flag, .values_len = 1},
        {.field = &f[5], .length = 3, .null_count = 1, .validity = &name_valid, .offsets = name_off, .values = "bobal", .values_len = 5},
        {.field = &f[6], .length = 3, .offsets = emb_off, .nchildren = 1, .children = &embc},
        {.field = &f[7], .length = 3, .nchildren = 1, .children = &pairc},
        {.field = &f[8], .length = 3, .values = idx, .values_len = sizeof idx},
    };
    stream s;
    qv_buf_init(&s.msgs);
    put_schema(&s, f, 9);
    put_batch(&s, 3, cols, 9);
    save_seed(&s, 0, "nodes_all_types");

    qv_pool *pool = qv_pool_new(2);
    gloader_config cfg = {.name = "g", .database_name = "neo4j"};
    gloader *l = gloader_new(&cfg, pool);
    col_plan p;
    col_plan_init(&p, ENT_NODE, GRAPH_ID_INTEGER, l, NULL);
    col_plan_common_label(&p, "Common", 6);
    qv_err err;
    assert_int_equal(replay(&s, &p, &err), QV_OK);
    col_plan_free(&p);
    uint64_t n, m;
    graph *g = NULL;
    assert_int_equal(gloader_nodes_done(l, &n, &err), 0);
    assert_int_equal(n, 3);
    assert_int_equal(gloader_rels_done(l, &m, &g, &err), 0);
    assert_non_null(g);

    int64_t v20 = graph_node_by_id(g, 20);
    assert_true(v20 >= 0);
    uint32_t nl;
    const uint32_t *ls = graph_node_labels(g, (uint64_t)v20, &nl);
    assert_int_equal(nl, 1); /* no list labels, only the common one */
    assert_string_equal(qv_strtab_name(&g->labels, ls[0]), "Common");
    ls = graph_node_labels(g, (uint64_t)graph_node_by_id(g, 10), &nl);
    assert_int_equal(nl, 3); /* A, B, Common */

    assert_null(graph_node_col(g, "__index_level_0__"));
    assert_int_equal(graph_node_col(g, "score")->type, GPROP_DOUBLE);
    assert_true(isnan(dcol(g, "score")[v20]));
    assert_true(gcolumn_has(graph_node_col(g, "score"), (uint64_t)v20));
    const gcolumn *age_c = graph_node_col(g, "age");
    assert_int_equal(age_c->type, GPROP_INT64);
    assert_false(gcolumn_has(age_c, (uint64_t)v20));
    int64_t v30 = graph_node_by_id(g, 30);
    assert_int_equal(((const int64_t *)age_c->values)[v30], 9);
    const gcolumn *flag_c = graph_node_col(g, "flag");
    assert_int_equal(flag_c->type, GPROP_BOOL);
    assert_int_equal(((const uint8_t *)flag_c->values)[v20], 1);
    const gcolumn *name_c = graph_node_col(g, "name");
    assert_int_equal(name_c->type, GPROP_STRING);
    assert_false(gcolumn_has(name_c, (uint64_t)v30));
    const gcolumn *emb_c = graph_node_col(g, "emb");
    assert_int_equal(emb_c->type, GPROP_FLOAT_LIST);
    int64_t v10 = graph_node_by_id(g, 10);
    assert_int_equal(emb_c->offsets[v10 + 1] - emb_c->offsets[v10], 2);
    assert_true(((const float *)emb_c->values)[emb_c->offsets[v10] + 1] == 1.5f);
    const gcolumn *pair_c = graph_node_col(g, "pair");
    assert_int_equal(pair_c->type, GPROP_DOUBLE_LIST);
    assert_true(((const double *)pair_c->values)[pair_c->offsets[v30]] == 5.0);
    graph_free(g);
    gloader_free(l);
    qv_pool_free(pool);
    qv_buf_free(&s.msgs);
}

/* ---- relationships -------------------------------------------------------------------------------- */

static void test_rel_columns(void **state) {
    (void)state;
    qv_pool *pool = qv_pool_new(2);
    gloader_config cfg = {.name = "g", .database_name = "neo4j"};
    gloader *l = gloader_new(&cfg, pool);
    qv_err err;
    gnode_chunk nc = {.n = 3};
    nc.ids = malloc(3 * sizeof *nc.ids);
    for (int i = 0; i < 3; i++) nc.ids[i] = i + 1;
    assert_int_equal(gloader_add_nodes(l, &nc, &err), 0);
    uint64_t n, m;
    assert_int_equal(gloader_nodes_done(l, &n, &err), 0);

    /* sourceNodeId int64, targetNodeId int32, relationshipType dictionary<int8, utf8>, w int16, x float */
    arw_field f[5] = {fld("sourceNodeId", ARW_INT, 64, true), fld("targetNodeId", ARW_INT, 32, true),
                      fld("relationshipType", ARW_UTF8, 0, false), fld("w", ARW_INT, 16, true),
                      fld("x", ARW_FLOAT, 32, false)};
    f[2].dictionary = true, f[2].dict_id = 7, f[2].index_bit_width = 8, f[2].index_signed = true;
    int64_t src[4] = {1, 2, 3, 1};
    int32_t tgt[4] = {2, 3, 1, 3};
    int8_t ti[4] = {0, 1, 0, 1};
    int16_t w[4] = {5, 6, 7, 8};
    float x[4] = {0.5f, 0, 0, 1};
    uint8_t xv = 0x9;
    int32_t doff[3] = {0, 5, 9};
    arw_field dval = fld("relationshipType", ARW_UTF8, 0, false);
    arw_array dict = {.field = &dval, .length = 2, .offsets = doff, .values = "KNOWSLIKE", .values_len = 9};
    arw_array cols[5] = {
        {.field = &f[0], .length = 4, .values = src, .values_len = sizeof src},
        {.field = &f[1], .length = 4, .values = tgt, .values_len = sizeof tgt},
        {.field = &f[2], .length = 4, .values = ti, .values_len = sizeof ti},
        {.field = &f[3], .length = 4, .values = w, .values_len = sizeof w},
        {.field = &f[4], .length = 4, .null_count = 2, .validity = &xv, .values = x, .values_len = sizeof x},
    };
    stream s;
    qv_buf_init(&s.msgs);
    put_schema(&s, f, 5);
    put_dict(&s, 7, &dict);
    put_batch(&s, 4, cols, 5);
    save_seed(&s, 1, "rels_dictionary_types");
    col_plan p;
    col_plan_init(&p, ENT_REL, GRAPH_ID_INTEGER, l, NULL);
    assert_int_equal(replay(&s, &p, &err), QV_OK);
    col_plan_free(&p);
    graph *g = NULL;
    assert_int_equal(gloader_rels_done(l, &m, &g, &err), 0);
    assert_int_equal(m, 4);
    const gcolumn *wc = graph_rel_col(g, "w"), *xc = graph_rel_col(g, "x");
    assert_int_equal(wc->type, GPROP_DOUBLE);
    /* node 1 (internal 0) has two relationships: KNOWS->2 (w 5) and LIKE->3 (w 8) */
    uint64_t r0 = g->out_off[0];
    assert_int_equal(g->out_off[1] - r0, 2);
    assert_string_equal(qv_strtab_name(&g->rel_types, g->rel_type[r0]), "KNOWS");
    assert_true(((const double *)wc->values)[r0] == 5.0);
    assert_true(((const double *)wc->values)[r0 + 1] == 8.0);
    assert_true(((const double *)xc->values)[r0] == 0.5);
    uint64_t r1 = g->out_off[1]; /* 2 -> 3, x null -> NaN */
    assert_true(isnan(((const double *)xc->values)[r1]));
    graph_free(g);
    gloader_free(l);
    qv_pool_free(pool);
    qv_buf_free(&s.msgs);
}

/* ---- errors a user sees ------------------------------------------------------------------------------ */

static qv_code node_stream_error(arw_field *f, int nf, arw_array *cols, int64_t rows, qv_err *err, const char *seed) {
    stream s;
    qv_buf_init(&s.msgs);
    put_schema(&s, f, nf);
    if (cols) put_batch(&s, rows, cols, nf);
    if (seed) save_seed(&s, 0, seed);
    qv_pool *pool = qv_pool_new(1);
    gloader_config cfg = {.name = "g", .database_name = "neo4j"};
    gloader *l = gloader_new(&cfg, pool);
    col_plan p;
    col_plan_init(&p, ENT_NODE, GRAPH_ID_INTEGER, l, NULL);
    qv_code c = replay(&s, &p, err);
    col_plan_free(&p);
    gloader_free(l);
    qv_pool_free(pool);
    qv_buf_free(&s.msgs);
    return c;
}

static void test_column_errors(void **state) {
    (void)state;
    qv_err err;
    arw_field noid[1] = {fld("score", ARW_FLOAT, 64, false)};
    assert_int_equal(node_stream_error(noid, 1, NULL, 0, &err, NULL), QV_EINVAL);
    assert_non_null(strstr(err.msg, "'nodeId'"));

    arw_field strid[1] = {fld("nodeId", ARW_UTF8, 0, false)};
    assert_int_equal(node_stream_error(strid, 1, NULL, 0, &err, NULL), QV_EINVAL);
    assert_non_null(strstr(err.msg, "nodeId"));
    assert_non_null(strstr(err.msg, "integers"));

    arw_field neg[1] = {fld("nodeId", ARW_INT, 64, true)};
    int64_t nids[2] = {1, -5};
    arw_array nc[1] = {{.field = &neg[0], .length = 2, .values = nids, .values_len = sizeof nids}};
    assert_int_equal(node_stream_error(neg, 1, nc, 2, &err, "nodes_negative_id"), QV_EINVAL);
    assert_non_null(strstr(err.msg, "row 1"));

    uint8_t valid = 0x1;
    arw_array nullc[1] = {{.field = &neg[0], .length = 2, .null_count = 1, .validity = &valid, .values = nids,
                           .values_len = sizeof nids}};
    assert_int_equal(node_stream_error(neg, 1, nullc, 2, &err, NULL), QV_EINVAL);
    assert_non_null(strstr(err.msg, "null"));

    arw_field bad[2] = {fld("nodeId", ARW_INT, 64, true), fld("when", ARW_UNSUPPORTED, 0, false)};
    bad[1].type_id = 8; /* Date */
    assert_int_equal(node_stream_error(bad, 2, NULL, 0, &err, NULL), QV_EINVAL);
    assert_non_null(strstr(err.msg, "'when'"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_node_columns),
        cmocka_unit_test(test_rel_columns),
        cmocka_unit_test(test_column_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
