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
#include "tck/tck_check.h"
#include "tck/tck_gherkin.h"
#include "tck/tck_graph.h"
#include "tck/tck_value.h"

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

#endif
