/* gcol.h — property columns: sizes, checks, freeing, and the concatenation of chunk columns.
 *
 * Owns: the layout rules of gcolumn / gchunk_col (fixed-width values, or offsets + elements for strings
 * and lists), and gcolcat, which turns the columns of k chunks (rows base_0.., base_1.., ...) into whole
 * columns in parallel: a key missing from a chunk is absent (presence bit 0) for that chunk's rows.
 * Must not: know about loaders, phases or the wire formats.
 */
#ifndef QV_GCOL_H
#define QV_GCOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "graph/graph.h"
#include "graph/loader.h"
#include "util/err.h"

bool gcol_is_var(gprop_type t);           /* string and list types */
bool gcol_type_valid(gprop_type t);
size_t gcol_elem_size(gprop_type t);      /* fixed types: value size; var types: element size */
uint64_t gcol_bytes(const gcolumn *c, uint64_t nrows);
void gcol_free(gcolumn *c);               /* frees the arrays, not the struct */

void gchunk_col_free(gchunk_col *c);
uint64_t gchunk_col_bytes(const gchunk_col *c, uint64_t nrows);
/* Structural checks a front end could get wrong: values present, offsets non-decreasing. */
int gchunk_col_check(const gchunk_col *c, uint64_t nrows, qv_err *err);
/* Sorts a chunk's columns by key; fails on a key given twice. */
int gchunk_cols_sort(gchunk_col *cols, int ncols, qv_err *err);

/* Concatenation of chunk columns. Chunk column arrays must be sorted by key (gchunk_cols_sort). */
typedef struct gcolcat {
    int ncols;
    gcolumn *cols;          /* result, ordered by key */
    uint64_t nrows;
    size_t nchunks;
    uint64_t *row_base;     /* per chunk */
    uint64_t *elem_base;    /* [chunk * ncols + col]: first element of the chunk in a var column */
} gcolcat;

/* Plans and allocates the result columns. rows[i], cols[i], ncols[i] describe chunk i. */
int gcolcat_plan(gcolcat *cc, size_t nchunks, const uint64_t *rows, gchunk_col *const *cols, const int *ncols,
                 qv_err *err);
/* Copies chunk i's columns into place; concurrent calls for different chunks are safe. */
void gcolcat_fill(gcolcat *cc, size_t chunk, const gchunk_col *cols, int ncols);
/* Completes the columns after every fill (drops presence bitmaps that came out all ones). */
void gcolcat_finish(gcolcat *cc);
/* Moves the columns out (caller owns *cols) and frees the plan. */
void gcolcat_take(gcolcat *cc, gcolumn **cols, int *ncols);
void gcolcat_free(gcolcat *cc);           /* frees everything, result columns included */

#endif
