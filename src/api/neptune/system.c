/* system.c — POST /system, Neptune's fast reset (the SDK's ExecuteFastReset): {"action":
 * "initiateDatabaseReset"} returns a token, {"action":"performDatabaseReset","token":...} with that token
 * (within 60 s) empties the default database. JSON or form-encoded bodies. The delete runs on a query
 * thread like any write (it queues behind the graph's writer).
 * Must not: empty anything without the token handshake.
 */
#include "api/neptune/np_int.h"
#include "util/clock.h"
#include "wire/json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define TOKEN_TTL_MS 60000

typedef struct reset_job {
    neptune_service *ns;
    qv_http_stream *s;
    char rid[37];
} reset_job;

static void run_reset(void *arg) {
    reset_job *j = arg;
    qv_http_response *resp = qv_http_stream_response(j->s);
    static const char q[] = "MATCH (n) DETACH DELETE n";
    cy_query_opts opts = {.graph = j->ns->cfg.default_graph, .params = qv_null(),
                          .cancel = qv_http_stream_cancelled(j->s)};
    cy_result *r = NULL;
    cy_error err;
    cy_error_clear(&err);
    if (cy_query(j->ns->cfg.engine, q, sizeof q - 1, &opts, &r, &err) == 0) {
        const qval *row;
        while (cy_result_next(r, &row, &err) == 1) {
        }
        cy_result_free(r);
    }
    if (err.cls != CYE_NONE) {
        np_cy_error_resp(resp, NP_API_DB, &err, j->rid);
    } else {
        resp->status = 200;
        resp->content_type = "application/json;charset=UTF-8";
        qv_http_response_header(resp, "x-amzn-RequestId", j->rid);
        qv_buf_append_str(&resp->body, "{\"status\":\"200 OK\"}");
    }
    qv_http_stream_end(j->s);
    free(j);
}

static char *get_field(const qv_http_request *req, json_doc *d, const char *name) {
    if (d) {
        const char *v = json_get_str(json_doc_root(d), name);
        return v ? strdup(v) : NULL;
    }
    return np_form_get((const char *)req->body, req->body_len, name);
}

void np_system(neptune_service *ns, const qv_http_request *req, qv_http_response *resp) {
    if (strcasecmp(req->method, "POST") != 0) {
        np_error_resp(resp, NP_API_DB, 405, "MethodNotAllowedException", NULL, "/system accepts POST", NULL);
        return;
    }
    qv_err jerr;
    size_t i = 0;
    while (i < req->body_len && (req->body[i] == ' ' || req->body[i] == '\n' || req->body[i] == '\r')) i++;
    json_doc *d = i < req->body_len && req->body[i] == '{' ? json_parse((const char *)req->body, req->body_len, &jerr)
                                                           : NULL;
    char *action = get_field(req, d, "action");
    char *token = get_field(req, d, "token");
    if (d) json_doc_free(d);
    char rid[37];
    np_request_id(rid);
    if (action && strcmp(action, "initiateDatabaseReset") == 0) {
        pthread_mutex_lock(&ns->reset_mu);
        np_request_id(ns->reset_token);
        ns->reset_token_ms = qv_wall_ms();
        resp->status = 200;
        resp->content_type = "application/json;charset=UTF-8";
        qv_http_response_header(resp, "x-amzn-RequestId", rid);
        qv_buf_printf(&resp->body, "{\"status\":\"200 OK\",\"payload\":{\"token\":\"%s\"}}", ns->reset_token);
        pthread_mutex_unlock(&ns->reset_mu);
    } else if (action && strcmp(action, "performDatabaseReset") == 0) {
        pthread_mutex_lock(&ns->reset_mu);
        bool ok = token && ns->reset_token[0] && strcmp(token, ns->reset_token) == 0 &&
                  qv_wall_ms() - ns->reset_token_ms <= TOKEN_TTL_MS;
        if (ok) ns->reset_token[0] = 0;   /* one use */
        pthread_mutex_unlock(&ns->reset_mu);
        if (!ok) {
            np_error_resp(resp, NP_API_DB, 400, "InvalidParameterException", NULL,
                          "performDatabaseReset needs the token of a recent initiateDatabaseReset", rid);
        } else {
            qv_http_stream *s = qv_http_defer(req);
            if (!s) {
                np_error_resp(resp, NP_API_DB, 500, "ThrottlingException", NULL, "The server cannot reset now; retry",
                              rid);
            } else {
                reset_job *j = qv_calloc(1, sizeof *j);
                j->ns = ns;
                j->s = s;
                memcpy(j->rid, rid, sizeof rid);
                if (np_runner_submit(ns->runner, run_reset, j) < 0) {
                    np_refuse_deferred(s, NP_API_DB);
                    free(j);
                }
            }
        }
    } else {
        np_error_resp(resp, NP_API_DB, 400, "InvalidParameterException", NULL,
                      "'action' must be initiateDatabaseReset or performDatabaseReset", rid);
    }
    free(action);
    free(token);
}
