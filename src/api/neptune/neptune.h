/* neptune.h — the Amazon Neptune HTTP front end (port 8182).
 *
 * Owns: the HTTP endpoints and Neptune's error JSON. For now: GET /status (Neptune's engine-status
 * document plus quiver's graphs). The openCypher endpoints (POST /opencypher, POST /queries) come with the
 * query engine.
 */
#ifndef QV_NEPTUNE_H
#define QV_NEPTUNE_H

#include "graph/catalog.h"
#include "net/http.h"

typedef struct neptune_service {
    gcatalog *cat;
    uint64_t start_ms;   /* wall clock at start-up, for startTime */
    const char *version;
} neptune_service;

/* The qv_http_handler for the HTTP port; ctx is a neptune_service. */
void neptune_handle(void *ctx, const qv_http_request *req, qv_http_response *resp);

#endif
