/* main.c — the `quiver` command: `quiver serve` starts the server; `quiver query` runs openCypher against a
 * data directory (cli/); `quiver version` prints the version.
 *
 * Owns: command-line parsing, the server context (the one place that owns the catalog, the store, the
 * thread pool and the front ends), start-up order (store, default database, front ends, listeners) and
 * clean shutdown on SIGINT/SIGTERM. Everything else lives in the modules.
 */
#include "api/flight/flight.h"
#include "api/neptune/neptune.h"
#include "cli/backup.h"
#include "cli/cli.h"
#include "graph/catalog.h"
#include "net/server.h"
#include "net/tls.h"
#include "store/store.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/pool.h"

#include <getopt.h>
#include <stdatomic.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define QUIVER_VERSION "0.1.0"

typedef struct serve_opts {
    const char *data_dir;
    const char *listen;
    int http_port, flight_port, threads;
    const char *auth;
    uint64_t abort_timeout_ms;
    uint64_t max_message_size, max_http_body;
    uint64_t export_batch_size;
    const char *default_db;
    uint64_t query_timeout_ms, query_memory;
    const char *iam_credentials;
    const char *backup_dir;
    store_durability durability;
    uint64_t checkpoint_wal_size;
    const char *tls_cert, *tls_key;
    bool flight_plaintext;
} serve_opts;

static void usage(FILE *f) {
    fprintf(f,
            "usage: quiver serve [options]\n"
            "       quiver query [options] ['CYPHER']   (see quiver query --help)\n"
            "       quiver check --data-dir DIR        (verify a data directory; changes nothing)\n"
            "       quiver backup (--data-dir DIR | --server URL) --to DIR2   (a consistent copy)\n"
            "       quiver version\n"
            "\n"
            "Starts the quiver graph server: the Neo4j GDS Arrow Flight protocol (gRPC) and the Neptune HTTP API.\n"
            "\n"
            "options:\n"
            "  --data-dir DIR            where databases are stored (default ./quiver-data)\n"
            "  --listen ADDR             address to listen on (default 127.0.0.1; 0.0.0.0 or :: for all)\n"
            "  --flight-port N           Arrow Flight port (default 8491; 0 picks a free port)\n"
            "  --http-port N             HTTP port (default 8182; 0 picks a free port)\n"
            "  --auth USER:PASSWORD      require these credentials on every Flight call (default: none)\n"
            "  --abort-timeout DURATION  abort imports idle this long (default 10m; e.g. 30s, 2h)\n"
            "  --threads N               network worker threads and build threads (default: one per CPU)\n"
            "  --max-message-size SIZE   largest gRPC message accepted (default 2GiB; e.g. 512MiB)\n"
            "  --max-http-body SIZE      largest HTTP request body accepted (default 150MiB, Neptune's limit)\n"
            "  --query-timeout DURATION  stop openCypher queries running longer (default: none; e.g. 2m)\n"
            "  --query-memory SIZE       working memory allowed to one openCypher query (default 2GiB)\n"
            "  --iam-credentials KEY:SECRET  require AWS SigV4 signatures made with this key pair on HTTP requests\n"
            "  --tls-cert FILE           PEM certificate (chain): both ports then speak TLS 1.2+ only (HTTPS, and\n"
            "                            gRPC over TLS: grpc+tls:// for Flight clients)\n"
            "  --tls-key FILE            PEM private key of --tls-cert (unencrypted)\n"
            "  --flight-plaintext        with --tls-cert: keep the Flight port plaintext (e.g. behind a local proxy)\n"
            "  --export-batch-size ROWS  rows per exported Arrow record batch (default 10000)\n"
            "  --default-database NAME   the database created at first start (default neo4j)\n"
            "  --durability MODE         fsync: a write is acknowledged once its log record is on disk (default);\n"
            "                            async: the log is synced at most every second (a crash loses at most\n"
            "                            the last second of acknowledged writes)\n"
            "  --checkpoint-wal-size SIZE  checkpoint databases after this much write-ahead log (default 256MiB)\n"
            "  --backup-dir DIR          allow online backups (quiver backup --server), written under DIR only\n"
            "                            (default: online backups are refused)\n"
            "  --log-level LEVEL         debug, info, warn or error (default info)\n"
            "  -h, --help                this text\n");
}

static int parse_port(const char *s, int *out) {
    char *end;
    long v = strtol(s, &end, 10);
    if (*s == 0 || *end || v < 0 || v > 65535) return -1;
    *out = (int)v;
    return 0;
}

/* Returns 0 to run, 1 for --help, 2 for a usage error (message printed). */
static int parse_serve(int argc, char **argv, serve_opts *o) {
    static const struct option longopts[] = {
        {"data-dir", required_argument, 0, 'd'},     {"listen", required_argument, 0, 'l'},
        {"http-port", required_argument, 0, 'H'},    {"flight-port", required_argument, 0, 'F'},
        {"auth", required_argument, 0, 'a'},         {"abort-timeout", required_argument, 0, 't'},
        {"threads", required_argument, 0, 'j'},      {"max-message-size", required_argument, 0, 'm'},
        {"max-http-body", required_argument, 0, 'b'}, {"log-level", required_argument, 0, 'L'},
        {"default-database", required_argument, 0, 'D'}, {"export-batch-size", required_argument, 0, 'e'},
        {"query-timeout", required_argument, 0, 'Q'}, {"query-memory", required_argument, 0, 'M'},
        {"iam-credentials", required_argument, 0, 'I'},   {"backup-dir", required_argument, 0, 'B'},
        {"tls-cert", required_argument, 0, 'C'},     {"tls-key", required_argument, 0, 'K'},
        {"flight-plaintext", no_argument, 0, 'P'},
        {"durability", required_argument, 0, 'u'},   {"checkpoint-wal-size", required_argument, 0, 'c'},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    opterr = 0;
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (c) {
        case 'd': o->data_dir = optarg; break;
        case 'l': o->listen = optarg; break;
        case 'H':
            if (parse_port(optarg, &o->http_port)) goto bad_value;
            break;
        case 'F':
            if (parse_port(optarg, &o->flight_port)) goto bad_value;
            break;
        case 'a':
            if (!strchr(optarg, ':')) {
                fprintf(stderr, "quiver: --auth takes USER:PASSWORD\n");
                return 2;
            }
            o->auth = optarg;
            break;
        case 't':
            if (qv_parse_duration_ms(optarg, &o->abort_timeout_ms) || o->abort_timeout_ms == 0) goto bad_value;
            break;
        case 'j': {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (*end || v < 1 || v > 1024) goto bad_value;
            o->threads = (int)v;
            break;
        }
        case 'm':
            if (qv_parse_size(optarg, &o->max_message_size) || o->max_message_size == 0) goto bad_value;
            break;
        case 'b':
            if (qv_parse_size(optarg, &o->max_http_body) || o->max_http_body == 0) goto bad_value;
            break;
        case 'L': {
            qv_log_level lv;
            if (qv_log_parse_level(optarg, &lv)) goto bad_value;
            qv_log_set_level(lv);
            break;
        }
        case 'D': o->default_db = optarg; break;
        case 'Q':
            if (qv_parse_duration_ms(optarg, &o->query_timeout_ms)) goto bad_value;
            break;
        case 'I':
            if (!strchr(optarg, ':') || optarg[0] == ':' || !strchr(optarg, ':')[1]) {
                fprintf(stderr, "quiver: --iam-credentials takes ACCESS_KEY:SECRET\n");
                return 2;
            }
            o->iam_credentials = optarg;
            break;
        case 'B': o->backup_dir = optarg; break;
        case 'C': o->tls_cert = optarg; break;
        case 'K': o->tls_key = optarg; break;
        case 'P': o->flight_plaintext = true; break;
        case 'M':
            if (qv_parse_size(optarg, &o->query_memory)) goto bad_value;
            break;
        case 'u':
            if (strcmp(optarg, "fsync") == 0) o->durability = STORE_DURABILITY_FSYNC;
            else if (strcmp(optarg, "async") == 0) o->durability = STORE_DURABILITY_ASYNC;
            else goto bad_value;
            break;
        case 'c':
            if (qv_parse_size(optarg, &o->checkpoint_wal_size)) goto bad_value;
            break;
        case 'e': {
            char *end;
            long long v = strtoll(optarg, &end, 10);
            if (*optarg == 0 || *end || v < 1 || v > 10000000) goto bad_value;
            o->export_batch_size = (uint64_t)v;
            break;
        }
        case 'h': return 1;
        case ':':
            fprintf(stderr, "quiver: %s needs a value (see quiver serve --help)\n", argv[optind - 1]);
            return 2;
        default:
            fprintf(stderr, "quiver: unknown option '%s' (see quiver serve --help)\n", argv[optind - 1]);
            return 2;
        }
        continue;
    bad_value:
        fprintf(stderr, "quiver: invalid value '%s' for %s (see quiver serve --help)\n", optarg, argv[optind - 2]);
        return 2;
    }
    if (optind < argc) {
        fprintf(stderr, "quiver: unexpected argument '%s' (see quiver serve --help)\n", argv[optind]);
        return 2;
    }
    if (!o->tls_cert != !o->tls_key) {
        fprintf(stderr, "quiver: --tls-cert and --tls-key go together (see quiver serve --help)\n");
        return 2;
    }
    if (o->flight_plaintext && !o->tls_cert) {
        fprintf(stderr, "quiver: --flight-plaintext only means something with --tls-cert (the Flight port is "
                        "plaintext without it)\n");
        return 2;
    }
    return 0;
}

/* Start-up recovery gate. The listeners start before the databases are loaded and the write-ahead log is
 * replayed, so that GET /status can say "recovery" meanwhile; until then every other request is refused with a
 * retryable error (Flight: UNAVAILABLE). This one-shot latch (set before the listeners start, cleared once when
 * recovery ends) is the process's only global state: gRPC handlers get no context of their own to carry it. */
static atomic_bool serve_recovering;

static void gate_http(void *ctx, const qv_http_request *req, qv_http_response *resp) {
    if (atomic_load(&serve_recovering)) neptune_handle_recovering(ctx, req, resp);
    else neptune_handle(ctx, req, resp);
}

static void gate_grpc_start(qv_grpc_call *call) {
    if (atomic_load(&serve_recovering)) {
        qv_grpc_call_finish(call, GRPC_UNAVAILABLE, "quiver is recovering its databases from the write-ahead log; "
                                                    "retry once GET /status on its HTTP port says \"healthy\"");
        return;
    }
    const qv_grpc_service *inner = flight_service_grpc(qv_grpc_call_service_ctx(call));
    const char *path = qv_grpc_call_path(call);
    for (int i = 0; i < inner->nmethods; i++)
        if (strcmp(inner->methods[i].path, path) == 0 && inner->methods[i].on_start) inner->methods[i].on_start(call);
}

static int serve(int argc, char **argv) {
    serve_opts o = {
        .data_dir = "./quiver-data",
        .listen = "127.0.0.1",
        .http_port = 8182,
        .flight_port = 8491,
        .abort_timeout_ms = 10 * 60 * 1000,
        .max_message_size = 2ull << 30,
        .max_http_body = NEPTUNE_MAX_REQUEST,
        .default_db = "neo4j",
        .export_batch_size = 10000,
        .durability = STORE_DURABILITY_FSYNC,
        .checkpoint_wal_size = STORE_CHECKPOINT_WAL_SIZE_DEFAULT,
    };
    int rc = parse_serve(argc, argv, &o);
    if (rc == 1) {
        usage(stdout);
        return 0;
    }
    if (rc) return rc;

    /* Signals are taken by sigwait in this thread only: block them before any thread starts. */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);

    qv_err err;
    qv_err_clear(&err);
    if (o.tls_cert) {   /* check the certificate and key before loading any data */
        qv_tls_ctx *tls = qv_tls_ctx_new(o.tls_cert, o.tls_key, QV_TLS_ALPN_HTTP1, &err);
        if (!tls) {
            QV_ERROR("%s", err.msg);
            return 1;
        }
        qv_tls_ctx_free(tls);
    }
    qv_pool *pool = qv_pool_new(o.threads);
    gcatalog *cat = gcatalog_new();
    qv_store *store = store_open(o.data_dir, &err);
    if (!store) {
        QV_ERROR("cannot open the data directory: %s", err.msg);
        gcatalog_free(cat);
        qv_pool_free(pool);
        return 1;
    }
    store_configure(store, o.durability, o.checkpoint_wal_size);

    char *auth_user = NULL;
    const char *auth_pass = NULL;
    if (o.auth) {
        const char *colon = strchr(o.auth, ':');
        auth_user = strndup(o.auth, (size_t)(colon - o.auth));
        auth_pass = colon + 1;
    }
    flight_config fc = {
        .auth_user = auth_user,
        .auth_password = auth_pass,
        .abort_timeout_ms = o.abort_timeout_ms,
        .token_idle_ms = 2 * 3600 * 1000,
        .export_batch_rows = o.export_batch_size,
    };
    flight_service *fs = flight_service_new(&fc, cat, store, pool);
    char *iam_key = NULL;
    if (o.iam_credentials) iam_key = strndup(o.iam_credentials, (size_t)(strchr(o.iam_credentials, ':') - o.iam_credentials));
    cy_engine *engine = cy_engine_new(cat, pool);
    neptune_config npc = {.cat = cat, .store = store, .engine = engine, .start_ms = qv_wall_ms(), .version = QUIVER_VERSION,
                          .default_graph = o.default_db, .query_timeout_ms = o.query_timeout_ms,
                          .query_memory = o.query_memory, .iam_access_key = iam_key,
                          .iam_secret = o.iam_credentials ? strchr(o.iam_credentials, ':') + 1 : NULL,
                          .backup_root = o.backup_dir};
    neptune_service *ns = neptune_service_new(&npc);
    /* Flight through the recovery gate: the same methods and context, each call's start checked first */
    const qv_grpc_service *fsvc = flight_service_grpc(fs);
    qv_grpc_method *gated = qv_calloc((size_t)fsvc->nmethods + 1, sizeof *gated);
    for (int i = 0; i < fsvc->nmethods; i++) {
        gated[i] = fsvc->methods[i];
        gated[i].on_start = gate_grpc_start;
    }
    qv_grpc_service gated_svc = {.methods = gated, .nmethods = fsvc->nmethods, .ctx = fsvc->ctx};
    qv_net_config nc = {
        .listen_addr = o.listen,
        .flight_port = o.flight_port,
        .http_port = o.http_port,
        .threads = o.threads,
        .max_message_size = o.max_message_size,
        .max_http_body = o.max_http_body,
        .grpc = &gated_svc,
        .http_handler = gate_http,
        .http_error = neptune_http_error,
        .http_ctx = ns,
        .tls_cert = o.tls_cert,
        .tls_key = o.tls_key,
        .flight_plaintext = o.flight_plaintext,
    };
    atomic_store(&serve_recovering, true);
    qv_net *net = qv_net_start(&nc, &err);
    int exit_code = 0;
    bool loaded = false;
    if (!net) {
        QV_ERROR("cannot start listening: %s", err.msg);
        exit_code = 1;
    } else {
        uint64_t t0 = qv_now_ns();
        QV_INFO("recovering the databases in %s (GET /status says \"recovery\" until done)", o.data_dir);
        if (store_load_all(store, cat, pool, &err) < 0 || store_ensure_database(store, cat, o.default_db, &err) < 0) {
            QV_ERROR("cannot load the databases in %s: %s", o.data_dir, err.msg);
            exit_code = 1;
        } else {
            loaded = true;
            atomic_store(&serve_recovering, false);
            QV_INFO("quiver %s: data directory %s loaded in %.2f s", QUIVER_VERSION, o.data_dir, qv_seconds_since(t0));
        }
    }
    if (net && !loaded) {
        qv_net_stop(net);
        net = NULL;
    }
    if (net) {
        int sig = 0;
        sigwait(&sigs, &sig);
        QV_INFO("received %s: shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
        qv_net_stop(net);   /* hang-ups cancel the queries still running */
    }
    neptune_service_free(ns);
    cy_engine_free(engine);
    flight_service_free(fs);
    free(gated);
    store_shutdown(store, loaded);   /* a clean stop checkpoints what the log holds */
    gcatalog_free(cat);
    store_close(store);
    qv_pool_free(pool);
    free(auth_user);
    free(iam_key);
    if (!exit_code) QV_INFO("quiver stopped");
    return exit_code;
}

/* quiver check --data-dir DIR: exit 0 when the directory is sound, 1 on any problem, 2 on a usage error. */
static int check_main(int argc, char **argv) {
    const char *dir = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--data-dir") == 0 && i + 1 < argc) {
            dir = argv[++i];
        } else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            printf("usage: quiver check --data-dir DIR\n\nVerifies every checksum of the databases' base files and "
                   "write-ahead log, replays the log in memory and checks the graphs' invariants (id index, "
                   "adjacency both ways, counts, indexes, constraints). Changes nothing. Exit 0: no problems.\n");
            return 0;
        } else {
            fprintf(stderr, "quiver check: unexpected argument '%s' (usage: quiver check --data-dir DIR)\n", argv[i]);
            return 2;
        }
    }
    if (!dir) {
        fprintf(stderr, "quiver check: give the data directory (--data-dir DIR)\n");
        return 2;
    }
    qv_log_set_level(QV_LOG_ERROR);
    qv_pool *pool = qv_pool_new(0);
    qv_buf out;
    qv_buf_init(&out);
    int problems = store_check(dir, pool, &out);
    fwrite(out.data, 1, out.len, stdout);
    qv_buf_free(&out);
    qv_pool_free(pool);
    return problems ? 1 : 0;
}

int main(int argc, char **argv) {
    if (argc >= 2 && strcmp(argv[1], "serve") == 0) return serve(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "query") == 0) return cli_query_main(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "check") == 0) return check_main(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "backup") == 0) return cli_backup_main(argc - 1, argv + 1);
    if (argc >= 2 && (strcmp(argv[1], "version") == 0 || strcmp(argv[1], "--version") == 0)) {
        printf("quiver %s\n", QUIVER_VERSION);
        return 0;
    }
    if (argc >= 2 && (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        usage(stdout);
        return 0;
    }
    usage(stderr);
    return 2;
}
