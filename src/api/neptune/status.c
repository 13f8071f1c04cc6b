/* status.c — the Neptune service and its HTTP routing: which path goes where (case-insensitive, as the SDKs
 * and the docs spell them differently), GET /status (Neptune's GetEngineStatus document plus quiver's
 * graphs), and the status endpoints of running queries: GET /opencypher/status, GET|DELETE
 * /opencypher/status/{id}, the form-encoded POST /openCypher/status, and Analytics' GET /queries,
 * GET|DELETE /queries/{id}. Unknown paths get Neptune's error JSON with 404.
 * Must not: run queries on the network worker (query.c hands them to query threads).
 */
#include "api/common/graph_json.h"
#include "api/neptune/np_int.h"
#include "store/store.h"
#include "wire/json.h"

#include <stdio.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* The engine version reported: numeric, as graph-notebook and tools parse it. */
#define NP_ENGINE_VERSION "1.4.5.0.R1"

neptune_service *neptune_service_new(const neptune_config *cfg) {
    neptune_service *ns = qv_calloc(1, sizeof *ns);
    ns->cfg = *cfg;
    if (!ns->cfg.default_graph) ns->cfg.default_graph = "neo4j";
    ns->runner = np_runner_new(cfg->query_threads);
    np_registry_init(&ns->reg);
    pthread_mutex_init(&ns->reset_mu, NULL);
    return ns;
}

void neptune_service_free(neptune_service *ns) {
    if (!ns) return;
    np_runner_free(ns->runner);
    np_registry_destroy(&ns->reg);
    pthread_mutex_destroy(&ns->reset_mu);
    free(ns);
}

static void status_doc_as(neptune_service *ns, qv_http_response *resp, const char *state);
static void status_doc(neptune_service *ns, qv_http_response *resp) { status_doc_as(ns, resp, "healthy"); }

static void status_doc_as(neptune_service *ns, qv_http_response *resp, const char *state) {
    char start[64];
    time_t t = (time_t)(ns->cfg.start_ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(start, sizeof start, "%a %b %d %H:%M:%S UTC %Y", &tm);
    qv_buf *b = &resp->body;
    qv_buf_append_str(b, "{\"status\":");
    json_write_cstr(b, state);
    qv_buf_append_str(b, ",\"startTime\":");
    json_write_cstr(b, start);
    qv_buf_append_str(b, ",\"dbEngineVersion\":\"" NP_ENGINE_VERSION "\",\"quiverVersion\":");
    json_write_cstr(b, ns->cfg.version);
    qv_buf_append_str(b, ",\"role\":\"writer\",\"dfeQueryEngine\":\"viaQueryHint\","
                         "\"opencypher\":{\"version\":\"Neptune-9.0.20190305-1.0\"},"
                         "\"labMode\":{},\"features\":{\"IAMAuthentication\":");
    qv_buf_append_str(b, ns->cfg.iam_access_key ? "\"enabled\"" : "\"disabled\"");
    qv_buf_append_str(b, "},\"settings\":{");
    if (ns->cfg.query_timeout_ms)
        qv_buf_printf(b, "\"clusterQueryTimeoutInMs\":\"%llu\"", (unsigned long long)ns->cfg.query_timeout_ms);
    qv_buf_append_str(b, "},\"graphs\":[");
    graph **gs;
    size_t n;
    gcatalog_list(ns->cfg.cat, &gs, &n);
    for (size_t i = 0; i < n; i++) {
        if (i) qv_buf_append_byte(b, ',');
        api_graph_summary_json(gs[i], b);
        gcatalog_release(ns->cfg.cat, gs[i]);
    }
    free(gs);
    qv_buf_append_str(b, "]}");
}

static bool is(const char *method, const char *m) { return strcasecmp(method, m) == 0; }

/* path equals prefix, or is prefix + "/" + id: returns the id ("" for none), else NULL. */
static const char *route(const char *path, const char *prefix) {
    size_t n = strlen(prefix);
    if (strncasecmp(path, prefix, n) != 0) return NULL;
    if (path[n] == 0 || (path[n] == '/' && path[n + 1] == 0)) return "";
    if (path[n] == '/' && !strchr(path + n + 1, '/')) return path + n + 1;
    return NULL;
}

static void method_not_allowed(qv_http_response *resp, np_api api, const char *what) {
    char m[200];
    snprintf(m, sizeof m, "%s", what);
    if (api == NP_API_ANALYTICS)
        np_error_resp(resp, api, 400, "ValidationException", "UNSUPPORTED_OPERATION", m, NULL);
    else
        np_error_resp(resp, api, 405, "MethodNotAllowedException", NULL, m, NULL);
}

static void ok_json(qv_http_response *resp) {
    char rid[37];
    np_request_id(rid);
    resp->status = 200;
    resp->content_type = "application/json;charset=UTF-8";
    qv_http_response_header(resp, "x-amzn-RequestId", rid);
}

/* GET|POST|DELETE /opencypher/status[/id] */
static void db_status(neptune_service *ns, const qv_http_request *req, qv_http_response *resp, const char *id) {
    char *form_id = NULL, *cancel = NULL;
    bool form = is(req->method, "POST");
    if (form) {
        form_id = np_form_get((const char *)req->body, req->body_len, "queryId");
        cancel = np_form_get((const char *)req->body, req->body_len, "cancelQuery");
        if (form_id) id = form_id;
    } else if (!is(req->method, "GET") && !is(req->method, "DELETE")) {
        method_not_allowed(resp, NP_API_DB, "/opencypher/status accepts GET, POST and DELETE");
        return;
    }
    bool do_cancel = is(req->method, "DELETE") || (cancel && strcasecmp(cancel, "false") != 0);
    ok_json(resp);
    if (!*id) {
        if (do_cancel) {
            np_error_resp(resp, NP_API_DB, 400, "MissingParameterException", NULL,
                          "Cancelling needs a queryId", NULL);
        } else {
            np_registry_list_db(&ns->reg, &resp->body);
        }
    } else if (do_cancel) {
        if (np_registry_cancel(&ns->reg, id)) {
            qv_buf_append_str(&resp->body, "{\"status\":\"200 OK\",\"payload\":true}");
        } else {
            char m[200];
            snprintf(m, sizeof m, "Supplied queryId %.60s does not belong to a running query", id);
            np_error_resp(resp, NP_API_DB, 400, "InvalidParameterException", NULL, m, NULL);
        }
    } else if (!np_registry_get_db(&ns->reg, id, &resp->body)) {
        char m[200];
        snprintf(m, sizeof m, "Supplied queryId %.60s does not belong to a running query", id);
        np_error_resp(resp, NP_API_DB, 400, "InvalidParameterException", NULL, m, NULL);
    }
    free(form_id);
    free(cancel);
}

/* GET /queries, GET|DELETE /queries/{id} (Analytics) */
static void na_status(neptune_service *ns, const qv_http_request *req, qv_http_response *resp, const char *id) {
    ok_json(resp);
    if (!*id) {
        char *max = np_form_get(req->query, strlen(req->query), "maxResults");
        size_t m = max ? strtoull(max, NULL, 10) : 0;
        free(max);
        np_registry_list_na(&ns->reg, &resp->body, m ? m : SIZE_MAX);
        return;
    }
    bool found = is(req->method, "DELETE") ? np_registry_cancel(&ns->reg, id)
                                           : np_registry_get_na(&ns->reg, id, &resp->body);
    if (!found) {
        char m[200];
        snprintf(m, sizeof m, "No running query with id %.60s", id);
        np_error_resp(resp, NP_API_ANALYTICS, 404, "ResourceNotFoundException", NULL, m, NULL);
    }
}

/* The directory a backup request may write: `to` is a plain name (placed in root) or a path whose parent is
 * root or below it. Refused without --backup-dir. */
static int backup_target(const char *root, const char *to, char out[PATH_MAX], qv_err *err) {
    if (!root)
        return qv_err_set(err, QV_EAUTH, "online backups are disabled on this server: start it with --backup-dir DIR "
                                         "to allow them (they are written under DIR)");
    char rroot[PATH_MAX], parent[PATH_MAX], rparent[PATH_MAX];
    if (!realpath(root, rroot)) return qv_err_set(err, QV_EAUTH, "the backup directory %s is not usable", root);
    const char *slash = strrchr(to, '/');
    const char *name = slash ? slash + 1 : to;
    if (!*name || name[0] == '.' || strlen(to) >= PATH_MAX - 1)
        return qv_err_set(err, QV_EAUTH, "'%s' is not a backup name: give a new directory name under the backup "
                                         "directory", to);
    if (!slash) {
        if (strlen(rroot) + 1 + strlen(name) >= PATH_MAX) return qv_err_set(err, QV_EAUTH, "the backup path is too long");
        memcpy(out, rroot, strlen(rroot));
        out[strlen(rroot)] = '/';
        memcpy(out + strlen(rroot) + 1, name, strlen(name) + 1);
        return 0;
    }
    size_t pl = (size_t)(slash - to);
    memcpy(parent, to, pl ? pl : 1);
    parent[pl ? pl : 1] = 0;
    size_t rl = strlen(rroot);
    if (!realpath(parent, rparent) || strncmp(rparent, rroot, rl) != 0 || (rparent[rl] != 0 && rparent[rl] != '/'))
        return qv_err_set(err, QV_EAUTH, "backups may only be written under %s (the server's --backup-dir), not to %s",
                          rroot, to);
    if (strlen(rparent) + 1 + strlen(name) >= PATH_MAX) return qv_err_set(err, QV_EAUTH, "the backup path is too long");
    memcpy(out, rparent, strlen(rparent));
    out[strlen(rparent)] = '/';
    memcpy(out + strlen(rparent) + 1, name, strlen(name) + 1);
    return 0;
}

/* POST /quiver/backup {"to": "DIR"}: an online backup of the data directory to DIR (a path on the server's
 * machine), for `quiver backup --server URL`. Runs on the network worker: it copies files, it runs no query. */
static void backup(neptune_service *ns, const qv_http_request *req, qv_http_response *resp) {
    if (!is(req->method, "POST")) {
        method_not_allowed(resp, NP_API_DB, "/quiver/backup accepts POST");
        return;
    }
    if (!ns->cfg.store) {
        np_error_resp(resp, NP_API_DB, 400, "BadRequestException", NULL, "This server has no data directory to back up",
                      NULL);
        return;
    }
    qv_err err;
    qv_err_clear(&err);
    json_doc *doc = json_parse((const char *)req->body, req->body_len, &err);
    const char *to = doc ? json_get_str(json_doc_root(doc), "to") : NULL;
    if (!to || !*to) {
        np_error_resp(resp, NP_API_DB, 400, "MissingParameterException", NULL,
                      "The body must be a JSON object {\"to\": \"DIRECTORY\"} naming a new directory on the server", NULL);
        json_doc_free(doc);
        return;
    }
    /* The server writes where the request says: only below the directory its operator chose. */
    char target[PATH_MAX];
    if (backup_target(ns->cfg.backup_root, to, target, &err) < 0) {
        np_error_resp(resp, NP_API_DB, 403, "AccessDeniedException", NULL, err.msg, NULL);
        json_doc_free(doc);
        return;
    }
    store_backup_info info;
    if (store_backup(ns->cfg.store, target, &info, &err) < 0) {
        bool client = err.code == QV_EEXISTS || err.code == QV_EINVAL;
        np_error_resp(resp, NP_API_DB, client ? 400 : 500, client ? "InvalidParameterException" : "InternalFailureException",
                      NULL, err.msg, NULL);
    } else {
        ok_json(resp);
        qv_buf *b = &resp->body;
        qv_buf_append_str(b, "{\"status\":\"200 OK\",\"payload\":{\"to\":");
        json_write_cstr(b, to);
        qv_buf_printf(b, ",\"files\":%llu,\"bytes\":%llu,\"seconds\":%.3f}}", (unsigned long long)info.files,
                      (unsigned long long)info.bytes, info.seconds);
    }
    json_doc_free(doc);
}

void neptune_handle_recovering(neptune_service *ns, const qv_http_request *req, qv_http_response *resp) {
    resp->content_type = "application/json";
    if (strcasecmp(req->path, "/status") == 0) {
        ok_json(resp);
        status_doc_as(ns, resp, "recovery");
        return;
    }
    bool na = route(req->path, "/queries") || route(req->path, "/graphs") || strcasecmp(req->path, "/summary") == 0;
    np_error_resp(resp, na ? NP_API_ANALYTICS : NP_API_DB, na ? 429 : 500, "ThrottlingException", NULL,
                  "The server is recovering its databases from the write-ahead log; retry once GET /status says "
                  "\"healthy\"", NULL);
}

void neptune_handle(void *ctx, const qv_http_request *req, qv_http_response *resp) {
    neptune_service *ns = ctx;
    resp->content_type = "application/json";
    const char *p = req->path, *id;
    if (ns->cfg.iam_access_key) {
        bool na = route(p, "/queries") || route(p, "/graphs") || strcasecmp(p, "/summary") == 0;
        if (!np_sigv4_check(ns, req, resp, na ? NP_API_ANALYTICS : NP_API_DB)) return;
    }
    if (strcasecmp(p, "/status") == 0) {
        if (!is(req->method, "GET") && !is(req->method, "POST")) {
            method_not_allowed(resp, NP_API_DB, "/status accepts GET");
            return;
        }
        ok_json(resp);
        status_doc(ns, resp);
        return;
    }
    if (strcasecmp(p, "/opencypher") == 0 || strcasecmp(p, "/opencypher/") == 0) {
        if (!is(req->method, "GET") && !is(req->method, "POST") && !is(req->method, "HEAD")) {
            method_not_allowed(resp, NP_API_DB, "The openCypher endpoint accepts GET and POST");
            return;
        }
        np_query_start(ns, req, resp, NP_API_DB, false);
        return;
    }
    if (strcasecmp(p, "/opencypher/explain") == 0) {
        if (!is(req->method, "GET") && !is(req->method, "POST")) {
            method_not_allowed(resp, NP_API_DB, "/opencypher/explain accepts GET and POST");
            return;
        }
        np_query_start(ns, req, resp, NP_API_DB, true);
        return;
    }
    if ((id = route(p, "/opencypher/status"))) {
        db_status(ns, req, resp, id);
        return;
    }
    if ((id = route(p, "/queries"))) {
        if (!*id && is(req->method, "POST")) {
            np_query_start(ns, req, resp, NP_API_ANALYTICS, false);
            return;
        }
        if (!is(req->method, "GET") && !(*id && is(req->method, "DELETE"))) {
            method_not_allowed(resp, NP_API_ANALYTICS, "/queries accepts POST and GET; /queries/{id} GET and DELETE");
            return;
        }
        na_status(ns, req, resp, id);
        return;
    }
    if (strcasecmp(p, "/propertygraph/statistics/summary") == 0 || strcasecmp(p, "/pg/statistics/summary") == 0) {
        np_summary(ns, req, resp, NP_API_DB, ns->cfg.default_graph);
        return;
    }
    if (strcasecmp(p, "/summary") == 0) {
        char *g = np_analytics_graph(req);
        if (!g)
            np_error_resp(resp, NP_API_ANALYTICS, 400, "ValidationException", "BAD_REQUEST", "Missing graphIdentifier",
                          NULL);
        else
            np_summary(ns, req, resp, NP_API_ANALYTICS, g);
        free(g);
        return;
    }
    if ((id = route(p, "/graphs"))) {
        np_control_plane(ns, req, resp, id);
        return;
    }
    if (strcasecmp(p, "/quiver/backup") == 0) {
        backup(ns, req, resp);
        return;
    }
    if (strcasecmp(p, "/system") == 0) {
        np_system(ns, req, resp);
        return;
    }
    char msg[400];
    snprintf(msg, sizeof msg, "No endpoint at %.200s (quiver serves /opencypher, /opencypher/status, "
                              "/opencypher/explain, /queries, /status, /system)", p);
    np_error_resp(resp, NP_API_DB, 404, "BadRequestException", NULL, msg, NULL);
}
