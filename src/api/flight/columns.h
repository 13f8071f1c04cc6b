/* columns.h — mapping the Arrow columns of a DoPut stream onto graph roles and converting record
 * batches into loader chunks (api/flight/columns.c). */
#ifndef QV_FLIGHT_COLUMNS_H
#define QV_FLIGHT_COLUMNS_H

#include <stdbool.h>
#include <stdint.h>

#include "graph/loader.h"
#include "util/strtab.h"
#include "wire/arrow_ipc.h"

typedef enum { ENT_NODE, ENT_REL, ENT_TRIPLET, ENT_NODE_PROPS } put_entity;

typedef enum {
    ROLE_IGNORE = 0,
    ROLE_ID,          /* nodeId */
    ROLE_LABELS,      /* labels */
    ROLE_SRC,         /* sourceNodeId / sourceNode */
    ROLE_TGT,
    ROLE_TYPE,        /* relationshipType / type */
    ROLE_SRC_LABELS,  /* triplets */
    ROLE_TGT_LABELS,
    ROLE_PROP,
} col_role;

typedef struct col_spec {
    col_role role;
    uint32_t key;       /* ROLE_PROP: property key id */
    gprop_type type;    /* ROLE_PROP: stored type */
} col_spec;

/* Per-stream conversion state: the column plan and caches that keep the loader's locks off the
 * per-row path (label and type names resolved once per distinct value). */
typedef struct col_plan {
    put_entity entity;
    graph_id_type id_type;
    gloader *loader;          /* node, rel, triplet streams */
    gproploader *props;       /* node-property streams */
    int ncols;
    col_spec *cols;
    int id_col, src_col, tgt_col, type_col, labels_col, src_labels_col, tgt_labels_col;
    uint32_t common_labels[64];
    int ncommon;
    uint32_t common_labelset;
    uint16_t default_type;    /* "__ALL__" when there is no type column */
    qv_strtab name_cache;     /* label or type name -> index into name_ids */
    uint32_t *name_ids;       /* global label id or type id per cached name */
    qv_strtab set_cache;      /* sorted label-id list bytes -> index into set_ids */
    uint32_t *set_ids;
} col_plan;

void col_plan_init(col_plan *p, put_entity e, graph_id_type id_type, gloader *loader, gproploader *props);
void col_plan_free(col_plan *p);
/* Adds common labels (node streams). */
void col_plan_common_label(col_plan *p, const char *name, size_t len);
/* Maps the schema's columns to roles and registers property keys. QV_EINVAL naming the column. */
int col_plan_schema(col_plan *p, const arw_schema *s, qv_err *err);
/* Converts one record batch and hands it to the loader. */
int col_plan_batch(col_plan *p, const arw_batch *b, qv_err *err);

#endif
