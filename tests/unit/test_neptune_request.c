/* test_neptune_request.c — the Neptune front end's pure helpers: percent- and form-decoding, form fields,
 * USING QUERY hints, the error table (every class maps to a code; deterministic errors are 4xx), SHA-256 and
 * HMAC-SHA256 against the FIPS 180-4 and RFC 4231 vectors, and the query-thread runner.
 * Must not: start a server (tests/integration/neptune_*.test.mjs do). */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "api/neptune/np_int.h"
#include "api/neptune/sha256.h"

static void test_url_decode(void **unused) {
    (void)unused;
    char *s = np_url_decode("a%20b+c%2Bd%zz%4", 16, true);
    assert_string_equal(s, "a b c+d%zz%4");
    free(s);
    s = np_url_decode("a+b", 3, false);
    assert_string_equal(s, "a+b");
    free(s);
    s = np_url_decode("%E2%82%AC", 9, true);
    assert_string_equal(s, "\xe2\x82\xac");
    free(s);
}

static void test_form_get(void **unused) {
    (void)unused;
    const char *f = "query=MATCH+(n)+RETURN+n&parameters=%7B%22a%22%3A1%7D&flag&q%75ery2=x&empty=";
    char *v = np_form_get(f, strlen(f), "query");
    assert_string_equal(v, "MATCH (n) RETURN n");
    free(v);
    v = np_form_get(f, strlen(f), "parameters");
    assert_string_equal(v, "{\"a\":1}");
    free(v);
    v = np_form_get(f, strlen(f), "flag");
    assert_string_equal(v, "");
    free(v);
    v = np_form_get(f, strlen(f), "query2");   /* the key is decoded too */
    assert_string_equal(v, "x");
    free(v);
    v = np_form_get(f, strlen(f), "empty");
    assert_string_equal(v, "");
    free(v);
    assert_null(np_form_get(f, strlen(f), "nope"));
    assert_null(np_form_get("", 0, "query"));
    assert_null(np_form_get("&&&", 3, "query"));
}

static void test_skip_hints(void **unused) {
    (void)unused;
    const char *q = "USING QUERY: PLANCACHE \"enabled\"\nMATCH (n) RETURN n";
    size_t n = strlen(q);
    const char *r = np_skip_hints(q, &n);
    assert_int_equal(n, strlen("\nMATCH (n) RETURN n"));
    assert_memory_equal(r, "\nMATCH (n) RETURN n", n);
    q = "  using query: timeout 100 using QUERY: PLANCACHE 'disabled' RETURN 1";
    n = strlen(q);
    r = np_skip_hints(q, &n);
    assert_memory_equal(r, " RETURN 1", n);
    q = "USING PERIODIC COMMIT RETURN 1";   /* not a query hint: untouched */
    n = strlen(q);
    assert_ptr_equal(np_skip_hints(q, &n), q);
    q = "USING QUERY: PLANCACHE \"unterminated";
    n = strlen(q);
    r = np_skip_hints(q, &n);
    assert_int_equal(n, 0);
    q = "USINGX";
    n = strlen(q);
    assert_ptr_equal(np_skip_hints(q, &n), q);
}

static void test_error_table(void **unused) {
    (void)unused;
    for (int c = CYE_NONE; c <= CYE_INTERNAL + 3; c++) {
        const np_errinfo *e = np_error_for((cy_errclass)c);
        assert_non_null(e->code);
        assert_non_null(e->na_code);
        bool retry_kind = c == CYE_CANCELLED || c == CYE_TIMEOUT || c == CYE_MEMORY || c == CYE_PHASE ||
                          c == CYE_INTERNAL || c == CYE_NONE || c > CYE_INTERNAL;
        if (!retry_kind) assert_true(e->status >= 400 && e->status < 500);
    }
    assert_string_equal(np_error_for(CYE_SYNTAX)->code, "MalformedQueryException");
    assert_string_equal(np_error_for(CYE_SEMANTIC)->code, "MalformedQueryException");
    assert_int_equal(np_error_for(CYE_SYNTAX)->status, 400);
    assert_string_equal(np_error_for(CYE_CONSTRAINT)->code, "ConstraintViolationException");
    assert_string_equal(np_error_for(CYE_TIMEOUT)->code, "TimeLimitExceededException");
    assert_int_equal(np_error_for(CYE_TIMEOUT)->na_status, 422);
    assert_string_equal(np_error_for(CYE_NOT_FOUND)->na_code, "ResourceNotFoundException");
}

static void test_error_docs(void **unused) {
    (void)unused;
    qv_http_response r = {0};
    qv_buf_init(&r.body);
    qv_buf_init(&r.arena);
    cy_error e;
    cy_err(&e, CYE_SYNTAX, "InvalidSyntax", 3, "bad \"input\"");
    np_cy_error_resp(&r, NP_API_DB, &e, "rid-1");
    assert_int_equal(r.status, 400);
    qv_buf_append_byte(&r.body, 0);
    assert_string_equal((char *)r.body.data,
                        "{\"requestId\":\"rid-1\",\"code\":\"MalformedQueryException\","
                        "\"detailedMessage\":\"bad \\\"input\\\"\",\"message\":\"bad \\\"input\\\"\"}");
    assert_int_equal(r.nheaders, 2);
    assert_string_equal(r.headers[0].value, "rid-1");
    assert_string_equal(r.headers[1].value, "MalformedQueryException");
    r.nheaders = 0;
    qv_buf_reset(&r.arena);
    cy_err(&e, CYE_TIMEOUT, NULL, -1, "deadline");
    np_cy_error_resp(&r, NP_API_ANALYTICS, &e, "rid-2");
    assert_int_equal(r.status, 422);
    qv_buf_append_byte(&r.body, 0);
    assert_string_equal((char *)r.body.data,
                        "{\"code\":\"UnprocessableException\",\"message\":\"deadline\",\"reason\":\"QUERY_TIMEOUT\"}");
    char id[37];
    np_request_id(id);
    assert_int_equal(strlen(id), 36);
    assert_int_equal(id[14], '4');
    qv_buf_free(&r.body);
    qv_buf_free(&r.arena);
}

static void count_task(void *arg) {
    atomic_fetch_add((_Atomic int *)arg, 1);
}

/* More tasks than threads: all run, in order of submission per thread, and free waits for them. */
static void test_runner(void **unused) {
    (void)unused;
    _Atomic int n = 0;
    np_runner *r = np_runner_new(3);
    for (int i = 0; i < 500; i++) assert_int_equal(np_runner_submit(r, count_task, (void *)&n), 0);
    np_runner_free(r);
    assert_int_equal(atomic_load(&n), 500);
}

/* Tasks from two submitting threads (as the network workers submit), some sleeping so that all query
 * threads are busy and tasks queue, in bursts separated by pauses so that idle threads are handed tasks:
 * every task runs exactly once, never more than max at a time, and free waits for all of them. */
typedef struct rtask {
    _Atomic int *running, *peak;
    _Atomic int ran;
    int sleep_us;
} rtask;

static void rtask_run(void *arg) {
    rtask *t = arg;
    int now = atomic_fetch_add(t->running, 1) + 1, peak = atomic_load(t->peak);
    while (now > peak && !atomic_compare_exchange_weak(t->peak, &peak, now)) {
    }
    if (t->sleep_us) usleep((useconds_t)t->sleep_us);
    atomic_fetch_add(&t->ran, 1);
    atomic_fetch_sub(t->running, 1);
}

typedef struct rsubmit {
    np_runner *r;
    rtask *tasks;
    int from, to;
} rsubmit;

static void *rsubmit_main(void *arg) {
    rsubmit *s = arg;
    for (int i = s->from; i < s->to; i++) {
        if (i % 100 == 0) usleep(2000);   /* a pause: the threads go idle */
        if (np_runner_submit(s->r, rtask_run, &s->tasks[i]) != 0) abort();
    }
    return NULL;
}

static void test_runner_concurrent(void **unused) {
    (void)unused;
    enum { N = 2000, MAX = 4 };
    _Atomic int running = 0, peak = 0;
    rtask *tasks = calloc(N, sizeof *tasks);
    for (int i = 0; i < N; i++) {
        tasks[i].running = &running;
        tasks[i].peak = &peak;
        tasks[i].sleep_us = i % 7 == 0 ? 300 : 0;
    }
    np_runner *r = np_runner_new(MAX);
    rsubmit a = {r, tasks, 0, N / 2}, b = {r, tasks, N / 2, N};
    pthread_t ta, tb;
    pthread_create(&ta, NULL, rsubmit_main, &a);
    pthread_create(&tb, NULL, rsubmit_main, &b);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    np_runner_free(r);
    for (int i = 0; i < N; i++) assert_int_equal(atomic_load(&tasks[i].ran), 1);
    assert_true(atomic_load(&peak) >= 1 && atomic_load(&peak) <= MAX);
    assert_int_equal(atomic_load(&running), 0);
    free(tasks);
}

static void hex_of(const void *d, size_t n, char out[65]) {
    uint8_t h[32];
    np_sha256(d, n, h);
    np_hex32(h, out);
}

static void test_sha256(void **unused) {
    (void)unused;
    char hx[65];
    hex_of("abc", 3, hx);
    assert_string_equal(hx, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    hex_of("", 0, hx);
    assert_string_equal(hx, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    hex_of(two, strlen(two), hx);
    assert_string_equal(hx, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    np_sha256_ctx c;   /* a million 'a', fed in uneven pieces */
    np_sha256_init(&c);
    char a[1024];
    memset(a, 'a', sizeof a);
    size_t left = 1000000, step = 1;
    while (left) {
        size_t n = step < left ? step : left;
        np_sha256_update(&c, a, n);
        left -= n;
        step = step % 997 + 13;
    }
    uint8_t h[32];
    np_sha256_final(&c, h);
    np_hex32(h, hx);
    assert_string_equal(hx, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    np_hmac_sha256("Jefe", 4, "what do ya want for nothing?", 28, h);
    np_hex32(h, hx);
    assert_string_equal(hx, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    uint8_t key[131];
    memset(key, 0xaa, sizeof key);
    const char *msg = "Test Using Larger Than Block-Size Key - Hash Key First";
    np_hmac_sha256(key, sizeof key, msg, strlen(msg), h);
    np_hex32(h, hx);
    assert_string_equal(hx, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_url_decode),  cmocka_unit_test(test_form_get),   cmocka_unit_test(test_skip_hints),
        cmocka_unit_test(test_error_table), cmocka_unit_test(test_error_docs),  cmocka_unit_test(test_sha256),
        cmocka_unit_test(test_runner),
        cmocka_unit_test(test_runner_concurrent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
