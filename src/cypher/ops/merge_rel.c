/* merge_rel.c — MERGE's create of one new relationship between two bound nodes whose first ON CREATE item is a
 * fused `SET r = map` / `SET r += map`, the shape of every relationship ingest stream (Nodestream's R1: `UNWIND
 * $params AS param MATCH (from_node:A {`~id`: ...}), (to_node:B {`~id`: ...}) MERGE (from_node)-[rel:T]->(to_node)
 * ON CREATE SET rel = removeKeyFromMap(removeKeyFromMap(param, ...), ...)`), in one pass over the map with the
 * memo of merge_node.c (key ids and their order by position, cy_mnode_scan) instead of a key lookup per entry,
 * and the properties handed to the graph already sorted (gtxn_rel_create_sorted).
 * Owns: cy_mrel_create. Must not: differ from create.c's create_path / create_rel for the same input — the same
 * relationship and properties, the same errors in the same order (storable values of the map first, then a
 * missing end node), the same statistics; anything else (a pattern with properties, a named path, a map longer
 * than the memo, a key longer than it holds) is left to create.c (return 0 before any effect). */
#include "cypher/eval.h"
#include "cypher/ops/write_common.h"
#include "graph/gwrite_fast.h"

/* Can this MERGE path take the one-pass create (decided once per execution)? */
static bool applicable(const cy_cpath *p) {
    return p->n_rels == 1 && p->n_nodes == 2 && p->path_slot < 0 && p->nodes[0].bound && p->nodes[1].bound &&
           !p->rels[0].props;
}

int cy_mrel_create(cy_x *x, cy_mnode *m, const cy_cpath *p, const cy_setop *set, qval v, const cy_mapdrop *drop) {
    if (m->state == 0) m->state = applicable(p) ? 1 : -1;
    if (m->state < 0 || v.type != QT_MAP || v.len > CY_MNODE_MAX) return 0;
    int r = cy_mnode_scan(x, m, v, drop, (int32_t)set->pos);
    if (r <= 0) return r;
    for (uint32_t j = 0; j < p->n_nodes; j++)   /* as create_path checks its bound nodes, in order */
        if (x->row[p->nodes[j].slot].type != QT_NODE)
            return cy_err(x->err, CYE_SEMANTIC, "CreatingRelationshipWithNullNode", (int32_t)p->nodes[j].pos,
                          "cannot create a relationship with a missing (null) end node");
    const cy_crel *cr = &p->rels[0];
    uint64_t a = x->row[p->nodes[cr->src].slot].id, b = x->row[p->nodes[cr->dst].slot].id;
    gprop ps[CY_MNODE_MAX];
    uint32_t np = 0;
    for (uint32_t j = 0; j < m->n_order; j++) {
        uint32_t i = m->order[j];
        if (v.ents[i].v.type != QT_NULL) ps[np].key = m->k[i].id, ps[np++].value = v.ents[i].v;
    }
    if (!m->labels_ok) {   /* the type's id: names keep their ids for the transaction's length */
        m->labels[0] = cy_x_intern_name(x, cr->type, 1);
        m->labels_ok = true;
    }
    uint64_t id;
    qv_err ge;
    if (gtxn_rel_create_sorted(x->t, a, b, m->labels[0], ps, np, &id, &ge))
        return cy_x_graph_err(x, &ge, (int32_t)cr->pos);
    x->row[cr->slot] = qv_rel(id);
    x->stats.rels_created++;
    x->stats.props_set += np;
    return 1;
}
