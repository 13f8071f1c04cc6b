/* save_stream.h — saving a bulk-loaded database while it is still being built (save_stream.c). */
#ifndef QV_STORE_SAVE_STREAM_H
#define QV_STORE_SAVE_STREAM_H

#include "graph/catalog.h"
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
 * directory, then attaches g to the log: store_save's outcome, for a graph store_save would snapshot, except
 * that the file leaves out the incoming side of the CSR (snap_split_begin's in_after): everything else
 * determines it. On failure st is freed (the temporary file removed); on success the caller still owns st and
 * passes it to store_stream_append. */
int store_stream_finish(qv_store *s, store_stream *st, graph *g, qv_err *err);
/* Appends g's incoming index to the installed file (snap_write_appendix) and fsyncs it, then frees st. With cat,
 * on a thread of its own that gives a reference to g back to cat when done (the caller took it with
 * gcatalog_publish_ref); without, now. g NULL: nothing is appended (the file stays whole; loading it rebuilds the
 * index). A crash before the appendix's fsync costs the next start-up that rebuild, nothing else. */
void store_stream_append(qv_store *s, store_stream *st, gcatalog *cat, const graph *g);
/* For a base loaded from a streamed save's file whose incoming index had to be rebuilt (no usable appendix): a
 * job that appends it (pass it to store_stream_append once g is published with a reference), so that the next
 * start maps it. NULL when there is nothing to append or the file cannot be reopened (logged). */
store_stream *store_stream_reappend(const graph *g);
/* Waits for every appendix thread (store_shutdown). */
void store_stream_join_all(qv_store *s);
/* Waits for the first part, removes the temporary file, frees st. NULL is fine. */
void store_stream_cancel(store_stream *st);

#endif
