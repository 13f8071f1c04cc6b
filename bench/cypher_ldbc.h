/* cypher_ldbc.h — the LDBC SNB SF0.1 data as the openCypher benchmark loads it (bench/cypher_bench.c).
 *
 * Owns: the list of what is loaded (node files per label, relationship files per type and endpoint
 * labels, in load order), reading the pipe-delimited gzip CSV files at run time into memory (header
 * typing: `:LONG`/`:INT` columns are integers, the rest strings; `_1` files without a header take the
 * header of their first file), the Nodestream ids (`<Label>_id:<id>`), and the seeded parameter draws
 * shared with bench/kuzu_cypher.mjs (same PRNG, same order, so both systems get the same parameters).
 * Must not: run queries or know the engine; copy the dataset anywhere.
 */
#ifndef QV_BENCH_CYPHER_LDBC_H
#define QV_BENCH_CYPHER_LDBC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One column of a table: its name and whether it holds integers. */
typedef struct ldbc_col {
    const char *name;
    bool is_int;
} ldbc_col;

/* A file's rows, fields split in place: field(r, c) = cells[r * ncols + c] (NUL-terminated, "" = empty). */
typedef struct ldbc_table {
    char *text;             /* the decompressed files, owned */
    size_t ncols, nrows;
    ldbc_col cols[16];
    char **cells;
} ldbc_table;

/* A node label and its file. Column 0 is the id. */
typedef struct ldbc_nodes {
    const char *label;
    const char *file;
    ldbc_table t;
} ldbc_nodes;

/* A relationship type between two labels, from one or two files (columns: start id, end id, then at most
 * one property). timed = false: loaded after the measured phases, for the read queries only. */
typedef struct ldbc_rels {
    const char *type, *from, *to;
    const char *files[2];
    bool timed;
    ldbc_table t;
} ldbc_rels;

typedef struct ldbc_data {
    ldbc_nodes nodes[4];
    size_t n_nodes;
    ldbc_rels rels[12];
    size_t n_rels;
    /* for parameter draws: persons (index into nodes[0]), messages (posts then comments) */
    size_t person_set, post_set, comment_set;
} ldbc_data;

/* Reads every file under dir; on failure prints why to stderr and returns -1. */
int ldbc_load(ldbc_data *d, const char *dir);
void ldbc_free(ldbc_data *d);

static inline const char *ldbc_cell(const ldbc_table *t, size_t r, size_t c) { return t->cells[r * t->ncols + c]; }

/* "<Label>_id:<id>" into buf (Nodestream's id with include_label_in_id). Returns its length. */
int ldbc_node_id(char *buf, size_t cap, const char *label, const char *id);

/* mulberry32: the PRNG both benchmark programs use for parameter draws. */
static inline uint32_t ldbc_rand(uint32_t *state) {
    uint32_t a = (*state += 0x6D2B79F5u);
    uint32_t t = (a ^ (a >> 15)) * (1u | a);
    t = (t + ((t ^ (t >> 7)) * (61u | t))) ^ t;
    return t ^ (t >> 14);
}

#endif
