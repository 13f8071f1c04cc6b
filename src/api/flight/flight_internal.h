/* flight_internal.h — what the files of api/flight share: the service object, the import registry,
 * and reply helpers. Not included outside api/flight. */
#ifndef QV_FLIGHT_INTERNAL_H
#define QV_FLIGHT_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "api/flight/flight.h"
#include "graph/loader.h"
#include "util/buf.h"
#include "util/err.h"
#include "wire/json.h"

/* ---- imports (imports.c) ---------------------------------------------------------------------- */

typedef enum { IMPORT_GRAPH, IMPORT_TRIPLETS, IMPORT_DATABASE, IMPORT_NODE_PROPERTIES } import_kind;

typedef struct flight_import {
    char *name;                 /* import processes are named server-wide: the DoPut and *_DONE bodies carry no database */
    char *scope;                /* the catalog scope its name is reserved in: the database of a projection, NULL */
    import_kind kind;
    char *create_body;          /* canonical JSON of the create request, for idempotent repeats */
    json_doc *doc;              /* the parsed create request: the loader config points into it */
    const char **type_lists;    /* undirected and inverse-indexed type names (into doc) */
    gloader *loader;            /* graph, triplet and database imports */
    gproploader *props;         /* node-property imports */
    graph *target;              /* node-property imports: catalog reference to the graph */
    bool reserved;              /* holds a catalog name reservation */
    bool has_data;              /* a DoPut stream has started */
    bool finished;              /* the final *_DONE succeeded; kept so repeats get the same counts */
    uint64_t node_count, rel_count;
    uint64_t last_activity_ns;
    int active_streams;
    pthread_mutex_t done_lock;  /* serialises *_DONE and ABORT so a retried DONE waits for the first */
    qv_store *save_store;           /* ckpt: database imports with a data directory: where the build is saved */
    struct store_stream *save;      /* ckpt: that save, started while the incoming index is built (actions.c) */
    /* registry bookkeeping (imports.c) */
    int refs;
    bool removed;
} flight_import;

typedef struct import_registry import_registry;

import_registry *imports_new(gcatalog *cat, qv_store *store, uint64_t abort_timeout_ms);
void imports_free(import_registry *r);
/* Adds imp under imp->name (takes ownership). QV_EEXISTS when an unfinished import has the name; a
 * finished one is replaced. */
int imports_add(import_registry *r, flight_import *imp, qv_err *err);
/* A reference to the named import, touched (activity now), or NULL. Give it back with imports_put. */
flight_import *imports_get(import_registry *r, const char *name);
void imports_put(import_registry *r, flight_import *imp);
/* Removes it from the registry: aborts its load and frees its staged data once unreferenced. */
void imports_remove(import_registry *r, flight_import *imp);
void imports_touch(flight_import *imp);
/* JSON array of imports in progress, for LIST_GRAPHS: all of them (db NULL), or those of database db. */
void imports_list_json(import_registry *r, const char *db, qv_buf *out);
const char *import_kind_name(import_kind k);
flight_import *import_new(const char *name, import_kind kind);

/* ---- the service ------------------------------------------------------------------------------ */

typedef struct flight_auth flight_auth;

struct flight_service {
    flight_config cfg;
    gcatalog *cat;
    qv_store *store;
    qv_pool *pool;
    import_registry *imports;
    flight_auth *auth;
    qv_grpc_service grpc;
    _Atomic uint64_t export_batches;    /* messages of finished DoGet calls (flight_service_export_stats) */
    _Atomic uint64_t export_direct;     /* RecordBatches sent without the writer's body copy (doget.c) */
    _Atomic uint64_t export_buf_allocs; /* their message buffers that were freshly allocated */
};

/* auth.c: checks the call's credentials. Returns 0 when allowed (and adds the Bearer response header);
 * otherwise finishes the call UNAUTHENTICATED and returns -1. */
flight_auth *flight_auth_new(const char *user, const char *password, uint64_t token_idle_ms);
void flight_auth_free(flight_auth *a);
int flight_auth_check(flight_auth *a, qv_grpc_call *call);

/* actions.c */
void flight_action_run(flight_service *fs, const char *type, size_t type_len, const uint8_t *body,
                       size_t body_len, qv_buf *reply, qv_err *err, int *status);
void flight_list_actions(qv_grpc_call *call);

/* catalog_actions.c */
/* Catalog actions. db NULL: every database (LIST_GRAPHS) or a bare name resolved as catalog.h says; else
 * the graphs of that database (its projections, and the database itself under its own name). */
int flight_list_graphs(flight_service *fs, const char *db, qv_buf *out, qv_err *err);
int flight_drop_graph(flight_service *fs, const char *db, const char *name, qv_buf *out, qv_err *err);
int flight_dump_graph(flight_service *fs, const char *db, const char *name, uint64_t limit, qv_buf *out, qv_err *err);

/* doput.c */
extern const qv_grpc_method flight_doput_method;

/* doget.c: DoGet, exporting a graph (GET_COMMAND tickets), and GetFlightInfo (its partitions) */
extern const qv_grpc_method flight_doget_method;
extern const qv_grpc_method flight_info_method;

/* Maps an error code to the gRPC status a GDS client expects: deterministic errors never become
 * INTERNAL/UNAVAILABLE/DEADLINE_EXCEEDED (clients retry those). */
qv_grpc_status flight_status_of(qv_code code);
void flight_finish_err(qv_grpc_call *call, const qv_err *err);

/* Parses a JSON object body; QV_EINVAL naming `what` when it is not one. */
json_doc *flight_parse_object(const uint8_t *p, size_t n, const char *what, qv_err *err);
/* The body of a versioned command {"name": <name or legacy>, "version": "v1", "body": {...}}; a root with no
 * body object is the bare pre-versioned form and is its own body. `what` names the command in messages
 * ("the ticket"), `noun` its version ("ticket version 'v2' is not supported"). NULL with err on failure. */
json_val *flight_command_body(json_val *root, const char *name, const char *legacy, const char *what,
                              const char *noun, qv_err *err);

#endif
