/* sigv4.c — AWS Signature Version 4 verification for --iam-credentials: the Authorization header of every
 * request must be signed with the configured access key and secret, for service neptune-db or
 * neptune-graph, any region, with an x-amz-date within 15 minutes of now. The canonical request is rebuilt
 * from the request as received: the path as sent or encoded once more (botocore signs the former, the JS
 * SDK the latter; either is accepted), the query string decoded and strictly re-encoded and sorted, the
 * signed headers (values trimmed, inner spaces collapsed, repeats joined by ','), and the body's SHA-256
 * (which must match x-amz-content-sha256 when the client sent it).
 * Presigned URLs (what the SDKs' presigners make: no Authorization header, X-Amz-Algorithm, -Credential,
 * -Date, -Expires, -SignedHeaders and -Signature in the query string) are checked the same way, the
 * canonical query leaving out X-Amz-Signature, the payload hashed or UNSIGNED-PAYLOAD, valid from
 * X-Amz-Date (15 minutes of skew) for X-Amz-Expires seconds (at most 7 days).
 * Must not: reveal which part of a signature was wrong beyond what AWS says; compare in variable time.
 */
#include "api/neptune/np_int.h"
#include "api/neptune/sha256.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define MAX_SKEW_S 900

static bool unreserved(unsigned char c) { return isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~'; }

static void encode(qv_buf *b, const char *s, size_t n, bool keep_slash) {
    static const char hx[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (unreserved(c) || (keep_slash && c == '/')) {
            qv_buf_append_byte(b, c);
        } else {
            char e[3] = {'%', hx[c >> 4], hx[c & 15]};
            qv_buf_append(b, e, 3);
        }
    }
}

typedef struct qpair {
    char *k, *v;
} qpair;

static int qpair_cmp(const void *a, const void *b) {
    const qpair *x = a, *y = b;
    int c = strcmp(x->k, y->k);
    return c ? c : strcmp(x->v, y->v);
}

/* skip: a parameter name left out (X-Amz-Signature of a presigned URL), or NULL. */
static void canonical_query(qv_buf *b, const char *q, const char *skip) {
    size_t n = 0, cap = 8;
    qpair *ps = qv_malloc(cap * sizeof *ps);
    for (const char *p = q; *p;) {
        const char *amp = strchr(p, '&'), *end = amp ? amp : p + strlen(p);
        if (end > p) {
            const char *eq = memchr(p, '=', (size_t)(end - p));
            const char *ke = eq ? eq : end;
            char *k = np_url_decode(p, (size_t)(ke - p), false);
            char *v = eq ? np_url_decode(eq + 1, (size_t)(end - eq - 1), false) : np_url_decode("", 0, false);
            qv_buf kb, vb;
            qv_buf_init(&kb);
            qv_buf_init(&vb);
            encode(&kb, k, strlen(k), false);
            encode(&vb, v, strlen(v), false);
            qv_buf_append_byte(&kb, 0);
            qv_buf_append_byte(&vb, 0);
            bool skipped = skip && strcmp(k, skip) == 0;
            free(k);
            free(v);
            if (skipped) {
                qv_buf_free(&kb);
                qv_buf_free(&vb);
                p = amp ? amp + 1 : end;
                continue;
            }
            if (n == cap) ps = qv_realloc(ps, (cap *= 2) * sizeof *ps);
            ps[n].k = (char *)kb.data;
            ps[n].v = (char *)vb.data;
            n++;
        }
        p = amp ? amp + 1 : end;
    }
    qsort(ps, n, sizeof *ps, qpair_cmp);
    for (size_t i = 0; i < n; i++) {
        if (i) qv_buf_append_byte(b, '&');
        qv_buf_printf(b, "%s=%s", ps[i].k, ps[i].v);
        free(ps[i].k);
        free(ps[i].v);
    }
    free(ps);
}

/* name:value\n for each signed header; false when one is missing. */
static bool canonical_headers(qv_buf *b, const qv_http_request *req, const char *signed_headers) {
    const char *p = signed_headers;
    while (*p) {
        const char *semi = strchr(p, ';'), *end = semi ? semi : p + strlen(p);
        size_t nl = (size_t)(end - p);
        bool found = false;
        qv_buf_append(b, p, nl);
        qv_buf_append_byte(b, ':');
        for (int i = 0; i < req->nheaders; i++) {
            const char *hn = req->headers[i].name;
            if (strlen(hn) != nl || strncasecmp(hn, p, nl) != 0) continue;
            if (found) qv_buf_append_byte(b, ',');
            found = true;
            bool space = false;
            for (const char *v = req->headers[i].value; *v; v++) {
                if (*v == ' ' || *v == '\t') {
                    space = true;
                    continue;
                }
                if (space && b->data[b->len - 1] != ':' && b->data[b->len - 1] != ',') qv_buf_append_byte(b, ' ');
                space = false;
                qv_buf_append_byte(b, (uint8_t)*v);
            }
        }
        if (!found) return false;
        qv_buf_append_byte(b, '\n');
        p = semi ? semi + 1 : end;
    }
    return true;
}

/* Copies the value of `key=` from the Authorization parameters ("k=v, k=v"). */
static bool auth_param(const char *auth, const char *key, char *out, size_t cap) {
    size_t kl = strlen(key);
    for (const char *p = auth; (p = strstr(p, key)) != NULL; p += kl) {
        if ((p == auth || p[-1] == ' ' || p[-1] == ',') && p[kl] == '=') {
            const char *v = p + kl + 1, *e = v;
            while (*e && *e != ',' && *e != ' ') e++;
            if ((size_t)(e - v) >= cap) return false;
            memcpy(out, v, (size_t)(e - v));
            out[e - v] = 0;
            return true;
        }
    }
    return false;
}

static bool ct_equal(const char *a, const char *b) {
    size_t n = strlen(a);
    if (n != strlen(b)) return false;
    unsigned d = 0;
    for (size_t i = 0; i < n; i++) d |= (unsigned)(a[i] ^ b[i]);
    return d == 0;
}

static bool amz_time(const char *s, time_t *out) {
    struct tm tm = {0};
    if (!s || strlen(s) != 16 || s[8] != 'T' || s[15] != 'Z') return false;
    if (sscanf(s, "%4d%2d%2dT%2d%2d%2dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
               &tm.tm_sec) != 6)
        return false;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    *out = timegm(&tm);
    return true;
}

static bool deny(qv_http_response *resp, np_api api, const char *msg) {
    np_error_resp(resp, api, 403, "AccessDeniedException", NULL, msg, NULL);
    return false;
}

static void signature(const neptune_service *ns, const char *canonical, size_t clen, const char *amzdate,
                      const char *date, const char *region, const char *service, char out[65]) {
    uint8_t h[32], k[32];
    char hex[65];
    np_sha256(canonical, clen, h);
    np_hex32(h, hex);
    char sts[512];
    int n = snprintf(sts, sizeof sts, "AWS4-HMAC-SHA256\n%s\n%s/%s/%s/aws4_request\n%s", amzdate, date, region,
                     service, hex);
    char key[256];
    int kl = snprintf(key, sizeof key, "AWS4%s", ns->cfg.iam_secret);
    np_hmac_sha256(key, (size_t)kl, date, strlen(date), k);
    np_hmac_sha256(k, 32, region, strlen(region), k);
    np_hmac_sha256(k, 32, service, strlen(service), k);
    np_hmac_sha256(k, 32, "aws4_request", 12, k);
    np_hmac_sha256(k, 32, sts, (size_t)n, h);
    np_hex32(h, out);
}

/* A query-string parameter of a presigned URL, decoded, into out; false when absent or too long. */
static bool query_param(const qv_http_request *req, const char *name, char *out, size_t cap) {
    char *v = np_form_get(req->query, strlen(req->query), name);
    bool ok = v && strlen(v) < cap;
    if (ok) strcpy(out, v);
    free(v);
    return ok;
}

bool np_sigv4_check(neptune_service *ns, const qv_http_request *req, qv_http_response *resp, np_api api) {
    if (!ns->cfg.iam_access_key) return true;
    const char *auth = qv_http_header_get(req, "authorization");
    char cred[256], signed_headers[1024], sig[80], qdate[32], algo[32], exp[16];
    const char *amzdate;
    long expires = 0;
    bool presigned = !auth && query_param(req, "X-Amz-Algorithm", algo, sizeof algo);
    if (presigned) {
        if (strcmp(algo, "AWS4-HMAC-SHA256") != 0)
            return deny(resp, api, "X-Amz-Algorithm only supports AWS4-HMAC-SHA256");
        if (!query_param(req, "X-Amz-Credential", cred, sizeof cred) ||
            !query_param(req, "X-Amz-SignedHeaders", signed_headers, sizeof signed_headers) ||
            !query_param(req, "X-Amz-Signature", sig, sizeof sig) || !query_param(req, "X-Amz-Date", qdate, sizeof qdate) ||
            !query_param(req, "X-Amz-Expires", exp, sizeof exp))
            return deny(resp, api, "A presigned URL requires X-Amz-Credential, X-Amz-Date, X-Amz-Expires, "
                                   "X-Amz-SignedHeaders and X-Amz-Signature");
        char *end = NULL;
        expires = strtol(exp, &end, 10);
        if (!*exp || *end || expires < 1 || expires > 604800)
            return deny(resp, api, "X-Amz-Expires must be a number of seconds from 1 to 604800");
        amzdate = qdate;
    } else {
        if (!auth || strncmp(auth, "AWS4-HMAC-SHA256 ", 17) != 0) return deny(resp, api, "Missing Authentication Token");
        if (!auth_param(auth, "Credential", cred, sizeof cred) ||
            !auth_param(auth, "SignedHeaders", signed_headers, sizeof signed_headers) ||
            !auth_param(auth, "Signature", sig, sizeof sig))
            return deny(resp, api, "Authorization header requires Credential, SignedHeaders and Signature");
        amzdate = qv_http_header_get(req, "x-amz-date");
    }
    /* AKID/20261122/us-east-1/neptune-db/aws4_request */
    char *parts[5] = {0};
    int np = 0;
    for (char *p = cred, *save = NULL, *t; np < 5 && (t = strtok_r(p, "/", &save)); p = NULL) parts[np++] = t;
    if (np != 5 || strcmp(parts[4], "aws4_request") != 0)
        return deny(resp, api, "Credential should be scoped to a valid region, service and aws4_request");
    if (!ct_equal(parts[0], ns->cfg.iam_access_key))
        return deny(resp, api, "The security token included in the request is invalid");
    if (strcmp(parts[3], "neptune-db") != 0 && strcmp(parts[3], "neptune-graph") != 0)
        return deny(resp, api, "Credential should be scoped to service neptune-db or neptune-graph");
    time_t t;
    if (!amz_time(amzdate, &t) || strncmp(amzdate, parts[1], 8) != 0 || strlen(parts[1]) != 8)
        return deny(resp, api, presigned ? "X-Amz-Date must match the credential scope"
                                         : "The request must carry an x-amz-date matching the credential scope");
    time_t now = time(NULL);
    if (presigned ? (t > now + MAX_SKEW_S || now > t + expires) : (t > now + MAX_SKEW_S || t < now - MAX_SKEW_S))
        return deny(resp, api, presigned ? "Request has expired" : "Signature expired: the request time is too skewed");

    uint8_t bh[32];
    char body_hash[65];
    np_sha256(req->body, req->body_len, bh);
    np_hex32(bh, body_hash);
    const char *claimed = qv_http_header_get(req, "x-amz-content-sha256");
    if (claimed && strcmp(claimed, "UNSIGNED-PAYLOAD") != 0 && strcasecmp(claimed, body_hash) != 0)
        return deny(resp, api, "The provided x-amz-content-sha256 header does not match what was computed");
    /* the payload hashes a signer may have used: the claimed one, else the body's (or, presigned, unsigned) */
    const char *payloads[2] = {claimed ? claimed : body_hash, presigned && !claimed ? "UNSIGNED-PAYLOAD" : NULL};

    qv_buf tail;   /* everything after the canonical URI but the payload hash */
    qv_buf_init(&tail);
    qv_buf_append_byte(&tail, '\n');
    canonical_query(&tail, req->query, presigned ? "X-Amz-Signature" : NULL);
    qv_buf_append_byte(&tail, '\n');
    bool have = canonical_headers(&tail, req, signed_headers);
    qv_buf_printf(&tail, "\n%s\n", signed_headers);
    bool ok = false;
    for (int variant = 0; have && variant < 4 && !ok; variant++) {
        const char *payload = payloads[variant / 2];
        if (!payload) continue;
        qv_buf cr;
        qv_buf_init(&cr);
        qv_buf_printf(&cr, "%s\n", req->method);
        if (variant % 2 == 0)
            qv_buf_append_str(&cr, req->path);
        else
            encode(&cr, req->path, strlen(req->path), true);
        qv_buf_append(&cr, tail.data, tail.len);
        qv_buf_append_str(&cr, payload);
        char want[65];
        signature(ns, (const char *)cr.data, cr.len, amzdate, parts[1], parts[2], parts[3], want);
        ok = ct_equal(want, sig);
        qv_buf_free(&cr);
    }
    qv_buf_free(&tail);
    if (!ok)
        return deny(resp, api, "The request signature we calculated does not match the signature you provided. "
                               "Check your AWS Secret Access Key and signing method.");
    return true;
}
