/* cli.h — `quiver query`: openCypher from the command line, one-shot or as an interactive shell.
 *
 * Owns: the query command's options, opening a data directory for it (refusing, with the server's pid,
 * when a running server holds it), result output as an aligned table, JSON (Neptune's result document) or
 * CSV, the interactive shell (libedit line editing and history, statements ended by ';', :help, timing),
 * and saving what a write changed in a durable database before it returns.
 */
#ifndef QV_CLI_H
#define QV_CLI_H

#include <stdio.h>

#include "cypher/cypher.h"
#include "util/buf.h"

typedef enum { CLI_FMT_TABLE = 0, CLI_FMT_JSON, CLI_FMT_CSV } cli_format;

/* `quiver query ...` (argv[0] is "query"). Returns the process exit code. */
int cli_query_main(int argc, char **argv);

/* Prints every row of r to f in the format; returns rows printed, or -1 with *err set (a runtime error
 * while streaming). */
long cli_print_result(FILE *f, cy_result *r, cli_format fmt, cy_error *err);
/* A value as cypher-shell shows it: strings quoted, nodes (:L {k: v}), relationships [:T {k: v}]. */
void cli_render_value(qv_buf *b, gview *view, qv_arena *scratch, qval v, bool quote_strings);

/* The interactive shell over an open engine. */
typedef struct cli_session cli_session;
int cli_shell(cli_session *s);

#endif
