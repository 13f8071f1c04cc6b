/* engine_schema.c — schema statements: CREATE / DROP INDEX, CREATE / DROP CONSTRAINT (uniqueness), SHOW
 * INDEXES and SHOW CONSTRAINTS with Neo4j 5's columns. Must not: touch data. */
#include <stdio.h>
#include <string.h>

#include "cypher/ast.h"
#include "cypher/engine_int.h"
#include "util/hash.h"

static int schema_err(cy_error *err, const qv_err *ge) {
    cy_errclass c = ge->code == QV_EEXISTS || ge->code == QV_ENOTFOUND ? CYE_SEMANTIC
                  : ge->code == QV_ECONSTRAINT ? CYE_CONSTRAINT : CYE_INTERNAL;
    return cy_err(err, c, NULL, -1, "%s", ge->msg);
}

static const char *gen_name(cy_result *r, const cy_ast *q, const char *prefix) {
    char b[64];
    uint64_t h = qv_hash_bytes(q->schema_token, strlen(q->schema_token));
    for (uint32_t i = 0; i < q->n_schema_keys; i++) h ^= qv_hash_bytes(q->schema_keys[i], strlen(q->schema_keys[i])) + i;
    snprintf(b, sizeof b, "%s_%08x", prefix, (unsigned)(h & 0xffffffffu));
    return qv_arena_strndup(&r->arena, b, strlen(b));
}

static void set_cols(cy_result *r, const char *const *names, uint32_t n) {
    r->ncols = n;
    r->colnames = (const char **)names;
}

static qval list1(cy_result *r, const char *s) {
    qval *v = qv_arena_alloc(&r->arena, sizeof(qval));
    v[0] = qv_str_cstr(&r->arena, s);
    return qv_list_ref(v, 1);
}

static int show(cy_result *r, gview *v, bool constraints) {
    static const char *icols[] = {"id", "name", "state", "populationPercent", "type", "entityType", "labelsOrTypes",
                                  "properties", "indexProvider", "owningConstraint", "lastRead", "readCount"};
    static const char *ccols[] = {"id", "name", "type", "entityType", "labelsOrTypes", "properties", "ownedIndex",
                                  "propertyType"};
    gindex_info *ix;
    uint32_t n = gview_indexes(v, &r->arena, &ix);
    if (constraints) set_cols(r, ccols, 8);
    else set_cols(r, icols, 12);
    r->rows = qv_arena_alloc(&r->arena, sizeof(qval) * r->ncols * (n ? n : 1));
    r->nrows = 0;
    for (uint32_t i = 0; i < n; i++) {
        const gindex_info *x = &ix[i];
        if (constraints && !x->unique) continue;
        qval *row = r->rows + r->nrows * r->ncols;
        const char *tok = x->entity == GINDEX_NODE ? gview_label_name(v, x->token) : gview_type_name(v, x->token);
        const char *ent = x->entity == GINDEX_NODE ? "NODE" : "RELATIONSHIP";
        row[0] = qv_int((int64_t)i + 1);
        if (constraints) {
            row[1] = qv_str_cstr(&r->arena, x->constraint ? x->constraint : x->name);
            row[2] = qv_str_cstr(&r->arena, "UNIQUENESS");
            row[3] = qv_str_cstr(&r->arena, ent);
            row[4] = list1(r, tok);
            row[5] = list1(r, gview_key_name(v, x->key));
            row[6] = qv_str_cstr(&r->arena, x->name);
            row[7] = qv_null();
        } else {
            row[1] = qv_str_cstr(&r->arena, x->name);
            row[2] = qv_str_cstr(&r->arena, "ONLINE");
            row[3] = qv_float(100.0);
            row[4] = qv_str_cstr(&r->arena, "RANGE");
            row[5] = qv_str_cstr(&r->arena, ent);
            row[6] = list1(r, tok);
            row[7] = list1(r, gview_key_name(v, x->key));
            row[8] = qv_str_cstr(&r->arena, "range-1.0");
            row[9] = x->constraint ? qv_str_cstr(&r->arena, x->constraint) : qv_null();
            row[10] = qv_null();
            row[11] = qv_int(0);
        }
        r->nrows++;
    }
    return 0;
}

int cy_schema_run(cy_result *r, gtxn *t, gview *v, cy_error *err) {
    const cy_ast *q = r->plan->q;
    qv_err ge;
    r->ncols = 0;
    r->nrows = 0;
    switch (q->kind) {
    case CY_STMT_SHOW_INDEXES: return show(r, v, false);
    case CY_STMT_SHOW_CONSTRAINTS: return show(r, v, true);
    case CY_STMT_CREATE_INDEX: case CY_STMT_CREATE_CONSTRAINT: {
        if (q->n_schema_keys != 1)
            return cy_err(err, CYE_UNSUPPORTED, NULL, (int32_t)q->pos, "indexes and constraints on one property only");
        bool cons = q->kind == CY_STMT_CREATE_CONSTRAINT;
        const char *name = q->schema_name ? q->schema_name : gen_name(r, q, cons ? "constraint" : "index");
        uint32_t key = gtxn_key(t, q->schema_keys[0], strlen(q->schema_keys[0]));
        uint32_t before = gview_indexes(v, &r->arena, &(gindex_info *){NULL});
        int rc;
        if (cons) {
            uint32_t label = gtxn_label(t, q->schema_token, strlen(q->schema_token));
            rc = gtxn_create_unique(t, name, label, key, q->if_not_exists, &ge);
        } else {
            uint32_t tok = q->schema_rel ? gtxn_type(t, q->schema_token, strlen(q->schema_token))
                                         : gtxn_label(t, q->schema_token, strlen(q->schema_token));
            rc = gtxn_create_index(t, name, q->schema_rel ? GINDEX_REL : GINDEX_NODE, tok, key, q->if_not_exists, &ge);
        }
        if (rc) return schema_err(err, &ge);
        if (gview_indexes(v, &r->arena, &(gindex_info *){NULL}) > before) {
            if (cons) r->x.stats.constraints_added++;
            else r->x.stats.indexes_added++;
        }
        return 0;
    }
    case CY_STMT_DROP_INDEX: case CY_STMT_DROP_CONSTRAINT: {
        bool cons = q->kind == CY_STMT_DROP_CONSTRAINT;
        uint32_t before = gview_indexes(v, &r->arena, &(gindex_info *){NULL});
        int rc = cons ? gtxn_drop_constraint(t, q->schema_name, q->if_exists, &ge)
                      : gtxn_drop_index(t, q->schema_name, q->if_exists, &ge);
        if (rc) return schema_err(err, &ge);
        if (gview_indexes(v, &r->arena, &(gindex_info *){NULL}) < before) {
            if (cons) r->x.stats.constraints_removed++;
            else r->x.stats.indexes_removed++;
        }
        return 0;
    }
    default: return cy_err(err, CYE_INTERNAL, NULL, -1, "not a schema statement");
    }
}
