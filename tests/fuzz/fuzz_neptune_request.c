/* fuzz_neptune_request.c — libFuzzer target for the Neptune front end's decoding of untrusted request
 * parts: percent- and form-decoding, form fields, USING QUERY hints, JSON parameters into values, and the
 * SigV4 verifier (Authorization parsing, canonical query and headers) on arbitrary requests.
 *
 * The input is split at 0x00 bytes into: path, query string, Authorization, x-amz-date, host, body, and a
 * form text; missing parts are empty. Checks: decoders stay within their input and NUL-terminate; hints
 * only skip a prefix; a request with a random signature is never accepted.
 * Must not: do I/O or keep state between inputs.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api/common/qjson.h"
#include "api/neptune/np_int.h"

#define CHECK(c)           \
    do {                   \
        if (!(c)) abort(); \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *copy = malloc(size + 1);
    memcpy(copy, data, size);
    copy[size] = 0;
    const char *part[7] = {"", "", "", "", "", "", ""};
    size_t plen[7] = {0};
    size_t np = 0, start = 0;
    for (size_t i = 0; i <= size && np < 7; i++)
        if (i == size || copy[i] == 0) {
            part[np] = copy + start;
            plen[np] = i - start;
            np++;
            start = i + 1;
        }

    char *d = np_url_decode(part[6], plen[6], true);
    CHECK(strlen(d) <= plen[6]);
    free(d);
    static const char *fields[] = {"query", "parameters", "explain", "queryId", ""};
    for (size_t f = 0; f < sizeof fields / sizeof fields[0]; f++) {
        char *v = np_form_get(part[6], plen[6], fields[f]);
        if (v) {
            CHECK(strlen(v) <= plen[6]);
            free(v);
        }
    }
    size_t hl = plen[5];
    const char *rest = np_skip_hints(part[5], &hl);
    CHECK(rest >= part[5] && rest + hl == part[5] + plen[5]);

    qv_arena a;
    qv_arena_init(&a);
    qval params;
    qv_err err;
    if (qjson_parse_params(&a, part[5], plen[5], &params, &err) == 0)
        CHECK(params.type == QT_MAP || params.type == QT_NULL);
    qv_arena_free(&a);

    neptune_service ns;
    memset(&ns, 0, sizeof ns);
    ns.cfg.iam_access_key = "AKIDFUZZ";
    ns.cfg.iam_secret = "secret";
    qv_http_header hs[3] = {{"authorization", part[2]}, {"x-amz-date", part[3]}, {"host", part[4]}};
    qv_http_request req = {.method = "POST", .path = part[0], .query = part[1], .headers = hs, .nheaders = 3,
                           .body = (const uint8_t *)part[5], .body_len = plen[5], .peer = "fuzz"};
    qv_http_response resp;
    memset(&resp, 0, sizeof resp);
    qv_buf_init(&resp.body);
    qv_buf_init(&resp.arena);
    /* the signature is random: it must never verify (the odds of a collision are 2^-256) */
    CHECK(!np_sigv4_check(&ns, &req, &resp, NP_API_DB));
    CHECK(resp.status == 403);
    qv_buf_free(&resp.body);
    qv_buf_free(&resp.arena);
    free(copy);
    return 0;
}
