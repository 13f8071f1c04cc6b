/* flight.h — the Neo4j GDS Arrow Flight front end (arrow.flight.protocol.FlightService).
 *
 * Owns: the GDS v1 projection protocol on top of net/grpc.h: authentication (Basic on every call,
 * Bearer tokens), ListActions, DoAction (CREATE_GRAPH, CREATE_DATABASE, *_LOAD_DONE, ABORT,
 * PUT_NODE_PROPERTIES, catalog actions), DoPut streams into imports, and the import registry with its
 * abort timeout. It turns Arrow record batches into loader chunks; it does not build graphs (graph/)
 * or parse bytes (wire/).
 */
#ifndef QV_FLIGHT_H
#define QV_FLIGHT_H

#include <stdint.h>

#include "graph/catalog.h"
#include "net/grpc.h"
#include "store/store.h"
#include "util/pool.h"

typedef struct flight_config {
    const char *auth_user;        /* NULL: no authentication */
    const char *auth_password;
    uint64_t abort_timeout_ms;    /* idle imports are aborted after this long */
    uint64_t token_idle_ms;       /* bearer tokens expire after this long unused (2 h) */
    uint64_t export_batch_rows;   /* rows per exported RecordBatch (--export-batch-size; 0: 10,000) */
} flight_config;

typedef struct flight_service flight_service;

/* The catalog, store and pool are borrowed and must outlive the service. store may be NULL (no
 * durability: databases then live in memory only). */
flight_service *flight_service_new(const flight_config *cfg, gcatalog *cat, qv_store *store, qv_pool *pool);
const qv_grpc_service *flight_service_grpc(flight_service *fs);
/* DoGet totals over the calls that have closed: messages sent (schema, dictionary and record batches)
 * and how many of their message buffers had to be allocated rather than recycled from the call's earlier
 * messages. A long export allocates only the few buffers its send queue holds at once. */
void flight_service_export_stats(flight_service *fs, uint64_t *messages, uint64_t *buf_allocs);
/* RecordBatches sent so far with the column buffers as their body (no copy through the Arrow writer). */
uint64_t flight_service_export_direct(flight_service *fs);
/* Aborts every import in progress and stops the abort-timeout thread. Call after net/ has stopped. */
void flight_service_free(flight_service *fs);

#endif
