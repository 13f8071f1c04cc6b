/* summary.c — graph statistics: Neptune Database's GET /propertygraph/statistics/summary (the SDK's
 * GetPropertygraphSummary) and Neptune Analytics' GET /summary (GetGraphSummary): node and relationship
 * counts, labels and types (with quiver's per-label and per-type counts), property keys with how many
 * elements carry each. Counting properties reads every element, so it runs on a query thread.
 * Must not: change the graph.
 */
#include "api/neptune/np_int.h"
#include "graph/gview.h"
#include "util/clock.h"
#include "wire/json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

typedef struct summary_job {
    neptune_service *ns;
    qv_http_stream *s;
    np_api api;
    char *graph;
    char rid[37];
} summary_job;

/* {"name":count,...} entries of keys that occur, as Neptune's list of one-entry maps. */
static void key_counts(qv_buf *b, gview *v, const uint64_t *per_key, uint32_t nkeys, uint64_t *distinct,
                       uint64_t *total) {
    qv_buf_append_byte(b, '[');
    bool first = true;
    for (uint32_t k = 0; k < nkeys; k++) {
        if (!per_key[k]) continue;
        if (!first) qv_buf_append_byte(b, ',');
        first = false;
        qv_buf_append_byte(b, '{');
        json_write_cstr(b, gview_key_name(v, k));
        qv_buf_printf(b, ":%llu}", (unsigned long long)per_key[k]);
        (*distinct)++;
        *total += per_key[k];
    }
    qv_buf_append_byte(b, ']');
}

static void write_summary(qv_buf *b, gview *v) {
    uint32_t nl = gview_n_labels(v), nt = gview_n_types(v), nk = gview_n_keys(v);
    uint64_t *nodekeys = qv_calloc((size_t)nk + 1, sizeof(uint64_t));
    uint64_t *relkeys = qv_calloc((size_t)nk + 1, sizeof(uint64_t));
    qv_arena a;
    qv_arena_init(&a);
    uint64_t ids[1024];
    uint32_t n;
    gnode_iter ni;
    gview_nodes(v, -1, &ni);
    while ((n = gnode_iter_next(&ni, ids, 1024)) > 0)
        for (uint32_t i = 0; i < n; i++) {
            qv_arena_mark m = qv_arena_mark_get(&a);
            gprop *p;
            uint32_t np = gview_node_props(v, ids[i], &a, &p);
            for (uint32_t j = 0; j < np; j++)
                if (p[j].key < nk) nodekeys[p[j].key]++;
            qv_arena_reset_to(&a, m);
        }
    grel_iter ri;
    gview_rels(v, -1, &ri);
    while ((n = grel_iter_next(&ri, ids, 1024)) > 0)
        for (uint32_t i = 0; i < n; i++) {
            qv_arena_mark m = qv_arena_mark_get(&a);
            gprop *p;
            uint32_t np = gview_rel_props(v, ids[i], &a, &p);
            for (uint32_t j = 0; j < np; j++)
                if (p[j].key < nk) relkeys[p[j].key]++;
            qv_arena_reset_to(&a, m);
        }
    qv_arena_free(&a);

    uint32_t used_l = 0, used_t = 0;
    for (uint32_t i = 0; i < nl; i++) used_l += gview_label_count(v, i) > 0;
    for (uint32_t i = 0; i < nt; i++) used_t += gview_type_count(v, i) > 0;
    qv_buf_printf(b, "{\"numNodes\":%llu,\"numEdges\":%llu,\"numNodeLabels\":%u,\"numEdgeLabels\":%u,\"nodeLabels\":[",
                  (unsigned long long)gview_node_count(v), (unsigned long long)gview_rel_count(v), used_l, used_t);
    bool first = true;
    for (uint32_t i = 0; i < nl; i++)
        if (gview_label_count(v, i)) {
            if (!first) qv_buf_append_byte(b, ',');
            first = false;
            json_write_cstr(b, gview_label_name(v, i));
        }
    qv_buf_append_str(b, "],\"edgeLabels\":[");
    first = true;
    for (uint32_t i = 0; i < nt; i++)
        if (gview_type_count(v, i)) {
            if (!first) qv_buf_append_byte(b, ',');
            first = false;
            json_write_cstr(b, gview_type_name(v, i));
        }
    qv_buf tmp;
    qv_buf_init(&tmp);
    uint64_t dn = 0, tn = 0, de = 0, te = 0;
    qv_buf_append_str(&tmp, ",\"nodeProperties\":");
    key_counts(&tmp, v, nodekeys, nk, &dn, &tn);
    qv_buf_append_str(&tmp, ",\"edgeProperties\":");
    key_counts(&tmp, v, relkeys, nk, &de, &te);
    qv_buf_printf(b, "],\"numNodeProperties\":%llu,\"numEdgeProperties\":%llu", (unsigned long long)dn,
                  (unsigned long long)de);
    qv_buf_append(b, tmp.data, tmp.len);
    qv_buf_free(&tmp);
    qv_buf_printf(b, ",\"totalNodePropertyValues\":%llu,\"totalEdgePropertyValues\":%llu,\"nodeLabelCounts\":{",
                  (unsigned long long)tn, (unsigned long long)te);
    first = true;
    for (uint32_t i = 0; i < nl; i++) {
        uint64_t c = gview_label_count(v, i);
        if (!c) continue;
        if (!first) qv_buf_append_byte(b, ',');
        first = false;
        json_write_cstr(b, gview_label_name(v, i));
        qv_buf_printf(b, ":%llu", (unsigned long long)c);
    }
    qv_buf_append_str(b, "},\"edgeLabelCounts\":{");
    first = true;
    for (uint32_t i = 0; i < nt; i++) {
        uint64_t c = gview_type_count(v, i);
        if (!c) continue;
        if (!first) qv_buf_append_byte(b, ',');
        first = false;
        json_write_cstr(b, gview_type_name(v, i));
        qv_buf_printf(b, ":%llu", (unsigned long long)c);
    }
    qv_buf_append_str(b, "}}");
    free(nodekeys);
    free(relkeys);
}

static void run_summary(void *arg) {
    summary_job *j = arg;
    qv_http_response *resp = qv_http_stream_response(j->s);
    gcatalog *cat = j->ns->cfg.cat;
    graph *g = gcatalog_get(cat, j->graph);
    qv_err err;
    gview *v = g ? gview_open(g, &err) : NULL;
    if (!g || !v) {
        char m[300];
        snprintf(m, sizeof m, "%s %.100s", g ? "Cannot read the graph" : "There is no graph named", j->graph);
        if (j->api == NP_API_ANALYTICS)
            np_error_resp(resp, j->api, 404, "ResourceNotFoundException", NULL, m, j->rid);
        else
            np_error_resp(resp, j->api, 400, "BadRequestException", NULL, m, j->rid);
    } else {
        char when[32];
        time_t t = time(NULL);
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
        resp->status = 200;
        resp->content_type = "application/json;charset=UTF-8";
        qv_http_response_header(resp, "x-amzn-RequestId", j->rid);
        qv_buf *b = &resp->body;
        if (j->api == NP_API_DB) qv_buf_append_str(b, "{\"status\":\"200 OK\",\"payload\":");
        qv_buf_printf(b, "{\"version\":\"v1\",\"lastStatisticsComputationTime\":\"%s\",", when);
        if (j->api == NP_API_ANALYTICS) {
            qv_buf_append_str(b, "\"graphName\":");
            json_write_cstr(b, j->graph);
            qv_buf_append_byte(b, ',');
        }
        qv_buf_append_str(b, "\"graphSummary\":");
        write_summary(b, v);
        qv_buf_append_byte(b, '}');
        if (j->api == NP_API_DB) qv_buf_append_byte(b, '}');
    }
    if (v) gview_close(v);
    if (g) gcatalog_release(cat, g);
    qv_http_stream_end(j->s);
    free(j->graph);
    free(j);
}

void np_summary(neptune_service *ns, const qv_http_request *req, qv_http_response *resp, np_api api,
                const char *graph_name) {
    if (strcasecmp(req->method, "GET") != 0) {
        if (api == NP_API_DB)
            np_error_resp(resp, api, 405, "MethodNotAllowedException", NULL, "The summary accepts GET", NULL);
        else
            np_error_resp(resp, api, 400, "ValidationException", "UNSUPPORTED_OPERATION", "The summary accepts GET",
                          NULL);
        return;
    }
    qv_http_stream *s = qv_http_defer(req);
    if (!s) {
        np_error_resp(resp, api, api == NP_API_DB ? 500 : 429, "ThrottlingException", NULL, "Retry later", NULL);
        return;
    }
    summary_job *j = qv_calloc(1, sizeof *j);
    j->ns = ns;
    j->s = s;
    j->api = api;
    j->graph = strdup(graph_name);
    np_request_id(j->rid);
    if (np_runner_submit(ns->runner, run_summary, j) < 0) {
        np_refuse_deferred(s, api);
        free(j->graph);
        free(j);
    }
}
