/* session.h — what the query command and its shell share: the open engine and the current settings. */
#ifndef QV_CLI_SESSION_H
#define QV_CLI_SESSION_H

#include "cli/cli.h"
#include "store/store.h"
#include "util/pool.h"

struct cli_session {
    cy_engine *engine;
    qv_store *store;
    qv_pool *pool;
    const char *graph;
    char graph_buf[256];
    cli_format format;
    bool timing;
    qval params;             /* a map, or null */
    bool remote;             /* --server: statements go to a running server over HTTP */
    char host[256], port[16];
    bool tls;                /* https:// */
    const char *ca_file;     /* --ca: certificate authorities to trust for https (default: the system's) */
    qv_arena param_arena;
};

/* Runs one statement and prints its result (errors to stderr). Returns 0 or -1. */
int cli_session_run(cli_session *s, const char *text, size_t len);
/* --server mode (remote.c). */
int cli_remote_parse_url(const char *url, char *host, size_t hostcap, char *port, size_t portcap, bool *tls,
                         qv_err *err);
int cli_remote_run(cli_session *s, const char *text, size_t len);
/* One JSON POST to path over HTTP or HTTPS (one connection, Connection: close), with a graphIdentifier header
 * when graph_id is not NULL; fills the status and the (de-chunked) body. */
int cli_http_post_json(const char *host, const char *port, bool tls, const char *ca_file, const char *path,
                       const char *graph_id, const qv_buf *json, int *status, qv_buf *body, qv_err *err);
int cli_session_set_param(cli_session *s, const char *assign, qv_err *err);     /* NAME=VALUE */
int cli_session_set_params_json(cli_session *s, const char *json, qv_err *err);

#endif
