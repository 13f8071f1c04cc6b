/* status.c — HTTP routing for the Neptune port and the GET /status health document.
 *
 * /status answers in Neptune's GetEngineStatus shape (status, startTime, dbEngineVersion, role, ...) so
 * SDKs and graph-notebook accept it, plus "graphs": every graph's summary (the same objects as Flight's
 * v1/LIST_GRAPHS). Unknown paths get Neptune's
 * error JSON with HTTP 404.
 */
#include "api/common/graph_json.h"
#include "api/neptune/neptune.h"
#include "wire/json.h"

#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>

static void error_json(qv_http_response *resp, int status, const char *code, const char *msg) {
    resp->status = status;
    uint8_t r[16];
    if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r)
        for (size_t i = 0; i < sizeof r; i++) r[i] = (uint8_t)(i * 37);
    char id[40];
    snprintf(id, sizeof id, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", r[0], r[1], r[2],
             r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12], r[13], r[14], r[15]);
    qv_buf_append_str(&resp->body, "{\"requestId\":");
    json_write_cstr(&resp->body, id);
    qv_buf_append_str(&resp->body, ",\"code\":");
    json_write_cstr(&resp->body, code);
    qv_buf_append_str(&resp->body, ",\"detailedMessage\":");
    json_write_cstr(&resp->body, msg);
    qv_buf_append_byte(&resp->body, '}');
}

static void status_doc(neptune_service *ns, qv_http_response *resp) {
    char start[64];
    time_t t = (time_t)(ns->start_ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(start, sizeof start, "%a %b %d %H:%M:%S UTC %Y", &tm);
    qv_buf *b = &resp->body;
    qv_buf_append_str(b, "{\"status\":\"healthy\",\"startTime\":");
    json_write_cstr(b, start);
    qv_buf_append_str(b, ",\"dbEngineVersion\":");
    json_write_cstr(b, ns->version);
    qv_buf_append_str(b, ",\"role\":\"writer\",\"dfeQueryEngine\":\"viaQueryHint\","
                         "\"opencypher\":{\"version\":\"Neptune-9.0.20190305-1.0\"},"
                         "\"features\":{\"IAMAuthentication\":\"disabled\"},\"settings\":{},\"graphs\":[");
    graph **gs;
    size_t n;
    gcatalog_list(ns->cat, &gs, &n);
    for (size_t i = 0; i < n; i++) {
        if (i) qv_buf_append_byte(b, ',');
        api_graph_summary_json(gs[i], b);
        gcatalog_release(ns->cat, gs[i]);
    }
    free(gs);
    qv_buf_append_str(b, "]}");
}

void neptune_handle(void *ctx, const qv_http_request *req, qv_http_response *resp) {
    neptune_service *ns = ctx;
    resp->content_type = "application/json";
    if (strcasecmp(req->path, "/status") == 0) {
        if (strcasecmp(req->method, "GET") != 0 && strcasecmp(req->method, "POST") != 0) {
            error_json(resp, 405, "MethodNotAllowedException", "/status accepts GET");
            return;
        }
        status_doc(ns, resp);
        return;
    }
    char msg[300];
    snprintf(msg, sizeof msg, "no endpoint at %.200s (this quiver serves GET /status)", req->path);
    error_json(resp, 404, "BadRequestException", msg);
}
