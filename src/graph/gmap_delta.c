/* gmap_delta.c — the written base entities a view sees, for checkpoints that store the base arrays as they
 * are and only the difference as changes (see gmap.h).
 *
 * Owns: walking a view's generation slot chunks for base ids with a visible version. Must not: change
 * anything, or be used for ids above the base (those are new entities: every one of them is "written").
 */
#include "graph/gdelta.h"
#include "graph/gmap.h"

#define CHUNK_OF(id) ((id) >> GCHUNK_BITS)

uint64_t gmap_next_written_node(gview *v, uint64_t from, uint64_t end) {
    for (uint64_t id = from; id < end;) {
        if (CHUNK_OF(id) >= GDIR_SIZE) return end;
        if (!LOAD(&v->gen->ndir[CHUNK_OF(id)])) { /* nobody wrote this chunk */
            id = (CHUNK_OF(id) + 1) << GCHUNK_BITS;
            continue;
        }
        if (gv_node_ver(v, id)) return id;
        id++;
    }
    return end;
}

uint64_t gmap_next_written_rel(gview *v, uint64_t from, uint64_t end) {
    for (uint64_t id = from; id < end;) {
        if (CHUNK_OF(id) >= GDIR_SIZE) return end;
        const grslot *c = LOAD(&v->gen->rdir[CHUNK_OF(id)]);
        if (!c) {
            id = (CHUNK_OF(id) + 1) << GCHUNK_BITS;
            continue;
        }
        for (const grver *x = LOAD(&c[id & (GCHUNK_SIZE - 1)].ver); x; x = x->older)
            if (x->csn <= v->snap) return id;
        id++;
    }
    return end;
}

void gmap_base_counts(gview *v, uint64_t *nodes, uint64_t *rels) {
    *nodes = v->d->base_nodes;
    *rels = v->d->base_rels;
}

void gmap_view_hwm(gview *v, uint64_t *nodes, uint64_t *rels) {
    *nodes = v->s->n_nodes;
    *rels = v->s->n_rels;
}
