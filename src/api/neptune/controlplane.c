/* controlplane.c — the Neptune Analytics control plane on quiver's catalog, as the neptune-graph SDK calls
 * it: CreateGraph (POST /graphs), ListGraphs (GET /graphs), GetGraph (GET /graphs/{id}), DeleteGraph
 * (DELETE /graphs/{id}). A graph's id is its name, so the id CreateGraph returns is what ExecuteQuery's
 * graphIdentifier takes, and every graph of the catalog (Arrow projections and databases) is listed.
 * CreateGraph makes an empty in-memory graph, or a durable database when tagged "quiver:durable": "true".
 * Must not: delete the default database (the Neptune Database endpoints query it).
 */
#include "api/neptune/np_int.h"
#include "store/store.h"
#include "util/clock.h"
#include "wire/json.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static void graph_doc(neptune_service *ns, qv_buf *b, const char *name, bool durable, const char *status,
                      uint64_t memory, bool summary) {
    qv_buf_append_str(b, "{\"id\":");
    json_write_cstr(b, name);
    qv_buf_append_str(b, ",\"name\":");
    json_write_cstr(b, name);
    qv_buf_printf(b, ",\"arn\":\"arn:aws:neptune-graph:us-east-1:000000000000:graph/");
    qv_buf_append_str(b, name);   /* names are checked to be [A-Za-z0-9_-] at creation; others as listed */
    qv_buf_printf(b, "\",\"status\":\"%s\",\"provisionedMemory\":%llu,\"publicConnectivity\":false,"
                     "\"replicaCount\":0,\"deletionProtection\":false",
                  status, (unsigned long long)memory);
    if (!summary) qv_buf_printf(b, ",\"createTime\":%llu", (unsigned long long)(ns->cfg.start_ms / 1000));
    qv_buf_printf(b, ",\"quiverDurable\":%s}", durable ? "true" : "false");
}

static bool valid_name(const char *s) {
    size_t n = strlen(s);
    if (n == 0 || n > 63 || !isalpha((unsigned char)s[0])) return false;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '_') return false;
    return true;
}

static void not_found(qv_http_response *resp, const char *id) {
    char m[200];
    snprintf(m, sizeof m, "Graph %.100s not found", id);
    np_error_resp(resp, NP_API_ANALYTICS, 404, "ResourceNotFoundException", NULL, m, NULL);
}

static void ok(qv_http_response *resp, int status) {
    char rid[37];
    np_request_id(rid);
    resp->status = status;
    resp->content_type = "application/json";
    qv_http_response_header(resp, "x-amzn-RequestId", rid);
}

static void create_graph(neptune_service *ns, const qv_http_request *req, qv_http_response *resp) {
    qv_err err;
    json_doc *d = json_parse((const char *)req->body, req->body_len, &err);
    json_val *root = d ? json_doc_root(d) : NULL;
    const char *name = root ? json_get_str(root, "graphName") : NULL;
    if (!name || !valid_name(name)) {
        np_error_resp(resp, NP_API_ANALYTICS, 400, "ValidationException", "BAD_REQUEST",
                      "graphName must be 1-63 letters, digits, '-' or '_', starting with a letter", NULL);
        goto out;
    }
    json_val *tags = json_get(root, "tags");
    const char *dur = tags ? json_get_str(tags, "quiver:durable") : NULL;
    bool durable = dur && strcasecmp(dur, "true") == 0;
    json_val *mem = json_get(root, "provisionedMemory");
    uint64_t memory = mem && mem->type == JSON_NUMBER && mem->num.d > 0 ? (uint64_t)mem->num.d : 16;
    if (gcatalog_exists(ns->cfg.cat, name)) {
        char m[200];
        snprintf(m, sizeof m, "A graph named %s already exists", name);
        np_error_resp(resp, NP_API_ANALYTICS, 409, "ConflictException", NULL, m, NULL);
        goto out;
    }
    int rc = durable ? (ns->cfg.store ? store_ensure_database(ns->cfg.store, ns->cfg.cat, name, &err)
                                      : qv_err_set(&err, QV_EINVAL, "this server has no data directory"))
                     : cy_engine_create_graph(ns->cfg.engine, name, &err);
    if (rc < 0) {
        if (err.code == QV_EEXISTS)
            np_error_resp(resp, NP_API_ANALYTICS, 409, "ConflictException", NULL, err.msg, NULL);
        else
            np_error_resp(resp, NP_API_ANALYTICS, 500, "InternalServerException", NULL, err.msg, NULL);
        goto out;
    }
    ok(resp, 201);
    graph_doc(ns, &resp->body, name, durable, "AVAILABLE", memory, false);
out:
    if (d) json_doc_free(d);
}

static void list_graphs(neptune_service *ns, qv_http_response *resp) {
    ok(resp, 200);
    qv_buf *b = &resp->body;
    qv_buf_append_str(b, "{\"graphs\":[");
    graph **gs;
    size_t n;
    gcatalog_list(ns->cfg.cat, &gs, &n);
    for (size_t i = 0; i < n; i++) {
        if (i) qv_buf_append_byte(b, ',');
        graph_doc(ns, b, gs[i]->name, gs[i]->durable, "AVAILABLE", 16, true);
        gcatalog_release(ns->cfg.cat, gs[i]);
    }
    free(gs);
    qv_buf_append_str(b, "]}");
}

static void get_or_delete(neptune_service *ns, const qv_http_request *req, qv_http_response *resp,
                          const char *id) {
    graph *g = gcatalog_get(ns->cfg.cat, id);
    if (!g) {
        not_found(resp, id);
        return;
    }
    bool durable = g->durable;
    gcatalog_release(ns->cfg.cat, g);
    if (strcasecmp(req->method, "GET") == 0) {
        ok(resp, 200);
        graph_doc(ns, &resp->body, id, durable, "AVAILABLE", 16, false);
        return;
    }
    if (strcmp(id, ns->cfg.default_graph) == 0) {
        np_error_resp(resp, NP_API_ANALYTICS, 400, "ValidationException", "UNSUPPORTED_OPERATION",
                      "The default database cannot be deleted: the Neptune Database endpoints query it", NULL);
        return;
    }
    qv_err err;
    int rc = 0;
    if (durable && ns->cfg.store) rc = store_remove(ns->cfg.store, id, &err);
    if (rc == 0) rc = gcatalog_drop(ns->cfg.cat, id, &err);
    if (rc < 0) {
        if (err.code == QV_ENOTFOUND)
            not_found(resp, id);
        else
            np_error_resp(resp, NP_API_ANALYTICS, 500, "InternalServerException", NULL, err.msg, NULL);
        return;
    }
    ok(resp, 200);
    graph_doc(ns, &resp->body, id, durable, "DELETING", 16, false);
}

void np_control_plane(neptune_service *ns, const qv_http_request *req, qv_http_response *resp, const char *id) {
    bool get = strcasecmp(req->method, "GET") == 0, post = strcasecmp(req->method, "POST") == 0,
         del = strcasecmp(req->method, "DELETE") == 0;
    if (!*id && post) {
        create_graph(ns, req, resp);
    } else if (!*id && get) {
        list_graphs(ns, resp);
    } else if (*id && (get || del)) {
        char *dec = np_url_decode(id, strlen(id), false);
        get_or_delete(ns, req, resp, dec);
        free(dec);
    } else {
        np_error_resp(resp, NP_API_ANALYTICS, 400, "ValidationException", "UNSUPPORTED_OPERATION",
                      "/graphs accepts POST and GET; /graphs/{id} GET and DELETE", NULL);
    }
}
