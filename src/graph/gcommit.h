/* gcommit.h — what the write-ahead log needs of the writer: a commit hook in two steps (group commit), and
 * replay transactions (contract between gtxn.c and store/).
 *
 * Owns: the two-step hook types and their setter. With the one-step gcommit_hook (gview.h) the hook runs while
 * the graph's writer slot is held, so a hook that waits for an fdatasync makes every commit of the graph pay
 * its own. With these, gtxn_commit calls append (writer slot held: the record is written, not yet synced; a
 * non-zero return rolls the transaction back), publishes, releases the writer slot, and only then calls
 * wait(ctx, ticket) when append gave a non-zero ticket: the next transaction of the graph runs while this one's
 * record is being synced, and its record shares the next fdatasync. gtxn_commit returns wait's result, so no
 * caller hears success before its record is on disk. wait is told whether a successor holds or awaits the writer
 * slot: the log may then let the successor's sync cover this record instead of starting one of its own.
 * What readers see: the commit is published before wait returns, so a reader may see it for the length of
 * one fdatasync (a few ms) before it is durable; if that sync fails, wait returns the error to the committer
 * (the log then refuses every later commit), and the published transaction stays visible in memory until the
 * restart, which does not have it. docs/write-path.md ("Group commit") explains why publishing at the durable
 * CSN is not offered.
 * Must not: be used by anything but store/ (the hook owner and the log's replay) and gtxn.c / gwrite.c.
 */
#ifndef QV_GRAPH_GCOMMIT_H
#define QV_GRAPH_GCOMMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "graph/gview.h"

/* Writes the transaction's record (writer slot held). *ticket = 0: durable already (or nothing to wait for);
 * otherwise it is passed to wait after the writer slot is released. */
typedef int (*gcommit_append)(void *ctx, graph *g, uint64_t csn, const gchange *changes, size_t n, uint64_t *ticket,
                              qv_err *err);
/* Returns once the record of ticket is durable (0), or the error that keeps it from being so (-1). successor:
 * another transaction of the graph held or was queued for the writer slot when this one released it (its record
 * comes within one transaction, and the sync it starts covers this record too: group commit's hint). */
typedef int (*gcommit_wait)(void *ctx, uint64_t ticket, bool successor, qv_err *err);
/* Replaces any hook of g (one-step or two-step) with append / wait (both NULL: none). */
void graph_set_commit_hooks(graph *g, gcommit_append append, gcommit_wait wait, void *ctx);

/* Log replay (store/: recovery, checkpoint loading): a transaction as gtxn_begin's, except that it keeps no
 * change list (nothing is logged while replaying; gtxn_changes returns none, its commit calls no hook) and does
 * not look up a new node's external id for uniqueness (the log held it unique when it was committed; the
 * caller checks every id the graph assigns against the record). Names it interns are durable at once. */
gtxn *gtxn_begin_replay(graph *g, qv_err *err);
/* gwrite.c, in a replay transaction: node's external id (hash) goes to the index at commit, all at once. */
void gtx_defer_ext(gtxn *t, uint64_t hash, uint64_t node);

#endif
