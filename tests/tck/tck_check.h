/* tck_check.h — the TCK runner's verdicts that need no engine.
 *
 * Owns: scenario verdicts (tck_status), comparing result tables and side-effect counters with the expected
 * ones, reading error steps and procedure signatures, side-effect snapshots as sorted sets and their diff,
 * and the lint that checks every step and value of a scenario can be interpreted.
 * Must not: run queries or read the graph (tck_run.c and tck_graph.c do), so the unit tests link it alone.
 */
#ifndef QV_TCK_CHECK_H
#define QV_TCK_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tck/tck_gherkin.h"
#include "tck/tck_value.h"
#include "util/arena.h"
#include "util/buf.h"

typedef enum { TCK_PASS = 0, TCK_FAIL = 1, TCK_SKIP = 2 } tck_status;

/* Writes the formatted reason (if reason/rlen) and returns st. */
tck_status tck_verdict(char *reason, size_t rlen, tck_status st, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Compares an expected table (first row: column names, cells in the TCK value syntax) with actual columns
 * and rows. ordered: rows as a list; lists_unordered: lists compared as multisets. Returns TCK_PASS, or
 * TCK_FAIL / TCK_SKIP (an unparsable expected value) with the reason. */
tck_status tck_compare_table(qv_arena *a, const tck_table *expected, const char *const *cols, size_t ncols,
                             const tckv *const *const *rows, size_t nrows, bool ordered, bool lists_unordered,
                             char *reason, size_t rlen);
/* Appends rows as "| v | v | | v | v |" (bounded length) for failure messages. */
void tck_append_rows(qv_buf *b, qv_arena *a, const tckv *const *const *rows, size_t nrows, size_t ncols);

/* What a query changed, as the TCK counts it. */
typedef struct tck_effects {
    int64_t nodes_added, nodes_removed, rels_added, rels_removed;
    int64_t props_added, props_removed, labels_added, labels_removed;
} tck_effects;

/* Compares the TCK side-effects table (| +nodes | 1 | ...; NULL = "no side effects") with measured ones. */
tck_status tck_compare_effects(const tck_table *expected, const tck_effects *got, char *reason, size_t rlen);

typedef struct tck_expected_error {
    char type[64];
    int phase;                 /* 0 compile time, 1 runtime, 2 any time */
    char detail[128];
} tck_expected_error;
/* Parses "a TypeError should be raised at runtime: InvalidArgumentType". Returns 0 or -1. */
int tck_parse_error_step(const char *text, tck_expected_error *out);

/* The names of a procedure signature's inputs then outputs: "p(a :: INTEGER?) :: (b :: STRING?)". Writes up
 * to max names (in a) and the counts; -1 when the text is not a signature or has more than max names. */
int tck_signature_names(qv_arena *a, const char *sig, const char **names, size_t max, size_t *n_in,
                        size_t *n_out);

/* The state of a graph as side effects see it (filled by tck_snapshot_take in tck_graph.c). */
typedef struct tck_snapshot {
    uint64_t *nodes, *rels;          /* sorted ids */
    size_t n_nodes, n_rels;
    char **labels;                   /* sorted distinct label names in use */
    size_t n_labels;
    char **props;                    /* sorted "n<id>|key|canon" / "r<id>|key|canon" */
    size_t n_props;
} tck_snapshot;
void tck_snapshot_free(tck_snapshot *s);
void tck_snapshot_diff(const tck_snapshot *before, const tck_snapshot *after, tck_effects *out);
/* Sorted-set differences: how many elements of a are not in b. */
size_t tck_count_missing_ids(const uint64_t *a, size_t na, const uint64_t *b, size_t nb);
size_t tck_count_missing_strs(char *const *a, size_t na, char *const *b, size_t nb);

/* Checks without an engine that the runner understands every step of s and every value in its tables.
 * TCK_PASS, or TCK_SKIP with the reason. */
tck_status tck_lint_scenario(const tck_scenario *s, char *reason, size_t rlen);

#endif
