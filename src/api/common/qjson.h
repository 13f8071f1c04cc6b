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
/* The same on writable text that lives in a (a `parameters` string read from a request body): strings are
 * decoded where they lie and the values point into text. */
int qjson_parse_params_in_place(qv_arena *a, char *text, size_t len, qval *out, qv_err *err);
/* Reads one JSON value (whitespace around it allowed) straight into a value in a, as qjson_to_qval would
 * make it from json_parse's tree (duplicate keys: the first position, the last value), with the same
 * errors. in_place: text is writable and outlives the value (it lives in a): strings are decoded where
 * they lie and used from there. */
int qjson_read(qv_arena *a, const char *text, size_t len, bool in_place, qval *out, qv_err *err);
/* qjson_read (not in place) of a request body whose top-level member `nested` (Neptune's "parameters") may
 * be a JSON string holding JSON text: when that text is an object, or exactly null, as qjson_parse_params
 * takes it, the member's value is that object (or null), read in the same pass straight from the escaped
 * bytes (the string is never decoded on its own). Any other string (not an object, invalid, or written
 * with unusual escapes) stays the decoded string, for the caller to parse (and report) as before.
 * Objects that repeat the previous object's keys in the same order (the rows of a batch) share that
 * object's key pointers, so a consumer may cache per key pointer. */
int qjson_read_body(qv_arena *a, const char *text, size_t len, const char *nested, qval *out, qv_err *err);
/* Appends v as Neptune JSON; entities are read through view. scratch holds temporaries. One-off: a result
 * stream uses a qjson_writer, which formats each label, type and property key once. */
void qjson_write_value(qv_buf *b, gview *view, qv_arena *scratch, qval v);

/* A writer for many values read through one view: the JSON text of every label, relationship type and
 * property key ("name" and "name":) is made on first use and copied from then on, so a row of nodes costs
 * no lock and no escaping per key. Names never change meaning within a view, so the caches stay true. */
typedef struct qjson_name { uint32_t off, len; } qjson_name;   /* len 0: not made yet */
typedef struct qjson_names { qjson_name *at; uint32_t cap; } qjson_names;
typedef struct qjson_writer {
    gview *view;
    qv_arena *scratch;     /* temporaries, released after each entity */
    qv_buf text;           /* the cached names' JSON */
    qjson_names labels, types, keys;
} qjson_writer;

void qjson_writer_init(qjson_writer *w, gview *view, qv_arena *scratch);
void qjson_writer_free(qjson_writer *w);
void qjson_writer_value(qjson_writer *w, qv_buf *b, qval v);
/* The same text as json_write_double (the shortest form that reads back, ".0" kept on integral values,
 * NaN and infinities as null), without printf and strtod for the usual decimals (up to 16 digits,
 * magnitudes 1e-4 to 1e15). */
void qjson_write_double(qv_buf *b, double v);

#endif
