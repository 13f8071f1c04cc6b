/* qjson.h — openCypher values as JSON, the way Amazon Neptune writes and reads them.
 *
 * Owns: parameters given as JSON (the Neptune HTTP APIs, `quiver query --params`) turned into a qval map,
 * and result values written as Neptune's openCypher JSON: nodes as {"~id","~entityType":"node","~labels",
 * "~properties"}, relationships with "~start", "~end", "~type", paths as flat arrays alternating nodes and
 * relationships, ids as strings, temporal values and durations as their ISO strings, NaN and infinities
 * as strings ("NaN", "Infinity", "-Infinity"). Shared by the HTTP front end and the command line.
 */
#ifndef QV_API_QJSON_H
#define QV_API_QJSON_H

#include "graph/gview.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/err.h"
#include "value/value.h"
#include "wire/json.h"

/* JSON -> value: objects -> maps, arrays -> lists, integers (that fit) -> QT_INT, other numbers ->
 * QT_FLOAT. Allocated in a. */
qval qjson_to_qval(qv_arena *a, const json_val *v);
/* Parses JSON text that must be an object (or empty / "null": no parameters) into a parameter map. */
int qjson_parse_params(qv_arena *a, const char *text, size_t len, qval *out, qv_err *err);
/* Appends v as Neptune JSON; entities are read through view. scratch holds temporaries. */
void qjson_write_value(qv_buf *b, gview *view, qv_arena *scratch, qval v);

#endif
