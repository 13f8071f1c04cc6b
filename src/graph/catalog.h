/* catalog.h — the named graphs of a server: databases and projections.
 *
 * Owns: the name -> graph map, reference counts that keep a graph alive while it is read, name
 * reservations for imports in progress (so two CREATE_GRAPH calls with one name cannot both win), and
 * dropping. Thread-safe: one mutex, held only for map operations.
 *
 * Names are scoped as in GDS (database_name + graph name). Two namespaces:
 *   - top level (scope NULL): databases (durable graphs) and graphs with no database (created over HTTP);
 *   - per database (scope = the database's name): in-memory projections made with CREATE_GRAPH.
 * The same projection name may exist in several databases. A projection name never equals a top-level
 * name (either reservation is refused while the other exists), so a bare name stays unambiguous unless
 * several databases hold a projection of that name.
 *
 * Bare-name functions (no scope: gcatalog_get, _exists, _reserved, _drop) resolve a name as before scoping:
 * the top-level graph of that name if there is one, else the only projection of that name in any database;
 * when several databases hold it the name is ambiguous and resolves to nothing (gcatalog_drop says so).
 * gcatalog_reserve / _unreserve without a scope work on the top level. The *_in functions take the scope.
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

/* The scope a graph is published under: its database for a projection (not durable, with a database
 * name), NULL (top level) for a database or a graph without one. */
const char *gcatalog_scope_of(const graph *g);

/* Reserve a top-level name for an import. QV_EEXISTS if a graph or another reservation has it (or a
 * projection in any database does), unless `replace` (CREATE_DATABASE force) and the existing entry is a
 * graph (reservations always conflict). */
int gcatalog_reserve(gcatalog *c, const char *name, bool replace, qv_err *err);
void gcatalog_unreserve(gcatalog *c, const char *name);
/* The same in a scope (db NULL: top level). A projection name conflicts with (db, name) and with a
 * top-level graph or reservation of that name. */
int gcatalog_reserve_in(gcatalog *c, const char *db, const char *name, bool replace, qv_err *err);
void gcatalog_unreserve_in(gcatalog *c, const char *db, const char *name);
/* Installs a graph under (gcatalog_scope_of(g), g->name), replacing the reservation (or an existing
 * graph, when it was reserved with replace: the old graph is freed once unreferenced). A projection
 * published over a bare (top-level) reservation of its name takes that reservation over. Takes ownership
 * of g, also on failure (QV_EEXISTS when another graph holds the name without a reservation: g is freed). */
int gcatalog_publish(gcatalog *c, graph *g, qv_err *err);
/* The same, and on success the caller holds a reference to g (gcatalog_release gives it back): work that
 * outlives the request that published g (store: the incoming-index appendix) keeps g alive through a drop. */
int gcatalog_publish_ref(gcatalog *c, graph *g, qv_err *err);

/* A reference to the graph a bare name resolves to (NULL if none or ambiguous); give it back with
 * gcatalog_release. */
graph *gcatalog_get(gcatalog *c, const char *name);
/* A reference to graph `name` of database `db`: the projection (db, name), or the database itself when
 * name == db. db NULL: the top-level graph `name`. NULL if none. */
graph *gcatalog_get_in(gcatalog *c, const char *db, const char *name);
/* gcatalog_get_in (db given) or gcatalog_get (db NULL), with a QV_ENOTFOUND message when nothing
 * resolves: absent, absent from that database (naming those that have it), still being imported, or an
 * ambiguous bare name (naming the databases). */
graph *gcatalog_resolve(gcatalog *c, const char *db, const char *name, qv_err *err);
void gcatalog_release(gcatalog *c, graph *g);
bool gcatalog_exists(gcatalog *c, const char *name);   /* a bare name resolves to a graph (not a reservation) */
bool gcatalog_reserved(gcatalog *c, const char *name); /* no graph resolves, and an import holds the name */
/* Removes the graph a bare name resolves to; the graph is freed when its last reference is released.
 * QV_ENOTFOUND if absent, or ambiguous (the message names the databases). */
int gcatalog_drop(gcatalog *c, const char *name, qv_err *err);
/* Removes graph `name` of database `db` (as gcatalog_get_in resolves it); other databases' graphs of the
 * same name stay. QV_ENOTFOUND if absent. */
int gcatalog_drop_in(gcatalog *c, const char *db, const char *name, qv_err *err);
/* References to every graph, sorted by name then database; release each, then free(*out). */
void gcatalog_list(gcatalog *c, graph ***out, size_t *n);
/* The same for one database: the database itself (the top-level graph named db) and its projections. */
void gcatalog_list_in(gcatalog *c, const char *db, graph ***out, size_t *n);

#endif
