/* tck_gherkin.h — the subset of Gherkin the openCypher TCK uses, read into expanded scenarios.
 *
 * Owns: parsing one .feature file (Feature, Background, Scenario, Scenario Outline / Template with
 * Examples, tags, comments, doc-strings, tables with Gherkin cell escapes `\|` `\\` `\n`, CRLF line ends)
 * and expanding outlines: one scenario per Examples data row, with <name> replaced in step texts,
 * doc-strings and table cells. Background steps come first in every scenario.
 * Must not: interpret steps (tck_run.c does) or know the engine.
 */
#ifndef QV_TCK_GHERKIN_H
#define QV_TCK_GHERKIN_H

#include <stddef.h>
#include <stdint.h>

#include "util/arena.h"

typedef struct tck_row {
    size_t n;
    char **cells;
} tck_row;

typedef struct tck_table {
    size_t n_rows;
    tck_row *rows;
} tck_table;

typedef struct tck_step {
    const char *keyword;   /* Given, When, Then, And, But, * */
    const char *text;      /* the rest of the line, trimmed */
    uint32_t line;
    const char *doc;       /* doc-string contents or NULL */
    const tck_table *table;/* or NULL */
} tck_step;

typedef struct tck_scenario {
    const char *id;        /* "<file>:<line>[<row>] <name>" (row only for outlines, 1-based) */
    const char *name;
    uint32_t line;
    uint32_t example;      /* 0 for a plain scenario */
    const char **tags;     /* feature + scenario + examples tags, without '@' */
    size_t n_tags;
    tck_step *steps;
    size_t n_steps;
} tck_scenario;

typedef struct tck_feature {
    qv_arena arena;        /* everything of the feature lives here */
    const char *file;      /* the path given to the parser (relative to the features folder) */
    const char *name;
    tck_scenario *scenarios;
    size_t n_scenarios;
} tck_feature;

/* Parses text (len bytes) of the feature named file. Returns 0, or -1 with a message (file:line: ...) in
 * err. On success the caller frees with tck_feature_free. */
int tck_feature_parse(tck_feature *f, const char *file, const char *text, size_t len, char *err, size_t errlen);
void tck_feature_free(tck_feature *f);

/* Reads and parses path (file is the name used in ids). */
int tck_feature_load(tck_feature *f, const char *path, const char *file, char *err, size_t errlen);

#endif
