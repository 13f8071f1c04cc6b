/* tck_run.h — running one expanded TCK scenario against the embedded engine.
 *
 * Owns: the step vocabulary of the TCK (graphs, setup queries, parameters, table procedures, the query
 * under test, result tables, side effects, expected errors) and the verdict of one scenario.
 * Must not: fork, time out the process or write result files (tck_main.c does); know anything of the
 * engine beyond cypher.h and gview.h.
 */
#ifndef QV_TCK_RUN_H
#define QV_TCK_RUN_H

#include <stddef.h>
#include <stdint.h>

#include "cypher/cypher.h"
#include "tck/tck_gherkin.h"
#include "tck/tck_graph.h"
#include "tck/tck_value.h"

typedef enum { TCK_PASS = 0, TCK_FAIL = 1, TCK_SKIP = 2 } tck_status;

typedef struct tck_ctx {
    cy_engine *engine;
    const char *graphs_dir;    /* folder holding <name>/<name>.cypher */
    uint64_t timeout_ms;       /* per query */
    uint64_t seq;              /* for unique graph names */
    int pid;                   /* part of graph names */
} tck_ctx;

/* Runs s on a fresh graph (created and dropped here, procedures cleared afterwards). The reason (why it
 * failed or was skipped; a note for a pass, often empty) is written into reason. */
tck_status tck_run_scenario(tck_ctx *c, const tck_scenario *s, char *reason, size_t rlen);

/* Checks without an engine that the runner understands every step of s and every value in its tables.
 * TCK_PASS, or TCK_SKIP with the reason. */
tck_status tck_lint_scenario(const tck_scenario *s, char *reason, size_t rlen);

/* ---- pieces exposed for unit tests ---- */

typedef struct tck_expected_error {
    char type[64];
    int phase;                 /* 0 compile time, 1 runtime, 2 any time */
    char detail[128];
} tck_expected_error;
/* Parses "a TypeError should be raised at runtime: InvalidArgumentType". Returns 0 or -1. */
int tck_parse_error_step(const char *text, tck_expected_error *out);

/* Compares an expected table (first row: column names, cells in the TCK value syntax) with actual columns
 * and rows. ordered: rows as a list; lists_unordered: lists compared as multisets. Returns TCK_PASS, or
 * TCK_FAIL / TCK_SKIP (an unparsable expected value) with the reason. */
tck_status tck_compare_table(qv_arena *a, const tck_table *expected, const char *const *cols, size_t ncols,
                             const tckv *const *const *rows, size_t nrows, bool ordered, bool lists_unordered,
                             char *reason, size_t rlen);

/* Compares the TCK side-effects table (| +nodes | 1 | ...; NULL = "no side effects") with measured ones. */
tck_status tck_compare_effects(const tck_table *expected, const tck_effects *got, char *reason, size_t rlen);

/* The names of a procedure signature's inputs then outputs: "p(a :: INTEGER?) :: (b :: STRING?)". Writes up
 * to max names (in a) and returns the counts, or -1 when the text is not a signature. */
int tck_signature_names(qv_arena *a, const char *sig, const char **names, size_t max, size_t *n_in,
                        size_t *n_out);

#endif
