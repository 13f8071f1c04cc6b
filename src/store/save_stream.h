/* save_stream.h — saving a bulk-loaded database while it is still being built (save_stream.c). */
#ifndef QV_STORE_SAVE_STREAM_H
#define QV_STORE_SAVE_STREAM_H

#include "graph/graph.h"
#include "store/store.h"
#include "util/err.h"

typedef struct store_stream store_stream;

/* Starts writing g's snapshot to a temporary file on a thread of its own: the parts that are final once the
 * outgoing side of its CSR is built (snap_split_begin). g is a new graph from the bulk loader, not published;
 * nothing may change those parts until store_stream_finish or store_stream_cancel. NULL when s is NULL or the
 * file cannot be created (the caller then saves with store_save; the reason is logged). */
store_stream *store_stream_begin(qv_store *s, const graph *g);
/* Waits for the first part, writes the rest, fsyncs, renames over the database's file and fsyncs the
 * directory, then attaches g to the log: store_save's outcome, for a graph store_save would snapshot. Frees st
 * (the temporary file is removed on failure). */
int store_stream_finish(qv_store *s, store_stream *st, graph *g, qv_err *err);
/* Waits for the first part, removes the temporary file, frees st. NULL is fine. */
void store_stream_cancel(store_stream *st);

#endif
