/* gwrite_int.h — what gtxn.c (transaction, schema) and gwrite.c (entity writes) share (not a public interface).
 * Must not: be included outside src/graph. */
#ifndef QV_GWRITE_INT_H
#define QV_GWRITE_INT_H

#include "graph/gdelta.h"

void gtx_change(gtxn *t, uint8_t kind, uint8_t aux, uint32_t token, uint64_t id, uint64_t src, uint64_t dst, qval value);
/* Room for n more changes at the end of the list (the caller fills them with gtx_change_put and adds the
 * number it wrote to t->n_ch), or NULL while replaying the log (nothing is logged then). */
gchange *gtx_changes_reserve(gtxn *t, size_t n);
/* Fields are stored one by one: a compound literal passed by value costs a store-forwarding stall per change. */
static inline void gtx_change_put(gchange *c, uint8_t kind, uint8_t aux, uint32_t token, uint64_t id, uint64_t src,
                                  uint64_t dst, qval value) {
    c->kind = kind;
    c->aux = aux;
    c->token = token;
    c->id = id;
    c->src = src;
    c->dst = dst;
    c->value = value;
}
void gtx_fmt_value(qval v, char *buf, size_t n);
/* A write uses name id of kind (0 label, 1 type, 2 key): records GCH_TOKEN first if no commit has it yet. */
void gtx_token_slow(gtxn *t, int kind, uint32_t id);
/* The common case inline: a name some commit (or this transaction) already recorded. A non-zero state exists
 * only for interned names, so no bound check against the name table is needed first. */
static inline void gtx_token(gtxn *t, int kind, uint32_t id) {
    if (id < t->d->tok_cap[kind] && t->d->tok_state[kind][id]) return;
    gtx_token_slow(t, kind, id);
}
void gtx_token_durable(gtxn *t, int kind, uint32_t id);   /* a name that needs no GCH_TOKEN */
const char *gtx_type_name(uint8_t t);
uint32_t gtx_indexes(gtxn *t, gpindex ***out);
bool gtx_maintained(gtxn *t, const gpindex *ix);   /* the writer keeps it up to date */
bool gtx_visible(gtxn *t, const gpindex *ix);      /* the transaction's view sees it (unique checks) */

/* Posts base nodes' values of columns from index `from` on to the node indexes on their keys (PUT_NODE_PROPERTIES). */
void gtx_index_base_columns(gtxn *t, int from);

#endif
