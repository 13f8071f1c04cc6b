/* neptune.h — the Amazon Neptune HTTP front end (port 8182).
 *
 * Owns: the Neptune Database and Neptune Analytics HTTP endpoints on top of the embedded openCypher API
 * (cypher/cypher.h), and Neptune's error JSON. Queries run on query threads, never on the network worker,
 * and their results are streamed as they are produced (net/http.h qv_http_defer). The wire contract is
 * ../shared/reference/neptune-and-nodestream.md §1.3-1.7, §2, §3; api/neptune/README.md lists the endpoints.
 */
#ifndef QV_NEPTUNE_H
#define QV_NEPTUNE_H

#include "cypher/cypher.h"
#include "graph/catalog.h"
#include "net/http.h"

typedef struct qv_store qv_store;

typedef struct neptune_config {
    gcatalog *cat;
    qv_store *store;            /* for durable graphs made by CreateGraph; NULL: in-memory only */
    cy_engine *engine;
    uint64_t start_ms;          /* wall clock at start-up, for startTime */
    const char *version;        /* quiver's version */
    const char *default_graph;  /* the database the Neptune Database endpoints query (NULL: "neo4j") */
    uint64_t query_timeout_ms;  /* --query-timeout; 0 = none */
    uint64_t query_memory;      /* --query-memory bytes per query; 0 = none */
    int query_threads;          /* most queries running at once (<= 0: 64); more wait in a queue */
    const char *iam_access_key; /* --iam-credentials: verify SigV4 with this key pair; NULL: ignore signatures */
    const char *iam_secret;
    const char *backup_root;    /* --backup-dir: POST /quiver/backup writes only below it; NULL: refused */
} neptune_config;

typedef struct neptune_service neptune_service;

neptune_service *neptune_service_new(const neptune_config *cfg);
/* Waits for running queries (cancel them first by stopping the network: hang-ups cancel). */
void neptune_service_free(neptune_service *ns);
/* While start-up recovery runs (the listeners are up, the databases not yet loaded): GET /status answers
 * {"status":"recovery",...}, everything else a retryable ThrottlingException saying so. */
void neptune_handle_recovering(neptune_service *ns, const qv_http_request *req, qv_http_response *resp);

/* The qv_http_handler for the HTTP port; ctx is a neptune_service. */
void neptune_handle(void *ctx, const qv_http_request *req, qv_http_response *resp);
/* The qv_http_error_fn: net/'s own refusals (bad framing, body too large) in Neptune's error format. */
void neptune_http_error(void *ctx, int status, const char *message, qv_http_response *resp);

/* Neptune's request limit: 150 MiB ("Request size exceeds max allowed value of 157286400 bytes."). */
#define NEPTUNE_MAX_REQUEST ((uint64_t)157286400)

#endif
