/* grelid.h — relationship external ids (Neptune's `~id` of an edge), graph-internal side.
 *
 * Owns: the per-generation table of the ids users gave relationships at creation (`grelid`): an append-only log
 * of (relationship id, id string) entries plus two open-addressing tables over it (by relationship id for
 * reads of `~id`, by id string for seeks and the uniqueness check). A graph whose relationships never got an
 * id has no table at all (ggen.relid stays NULL): creating, reading and compacting relationships then costs
 * nothing more than before, Arrow loads included. The table is made by the first creation with an id.
 * Rules (docs/write-path.md, "Relationship external ids"):
 *  - ids are strings (an integer is stored as its decimal string), unique among the live relationships of
 *    the graph (QV_EEXISTS; nodes' ids are another space, as Neptune's vertex and edge ids), never changed
 *    after creation, freed when the relationship is deleted;
 *  - a relationship without one reads as "r<internal id>"; strings of the form `r` + digits are reserved for
 *    those and refused as user ids (QV_EINVAL), so the two kinds never collide;
 *  - rollback truncates the log through the transaction's undo list (gtxn.uv); table entries are verified
 *    against the log and the relationship's visibility on every read, so stale ones are harmless;
 *  - a compaction builds the new generation's table from the entries of relationships live at its snapshot,
 *    then (writer slot held) adds those created since; deleted relationships' entries are dropped then.
 * Must not: be included outside src/graph; allocate anything for a graph without relationship ids.
 */
#ifndef QV_GRAPH_GRELID_H
#define QV_GRAPH_GRELID_H

#include "graph/gdelta.h"

/* The id a user gave rel, as v sees it, or null (it reads as "r<id>"). */
qval grelid_get(const gview *v, uint64_t rel);
/* The live relationship (as v sees it) whose user id is the string s, or GID_NONE. */
uint64_t grelid_find(const gview *v, const char *s, uint32_t len);
/* Compaction: the table of the generation built from v (relationships below m live at v), NULL if none. */
struct grelid *grelid_build(const gview *v, ggen *ng, uint64_t m);
/* Compaction, writer slot held: entries of relationships created at or after m_c in old, into ng. */
void grelid_catch_up(gdelta *d, const ggen *old, ggen *ng, uint64_t m_c);
/* Entries (log length) of a generation's table: tests and memory reports. */
uint64_t grelid_count(const ggen *gen);

#endif
