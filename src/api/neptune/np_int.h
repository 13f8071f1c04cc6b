/* np_int.h — what the files of api/neptune/ share (internal).
 *
 * Owns: the service struct, the error table (cy_error classes -> Neptune Database and Neptune Analytics
 * error codes and HTTP statuses), request-field decoding (JSON bodies, form encoding, query strings), the
 * query-thread runner and the registry of running queries.
 * Must not: be included outside api/neptune/.
 */
#ifndef QV_NP_INT_H
#define QV_NP_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "api/neptune/neptune.h"
#include "value/cyerr.h"

typedef enum { NP_API_DB = 0, NP_API_ANALYTICS = 1 } np_api;

/* ---- errors (errors.c) ---- */
typedef struct np_errinfo {
    const char *code;     /* Neptune Database code, e.g. "MalformedQueryException" */
    int status;
    const char *na_code;  /* Neptune Analytics exception name, e.g. "ValidationException" */
    int na_status;
    const char *na_reason;/* Analytics reason, or NULL */
} np_errinfo;

const np_errinfo *np_error_for(cy_errclass cls);
/* A fresh request id (UUID text, 36 chars + NUL). */
void np_request_id(char out[37]);
/* Fills resp as Neptune sends the error: DB {"requestId","code","detailedMessage","message"} or Analytics
 * {"code","message","reason"}, with x-amzn-RequestId and x-amzn-ErrorType. */
void np_error_resp(qv_http_response *resp, np_api api, int status, const char *code, const char *reason,
                   const char *msg, const char *request_id);
/* The error as JSON only (for an error met after part of a result was sent). */
void np_error_body(qv_buf *b, np_api api, const char *code, const char *reason, const char *msg,
                   const char *request_id);
void np_cy_error_resp(qv_http_response *resp, np_api api, const cy_error *e, const char *request_id);

/* ---- request fields (request.c) ---- */
/* Percent-decodes s[0..n) ('+' as space when form) into a NUL-terminated malloc'd string. */
char *np_url_decode(const char *s, size_t n, bool form);
/* The value of field `name` in form/query-string text, decoded (malloc'd), or NULL. */
char *np_form_get(const char *text, size_t len, const char *name);
/* The text after leading "USING QUERY: NAME "value"" hints (Neptune's query hints); quiver ignores them. */
const char *np_skip_hints(const char *q, size_t *len);

/* ---- query threads (runner.c) ---- */
typedef struct np_runner np_runner;
typedef void (*np_task_fn)(void *arg);
np_runner *np_runner_new(int max_threads);
/* Runs fn(arg) on a query thread (started on demand up to max_threads; beyond, tasks queue). -1 when no
 * query thread exists or can be started (fn is then not called). */
int np_runner_submit(np_runner *r, np_task_fn fn, void *arg);
/* Ends a deferred request the runner refused with ThrottlingException (Database 500, Analytics 429). */
void np_refuse_deferred(qv_http_stream *s, np_api api);
/* Waits for the queued and running tasks, then joins the threads. */
void np_runner_free(np_runner *r);

/* ---- running queries (registry.c) ---- */
typedef struct np_running {
    char id[37];
    np_api api;
    char *text;               /* up to 1024 bytes of the query */
    uint64_t start_ms;
    atomic_bool *cancel;
    bool user_cancelled;
    struct np_running *next;
} np_running;

typedef struct np_registry {
    pthread_mutex_t mu;
    np_running *head;
    uint64_t accepted;
} np_registry;

void np_registry_init(np_registry *r);
void np_registry_destroy(np_registry *r);
void np_registry_add(np_registry *r, np_running *q, const char *text, size_t len);
void np_registry_remove(np_registry *r, np_running *q);
/* Sets the query's cancel flag; false when no such query runs. */
bool np_registry_cancel(np_registry *r, const char *id);
bool np_registry_was_cancelled(np_registry *r, np_running *q);
/* JSON documents for the status endpoints; false when id names no running query. */
void np_registry_list_db(np_registry *r, qv_buf *b);
bool np_registry_get_db(np_registry *r, const char *id, qv_buf *b);
void np_registry_list_na(np_registry *r, qv_buf *b, size_t max);
bool np_registry_get_na(np_registry *r, const char *id, qv_buf *b);

struct neptune_service {
    neptune_config cfg;
    np_runner *runner;
    np_registry reg;
    pthread_mutex_t reset_mu;
    char reset_token[37];     /* the token of the last initiateDatabaseReset, "" when none */
    uint64_t reset_token_ms;
};

/* query.c: POST /opencypher and friends, POST /queries, explain; run on a query thread. */
void np_query_start(neptune_service *ns, const qv_http_request *req, qv_http_response *resp, np_api api,
                    bool explain);
/* summary.c: GET /propertygraph/statistics/summary (DB) and GET /summary (Analytics) of graph_name. */
void np_summary(neptune_service *ns, const qv_http_request *req, qv_http_response *resp, np_api api,
                const char *graph_name);
/* query.c: the graph an Analytics request names (graphIdentifier header or host prefix), malloc'd, or NULL. */
char *np_analytics_graph(const qv_http_request *req);
/* controlplane.c: /graphs[/{id}] (CreateGraph, ListGraphs, GetGraph, DeleteGraph); id "" for none. */
void np_control_plane(neptune_service *ns, const qv_http_request *req, qv_http_response *resp, const char *id);
/* sigv4.c: true when IAM auth is off or the request's SigV4 signature is valid; else resp is a 403. */
bool np_sigv4_check(neptune_service *ns, const qv_http_request *req, qv_http_response *resp, np_api api);
/* system.c: POST /system */
void np_system(neptune_service *ns, const qv_http_request *req, qv_http_response *resp);

#endif
