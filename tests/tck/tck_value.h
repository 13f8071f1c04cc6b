/* tck_value.h — values as the openCypher TCK writes them in expected results, and how they compare.
 *
 * Owns: tckv, a self-contained value tree (nodes carry their labels and properties, relationships their
 * type and properties, paths their hops and directions), the parser of the TCK value syntax
 * (`(:A {p: 1})`, `[:T]`, `<(:A)-[:R]->()>`, `'str'`, `1.5e3`, `NaN`, lists, maps), the comparator with
 * the TCK's rules, a renderer back to the same syntax (for failure messages), and the conversion of
 * parameter and procedure values to qval.
 * Must not: know the graph or the engine (actual results are turned into tckv by tck_graph.c).
 * Every tckv lives in a qv_arena; nothing is freed on its own.
 */
#ifndef QV_TCK_VALUE_H
#define QV_TCK_VALUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/arena.h"
#include "value/value.h"

typedef enum tv_kind {
    TV_NULL = 0, TV_BOOL, TV_INT, TV_FLOAT, TV_STRING, TV_LIST, TV_MAP, TV_NODE, TV_REL, TV_PATH,
} tv_kind;

typedef struct tckv tckv;
struct tckv {
    tv_kind kind;
    bool b;              /* TV_BOOL; TV_REL inside a path: true = the hop goes left to right (->) */
    int64_t i;           /* TV_INT */
    double f;            /* TV_FLOAT */
    const char *s;       /* TV_STRING bytes (NUL-terminated, may hold NULs: use len); TV_REL: the type */
    size_t len;          /* TV_STRING: bytes; TV_LIST / TV_MAP: entries; TV_PATH: relationships */
    const tckv **items;  /* TV_LIST elements; TV_MAP values (by sorted key); TV_PATH: 2*len+1 alternating
                            node, rel, node, ... */
    const char **keys;   /* TV_MAP: keys, sorted by strcmp, unique */
    const char **labels; /* TV_NODE: labels, sorted, unique */
    size_t n_labels;
    const tckv *props;   /* TV_NODE / TV_REL: a TV_MAP */
};

/* Parses one value (the whole of text, surrounding blanks allowed). Returns NULL and writes a message
 * into err (size errlen) on a syntax error. */
const tckv *tckv_parse(qv_arena *a, const char *text, size_t len, char *err, size_t errlen);

/* Constructors used when building values from actual results. Lists and maps take ownership of arrays
 * allocated in a; tckv_map sorts its keys. */
tckv *tckv_new(qv_arena *a, tv_kind kind);
const tckv *tckv_string(qv_arena *a, const char *s, size_t len);
const tckv *tckv_map(qv_arena *a, const char **keys, const tckv **vals, size_t n);
/* Sorts and de-duplicates labels in place. */
void tckv_sort_labels(const char **labels, size_t *n);

/* TCK equality: same kind (integers and floats differ), floats equal as doubles (NaN equals NaN), strings
 * byte for byte, lists in order (or as multisets at every depth when lists_unordered), maps by key set and
 * values, nodes by label set and properties (never identity), relationships by type and properties,
 * paths hop by hop including direction. */
bool tckv_equal(const tckv *expected, const tckv *actual, bool lists_unordered);

/* Renders in the TCK syntax, NUL-terminated, in a. */
const char *tckv_render(qv_arena *a, const tckv *v);

/* A parameter or procedure value as a qval (payload in a). Graph elements cannot be parameters: returns -1
 * with a message in err. */
int tckv_to_qval(qv_arena *a, const tckv *v, qval *out, char *err, size_t errlen);

#endif
