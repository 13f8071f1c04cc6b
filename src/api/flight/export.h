/* export.h — what doget.c (the DoGet / GetFlightInfo streams) and export_ticket.c (GET_COMMAND tickets:
 * procedures, configuration, result schema) share. Not included outside api/flight. */
#ifndef QV_FLIGHT_EXPORT_H
#define QV_FLIGHT_EXPORT_H

#include "api/flight/flight_internal.h"
#include "graph/gview.h"
#include "wire/arrow_ipc.h"


typedef enum { P_RELS, P_NODE_PROPS, P_NODE_PROP, P_NODE_LABELS, P_REL_PROP, P_REL_PROPS } proc_kind;

/* One output column's per-batch buffers. */
typedef struct colbuf {
    qv_buf valid, off, val, coff, cval;
    arw_array arr, child;
} colbuf;

typedef enum { C_SRC, C_TGT, C_TYPE, C_NODE, C_PROP, C_LABELS } col_role;

typedef struct get_stream {
    qv_buf ticket;
    bool have_ticket;
    flight_service *fs;
    graph *g;
    gview *view;           /* a graph written by transactions: rows and values come from this snapshot */
    proc_kind kind;
    bool consecutive, list_labels, is_rel;
    bool *type_sel;   /* per type id; NULL = every type */
    bool *label_sel;  /* per label id; NULL = every node */
    int ncols;
    arw_field *fields;
    arw_field *children;   /* one child per column (list item) */
    col_role *roles;
    char **keys;           /* C_PROP: property name */
    gprop_type *ptypes;    /* C_PROP: its type when the export started */
    const gcolumn **pcols; /* C_PROP: the column, looked up again for each batch (doget.c) */
    colbuf *cols;
    uint64_t pos, end;     /* cursor over node or relationship ids */
    uint64_t src;          /* relationship export: source node of pos */
    uint64_t *rows, *srcs;
    qv_buf hdr, body;
    qv_buf dhdr;           /* doget.c's direct batches: the writer's header for batches of dhdr_rows rows */
    int64_t dhdr_rows;     /* 0: none yet */
    bool direct_off;       /* a body did not have the direct layout: the writer builds every batch */
    uint64_t batch_rows;   /* rows per RecordBatch: --export-batch-size */
    uint64_t batches, nrows;
    uint64_t messages;     /* FlightData messages sent (schema and dictionary included) */
} get_stream;

/* Resolves a ticket (GET_COMMAND / GET_MESSAGE envelope or bare body) into gs: a catalog reference to the
 * graph (gs->g, released by the caller), the procedure, the columns and the row range. With keep, the parsed
 * ticket is handed out (*keep, to json_doc_free) with *bodyp its body object. Errors: QV_EINVAL (bad ticket,
 * unknown procedure), QV_ENOTFOUND (graph, property, label, type), QV_EPHASE (import in progress). */
int export_open(get_stream *gs, const uint8_t *p, size_t n, json_doc **keep, json_val **bodyp, qv_err *err);

#endif
