/* catalog.h — the named graphs of a server: databases and projections.
 *
 * Owns: the name -> graph map, reference counts that keep a graph alive while it is read, name
 * reservations for imports in progress (so two CREATE_GRAPH calls with one name cannot both win), and
 * dropping. Thread-safe: one mutex, held only for map operations.
 */
#ifndef QV_CATALOG_H
#define QV_CATALOG_H

#include <stdbool.h>
#include <stddef.h>

#include "graph/graph.h"
#include "util/err.h"

typedef struct gcatalog gcatalog;

gcatalog *gcatalog_new(void);
void gcatalog_free(gcatalog *c);   /* frees every graph; no references may be outstanding */

/* Reserve a name for an import. QV_EEXISTS if a graph or another reservation has it, unless
 * `replace` (CREATE_DATABASE force) and the existing entry is a graph (reservations always conflict). */
int gcatalog_reserve(gcatalog *c, const char *name, bool replace, qv_err *err);
void gcatalog_unreserve(gcatalog *c, const char *name);
/* Installs a graph under g->name, replacing the reservation (or an existing graph, when it was reserved
 * with replace: the old graph is freed once unreferenced). Takes ownership of g, also on failure (QV_EEXISTS
 * when another graph holds the name without a reservation: g is freed). */
int gcatalog_publish(gcatalog *c, graph *g, qv_err *err);

/* A reference to the named graph (NULL if none); give it back with gcatalog_release. */
graph *gcatalog_get(gcatalog *c, const char *name);
void gcatalog_release(gcatalog *c, graph *g);
bool gcatalog_exists(gcatalog *c, const char *name);   /* a graph (not a reservation) */
bool gcatalog_reserved(gcatalog *c, const char *name); /* a name held by an import still running */
/* Removes the name; the graph is freed when its last reference is released. QV_ENOTFOUND if absent. */
int gcatalog_drop(gcatalog *c, const char *name, qv_err *err);
/* References to every graph, sorted by name; release each, then free(*out). */
void gcatalog_list(gcatalog *c, graph ***out, size_t *n);

#endif
