/* query.c — running openCypher for the Neptune endpoints: POST /opencypher (JSON, `parameters` a JSON string
 * or object), POST|GET /openCypher (form-encoded, query string, `application/opencypher` bodies), POST
 * /opencypher/explain, and Neptune Analytics' POST /queries.
 *
 * The network worker only defers the request (qv_http_defer); a query thread decodes it, runs the query
 * and writes {"results":[...]} as rows come: the first STREAM_CHUNK bytes are held back, so a query that
 * fails early (most do) still gets a proper error status, and a short result goes out with Content-Length;
 * longer results are sent in chunks, with backpressure from the client. A client that hangs up cancels the
 * query (the stream's cancel flag is the query's).
 * Must not: block the network worker; map errors anywhere but errors.c.
 */
#include "api/common/qjson.h"
#include "api/neptune/np_int.h"
#include "util/log.h"
#include "wire/json.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define STREAM_CHUNK ((size_t)64 << 10)

typedef struct np_job {
    neptune_service *ns;
    const qv_http_request *req;
    qv_http_stream *s;
    np_api api;
    bool explain;
    bool trailers;        /* the client sent "TE: trailers": end chunked results with X-Neptune-Status */
    char *graph;          /* Analytics: the graph identifier */
    np_running run;       /* run.id is the request id */
} np_job;

/* What a request asks for, whatever its encoding. */
typedef struct np_fields {
    char *query;          /* malloc'd */
    size_t query_len;
    qval params;
    uint64_t timeout_ms;
    bool explain;
} np_fields;

typedef struct np_fail {
    const char *code, *na_code, *na_reason;
    int status, na_status;
    char msg[600];
} np_fail;

static int bad_request(np_fail *f, const char *msg) {
    f->code = "BadRequestException";
    f->status = 400;
    f->na_code = "ValidationException";
    f->na_status = 400;
    f->na_reason = "BAD_REQUEST";
    snprintf(f->msg, sizeof f->msg, "%s", msg);
    return -1;
}

static int missing_query(np_fail *f) {
    bad_request(f, "Missing 'query' parameter: send the openCypher text as 'query'");
    f->code = "MissingParameterException";
    return -1;
}

static bool ct_is(const char *ct, const char *want) {
    size_t n = strlen(want);
    return ct && strncasecmp(ct, want, n) == 0 && (ct[n] == 0 || ct[n] == ';' || ct[n] == ' ');
}

static int params_from_text(qv_arena *a, const char *text, size_t len, np_fields *out, np_fail *f) {
    qv_err err;
    if (qjson_parse_params(a, text, len, &out->params, &err) < 0) {
        char m[600];
        snprintf(m, sizeof m, "Invalid 'parameters': %s", err.msg);
        return bad_request(f, m);
    }
    return 0;
}

static const qval *member(qval obj, const char *key) { return qv_map_get(obj, key, strlen(key)); }

/* A JSON body, read straight into values (no tree) in one pass: a `parameters` string (json.dumps text, as
 * Nodestream and the SDKs send it) holding an object is read from its escaped bytes as the body is; any
 * other `parameters` string arrives decoded and is parsed here, for its error. */
static int decode_json(const qv_http_request *req, qv_arena *a, np_api api, np_fields *out, np_fail *f) {
    qv_err err;
    qval root;
    if (qjson_read_body(a, (const char *)req->body, req->body_len, "parameters", &root, &err) < 0) {
        char m[600];
        snprintf(m, sizeof m, "The request body is not valid JSON: %s", err.msg);
        return bad_request(f, m);
    }
    if (root.type != QT_MAP)
        return bad_request(f, "The request body must be a JSON object with 'query' and optional 'parameters'");
    const qval *q = member(root, "query");
    if (!q || q->type != QT_STRING) return missing_query(f);
    out->query = qv_malloc((size_t)q->len + 1);
    memcpy(out->query, q->s, q->len);
    out->query[q->len] = 0;
    out->query_len = q->len;
    const qval *p = member(root, "parameters");
    if (p && p->type == QT_STRING) {
        if (qjson_parse_params_in_place(a, (char *)(uintptr_t)p->s, p->len, &out->params, &err) < 0) {
            char m[600];
            snprintf(m, sizeof m, "Invalid 'parameters': %s", err.msg);
            return bad_request(f, m);
        }
    } else if (p && p->type == QT_MAP) {
        out->params = *p;
    } else if (p && p->type != QT_NULL) {
        return bad_request(f, "'parameters' must be a JSON object, or a string holding one");
    }
    const qval *lang = member(root, "language");
    if (api == NP_API_ANALYTICS && lang && lang->type == QT_STRING && strcasecmp(lang->s, "OPEN_CYPHER") != 0 &&
        strcasecmp(lang->s, "opencypher") != 0)
        return bad_request(f, "Unsupported query language: quiver runs OPEN_CYPHER");
    const qval *t = member(root, "queryTimeoutMilliseconds");
    if (t && t->type == QT_INT && t->i > 0) out->timeout_ms = (uint64_t)t->i;
    else if (t && t->type == QT_FLOAT && t->f >= 1) out->timeout_ms = t->f < 1.8e19 ? (uint64_t)t->f : UINT64_MAX;
    const qval *e = member(root, "explain");
    if (e && e->type == QT_STRING) out->explain = true;
    return 0;
}

/* Form body or query string: query=...&parameters=... (the body's fields win over the query string's). */
static char *field(const qv_http_request *req, bool body_is_form, const char *name) {
    char *v = body_is_form ? np_form_get((const char *)req->body, req->body_len, name) : NULL;
    if (!v) v = np_form_get(req->query, strlen(req->query), name);
    return v;
}

static int decode(const qv_http_request *req, qv_arena *a, np_api api, np_fields *out, np_fail *f) {
    memset(out, 0, sizeof *out);
    out->params = qv_null();
    const char *ct = qv_http_header_get(req, "content-type");
    bool get = strcasecmp(req->method, "GET") == 0 || strcasecmp(req->method, "HEAD") == 0;
    size_t i = 0;
    while (i < req->body_len && isspace(req->body[i])) i++;
    bool direct = !get && ct_is(ct, "application/opencypher");
    /* JSON when it says so, or when it looks so (curl -d sends JSON as form-urlencoded) */
    if (!get && !direct && (ct_is(ct, "application/json") || (i < req->body_len && req->body[i] == '{')))
        return decode_json(req, a, api, out, f);
    bool form = !get && !direct;
    if (direct) {
        out->query = qv_malloc(req->body_len + 1);
        memcpy(out->query, req->body, req->body_len);
        out->query[req->body_len] = 0;
        out->query_len = req->body_len;
    } else {
        out->query = field(req, form, "query");
        if (!out->query) return missing_query(f);
        out->query_len = strlen(out->query);
    }
    char *p = field(req, form, "parameters");
    int rc = p ? params_from_text(a, p, strlen(p), out, f) : 0;
    free(p);
    if (rc) return rc;
    char *t = field(req, form, "queryTimeoutMilliseconds");
    if (t) out->timeout_ms = strtoull(t, NULL, 10);
    free(t);
    char *e = field(req, form, "explain");
    if (e) out->explain = true;
    free(e);
    return 0;
}

static void fail_resp(np_job *j, const np_fail *f) {
    qv_http_response *resp = qv_http_stream_response(j->s);
    if (j->api == NP_API_ANALYTICS)
        np_error_resp(resp, j->api, f->na_status, f->na_code, f->na_reason, f->msg, j->run.id);
    else
        np_error_resp(resp, j->api, f->status, f->code, NULL, f->msg, j->run.id);
}

static void cy_fail(np_job *j, cy_error *e) {
    if (e->cls == CYE_CANCELLED && np_registry_was_cancelled(&j->ns->reg, &j->run))
        snprintf(e->msg, sizeof e->msg, "Operation terminated (cancelled by user)");
    else if (e->cls == CYE_TIMEOUT && !e->msg[0])
        snprintf(e->msg, sizeof e->msg, "Operation terminated (deadline exceeded)");
    np_cy_error_resp(qv_http_stream_response(j->s), j->api, e, j->run.id);
}

static void ok_head(np_job *j, const char *content_type) {
    qv_http_response *resp = qv_http_stream_response(j->s);
    resp->status = 200;
    resp->content_type = content_type;
    qv_http_response_header(resp, "x-amzn-RequestId", j->run.id);
    if (j->trailers) qv_http_response_header(resp, "Trailer", "X-Neptune-Status, X-Neptune-Detail");
}

/* Neptune's trailers (engine 1.4.5+, when asked with "TE: trailers"): the outcome of a streamed result. */
static void status_trailers(np_job *j, const cy_error *e) {
    if (!e) {
        qv_http_stream_trailer(j->s, "X-Neptune-Status", "200 OK");
        return;
    }
    const np_errinfo *ei = np_error_for(e->cls);
    bool na = j->api == NP_API_ANALYTICS;
    char st[96];
    snprintf(st, sizeof st, "%d %s", na ? ei->na_status : ei->status, na ? ei->na_code : ei->code);
    qv_http_stream_trailer(j->s, "X-Neptune-Status", st);
    qv_buf doc, enc;
    qv_buf_init(&doc);
    qv_buf_init(&enc);
    np_error_body(&doc, j->api, na ? ei->na_code : ei->code, na ? ei->na_reason : NULL, e->msg, j->run.id);
    static const char hx[] = "0123456789ABCDEF";
    for (size_t i = 0; i < doc.len; i++) {
        unsigned char c = doc.data[i];
        if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
            qv_buf_append_byte(&enc, c);
        } else {
            char x[3] = {'%', hx[c >> 4], hx[c & 15]};
            qv_buf_append(&enc, x, 3);
        }
    }
    qv_buf_append_byte(&enc, 0);
    qv_http_stream_trailer(j->s, "X-Neptune-Detail", (const char *)enc.data);
    qv_buf_free(&doc);
    qv_buf_free(&enc);
}

/* Writes the rows as {"results":[...]}; returns 0, or -1 when the client went away. */
static int stream_rows(np_job *j, cy_result *r) {
    qv_http_response *resp = qv_http_stream_response(j->s);
    uint32_t nc = cy_result_ncols(r);
    qv_buf names;   /* the column names as JSON strings followed by ':' */
    qv_buf_init(&names);
    size_t *off = qv_calloc((size_t)nc + 1, sizeof *off);
    for (uint32_t c = 0; c < nc; c++) {
        off[c] = names.len;
        json_write_cstr(&names, cy_result_colname(r, c));
        qv_buf_append_byte(&names, ':');
    }
    off[nc] = names.len;
    qv_arena scratch;
    qv_arena_init(&scratch);
    (void)qv_arena_alloc(&scratch, 16);   /* the first chunk outlives the per-row resets: no malloc per row */
    qv_arena_mark mark = qv_arena_mark_get(&scratch);
    qjson_writer w;
    qjson_writer_init(&w, cy_result_view(r), &scratch);
    qv_buf out;
    qv_buf_init(&out);
    qv_buf_append_str(&out, "{\"results\":[");
    bool sent = false, gone = false;
    uint64_t nrows = 0;
    const qval *row;
    cy_error err;
    cy_error_clear(&err);
    int rc;
    while ((rc = cy_result_next(r, &row, &err)) == 1) {
        if (nc == 0) continue;   /* an update without RETURN: Neptune answers {"results":[]} */
        if (nrows++) qv_buf_append_byte(&out, ',');
        qv_buf_append_byte(&out, '{');
        for (uint32_t c = 0; c < nc; c++) {
            if (c) qv_buf_append_byte(&out, ',');
            qv_buf_append(&out, names.data + off[c], off[c + 1] - off[c]);
            qjson_writer_value(&w, &out, row[c]);
        }
        qv_buf_append_byte(&out, '}');
        qv_arena_reset_to(&scratch, mark);
        if (out.len >= STREAM_CHUNK) {
            if (!sent) ok_head(j, "application/json;charset=UTF-8");
            sent = true;
            if (qv_http_stream_send(j->s, out.data, out.len) < 0) {
                gone = true;
                break;
            }
            qv_buf_reset(&out);
        }
    }
    if (!gone) {
        if (rc < 0 && !sent) {
            cy_fail(j, &err);
        } else {
            if (rc < 0) {   /* mid-stream: Neptune appends the error document to the broken (unclosed) body */
                const np_errinfo *ei = np_error_for(err.cls);
                np_error_body(&out, j->api, j->api == NP_API_ANALYTICS ? ei->na_code : ei->code,
                              j->api == NP_API_ANALYTICS ? ei->na_reason : NULL, err.msg, j->run.id);
            } else {
                qv_buf_append_str(&out, "]}");
            }
            if (j->trailers) {   /* trailers need a chunked body, however short */
                if (!sent) ok_head(j, "application/json;charset=UTF-8");
                sent = true;
                status_trailers(j, rc < 0 ? &err : NULL);
            }
            if (sent) {
                if (qv_http_stream_send(j->s, out.data, out.len) < 0) gone = true;
            } else {
                ok_head(j, "application/json;charset=UTF-8");
                qv_buf tmp = resp->body;
                resp->body = out;
                out = tmp;
            }
        }
    }
    qv_buf_free(&out);
    qjson_writer_free(&w);
    qv_arena_free(&scratch);
    qv_buf_free(&names);
    free(off);
    return gone ? -1 : 0;
}

/* The plan rows joined as text (Neptune answers explain with text, not JSON). */
static void explain_rows(np_job *j, cy_result *r) {
    qv_http_response *resp = qv_http_stream_response(j->s);
    qv_buf text;
    qv_buf_init(&text);
    const qval *row;
    cy_error err;
    cy_error_clear(&err);
    int rc;
    while ((rc = cy_result_next(r, &row, &err)) == 1)
        for (uint32_t c = 0; c < cy_result_ncols(r); c++)
            if (row[c].type == QT_STRING) {
                qv_buf_append(&text, row[c].s, row[c].len);
                qv_buf_append_byte(&text, '\n');
            }
    if (rc < 0) {
        cy_fail(j, &err);
    } else {
        ok_head(j, "text/plain;charset=UTF-8");
        qv_buf tmp = resp->body;
        resp->body = text;
        text = tmp;
    }
    qv_buf_free(&text);
}

static void run_job(void *arg) {
    np_job *j = arg;
    neptune_service *ns = j->ns;
    qv_arena a;
    qv_arena_init(&a);
    np_fields fl;
    np_fail f;
    if (decode(j->req, &a, j->api, &fl, &f) < 0) {
        fail_resp(j, &f);
        goto out;
    }
    size_t qlen = fl.query_len;
    const char *text = np_skip_hints(fl.query, &qlen);
    uint64_t limit = ns->cfg.query_timeout_ms;   /* a request may ask for less time than --query-timeout, not more */
    if (fl.timeout_ms && (!limit || fl.timeout_ms < limit)) limit = fl.timeout_ms;
    cy_query_opts opts = {
        .graph = j->api == NP_API_ANALYTICS ? j->graph : ns->cfg.default_graph,
        .params = fl.params,
        .timeout_ms = limit,
        .memory_limit = ns->cfg.query_memory,
        .cancel = qv_http_stream_cancelled(j->s),
        .explain = j->explain || fl.explain,
    };
    j->run.api = j->api;
    j->run.cancel = opts.cancel;
    np_registry_add(&ns->reg, &j->run, text, qlen);
    cy_result *r = NULL;
    cy_error err;
    cy_error_clear(&err);
    if (cy_query(ns->cfg.engine, text, qlen, &opts, &r, &err) < 0) {
        cy_fail(j, &err);
    } else {
        if (opts.explain)
            explain_rows(j, r);
        else
            stream_rows(j, r);
        cy_result_free(r);
    }
    np_registry_remove(&ns->reg, &j->run);
out:
    free(fl.query);
    qv_arena_free(&a);
    qv_http_stream_end(j->s);   /* the request is invalid from here */
    free(j->graph);
    free(j);
}

/* Neptune Analytics names the graph in the graphIdentifier header, or as the first label of the host when
 * the SDK prepends it ("g-xxx.localhost", "g-xxx.127.0.0.1"). */
char *np_analytics_graph(const qv_http_request *req) {
    const char *h = qv_http_header_get(req, "graphidentifier");
    if (h && *h) return strdup(h);
    const char *host = qv_http_header_get(req, "host");
    if (!host) return NULL;
    const char *dot = strchr(host, '.');
    if (!dot || dot == host || host[0] == '[') return NULL;
    char *label = strndup(host, (size_t)(dot - host));
    bool digits = true;
    for (const char *p = label; *p; p++)
        if (!isdigit((unsigned char)*p)) digits = false;
    if (digits) {   /* an IPv4 literal, no prefix */
        free(label);
        return NULL;
    }
    return label;
}

void np_query_start(neptune_service *ns, const qv_http_request *req, qv_http_response *resp, np_api api,
                    bool explain) {
    char *graph = NULL;
    if (api == NP_API_ANALYTICS) {
        graph = np_analytics_graph(req);
        if (!graph) {
            np_error_resp(resp, api, 400, "ValidationException", "BAD_REQUEST",
                          "Missing graphIdentifier: send the graphIdentifier header or prefix the host with it", NULL);
            return;
        }
    }
    qv_http_stream *s = qv_http_defer(req);
    if (!s) {
        free(graph);
        np_error_resp(resp, api, api == NP_API_ANALYTICS ? 429 : 500, "ThrottlingException", NULL,
                      "The server cannot take this query now; retry", NULL);
        return;
    }
    np_job *j = qv_calloc(1, sizeof *j);
    j->ns = ns;
    j->req = qv_http_stream_request(s);
    j->s = s;
    j->api = api;
    j->explain = explain;
    j->graph = graph;
    const char *te = qv_http_header_get(req, "te");
    j->trailers = te && strcasestr(te, "trailers") != NULL;
    np_request_id(j->run.id);
    if (np_runner_submit(ns->runner, run_job, j) < 0) {
        np_refuse_deferred(s, api);
        free(j->graph);
        free(j);
    }
}
