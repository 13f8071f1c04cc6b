/* greplay.h — bulk node creation for log replay (wal helper; contract between src/graph and store/).
 *
 * Owns: a builder that gathers a run of replayed node creations (external id, labels, properties) straight into
 * the packed layout a compaction produces (gmem_pack.h: typed property columns with presence words, label-set
 * ids, the external-id column and its index) and installs it as the current generation's node pack in one
 * replay transaction, instead of a version, a slot and label-list bookkeeping per node through gtxn.
 * Must not: be used on a graph anyone else can see. greplay_begin refuses (returns NULL, the caller applies
 * through gtxn as before) unless no view is open, no compaction runs, the graph has no property index or
 * constraint, and its current generation has no node pack yet: the pack is written into the generation in
 * place, which only a graph still being recovered (not published) allows.
 */
#ifndef QV_GREPLAY_H
#define QV_GREPLAY_H

#include <stdbool.h>
#include <stdint.h>

#include "graph/gview.h"
#include "util/err.h"

typedef struct greplay greplay;

/* A builder over t (a gtxn_begin_replay transaction of an unpublished graph), for nodes from the graph's next
 * id on; NULL when the graph does not allow the bulk path (see above). t stays the caller's: names go through
 * it (gtxn_label / gtxn_key) while the builder gathers. */
greplay *greplay_begin(gtxn *t);
/* The next node: id must be the next one (ids are dense), ext an integer or string, labels strictly ascending
 * known label ids, props strictly ascending known keys with storable non-null values. Values are copied. An
 * error leaves the builder as it was (the node is not added). */
int greplay_node(greplay *r, uint64_t id, qval ext, uint64_t ext_hash, const uint32_t *labels, uint32_t nl,
                 const gprop *props, uint32_t np, qv_err *err);
/* What greplay_node's ext_hash must be: the id index's hash of ext (any thread may compute it: the log's decoder
 * does, ahead of the builder). */
uint64_t greplay_ext_hash(qval ext);
uint64_t greplay_count(const greplay *r);   /* nodes gathered */
/* How many nodes the caller expects in all (an estimate): arrays are sized for them when they first grow. */
void greplay_reserve(greplay *r, uint64_t rows);
uint64_t greplay_next_id(const greplay *r); /* the id the next node gets */
/* Installs the nodes gathered since the last install into t's graph (the node pack, made or grown; label lists,
 * counts, id high-water mark); t's commit publishes them. r stays: the pack shares its arrays. Fails (the graph
 * unchanged; the caller frees r and rolls t back) when two live nodes would have one external id. */
int greplay_install(greplay *r, qv_err *err);
/* More nodes for the installed pack, through transaction t (a later run of creations): true when the graph still
 * allows it (the same pack in its generation and not shared, no node created since, no view, no compaction, no
 * index); the pack is then out of the generation until the next greplay_install. False: r is unchanged. */
bool greplay_resume(greplay *r, gtxn *t);
/* Done with r: the installed nodes stay in the graph (a resumed, not re-installed r is freed whole). */
void greplay_release(greplay *r);
/* greplay_install, then greplay_release (greplay_free when the install fails). */
int greplay_finish(greplay *r, qv_err *err);
/* Drops what was gathered since the last install (t is rolled back by the caller); after a resume, the pack's
 * nodes too (it is out of the graph: a failed replay's graph is dropped anyway). */
void greplay_free(greplay *r);

#endif
