/* fuzz_doput.c — libFuzzer target for the whole DoPut path: FlightData protobuf -> Arrow IPC reader ->
 * column plan -> loader chunks -> build. The first input byte picks the stream kind and id type; the rest
 * is a sequence of [u32 little-endian length][FlightData bytes] messages. Whatever the bytes, the server
 * must answer with an error or accept the data, and the build must succeed or fail cleanly. */
#include "api/flight/columns.h"
#include "graph/loader.h"
#include "wire/arrow_ipc.h"
#include "wire/flight_proto.h"
#include "util/pool.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    uint8_t mode = data[0];
    put_entity ent = (put_entity)(mode & 3);
    graph_id_type idt = (mode & 4) ? GRAPH_ID_STRING : GRAPH_ID_INTEGER;
    const char *undirected[] = {"*"};
    gloader_config cfg = {
        .name = "fuzz",
        .database_name = "neo4j",
        .id_type = idt,
        .id_property = "id",
        .skip_dangling = (mode & 8) != 0,
        .triplets = ent == ENT_TRIPLET,
        .undirected_types = undirected,
        .n_undirected = (mode & 16) ? 1 : 0,
    };
    qv_err err;
    qv_pool *pool = qv_pool_new(1); /* runs every task on this thread */
    gloader *l = gloader_new(&cfg, pool);
    graph *g = NULL;
    gproploader *pl = NULL;
    if (ent == ENT_REL || ent == ENT_NODE_PROPS) {
        /* a few nodes to attach to */
        gnode_chunk chunk = {0}, *c = &chunk;
        c->n = 4;
        if (idt == GRAPH_ID_STRING) {
            c->str_off = malloc(5 * sizeof *c->str_off);
            c->str = malloc(4);
            for (int i = 0; i < 5; i++) c->str_off[i] = (uint64_t)i;
            memcpy(c->str, "abcd", 4);
        } else {
            c->ids = malloc(4 * sizeof *c->ids);
            for (int i = 0; i < 4; i++) c->ids[i] = i;
        }
        gloader_add_nodes(l, c, &err);
        uint64_t n;
        if (gloader_nodes_done(l, &n, &err) < 0) abort();
        if (ent == ENT_NODE_PROPS) {
            uint64_t m;
            if (gloader_rels_done(l, &m, &g, &err) < 0 || !g) abort();
            pl = gproploader_new(g, NULL, 0, (mode & 32) != 0, pool, &err);
            if (!pl) abort();
        }
    }
    col_plan plan;
    col_plan_init(&plan, ent, idt, l, pl);
    arw_reader *r = arw_reader_new();
    arw_reader_set_max_decompressed(r, 64u << 20);
    bool schema = false, failed = false;
    size_t pos = 1;
    while (!failed && pos + 4 <= size) {
        uint32_t len;
        memcpy(&len, data + pos, 4);
        pos += 4;
        if (len > size - pos) len = (uint32_t)(size - pos);
        /* copy so the message is 8-byte aligned, as net/ delivers it */
        uint8_t *msg = malloc(len ? len : 1);
        memcpy(msg, data + pos, len);
        pos += len;
        fp_flight_data fd;
        arw_msg_type type;
        if (fp_decode_flight_data(msg, len, &fd, &err) < 0) failed = true;
        else if (fd.data_header.n && arw_reader_feed(r, fd.data_header.p, fd.data_header.n, fd.data_body.p,
                                                     fd.data_body.n, &type, &err) < 0)
            failed = true;
        else if (fd.data_header.n && type == ARW_MSG_SCHEMA) {
            if (col_plan_schema(&plan, arw_reader_schema(r), &err) < 0) failed = true;
            else schema = true;
        } else if (fd.data_header.n && type == ARW_MSG_RECORD_BATCH && schema) {
            if (col_plan_batch(&plan, arw_reader_batch(r), &err) < 0) failed = true;
        }
        free(msg);
    }
    arw_reader_free(r);
    col_plan_free(&plan);
    /* finish the load: either builds or fails cleanly */
    uint64_t n, m;
    graph *out = NULL;
    if (ent == ENT_NODE) {
        if (gloader_nodes_done(l, &n, &err) == 0) gloader_rels_done(l, &m, &out, &err);
    } else if (ent == ENT_REL) {
        gloader_rels_done(l, &m, &out, &err);
    } else if (ent == ENT_TRIPLET) {
        gloader_triplets_done(l, &n, &m, &out, &err);
    } else {
        gproploader_done(pl, &n, &err);
    }
    if (out) graph_free(out);
    if (pl) gproploader_free(pl);
    if (g) graph_free(g);
    gloader_free(l);
    qv_pool_free(pool);
    return 0;
}
