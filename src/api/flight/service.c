/* service.c — the FlightService method table and the small RPCs: Handshake, ListActions, DoAction
 * (the action itself runs in actions.c), and UNIMPLEMENTED answers for the RPCs quiver does not serve.
 * Every RPC authenticates first (auth.c). DoPut lives in doput.c, DoGet in doget.c. */
#include "api/flight/flight_internal.h"
#include "util/log.h"
#include "wire/flight_proto.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define FLIGHT_PATH(m) "/arrow.flight.protocol.FlightService/" m

qv_grpc_status flight_status_of(qv_code code) {
    switch (code) {
    case QV_OK: return GRPC_OK;
    case QV_EINVAL: return GRPC_INVALID_ARGUMENT;
    case QV_ENOTFOUND: return GRPC_NOT_FOUND;
    case QV_EEXISTS: return GRPC_ALREADY_EXISTS;
    case QV_EPHASE: return GRPC_FAILED_PRECONDITION;
    case QV_ETOOBIG: return GRPC_RESOURCE_EXHAUSTED;
    case QV_ENOMEM: return GRPC_RESOURCE_EXHAUSTED;
    case QV_EAUTH: return GRPC_UNAUTHENTICATED;
    case QV_EUNIMPL: return GRPC_UNIMPLEMENTED;
    case QV_ECANCELLED: return GRPC_CANCELLED;
    case QV_ECONSTRAINT: return GRPC_FAILED_PRECONDITION;
    case QV_EIO: return GRPC_UNKNOWN;
    case QV_EINTERNAL: return GRPC_UNKNOWN;
    }
    return GRPC_UNKNOWN;
}

void flight_finish_err(qv_grpc_call *call, const qv_err *err) {
    qv_grpc_call_finish(call, flight_status_of(err->code), err->msg);
}

json_doc *flight_parse_object(const uint8_t *p, size_t n, const char *what, qv_err *err) {
    json_doc *doc = json_parse((const char *)p, n, err);
    if (!doc) {
        qv_err_prefix(err, "%s is not valid JSON", what);
        return NULL;
    }
    if (json_doc_root(doc)->type != JSON_OBJECT) {
        json_doc_free(doc);
        qv_err_set(err, QV_EINVAL, "%s must be a JSON object", what);
        return NULL;
    }
    return doc;
}

json_val *flight_command_body(json_val *root, const char *name, const char *legacy, const char *what,
                              const char *noun, qv_err *err) {
    json_val *inner = json_get(root, "body");
    if (!inner || inner->type != JSON_OBJECT) return root;
    const char *env = json_get_str(root, "name");
    if (!env || (strcasecmp(env, name) != 0 && strcasecmp(env, legacy) != 0)) {
        qv_err_set(err, QV_EINVAL, "%s must be named %s, not '%s'", what, name, env ? env : "");
        return NULL;
    }
    const char *ver = json_get_str(root, "version");
    if (ver && strcasecmp(ver, "v1") != 0) {
        qv_err_set(err, QV_EUNIMPL, "%s version '%s' is not supported (quiver speaks v1)", noun, ver);
        return NULL;
    }
    return inner;
}

static flight_service *svc(qv_grpc_call *call) { return qv_grpc_call_service_ctx(call); }

/* Common start for every RPC: authenticate. */
static void on_start_auth(qv_grpc_call *call) { flight_auth_check(svc(call)->auth, call); }

/* ---- Handshake: read and ignore requests; answer OK with the Bearer header (added by auth). ---- */

static void handshake_message(qv_grpc_call *call, const uint8_t *msg, size_t len) {
    uint64_t version;
    fp_bytes payload;
    qv_err err;
    if (fp_decode_handshake(msg, len, &version, &payload, &err) < 0) flight_finish_err(call, &err);
}

static void finish_ok(qv_grpc_call *call) { qv_grpc_call_finish(call, GRPC_OK, NULL); }

/* ---- ListActions ------------------------------------------------------------------------------ */

static void list_actions_half_close(qv_grpc_call *call) {
    flight_list_actions(call);
    qv_grpc_call_finish(call, GRPC_OK, NULL);
}

/* ---- DoAction: one Action in, exactly one Result out. ------------------------------------------ */

typedef struct action_call {
    qv_buf type, body;
    bool have;
} action_call;

static void action_message(qv_grpc_call *call, const uint8_t *msg, size_t len) {
    qv_err err;
    fp_action a;
    if (fp_decode_action(msg, len, &a, &err) < 0) {
        qv_err_prefix(&err, "malformed Action message");
        flight_finish_err(call, &err);
        return;
    }
    action_call *ac = qv_grpc_call_get_user(call);
    if (!ac) {
        ac = qv_calloc(1, sizeof *ac);
        qv_grpc_call_set_user(call, ac);
    }
    if (ac->have) {
        qv_grpc_call_finish(call, GRPC_INVALID_ARGUMENT, "DoAction takes exactly one Action message");
        return;
    }
    qv_buf_append(&ac->type, a.type.p, a.type.n);
    qv_buf_append(&ac->body, a.body.p, a.body.n);
    ac->have = true;
}

static void action_half_close(qv_grpc_call *call) {
    action_call *ac = qv_grpc_call_get_user(call);
    if (!ac || !ac->have) {
        qv_grpc_call_finish(call, GRPC_INVALID_ARGUMENT, "DoAction needs an Action message");
        return;
    }
    qv_buf reply;
    qv_buf_init(&reply);
    qv_err err;
    qv_err_clear(&err);
    int status = GRPC_OK;
    flight_action_run(svc(call), (const char *)ac->type.data, ac->type.len, ac->body.data, ac->body.len, &reply,
                      &err, &status);
    if (status != GRPC_OK) {
        QV_INFO("flight: action %.*s from %s failed: %s %s", (int)ac->type.len, (const char *)ac->type.data,
                qv_grpc_call_peer(call), qv_code_name(err.code), err.msg);
        qv_grpc_call_finish(call, (qv_grpc_status)status, err.msg);
    } else {
        qv_buf msg;
        qv_buf_init(&msg);
        fp_encode_result(&msg, reply.data, reply.len);
        qv_grpc_call_send_buf(call, &msg);
        qv_buf_free(&msg);
        qv_grpc_call_finish(call, GRPC_OK, NULL);
    }
    qv_buf_free(&reply);
}

static void action_close(qv_grpc_call *call) {
    action_call *ac = qv_grpc_call_get_user(call);
    if (!ac) return;
    qv_buf_free(&ac->type);
    qv_buf_free(&ac->body);
    free(ac);
}

/* ---- RPCs quiver does not serve (yet) ---------------------------------------------------------- */

static void unimplemented_start(qv_grpc_call *call) {
    if (flight_auth_check(svc(call)->auth, call) < 0) return;
    const char *path = qv_grpc_call_path(call);
    const char *m = strrchr(path, '/');
    m = m ? m + 1 : path;
    char msg[256];
    snprintf(msg, sizeof msg, "%s is not supported by quiver (it serves the GDS Arrow protocol: Handshake, "
                              "ListActions, DoAction, DoPut, DoGet, GetFlightInfo)", m);
    qv_grpc_call_finish(call, GRPC_UNIMPLEMENTED, msg);
}

static const qv_grpc_method methods[] = {
    {.path = FLIGHT_PATH("Handshake"), .on_start = on_start_auth, .on_message = handshake_message,
     .on_half_close = finish_ok},
    {.path = FLIGHT_PATH("ListActions"), .on_start = on_start_auth, .on_half_close = list_actions_half_close},
    {.path = FLIGHT_PATH("DoAction"), .on_start = on_start_auth, .on_message = action_message,
     .on_half_close = action_half_close, .on_close = action_close},
    {.path = FLIGHT_PATH("PollFlightInfo"), .on_start = unimplemented_start},
    {.path = FLIGHT_PATH("ListFlights"), .on_start = unimplemented_start},
    {.path = FLIGHT_PATH("GetSchema"), .on_start = unimplemented_start},
    {.path = FLIGHT_PATH("DoExchange"), .on_start = unimplemented_start},
};

flight_service *flight_service_new(const flight_config *cfg, gcatalog *cat, qv_store *store, qv_pool *pool) {
    flight_service *fs = qv_calloc(1, sizeof *fs);
    fs->cfg = *cfg;
    fs->cat = cat;
    fs->store = store;
    fs->pool = pool;
    fs->imports = imports_new(cat, store, cfg->abort_timeout_ms);
    fs->auth = flight_auth_new(cfg->auth_user, cfg->auth_password, cfg->token_idle_ms);
    enum { N = sizeof methods / sizeof methods[0] };
    qv_grpc_method *all = qv_calloc(N + 3, sizeof *all);
    memcpy(all, methods, sizeof methods);
    all[N] = flight_doput_method;     /* authenticates in its own on_start */
    all[N + 1] = flight_doget_method; /* likewise (doget.c) */
    all[N + 2] = flight_info_method;  /* likewise (doget.c) */
    fs->grpc.methods = all;
    fs->grpc.nmethods = N + 3;
    fs->grpc.ctx = fs;
    return fs;
}

const qv_grpc_service *flight_service_grpc(flight_service *fs) { return &fs->grpc; }

void flight_service_free(flight_service *fs) {
    if (!fs) return;
    imports_free(fs->imports);
    flight_auth_free(fs->auth);
    free((void *)fs->grpc.methods);
    free(fs);
}
