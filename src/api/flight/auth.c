/* auth.c — Flight authentication as GDS clients expect it (Arrow Java's auth2 semantics).
 *
 * Owns: checking `authorization` headers on every call (Basic user:password or Bearer token; a call
 * may carry several values and succeeds if any is valid), issuing bearer tokens (16 random bytes,
 * base64) in the response headers of every authenticated call, and expiring tokens after a period
 * without use (2 h by default). With no user configured every call is allowed and nothing is sent.
 */
#include "api/flight/flight_internal.h"
#include "util/base64.h"
#include "util/clock.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#define MAX_TOKENS 1024
#define TOKEN_LEN 24 /* base64 of 16 bytes */

typedef struct token {
    char text[TOKEN_LEN + 1];
    uint64_t last_used_ns;
} token;

struct flight_auth {
    char *user, *password;
    uint64_t idle_ns;
    pthread_mutex_t mu;
    token tokens[MAX_TOKENS];
    int ntokens;
};

flight_auth *flight_auth_new(const char *user, const char *password, uint64_t token_idle_ms) {
    flight_auth *a = qv_calloc(1, sizeof *a);
    if (user) {
        a->user = qv_strdup(user);
        a->password = qv_strdup(password ? password : "");
    }
    a->idle_ns = (token_idle_ms ? token_idle_ms : 2 * 3600 * 1000ull) * 1000000ull;
    pthread_mutex_init(&a->mu, NULL);
    return a;
}

void flight_auth_free(flight_auth *a) {
    if (!a) return;
    free(a->user);
    free(a->password);
    pthread_mutex_destroy(&a->mu);
    free(a);
}

/* Compares without an early exit, so timing does not reveal how much of a secret matched. */
static bool same_secret(const char *a, size_t an, const char *b, size_t bn) {
    unsigned diff = an != bn;
    for (size_t i = 0; i < an; i++) diff |= (unsigned char)a[i] ^ (unsigned char)(i < bn ? b[i] : 0);
    return diff == 0;
}

static bool basic_ok(flight_auth *a, const char *cred) {
    uint8_t dec[512];
    long n = qv_base64_decode(cred, strlen(cred), dec, sizeof dec);
    if (n < 0) return false;
    const uint8_t *colon = memchr(dec, ':', (size_t)n);
    if (!colon) return false;
    size_t ulen = (size_t)(colon - dec), plen = (size_t)n - ulen - 1;
    bool u = same_secret((const char *)dec, ulen, a->user, strlen(a->user));
    bool p = same_secret((const char *)colon + 1, plen, a->password, strlen(a->password));
    return u & p;
}

/* Under a->mu: drops expired tokens. */
static void expire(flight_auth *a, uint64_t now) {
    int j = 0;
    for (int i = 0; i < a->ntokens; i++)
        if (now - a->tokens[i].last_used_ns <= a->idle_ns) a->tokens[j++] = a->tokens[i];
    a->ntokens = j;
}

/* Under a->mu: validates and touches a token. */
static bool bearer_ok(flight_auth *a, const char *t, uint64_t now, char *out) {
    expire(a, now);
    for (int i = 0; i < a->ntokens; i++)
        if (strcmp(a->tokens[i].text, t) == 0) {
            a->tokens[i].last_used_ns = now;
            memcpy(out, a->tokens[i].text, TOKEN_LEN + 1);
            return true;
        }
    return false;
}

/* Under a->mu: the newest live token, or a fresh one. */
static void issue(flight_auth *a, uint64_t now, char *out) {
    expire(a, now);
    if (a->ntokens > 0 && a->ntokens == MAX_TOKENS) a->ntokens--; /* full: replace the oldest-issued */
    if (a->ntokens > 0) {
        token *t = &a->tokens[a->ntokens - 1];
        t->last_used_ns = now;
        memcpy(out, t->text, TOKEN_LEN + 1);
        return;
    }
    uint8_t raw[16];
    if (getrandom(raw, sizeof raw, 0) != (ssize_t)sizeof raw) {
        for (size_t i = 0; i < sizeof raw; i++) raw[i] = (uint8_t)(now >> (i % 8 * 8)) ^ (uint8_t)rand();
    }
    token *t = &a->tokens[a->ntokens++];
    qv_base64_encode(raw, sizeof raw, t->text, sizeof t->text);
    t->last_used_ns = now;
    memcpy(out, t->text, TOKEN_LEN + 1);
}

int flight_auth_check(flight_auth *a, qv_grpc_call *call) {
    if (!a->user) return 0;
    uint64_t now = qv_now_ns();
    char tok[TOKEN_LEN + 1];
    bool ok = false, any = false;
    pthread_mutex_lock(&a->mu);
    for (int i = 0;; i++) {
        const char *h = qv_grpc_call_header(call, "authorization", i);
        if (!h) break;
        any = true;
        while (*h == ' ') h++;
        if (strncasecmp(h, "Bearer ", 7) == 0) {
            if (bearer_ok(a, h + 7, now, tok)) {
                ok = true;
                break;
            }
        } else if (strncasecmp(h, "Basic ", 6) == 0) {
            if (basic_ok(a, h + 6)) {
                issue(a, now, tok);
                ok = true;
                break;
            }
        }
    }
    pthread_mutex_unlock(&a->mu);
    if (!ok) {
        qv_grpc_call_finish(call, GRPC_UNAUTHENTICATED,
                            any ? "invalid credentials: the user name or password is wrong, or the bearer token "
                                  "has expired (send Basic credentials again)"
                                : "authentication required: send an 'authorization: Basic <base64 user:password>' "
                                  "header");
        return -1;
    }
    char value[TOKEN_LEN + 8];
    memcpy(value, "Bearer ", 7);
    memcpy(value + 7, tok, TOKEN_LEN + 1);
    qv_grpc_call_add_header(call, "authorization", value);
    return 0;
}
