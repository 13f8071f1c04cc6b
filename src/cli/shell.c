/* shell.c — the interactive openCypher shell of `quiver query` (libedit line editing and history), and
 * the same statement splitting for statements piped on standard input.
 *
 * Statements end with ';' outside quotes and comments and may span lines. Lines starting with ':' are
 * shell commands (:help). History is kept in ~/.quiver_history.
 */
#include "cli/session.h"

#include <editline/readline.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/buf.h"

/* Tracks quotes and comments across the lines of one statement, to find the ';' that ends it. */
typedef struct splitter {
    char quote;        /* ', ", ` or 0 */
    bool block_comment;
} splitter;

/* Returns the offset just past the first terminating ';' in s[from..n), or -1. */
static long find_end(splitter *sp, const char *s, size_t from, size_t n) {
    for (size_t i = from; i < n; i++) {
        char ch = s[i];
        if (sp->block_comment) {
            if (ch == '*' && i + 1 < n && s[i + 1] == '/') { sp->block_comment = false; i++; }
        } else if (sp->quote) {
            if (ch == '\\' && sp->quote != '`' && i + 1 < n) i++;
            else if (ch == sp->quote) sp->quote = 0;
        } else if (ch == '\'' || ch == '"' || ch == '`') {
            sp->quote = ch;
        } else if (ch == '/' && i + 1 < n && s[i + 1] == '*') {
            sp->block_comment = true;
            i++;
        } else if (ch == '/' && i + 1 < n && s[i + 1] == '/') {
            while (i < n && s[i] != '\n') i++;
        } else if (ch == ';') {
            return (long)(i + 1);
        }
    }
    return -1;
}

static bool blank(const char *s, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r' && s[i] != ';') return false;
    return true;
}

static void help(void) {
    printf("Statements end with ';' and may span several lines.\n"
           "  :help                 this text\n"
           "  :exit, :quit          leave the shell (or Ctrl-D)\n"
           "  :graph NAME           query another graph (now the current one is shown in the prompt)\n"
           "  :param NAME=VALUE     set a parameter ($NAME); VALUE is JSON, or else a string\n"
           "  :params               list the parameters\n"
           "  :params {JSON}        replace all parameters\n"
           "  :clear                forget every parameter\n"
           "  :format table|json|csv\n"
           "  :timing on|off        print the time and changes of each statement\n");
}

/* Runs a ':' command; returns 1 to leave the shell. */
static int command(cli_session *s, char *line) {
    while (*line == ' ') line++;
    char *arg = line;
    while (*arg && *arg != ' ') arg++;
    if (*arg) *arg++ = 0;
    while (*arg == ' ') arg++;
    size_t al = strlen(arg);
    while (al && (arg[al - 1] == ' ' || arg[al - 1] == '\n' || arg[al - 1] == ';')) arg[--al] = 0;
    qv_err err;
    qv_err_clear(&err);
    if (!strcmp(line, ":exit") || !strcmp(line, ":quit") || !strcmp(line, ":q")) return 1;
    if (!strcmp(line, ":help") || !strcmp(line, ":h")) {
        help();
    } else if (!strcmp(line, ":graph")) {
        if (!*arg) printf("graph: %s\n", s->graph);
        else {
            snprintf(s->graph_buf, sizeof s->graph_buf, "%s", arg);
            s->graph = s->graph_buf;
        }
    } else if (!strcmp(line, ":param")) {
        if (cli_session_set_param(s, arg, &err) < 0) fprintf(stderr, "%s\n", err.msg);
    } else if (!strcmp(line, ":params")) {
        if (*arg) {
            if (cli_session_set_params_json(s, arg, &err) < 0) fprintf(stderr, "%s\n", err.msg);
        } else if (s->params.type == QT_MAP) {
            qv_buf b;
            qv_buf_init(&b);
            for (uint32_t i = 0; i < s->params.len; i++) {
                qv_buf_reset(&b);
                cli_render_value(&b, NULL, &s->param_arena, s->params.ents[i].v, true);
                printf("$%s = %.*s\n", s->params.ents[i].key, (int)b.len, (const char *)b.data);
            }
            qv_buf_free(&b);
        }
    } else if (!strcmp(line, ":clear")) {
        s->params = qv_null();
    } else if (!strcmp(line, ":format")) {
        if (!strcmp(arg, "table")) s->format = CLI_FMT_TABLE;
        else if (!strcmp(arg, "json")) s->format = CLI_FMT_JSON;
        else if (!strcmp(arg, "csv")) s->format = CLI_FMT_CSV;
        else fprintf(stderr, ":format takes table, json or csv\n");
    } else if (!strcmp(line, ":timing")) {
        s->timing = strcmp(arg, "off") != 0;
    } else {
        fprintf(stderr, "unknown command %s (try :help)\n", line);
    }
    return 0;
}

static char *history_path(void) {
    const char *home = getenv("HOME");
    if (!home || !*home) return NULL;
    size_t n = strlen(home) + 32;
    char *p = malloc(n);
    if (p) snprintf(p, n, "%s/.quiver_history", home);
    return p;
}

int cli_shell(cli_session *s) {
    bool tty = isatty(STDIN_FILENO);
    char *hist = tty ? history_path() : NULL;
    if (tty) {
        using_history();
        if (hist) read_history(hist);
        printf("quiver openCypher shell: statements end with ';', :help for commands, Ctrl-D to leave.\n");
    }
    qv_buf stmt;
    qv_buf_init(&stmt);
    splitter sp = {0};
    size_t scanned = 0;
    int failures = 0;
    char prompt[300];
    for (;;) {
        char *line;
        if (tty) {
            if (stmt.len) snprintf(prompt, sizeof prompt, "%*s> ", (int)strlen(s->graph), "");
            else snprintf(prompt, sizeof prompt, "%s> ", s->graph);
            line = readline(prompt);
        } else {
            size_t cap = 0;
            line = NULL;
            if (getline(&line, &cap, stdin) < 0) {
                free(line);
                line = NULL;
            }
        }
        if (!line) break;
        if (!stmt.len && line[strspn(line, " \t")] == ':') {
            if (tty) add_history(line);
            int quit = command(s, line);
            free(line);
            if (quit) break;
            continue;
        }
        qv_buf_append_str(&stmt, line);
        if (tty || (stmt.len && stmt.data[stmt.len - 1] != '\n')) qv_buf_append_byte(&stmt, '\n');
        free(line);
        long end;
        while ((end = find_end(&sp, (const char *)stmt.data, scanned, stmt.len)) >= 0) {
            const char *text = (const char *)stmt.data;
            if (!blank(text, (size_t)end)) {
                if (tty) {
                    char *h = strndup(text, (size_t)end);
                    for (char *c = h; *c; c++)
                        if (*c == '\n') *c = ' ';
                    add_history(h);
                    free(h);
                }
                if (cli_session_run(s, text, (size_t)end) < 0) failures++;
            }
            memmove(stmt.data, stmt.data + end, stmt.len - (size_t)end);
            stmt.len -= (size_t)end;
            if (blank((const char *)stmt.data, stmt.len)) stmt.len = 0;   /* the rest of the line was empty */
            sp = (splitter){0};
            scanned = 0;
        }
        scanned = stmt.len;
    }
    /* Piped input may end without a final ';'. */
    if (stmt.len && !blank((const char *)stmt.data, stmt.len))
        if (cli_session_run(s, (const char *)stmt.data, stmt.len) < 0) failures++;
    if (tty) {
        putchar('\n');
        if (hist) write_history(hist);
    }
    free(hist);
    qv_buf_free(&stmt);
    return failures && !tty ? 1 : 0;
}
