/* write_common.h — what the writing operators share: turning a map of values into graph properties
 * (storability checks, `~id` handling) and the deferred checks of DELETE.
 * Must not: write anything itself. */
#ifndef QV_CYPHER_OPS_WRITE_COMMON_H
#define QV_CYPHER_OPS_WRITE_COMMON_H

#include "cypher/eval.h"
#include "cypher/ops/ops.h"

#define CY_EXT_ID_KEY "~id"

/* Converts a property map (qval map; nulls and drop's keys skipped) into gprops interned in the transaction. *ext_id
 * receives a `~id` entry when ext_id is not NULL (else `~id` entries are ignored). */
int cy_props_from_map(cy_x *x, qval map, const cy_mapdrop *drop, gprop **out, uint32_t *n, qval *ext_id, int32_t pos);
/* cy_create_with (ops.h) for a map whose drop keys are not part of it (cy_eval_map_drop). */
int cy_create_with_drop(cy_x *x, const cy_cpath *p, qval extra, const cy_mapdrop *drop, bool replace);
/* The memo of merge_node.c (one per MERGE operator and execution; zeroed when the state is made). */
#define CY_MNODE_MAX 32      /* map entries */
#define CY_MNODE_KEY 40      /* bytes of a key */
#define CY_MNODE_LABELS 8
typedef struct cy_mnode_key {
    uint8_t len1;            /* key length + 1; 0: nothing memoized at this position */
    uint8_t kind;            /* a property (id), a key the SET's removeKeyFromMap drops, or `~id` */
    uint32_t id;
    char key[CY_MNODE_KEY];  /* zero padded */
} cy_mnode_key;
typedef struct cy_mnode {
    int8_t state;            /* 0: not decided yet; 1: the pattern can take the one-pass create; -1: it cannot */
    bool labels_ok;          /* labels[] holds the pattern's label ids (a relationship's: its type id) */
    bool same;               /* same_as (the match's `~id` expression) always has the pattern's `~id` value */
    const struct cy_expr *same_as;
    uint32_t labels[CY_MNODE_LABELS];
    uint32_t n_order_for;    /* the map length order[] was made for (UINT32_MAX: a key changed since) */
    uint32_t n_order;
    uint8_t order[CY_MNODE_MAX];   /* positions of property entries, by key id */
    cy_mnode_key k[CY_MNODE_MAX];
} cy_mnode;
/* MERGE's create of its one new node with the properties of a fused `ON CREATE SET n = v` / `+= v` (set; v
 * evaluated by cy_eval_map_drop with drop): 1 created, -1 error, 0 not this shape (nothing done; the caller
 * checks v's values and creates through cy_create_with_drop). */
int cy_mnode_create(cy_x *x, cy_mnode *m, const cy_cpath *p, const cy_setop *set, qval v, const cy_mapdrop *drop);
/* The memo's keys for map v (refreshed where the row differs from the last one), every value the map sets
 * checked storable (dropped keys aside; `~id` too, though the map's `~id` is never stored), and the order of
 * its property positions: 1, or 0 (a key too long for the memo: the general path), or -1 (error; pos: its
 * position). */
int cy_mnode_scan(cy_x *x, cy_mnode *m, qval v, const cy_mapdrop *drop, int32_t pos);
/* MERGE's create of its one new relationship between two bound nodes (merge_rel.c) with the properties of a
 * fused `ON CREATE SET r = v` / `+= v`, using memo m as cy_mnode_create does: 1 created, -1 error, 0 not this
 * shape (nothing done). */
int cy_mrel_create(cy_x *x, cy_mnode *m, const cy_cpath *p, const cy_setop *set, qval v, const cy_mapdrop *drop);
/* MERGE's ON MATCH whose first item is `SET n += map` on the merged node (set; n bound by the match): the
 * map's properties compared with the node's in one pass, the node written only if one differs. 1 done, -1
 * error, 0 not this shape (nothing done: the caller applies the item with cy_apply_sets). */
int cy_mnode_match(cy_x *x, cy_mnode *m, const cy_cpath *p, const cy_setop *set);
/* SET ent = v (replace) / += v, v minus drop's keys (set.c; what the SET_ALL / SET_MERGE items do). */
int cy_set_map(cy_x *x, qval ent, qval v, const cy_mapdrop *drop, bool replace, int32_t pos);
/* A value a property can hold (TypeError InvalidPropertyType otherwise). */
int cy_check_storable(cy_x *x, qval v, int32_t pos);
/* A value `~id` can take in a property map: a string, an integer or null (TypeError InvalidPropertyType). */
int cy_check_ext_id(cy_x *x, qval v, int32_t pos);

#endif
