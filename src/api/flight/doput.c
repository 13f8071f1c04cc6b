/* doput.c — DoPut: one stream of Arrow record batches into an import.
 *
 * Owns: the stream's life: the first FlightData must carry a CMD descriptor naming the import and the
 * entity type (PUT_COMMAND / PUT_MESSAGE envelope, or the bare legacy body), then a Schema, then
 * dictionary and record batches. Each record batch is converted (columns.c), handed to the loader, and
 * acknowledged with exactly one PutResult — GDS clients wait for that ack before sending the next batch.
 * An error ends this stream with a status; the import and other streams carry on.
 */
#include "api/flight/columns.h"
#include "api/flight/flight_internal.h"
#include "util/log.h"
#include "wire/arrow_ipc.h"
#include "wire/flight_proto.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct put_stream {
    flight_import *imp;
    arw_reader *reader;
    col_plan plan;
    bool planned;          /* col_plan_init done */
    bool have_schema;
    uint64_t batches, rows;
} put_stream;

static flight_service *svc(qv_grpc_call *call) { return qv_grpc_call_service_ctx(call); }

static void put_start(qv_grpc_call *call) {
    if (flight_auth_check(svc(call)->auth, call) < 0) return;
    put_stream *ps = qv_calloc(1, sizeof *ps);
    ps->reader = arw_reader_new();
    qv_grpc_call_set_user(call, ps);
}

static const char *phase_hint(put_entity e) {
    switch (e) {
    case ENT_NODE: return "nodes are sent after v1/CREATE_GRAPH or v1/CREATE_DATABASE and before v1/NODE_LOAD_DONE";
    case ENT_REL: return "relationships are sent after v1/NODE_LOAD_DONE and before v1/RELATIONSHIP_LOAD_DONE";
    case ENT_TRIPLET: return "triplets are sent after v1/CREATE_GRAPH_FROM_TRIPLETS and before v1/TRIPLET_LOAD_DONE";
    case ENT_NODE_PROPS: return "node properties are sent after v1/PUT_NODE_PROPERTIES";
    }
    return "";
}

/* Parses the descriptor command and attaches the stream to its import. */
static int open_stream(qv_grpc_call *call, put_stream *ps, const fp_descriptor *d, qv_err *err) {
    flight_service *fs = svc(call);
    if (d->type != FP_DESC_CMD)
        return qv_err_set(err, QV_EINVAL, "the flight descriptor must be a CMD descriptor holding a PUT_COMMAND");
    json_doc *doc = flight_parse_object(d->cmd.p, d->cmd.n, "the flight descriptor command", err);
    if (!doc) return -1;
    int rc = -1;
    json_val *body = flight_command_body(json_doc_root(doc), "PUT_COMMAND", "PUT_MESSAGE", "the descriptor command",
                                         "descriptor", err);
    if (!body) goto out;
    const char *name = json_get_str(body, "name"), *entity = json_get_str(body, "entity_type");
    if (!name || !entity) {
        qv_err_set(err, QV_EINVAL, "the descriptor command must be {\"name\":\"PUT_COMMAND\",\"version\":\"v1\","
                                   "\"body\":{\"name\":<import>,\"entity_type\":\"node\"|\"relationship\"|"
                                   "\"node_properties\"|\"triplet\"}}");
        goto out;
    }
    put_entity e;
    if (!strcasecmp(entity, "node")) e = ENT_NODE;
    else if (!strcasecmp(entity, "relationship")) e = ENT_REL;
    else if (!strcasecmp(entity, "triplet")) e = ENT_TRIPLET;
    else if (!strcasecmp(entity, "node_properties")) e = ENT_NODE_PROPS;
    else {
        qv_err_set(err, QV_EINVAL, "unknown entity_type '%s' (node, relationship, node_properties or triplet)", entity);
        goto out;
    }
    flight_import *imp = imports_get(fs->imports, name);
    if (!imp) {
        qv_err_set(err, QV_ENOTFOUND, "No arrow process for '%s': create it first with v1/CREATE_GRAPH, "
                   "v1/CREATE_DATABASE, v1/CREATE_GRAPH_FROM_TRIPLETS or v1/PUT_NODE_PROPERTIES", name);
        goto out;
    }
    ps->imp = imp;
    __atomic_add_fetch(&imp->active_streams, 1, __ATOMIC_RELAXED);
    bool kind_ok = (e == ENT_NODE || e == ENT_REL) ? (imp->kind == IMPORT_GRAPH || imp->kind == IMPORT_DATABASE)
                   : e == ENT_TRIPLET           ? imp->kind == IMPORT_TRIPLETS
                                                : imp->kind == IMPORT_NODE_PROPERTIES;
    if (!kind_ok) {
        qv_err_set(err, QV_EPHASE, "entity_type '%s' cannot be sent to '%s', a %s import (%s)", entity, name,
                   import_kind_name(imp->kind), phase_hint(e));
        goto out;
    }
    if (imp->finished) {
        qv_err_set(err, QV_EPHASE, "import '%s' has already finished; %s", name, phase_hint(e));
        goto out;
    }
    if (imp->loader) {
        gload_phase ph = gloader_phase(imp->loader);
        gload_phase want = e == ENT_NODE ? GLOAD_NODES : e == ENT_REL ? GLOAD_RELS : GLOAD_TRIPLETS;
        if (ph != want) {
            qv_err_set(err, QV_EPHASE, "import '%s' is in phase '%s': %s", name, gload_phase_name(ph), phase_hint(e));
            goto out;
        }
    }
    imp->has_data = true;
    graph_id_type idt = GRAPH_ID_INTEGER;
    if (imp->target) idt = imp->target->id_type;
    else if (imp->kind == IMPORT_DATABASE) {
        /* the id type is part of the create request */
        json_val *cr = imp->doc ? json_doc_root(imp->doc) : NULL;
        const char *t = cr ? json_get_str(cr, "id_type") : NULL;
        if (t && !strcasecmp(t, "STRING")) idt = GRAPH_ID_STRING;
    }
    col_plan_init(&ps->plan, e, idt, imp->loader, imp->props);
    ps->planned = true;
    json_val *common = json_get(body, "common_labels");
    if (common && e == ENT_NODE) {
        if (common->type == JSON_STRING) col_plan_common_label(&ps->plan, common->str.s, common->str.len);
        else if (common->type == JSON_ARRAY) {
            for (size_t i = 0; i < common->arr.n; i++) {
                json_val *l = common->arr.items[i];
                if (l->type != JSON_STRING) {
                    qv_err_set(err, QV_EINVAL, "'common_labels' must be a list of strings");
                    goto out;
                }
                col_plan_common_label(&ps->plan, l->str.s, l->str.len);
            }
        } else if (common->type != JSON_NULL) {
            qv_err_set(err, QV_EINVAL, "'common_labels' must be a list of strings");
            goto out;
        }
    }
    rc = 0;
out:
    json_doc_free(doc);
    return rc;
}

static void put_message(qv_grpc_call *call, const uint8_t *msg, size_t len) {
    put_stream *ps = qv_grpc_call_get_user(call);
    if (!ps || qv_grpc_call_is_finished(call)) return;
    qv_err err;
    qv_err_clear(&err);
    fp_flight_data fd;
    if (fp_decode_flight_data(msg, len, &fd, &err) < 0) {
        qv_err_prefix(&err, "malformed FlightData message");
        goto fail;
    }
    if (!ps->imp) {
        if (!fd.has_descriptor) {
            qv_err_set(&err, QV_EINVAL, "the first FlightData of a DoPut must carry the flight descriptor");
            goto fail;
        }
        if (open_stream(call, ps, &fd.descriptor, &err) < 0) goto fail;
    }
    if (fd.data_header.n == 0) return; /* descriptor-only or app_metadata-only message */
    arw_msg_type type;
    if (arw_reader_feed(ps->reader, fd.data_header.p, fd.data_header.n, fd.data_body.p, fd.data_body.n, &type,
                        &err) < 0) {
        qv_err_prefix(&err, "invalid Arrow IPC message %llu of the stream", (unsigned long long)(ps->batches + 1));
        goto fail;
    }
    if (type == ARW_MSG_SCHEMA) {
        if (col_plan_schema(&ps->plan, arw_reader_schema(ps->reader), &err) < 0) goto fail;
        ps->have_schema = true;
        return;
    }
    if (type != ARW_MSG_RECORD_BATCH) return;
    const arw_batch *b = arw_reader_batch(ps->reader);
    if (col_plan_batch(&ps->plan, b, &err) < 0) {
        qv_err_prefix(&err, "record batch %llu", (unsigned long long)(ps->batches + 1));
        goto fail;
    }
    ps->batches++;
    ps->rows += (uint64_t)b->length;
    imports_touch(ps->imp);
    qv_grpc_call_send(call, "", 0); /* PutResult{}: the per-batch acknowledgement */
    return;
fail:
    QV_INFO("flight: DoPut from %s%s%s failed: %s %s", qv_grpc_call_peer(call), ps->imp ? " into " : "",
            ps->imp ? ps->imp->name : "", qv_code_name(err.code), err.msg);
    flight_finish_err(call, &err);
}

static void put_half_close(qv_grpc_call *call) { qv_grpc_call_finish(call, GRPC_OK, NULL); }

static void put_close(qv_grpc_call *call) {
    put_stream *ps = qv_grpc_call_get_user(call);
    if (!ps) return;
    if (ps->planned) col_plan_free(&ps->plan);
    arw_reader_free(ps->reader);
    if (ps->imp) {
        __atomic_sub_fetch(&ps->imp->active_streams, 1, __ATOMIC_RELAXED);
        imports_put(svc(call)->imports, ps->imp);
    }
    free(ps);
}

const qv_grpc_method flight_doput_method = {
    .path = "/arrow.flight.protocol.FlightService/DoPut",
    .on_start = put_start,
    .on_message = put_message,
    .on_half_close = put_half_close,
    .on_close = put_close,
};
