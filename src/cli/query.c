/* query.c — the `quiver query` command: options, opening the data directory, running one statement and
 * saving what it wrote (see cli.h). The shell loop is in shell.c.
 */
#include "cli/cli.h"
#include "cli/session.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/common/qjson.h"
#include "store/store.h"
#include "util/clock.h"
#include "util/log.h"

static void usage(FILE *f) {
    fprintf(f,
            "usage: quiver query [options] ['CYPHER']\n"
            "\n"
            "Runs an openCypher statement against the graphs in a data directory and prints its result. With no\n"
            "statement it opens an interactive shell (statements end with ';', :help lists the commands); with\n"
            "standard input not a terminal it runs the ';'-separated statements read from it.\n"
            "A data directory in use by a running server cannot be opened: query the server over HTTP instead.\n"
            "\n"
            "options:\n"
            "  --data-dir DIR          the data directory (default ./quiver-data)\n"
            "  --server URL            send statements to a running server instead (http://HOST:PORT or\n"
            "                          https://HOST:PORT: its POST /opencypher; other graphs: POST /queries)\n"
            "  --ca FILE               certificate authorities (PEM) to trust for https, e.g. a self-signed cert\n"
            "  --graph NAME            the graph to query (default neo4j)\n"
            "  --param NAME=VALUE      a parameter; VALUE is JSON if it parses as JSON, else a string (repeatable)\n"
            "  --params JSON           parameters as a JSON object\n"
            "  --format table|json|csv output format (default table; json is Neptune's result document)\n"
            "  --timing                print the time each statement took (always on in the shell)\n"
            "  -h, --help              this text\n");
}

int cli_session_set_param(cli_session *s, const char *assign, qv_err *err) {
    const char *eq = strchr(assign, '=');
    if (!eq || eq == assign) return qv_err_set(err, QV_EINVAL, "a parameter is NAME=VALUE, not '%s'", assign);
    qmap_b mb;
    qmap_b_init(&mb, &s->param_arena, s->params.type == QT_MAP ? s->params.len + 1 : 1);
    if (s->params.type == QT_MAP)
        for (uint32_t i = 0; i < s->params.len; i++)
            qmap_b_set(&mb, s->params.ents[i].key, s->params.ents[i].klen, s->params.ents[i].v);
    const char *text = eq + 1;
    qv_err jerr;
    json_doc *d = json_parse(text, strlen(text), &jerr);
    qval v = d ? qjson_to_qval(&s->param_arena, json_doc_root(d)) : qv_str_cstr(&s->param_arena, text);
    if (d) json_doc_free(d);
    qmap_b_set(&mb, assign, (size_t)(eq - assign), v);
    s->params = qmap_b_done(&mb);
    return 0;
}

int cli_session_set_params_json(cli_session *s, const char *json, qv_err *err) {
    qval m;
    if (qjson_parse_params(&s->param_arena, json, strlen(json), &m, err) < 0) return -1;
    s->params = m;
    return 0;
}

static void print_error(const cy_error *e, const char *text, size_t len) {
    cy_error loc = *e;
    cy_error_locate(&loc, text, (uint32_t)len);
    fprintf(stderr, "%s", cy_errclass_name(loc.cls));
    if (loc.detail) fprintf(stderr, " (%s)", loc.detail);
    if (loc.line) fprintf(stderr, " at line %u, column %u", loc.line, loc.column);
    fprintf(stderr, ": %s\n", loc.msg);
}

int cli_session_run(cli_session *s, const char *text, size_t len) {
    if (s->remote) return cli_remote_run(s, text, len);
    cy_query_opts o = {.graph = s->graph, .params = s->params};
    cy_result *r = NULL;
    cy_error e;
    cy_error_clear(&e);
    uint64_t t0 = qv_now_ns();
    if (cy_query(s->engine, text, len, &o, &r, &e) < 0) {
        print_error(&e, text, len);
        return -1;
    }
    long rows = cli_print_result(stdout, r, s->format, &e);
    double secs = qv_seconds_since(t0);
    int rc = 0;
    if (rows < 0) {
        print_error(&e, text, len);
        rc = -1;
    } else {
        if (s->timing) {
            const cy_stats *st = cy_result_stats(r);
            fprintf(stderr, "%ld row%s in %.3f s", rows, rows == 1 ? "" : "s", secs);
            if (st->nodes_created) fprintf(stderr, ", %llu nodes created", (unsigned long long)st->nodes_created);
            if (st->nodes_deleted) fprintf(stderr, ", %llu nodes deleted", (unsigned long long)st->nodes_deleted);
            if (st->rels_created) fprintf(stderr, ", %llu relationships created", (unsigned long long)st->rels_created);
            if (st->rels_deleted) fprintf(stderr, ", %llu relationships deleted", (unsigned long long)st->rels_deleted);
            if (st->props_set) fprintf(stderr, ", %llu properties set", (unsigned long long)st->props_set);
            if (st->labels_added) fprintf(stderr, ", %llu labels added", (unsigned long long)st->labels_added);
            if (st->labels_removed) fprintf(stderr, ", %llu labels removed", (unsigned long long)st->labels_removed);
            fputc('\n', stderr);
        }
    }
    cy_result_free(r);
    return rc;
}

int cli_query_main(int argc, char **argv) {
    static const struct option longopts[] = {
        {"data-dir", required_argument, 0, 'd'}, {"graph", required_argument, 0, 'g'},
        {"param", required_argument, 0, 'p'},    {"params", required_argument, 0, 'P'},
        {"format", required_argument, 0, 'f'},   {"timing", no_argument, 0, 't'},
        {"server", required_argument, 0, 's'},   {"ca", required_argument, 0, 'C'},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    cli_session s = {.graph = "neo4j", .format = CLI_FMT_TABLE};
    qv_arena_init(&s.param_arena);
    const char *data_dir = "./quiver-data";
    const char *server = NULL;
    const char *params_json = NULL;
    const char *param_list[256];
    int n_params = 0;
    opterr = 0;
    optind = 1;
    int c, exit_code = 0;
    while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (c) {
        case 'd': data_dir = optarg; break;
        case 's': server = optarg; break;
        case 'C': s.ca_file = optarg; break;
        case 'g': s.graph = optarg; break;
        case 'p':
            if (n_params == 256) {
                fprintf(stderr, "quiver query: at most 256 --param options; use --params JSON\n");
                return 2;
            }
            param_list[n_params++] = optarg;
            break;
        case 'P': params_json = optarg; break;
        case 'f':
            if (strcmp(optarg, "table") == 0) s.format = CLI_FMT_TABLE;
            else if (strcmp(optarg, "json") == 0) s.format = CLI_FMT_JSON;
            else if (strcmp(optarg, "csv") == 0) s.format = CLI_FMT_CSV;
            else {
                fprintf(stderr, "quiver query: --format is table, json or csv, not '%s'\n", optarg);
                return 2;
            }
            break;
        case 't': s.timing = true; break;
        case 'h': usage(stdout); return 0;
        case ':': fprintf(stderr, "quiver query: %s needs a value (see quiver query --help)\n", argv[optind - 1]); return 2;
        default: fprintf(stderr, "quiver query: unknown option '%s' (see quiver query --help)\n", argv[optind - 1]); return 2;
        }
    }
    if (argc - optind > 1) {
        fprintf(stderr, "quiver query: give the statement as one argument (quote it)\n");
        return 2;
    }
    qv_err err;
    qv_err_clear(&err);
    if (params_json && cli_session_set_params_json(&s, params_json, &err) < 0) {
        fprintf(stderr, "quiver query: --params: %s\n", err.msg);
        return 2;
    }
    for (int i = 0; i < n_params; i++)
        if (cli_session_set_param(&s, param_list[i], &err) < 0) {
            fprintf(stderr, "quiver query: --param: %s\n", err.msg);
            return 2;
        }

    if (server) {
        if (cli_remote_parse_url(server, s.host, sizeof s.host, s.port, sizeof s.port, &s.tls, &err) < 0) {
            fprintf(stderr, "quiver query: %s\n", err.msg);
            qv_arena_free(&s.param_arena);
            return 2;
        }
        s.remote = true;
        if (optind < argc) exit_code = cli_session_run(&s, argv[optind], strlen(argv[optind])) < 0 ? 1 : 0;
        else {
            if (isatty(STDIN_FILENO)) s.timing = true;
            exit_code = cli_shell(&s);
        }
        qv_arena_free(&s.param_arena);
        return exit_code;
    }
    qv_log_set_level(QV_LOG_WARN);
    s.store = store_open(data_dir, &err);
    if (!s.store) {
        if (err.code == QV_EPHASE)
            fprintf(stderr, "quiver query: %s; query that server instead: quiver query --server http://HOST:PORT\n", err.msg);
        else
            fprintf(stderr, "quiver query: cannot open the data directory: %s\n", err.msg);
        qv_arena_free(&s.param_arena);
        return 1;
    }
    s.pool = qv_pool_new(0);
    gcatalog *cat = gcatalog_new();
    if (store_load_all(s.store, cat, s.pool, &err) < 0 || store_ensure_database(s.store, cat, "neo4j", &err) < 0) {
        fprintf(stderr, "quiver query: cannot load the databases in %s: %s\n", data_dir, err.msg);
        exit_code = 1;
    } else {
        s.engine = cy_engine_new(cat, s.pool);
        if (optind < argc) {
            exit_code = cli_session_run(&s, argv[optind], strlen(argv[optind])) < 0 ? 1 : 0;
        } else {
            if (isatty(STDIN_FILENO)) s.timing = true;
            exit_code = cli_shell(&s);
        }
        cy_engine_free(s.engine);
    }
    store_shutdown(s.store, false);   /* writes are durable in the write-ahead log already */
    gcatalog_free(cat);
    store_close(s.store);
    qv_pool_free(s.pool);
    qv_arena_free(&s.param_arena);
    return exit_code;
}
