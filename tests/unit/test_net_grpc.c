/* test_net_grpc.c — the gRPC server (net/h2.c + net/grpc.c) driven over a real loopback socket.
 *
 * Owns: a test service (echo, server streaming with on_writable, a checksumming sink, header echo,
 * immediate failure, a call that never ends) and tests of what a gRPC client observes: messages,
 * statuses, trailers, limits, resets, concurrency, stopping with open calls, and throughput (printed,
 * not asserted).
 * Must not: reach into net/ internals: everything is checked through the socket or the service API.
 */
#include <pthread.h>
#include <sys/resource.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "net/server.h"
#include "test_net_h2client.h"
#include "util/log.h"

#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANITIZED 1
#endif
#endif
#ifndef SANITIZED
#define SANITIZED 0
#endif

/* ---- the test service ---- */

static void fill_pattern(uint8_t *p, size_t n, uint64_t seed) {
    uint64_t x = seed | 1;
    for (size_t i = 0; i + 8 <= n; i += 8) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        memcpy(p + i, &x, 8);
    }
    for (size_t i = n & ~(size_t)7; i < n; i++) p[i] = (uint8_t)i;
}


typedef struct tstate {
    pthread_mutex_t mu;
    int starts, closes, half_closes, messages, misaligned;
    char auth[2][128];
} tstate;

static tstate *st_of(qv_grpc_call *call) { return qv_grpc_call_service_ctx(call); }

static void bump(qv_grpc_call *call, int *field) {
    tstate *s = st_of(call);
    pthread_mutex_lock(&s->mu);
    (*field)++;
    pthread_mutex_unlock(&s->mu);
}

static int read_count(tstate *s, int *field) {
    pthread_mutex_lock(&s->mu);
    int v = *field;
    pthread_mutex_unlock(&s->mu);
    return v;
}

static void on_start_count(qv_grpc_call *call) { bump(call, &st_of(call)->starts); }
static void on_close_count(qv_grpc_call *call) {
    free(qv_grpc_call_get_user(call));
    bump(call, &st_of(call)->closes);
}
static void on_half_close_ok(qv_grpc_call *call) {
    bump(call, &st_of(call)->half_closes);
    qv_grpc_call_finish(call, GRPC_OK, NULL);
}

static void echo_message(qv_grpc_call *call, const uint8_t *msg, size_t len) {
    bump(call, &st_of(call)->messages);
    qv_grpc_call_send(call, msg, len);
}

/* Server streaming: the request is {count, size} (two little-endian u32); replies are produced while
 * the queue is below 4 MiB and continued from on_writable. */
typedef struct {
    uint32_t next, count, size, fast;
    size_t max_queued;
    uint8_t *block; /* fast mode: every message is this block */
} gen_state;

static void produce(qv_grpc_call *call) {
    gen_state *g = qv_grpc_call_get_user(call);
    while (g->fast && g->next < g->count && qv_grpc_call_queued(call) < (4u << 20)) {
        qv_grpc_call_send(call, g->block, g->size);
        g->next++;
    }
    while (g->next < g->count && qv_grpc_call_queued(call) < (4u << 20)) {
        qv_buf b;
        qv_buf_init(&b);
        uint8_t *p = qv_buf_extend(&b, g->size);
        for (uint32_t j = 0; j < g->size; j++) p[j] = (uint8_t)((g->next + j) % 251);
        if (g->next % 2)
            qv_grpc_call_send_buf(call, &b);
        else
            qv_grpc_call_send(call, b.data, b.len);
        qv_buf_free(&b);
        g->next++;
    }
    if (qv_grpc_call_queued(call) > g->max_queued) g->max_queued = qv_grpc_call_queued(call);
    if (g->next == g->count) {
        /* The handler keeps its queue near the low-water mark: that is what on_writable is for. */
        if (g->max_queued > (4u << 20) + g->size + 5)
            qv_grpc_call_finish(call, GRPC_INTERNAL, "queue grew beyond the low-water mark");
        else
            qv_grpc_call_finish(call, GRPC_OK, NULL);
    }
}

static void stream_close(qv_grpc_call *call) {
    gen_state *g = qv_grpc_call_get_user(call);
    if (g) free(g->block);
    on_close_count(call);
}

static void stream_message(qv_grpc_call *call, const uint8_t *msg, size_t len) {
    if (len != 8 && len != 12) {
        qv_grpc_call_finish(call, GRPC_INVALID_ARGUMENT, "want 8 or 12 bytes");
        return;
    }
    gen_state *g = qv_calloc(1, sizeof *g);
    memcpy(&g->count, msg, 4);
    memcpy(&g->size, msg + 4, 4);
    if (len == 12) memcpy(&g->fast, msg + 8, 4);
    if (g->fast) {
        g->block = qv_malloc(g->size);
        fill_pattern(g->block, g->size, 3);
    }
    qv_grpc_call_set_user(call, g);
    produce(call);
}

/* Sink: checksums every message (as u64 words; messages must be 8-byte aligned) and answers at the end
 * with {messages, bytes, checksum}. */
typedef struct {
    uint64_t msgs, bytes, sum;
} sink_state;

static uint64_t checksum(const uint8_t *p, size_t len, uint64_t h) {
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        h = (h ^ w) * 0x100000001b3ull + (h >> 29);
    }
    for (; i < len; i++) h = (h ^ p[i]) * 0x100000001b3ull;
    return h;
}

static void sink_start(qv_grpc_call *call) {
    on_start_count(call);
    qv_grpc_call_set_user(call, qv_calloc(1, sizeof(sink_state)));
}

static void sink_message(qv_grpc_call *call, const uint8_t *msg, size_t len) {
    sink_state *s = qv_grpc_call_get_user(call);
    if ((uintptr_t)msg & 7u) bump(call, &st_of(call)->misaligned);
    s->msgs++;
    s->bytes += len;
    s->sum = checksum(msg, len, s->sum);
}

static void sink_half_close(qv_grpc_call *call) {
    sink_state *s = qv_grpc_call_get_user(call);
    qv_grpc_call_send(call, s, sizeof *s);
    qv_grpc_call_finish(call, GRPC_OK, NULL);
}

/* Headers: replies with the authorization values joined by '|', one header before and one after the
 * first message (initial metadata vs trailers). */
static void headers_start(qv_grpc_call *call) {
    on_start_count(call);
    tstate *s = st_of(call);
    const char *a0 = qv_grpc_call_header(call, "authorization", 0);
    const char *a1 = qv_grpc_call_header(call, "authorization", 1);
    pthread_mutex_lock(&s->mu);
    snprintf(s->auth[0], sizeof s->auth[0], "%s", a0 ? a0 : "(null)");
    snprintf(s->auth[1], sizeof s->auth[1], "%s", a1 ? a1 : "(null)");
    pthread_mutex_unlock(&s->mu);
    char out[300];
    snprintf(out, sizeof out, "%s|%s|%s", a0 ? a0 : "", a1 ? a1 : "",
             qv_grpc_call_header(call, "authorization", 2) ? "three" : "two");
    qv_grpc_call_add_header(call, "X-Initial", "early");
    qv_grpc_call_send(call, out, strlen(out));
    qv_grpc_call_add_header(call, "x-trailer", "late");
    qv_grpc_call_finish(call, GRPC_OK, NULL);
}

static void fail_start(qv_grpc_call *call) {
    on_start_count(call);
    qv_grpc_call_add_header(call, "x-why", "because");
    qv_grpc_call_finish(call, GRPC_PERMISSION_DENIED, "nope: 100% d\xc3\xa9j\xc3\xa0 vu\n");
    qv_grpc_call_finish(call, GRPC_OK, "second finish is ignored");
    qv_grpc_call_send(call, "x", 1); /* after finish: ignored */
}

static void hang_message(qv_grpc_call *call, const uint8_t *msg, size_t len) {
    (void)msg;
    (void)len;
    bump(call, &st_of(call)->messages);
}

/* Finishes after the first message while the client keeps sending. */
static void early_message(qv_grpc_call *call, const uint8_t *msg, size_t len) {
    bump(call, &st_of(call)->messages);
    qv_grpc_call_send(call, msg, len);
    qv_grpc_call_finish(call, GRPC_ALREADY_EXISTS, "enough");
    /* msg stays valid for the whole callback, finish or not */
    uint64_t sum = checksum(msg, len, 0);
    if (sum == 42) bump(call, &st_of(call)->misaligned);
}

static const qv_grpc_method methods[] = {
    {"/test.Echo/Unary", on_start_count, echo_message, on_half_close_ok, NULL, on_close_count},
    {"/test.Echo/Bidi", on_start_count, echo_message, on_half_close_ok, NULL, on_close_count},
    {"/test.Echo/Stream", on_start_count, stream_message, NULL, produce, stream_close},
    {"/test.Echo/Sink", sink_start, sink_message, sink_half_close, NULL, on_close_count},
    {"/test.Echo/Headers", headers_start, NULL, NULL, NULL, on_close_count},
    {"/test.Echo/Fail", fail_start, NULL, NULL, NULL, on_close_count},
    {"/test.Echo/Hang", on_start_count, hang_message, NULL, NULL, on_close_count},
    {"/test.Echo/Early", on_start_count, early_message, NULL, NULL, on_close_count},
};

/* CPU seconds used by the whole process (server workers + client), to report cost independent of load. */
static double cpu_seconds(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
           ru.ru_stime.tv_usec / 1e6;
}

/* ---- fixture ---- */

typedef struct fixture {
    tstate state;
    qv_grpc_service svc;
    qv_net *net;
    int port;
} fixture;

static fixture *start_server(uint64_t max_message) {
    fixture *f = qv_calloc(1, sizeof *f);
    pthread_mutex_init(&f->state.mu, NULL);
    f->svc = (qv_grpc_service){.methods = methods, .nmethods = (int)(sizeof methods / sizeof methods[0]),
                               .ctx = &f->state};
    qv_net_config cfg = {.listen_addr = "127.0.0.1", .flight_port = 0, .http_port = -1, .threads = 2,
                         .max_message_size = max_message, .max_http_body = 1 << 20, .grpc = &f->svc};
    qv_err err;
    f->net = qv_net_start(&cfg, &err);
    if (!f->net) fail_msg("qv_net_start: %s", err.msg);
    f->port = qv_net_flight_port(f->net);
    assert_true(f->port > 0);
    return f;
}

/* Stops the server and checks the lifetime rule: every started call got exactly one on_close. */
static void stop_server(fixture *f) {
    qv_net_stop(f->net);
    assert_int_equal(f->state.starts, f->state.closes);
    assert_int_equal(f->state.misaligned, 0);
    pthread_mutex_destroy(&f->state.mu);
    free(f);
}

static bool done(const tstream *st) { return st->closed; }

static void assert_msg(const tstream *st, size_t idx, const void *want, size_t wlen) {
    const uint8_t *p = NULL;
    size_t len = 0;
    assert_true(tc_msg(st, idx, &p, &len) > idx);
    assert_int_equal(len, wlen);
    assert_memory_equal(p, want, wlen);
}

/* ---- tests ---- */

static void test_unary_echo(void **unused) {
    (void)unused;
    fixture *f = start_server(0);
    tclient *c = tc_connect(f->port);
    assert_non_null(c);
    tstream *st = tc_start(c, "/test.Echo/Unary");
    tc_send_msg(c, st, "hello", 5);
    tc_half_close(c, st);
    TC_WAIT(c, done(st), 10);
    assert_int_equal(st->http_status, 200);
    assert_int_equal(st->grpc_status, 0);
    assert_false(st->trailers_only);
    assert_int_equal(st->header_frames, 2); /* headers, then trailers */
    assert_non_null(strstr((char *)st->hdrs.data, "content-type: application/grpc\n"));
    assert_int_equal(tc_msg(st, 0, NULL, NULL), 1);
    assert_msg(st, 0, "hello", 5);
    /* An empty message is a message too. */
    tstream *e = tc_start(c, "/test.Echo/Unary");
    tc_send_msg(c, e, "", 0);
    tc_half_close(c, e);
    TC_WAIT(c, done(e), 10);
    assert_int_equal(e->grpc_status, 0);
    assert_int_equal(tc_msg(e, 0, NULL, NULL), 1);
    assert_int_equal(e->data.len, 5);
    tstream_free(st);
    tstream_free(e);
    tc_free(c);
    stop_server(f);
}

static void test_server_streaming(void **unused) {
    (void)unused;
    fixture *f = start_server(0);
    tclient *c = tc_connect(f->port);
    tstream *st = tc_start(c, "/test.Echo/Stream");
    uint32_t req[2] = {3000, 10000}; /* 30 MB: passes the 4 MiB low-water mark many times */
    tc_send_msg(c, st, req, sizeof req);
    tc_half_close(c, st);
    TC_WAIT(c, done(st), 30);
    assert_int_equal(st->grpc_status, 0);
    assert_int_equal(tc_msg(st, 0, NULL, NULL), 3000);
    uint8_t *want = qv_malloc(10000);
    for (uint32_t i = 0; i < 3000; i += 7) {
        for (uint32_t j = 0; j < 10000; j++) want[j] = (uint8_t)((i + j) % 251);
        assert_msg(st, i, want, 10000);
    }
    free(want);
    tstream_free(st);
    tc_free(c);
    stop_server(f);
}

/* Connection placement: every connection goes to the least loaded worker, so two clients never share one
 * of the two workers while the other idles (per-worker SO_REUSEPORT listeners could do that), and a
 * worker freed by a closed connection gets the next one. */
static void echo_once(tclient *c) {
    tstream *st = tc_start(c, "/test.Echo/Unary");
    tc_send_msg(c, st, "hi", 2);
    tc_half_close(c, st);
    TC_WAIT(c, done(st), 10);
    assert_int_equal(st->grpc_status, 0);
    tstream_free(st);
}

static void wait_conns(fixture *f, int a, int b) {
    int n[2] = {-1, -1};
    uint64_t t0 = qv_now_ns();
    do {
        assert_int_equal(qv_net_worker_conns(f->net, n, 2), 2);
        if (n[0] == a && n[1] == b) return;
        usleep(1000);
    } while (qv_seconds_since(t0) < 10);
    fail_msg("connections per worker: %d and %d, expected %d and %d", n[0], n[1], a, b);
}

static void test_connections_spread_over_workers(void **unused) {
    (void)unused;
    fixture *f = start_server(0);
    for (int round = 0; round < 20; round++) { /* the kernel's choice used to vary: repeat */
        tclient *a = tc_connect(f->port), *b = tc_connect(f->port);
        echo_once(a);
        echo_once(b);
        wait_conns(f, 1, 1);
        tclient *c = tc_connect(f->port), *d = tc_connect(f->port);
        echo_once(c);
        echo_once(d);
        wait_conns(f, 2, 2);
        tc_free(a);
        tc_free(c); /* b and d remain: on one worker each, or both on one */
        int n[2];
        uint64_t t0 = qv_now_ns();
        do qv_net_worker_conns(f->net, n, 2);
        while (n[0] + n[1] != 2 && qv_seconds_since(t0) < 10);
        assert_int_equal(n[0] + n[1], 2);
        tclient *e = tc_connect(f->port);
        echo_once(e); /* goes where it leaves no worker idle */
        if (n[0] == n[1]) {
            qv_net_worker_conns(f->net, n, 2);
            assert_int_equal(n[0] + n[1], 3);
            assert_true(n[0] >= 1 && n[1] >= 1);
        } else {
            wait_conns(f, n[0] ? n[0] : 1, n[1] ? n[1] : 1);
        }
        tc_free(b);
        tc_free(d);
        tc_free(e);
        wait_conns(f, 0, 0);
    }
    stop_server(f);
}

/* DoPut-style: each reply must arrive before the client half-closes. */
static void test_bidi_reply_before_half_close(void **unused) {
    (void)unused;
    fixture *f = start_server(0);
    tclient *c = tc_connect(f->port);
    tstream *st = tc_start(c, "/test.Echo/Bidi");
    char msg[64];
    for (int i = 0; i < 20; i++) {
        int n = snprintf(msg, sizeof msg, "batch %d", i);
        tc_send_msg(c, st, msg, (size_t)n);
        TC_WAIT(c, tc_msg(st, 0, NULL, NULL) == (size_t)i + 1, 10);
        assert_msg(st, (size_t)i, msg, (size_t)n);
        assert_false(st->closed);
    }
    assert_int_equal(read_count(&f->state, &f->state.half_closes), 0);
    tc_half_close(c, st);
    TC_WAIT(c, done(st), 10);
    assert_int_equal(st->grpc_status, 0);
    assert_int_equal(read_count(&f->state, &f->state.half_closes), 1);
    tstream_free(st);
    tc_free(c);
    stop_server(f);
}


/* One 64 MiB message per call, twice: the first call's reassembly buffer is fresh memory, the second
 * reuses it from the worker's cache. Checks content (checksum) and 8-byte alignment each time. */
static void test_big_message(void **unused) {
    (void)unused;
    fixture *f = start_server(0);
    tclient *c = tc_connect(f->port);
    size_t n = 64u << 20;
    uint8_t *big = qv_malloc(n);
    fill_pattern(big, n, 42);
    uint64_t want = checksum(big, n, 0);
    for (int round = 0; round < 2; round++) {
        uint64_t t0 = qv_now_ns();
        double cpu0 = cpu_seconds();
        tstream *st = tc_start(c, "/test.Echo/Sink");
        tc_send_msg_flag(c, st, big, n, true, 0);
        tc_half_close(c, st);
        TC_WAIT(c, done(st), 60);
        double secs = qv_seconds_since(t0);
        printf("# 64 MiB single message upload (%s): %.3f s, %.0f MB/s (%.2f CPU-s per GiB, client included)\n",
               round ? "warm" : "cold", secs, (double)n / secs / 1e6,
               (cpu_seconds() - cpu0) * (double)(1u << 30) / (double)n);
        assert_int_equal(st->grpc_status, 0);
        const uint8_t *p = NULL;
        size_t len;
        assert_int_equal(tc_msg(st, 0, &p, &len), 1);
        assert_int_equal(len, sizeof(sink_state));
        sink_state got;
        memcpy(&got, p, sizeof got);
        assert_int_equal(got.msgs, 1);
        assert_int_equal(got.bytes, n);
        assert_true(got.sum == want);
        tstream_free(st);
        fill_pattern(big, n, 43 + (uint64_t)round); /* different content the second time */
        want = checksum(big, n, 0);
    }
    free(big);
    tc_free(c);
    stop_server(f);
}

static void test_upload_throughput(void **unused) {
    (void)unused;
    fixture *f = start_server(0);
    tclient *c = tc_connect(f->port);
    size_t msg = 4u << 20, count = SANITIZED ? 64 : 256; /* 1 GiB (256 MiB under sanitizers) */
    uint8_t *buf = qv_malloc(msg);
    fill_pattern(buf, msg, 7);
    uint64_t sum = 0;
    for (size_t i = 0; i < count; i++) sum = checksum(buf, msg, sum);
    uint64_t t0 = qv_now_ns();
    double cpu0 = cpu_seconds();
    tstream *st = tc_start(c, "/test.Echo/Sink");
    for (size_t i = 0; i < count; i++) tc_send_msg_flag(c, st, buf, msg, true, 0);
    tc_half_close(c, st);
    TC_WAIT(c, done(st), 120);
    double secs = qv_seconds_since(t0);
    printf("# %zu MiB upload in 4 MiB messages: %.3f s, %.0f MB/s (%.2f CPU-s per GiB, client included)\n",
           count * 4, secs, (double)(msg * count) / secs / 1e6, (cpu_seconds() - cpu0) * 256.0 / (double)count);
    assert_int_equal(st->grpc_status, 0);
    const uint8_t *p = NULL;
    size_t len;
    assert_int_equal(tc_msg(st, 0, &p, &len), 1);
    sink_state got;
    memcpy(&got, p, sizeof got);
    assert_int_equal(got.msgs, count);
    assert_int_equal(got.bytes, msg * count);
    assert_true(got.sum == sum);
    free(buf);
    tstream_free(st);
    tc_free(c);
    stop_server(f);
}

static void test_download_throughput(void **unused) {
    (void)unused;
    fixture *f = start_server(0);
    tclient *c = tc_connect(f->port);
    uint32_t count = SANITIZED ? 64 : 256, size = 4u << 20, req[3] = {count, size, 1};
    uint64_t t0 = qv_now_ns();
    double cpu0 = cpu_seconds();
    tstream *st = tc_start(c, "/test.Echo/Stream");
    st->count_only = true;
    tc_send_msg(c, st, req, sizeof req);
    tc_half_close(c, st);
    TC_WAIT(c, done(st), 120);
    double secs = qv_seconds_since(t0);
    printf("# %u MiB download in 4 MiB messages: %.3f s, %.0f MB/s (%.2f CPU-s per GiB, client included)\n",
           count * 4, secs, (double)count * size / secs / 1e6, (cpu_seconds() - cpu0) * 256.0 / (double)count);
    assert_int_equal(st->grpc_status, 0);
    assert_int_equal(st->data_bytes, (uint64_t)count * (size + 5));
    tstream_free(st);
    tc_free(c);
    stop_server(f);
}

/* A client that does not read for a while: the server neither fails nor loses data, and the handler's
 * queue stays near the low-water mark (checked in produce()). */
static void test_slow_reader(void **unused) {
    (void)unused;
    fixture *f = start_server(0);
    tclient *c = tc_connect(f->port);
    tstream *st = tc_start(c, "/test.Echo/Stream");
    uint32_t req[2] = {2000, 20000}; /* 40 MB: more than windows + socket buffers */
    tc_send_msg(c, st, req, sizeof req);
    tc_half_close(c, st);
    for (int i = 0; i < 5; i++) tc_step(c, 5); /* send the request, read a little */
    usleep(300 * 1000);
    TC_WAIT(c, done(st), 60);
    assert_int_equal(st->grpc_status, 0);
    assert_int_equal(tc_msg(st, 0, NULL, NULL), 2000);
    uint8_t *want = qv_malloc(20000);
    for (uint32_t i = 0; i < 2000; i += 333) {
        for (uint32_t j = 0; j < 20000; j++) want[j] = (uint8_t)((i + j) % 251);
        assert_msg(st, i, want, 20000);
    }
    free(want);
    tstream_free(st);
    tc_free(c);
    stop_server(f);
}

static void test_concurrent_streams(void **unused) {
    (void)unused;
    fixture *f = start_server(0);
    tclient *c = tc_connect(f->port);
    tstream *sts[8];
    for (int i = 0; i < 8; i++) sts[i] = tc_start(c, "/test.Echo/Bidi");
    char msg[64];
    for (int round = 0; round < 5; round++)
        for (int i = 0; i < 8; i++) {
            int n = snprintf(msg, sizeof msg, "stream %d round %d", i, round);
            tc_send_msg(c, sts[i], msg, (size_t)n);
        }
    for (int i = 0; i < 8; i++) tc_half_close(c, sts[i]);
    for (int i = 0; i < 8; i++) TC_WAIT(c, done(sts[i]), 10);
    for (int i = 0; i < 8; i++) {
        assert_int_equal(sts[i]->grpc_status, 0);
        assert_int_equal(tc_msg(sts[i], 0, NULL, NULL), 5);
        for (int round = 0; round < 5; round++) {
            int n = snprintf(msg, sizeof msg, "stream %d round %d", i, round);
            assert_msg(sts[i], (size_t)round, msg, (size_t)n);
        }
        tstream_free(sts[i]);
    }
    tc_free(c);
    stop_server(f);
}

static void test_unknown_method(void **unused) {
    (void)unused;
    fixture *f = start_server(0);
    tclient *c = tc_connect(f->port);
    tstream *st = tc_start(c, "/nope.Service/Missing");
    tc_send_msg(c, st, "x", 1);
    tc_half_close(c, st);
    TC_WAIT(c, done(st), 10);
    assert_int_equal(st->http_status, 200);
    assert_int_equal(st->grpc_status, GRPC_UNIMPLEMENTED);
    assert_string_equal(st->grpc_message, "unknown method /nope.Service/Missing");
    assert_true(st->trailers_only);
    assert_int_equal(f->state.starts, 0);
    tstream_free(st);
    tc_free(c);
    stop_server(f);
}

static void test_oversized_message(void **unused) {
    (void)unused;
    fixture *f = start_server(1 << 20);
    tclient *c = tc_connect(f->port);
    size_t n = 3u << 20;
    uint8_t *big = qv_calloc(1, n);
    tstream *st = tc_start(c, "/test.Echo/Sink");
    tc_send_msg_flag(c, st, big, n, true, 0);
    tc_half_close(c, st);
    TC_WAIT(c, done(st), 20);
    assert_int_equal(st->grpc_status, GRPC_RESOURCE_EXHAUSTED);
    assert_string_equal(st->grpc_message, "message of 3145728 bytes exceeds --max-message-size 1048576");
    /* The connection is still good, and a message at the limit passes. */
    tstream *ok = tc_start(c, "/test.Echo/Sink");
    tc_send_msg_flag(c, ok, big, 1 << 20, true, 0);
    tc_half_close(c, ok);
    TC_WAIT(c, done(ok), 20);
    assert_int_equal(ok->grpc_status, 0);
    free(big);
    tstream_free(st);
    tstream_free(ok);
    tc_free(c);
    stop_server(f);
}

static void test_compressed_rejected(void **unused) {
    (void)unused;
    fixture *f = start_server(0);
    tclient *c = tc_connect(f->port);
    tstream *st = tc_start(c, "/test.Echo/Unary");
    tc_send_msg_flag(c, st, "zzz", 3, false, 1);
    tc_half_close(c, st);
    TC_WAIT(c, done(st), 10);
    assert_int_equal(st->grpc_status, GRPC_UNIMPLEMENTED);
    assert_string_equal(st->grpc_message, "compressed gRPC messages are not supported");
    assert_int_equal(f->state.messages, 0);
    tstream_free(st);
    tc_free(c);
    stop_server(f);
}

static void test_two_authorization_headers(void **unused) {
    (void)unused;
    fixture *f = start_server(0);
    tclient *c = tc_connect(f->port);
    const char *extra[] = {"authorization", "Basic dXNlcjpwYXNz", "authorization", "Bearer tok123", NULL};
    tstream *st = tc_start_ex(c, "/test.Echo/Headers", "application/grpc", extra);
    tc_half_close(c, st);
    TC_WAIT(c, done(st), 10);
    assert_int_equal(st->grpc_status, 0);
    assert_msg(st, 0, "Basic dXNlcjpwYXNz|Bearer tok123|two", 36);
    assert_string_equal(f->state.auth[0], "Basic dXNlcjpwYXNz");
    assert_string_equal(f->state.auth[1], "Bearer tok123");
    /* Added before the first message: initial metadata; after it: a trailer (after grpc-status). */
    const char *h = (const char *)st->hdrs.data;
    const char *early = strstr(h, "x-initial: early\n"), *late = strstr(h, "x-trailer: late\n");
    const char *status = strstr(h, "grpc-status: 0\n");
    assert_non_null(early);
    assert_non_null(late);
    assert_non_null(status);
    assert_true(early < status && status < late);
    tstream_free(st);
    tc_free(c);
    stop_server(f);
}

static void test_trailers_only_error(void **unused) {
    (void)unused;
    fixture *f = start_server(0);
    tclient *c = tc_connect(f->port);
    tstream *st = tc_start(c, "/test.Echo/Fail");
    tc_send_msg(c, st, "ignored", 7);
    tc_half_close(c, st);
    TC_WAIT(c, done(st), 10);
    assert_true(st->trailers_only);
    assert_int_equal(st->header_frames, 1);
    assert_int_equal(st->data.len, 0);
    assert_int_equal(st->http_status, 200);
    assert_int_equal(st->grpc_status, GRPC_PERMISSION_DENIED);
    assert_string_equal(st->grpc_message, "nope: 100%25 d%C3%A9j%C3%A0 vu%0A");
    assert_non_null(strstr((char *)st->hdrs.data, "x-why: because\n"));
    tstream_free(st);
    tc_free(c);
    stop_server(f);
}

static void test_wrong_content_type(void **unused) {
    (void)unused;
    fixture *f = start_server(0);
    tclient *c = tc_connect(f->port);
    tstream *st = tc_start_ex(c, "/test.Echo/Unary", "application/json", NULL);
    tc_send_msg(c, st, "{}", 2);
    tc_half_close(c, st);
    TC_WAIT(c, done(st), 10);
    assert_int_equal(st->http_status, 415);
    assert_int_not_equal(st->grpc_status, 0);
    assert_int_equal(f->state.starts, 0);
    tstream_free(st);
    tc_free(c);
    stop_server(f);
}

/* The server finishes while the client is still sending: trailers, then RST_STREAM(NO_ERROR). */
static void test_finish_while_client_sends(void **unused) {
    (void)unused;
    fixture *f = start_server(0);
    tclient *c = tc_connect(f->port);
    tstream *st = tc_start(c, "/test.Echo/Early");
    tc_send_msg(c, st, "one", 3);
    TC_WAIT(c, done(st), 10);
    assert_int_equal(st->grpc_status, GRPC_ALREADY_EXISTS);
    assert_string_equal(st->grpc_message, "enough");
    assert_msg(st, 0, "one", 3);
    assert_true(st->end_stream);
    assert_int_equal(st->close_code, NGHTTP2_NO_ERROR);
    /* Data sent afterwards is ignored and the connection keeps working. */
    tstream *u = tc_start(c, "/test.Echo/Unary");
    tc_send_msg(c, u, "still here", 10);
    tc_half_close(c, u);
    TC_WAIT(c, done(u), 10);
    assert_msg(u, 0, "still here", 10);
    assert_int_equal(read_count(&f->state, &f->state.messages), 2);
    tstream_free(st);
    tstream_free(u);
    tc_free(c);
    stop_server(f);
}

/* The message is reassembled from two DATA frames, and the handler finishes inside on_message. */
static void test_finish_inside_on_message_reassembled(void **unused) {
    (void)unused;
    fixture *f = start_server(0);
    tclient *c = tc_connect(f->port);
    tstream *st = tc_start(c, "/test.Echo/Early");
    uint8_t body[3000];
    for (size_t i = 0; i < sizeof body; i++) body[i] = (uint8_t)i;
    uint8_t pre[5] = {0, 0, 0, sizeof body >> 8, sizeof body & 0xff};
    tc_send_raw(c, st, pre, 5);
    tc_send_raw(c, st, body, 1000);
    for (int i = 0; i < 3; i++) tc_step(c, 5);
    tc_send_raw(c, st, body + 1000, sizeof body - 1000);
    TC_WAIT(c, done(st), 10);
    assert_int_equal(st->grpc_status, GRPC_ALREADY_EXISTS);
    assert_msg(st, 0, body, sizeof body);
    tstream_free(st);
    tc_free(c);
    stop_server(f);
}

static void test_client_reset_closes_call(void **unused) {
    (void)unused;
    fixture *f = start_server(0);
    tclient *c = tc_connect(f->port);
    tstream *st = tc_start(c, "/test.Echo/Hang");
    tc_send_msg(c, st, "a", 1);
    TC_WAIT(c, read_count(&f->state, &f->state.messages) == 1, 10);
    assert_int_equal(read_count(&f->state, &f->state.closes), 0);
    tc_reset(c, st, NGHTTP2_CANCEL);
    TC_WAIT(c, read_count(&f->state, &f->state.closes) == 1, 10);
    assert_int_equal(read_count(&f->state, &f->state.starts), 1);
    tstream_free(st);
    tc_free(c);
    stop_server(f);
}

static void test_connection_loss_closes_calls(void **unused) {
    (void)unused;
    fixture *f = start_server(0);
    tclient *c = tc_connect(f->port);
    tstream *a = tc_start(c, "/test.Echo/Hang"), *b = tc_start(c, "/test.Echo/Hang");
    tc_send_msg(c, a, "a", 1);
    tc_send_msg(c, b, "b", 1);
    TC_WAIT(c, read_count(&f->state, &f->state.messages) == 2, 10);
    tc_free(c); /* drop the TCP connection */
    uint64_t t0 = qv_now_ns();
    while (read_count(&f->state, &f->state.closes) < 2 && qv_seconds_since(t0) < 10) usleep(1000);
    assert_int_equal(read_count(&f->state, &f->state.closes), 2);
    tstream_free(a);
    tstream_free(b);
    stop_server(f);
}

static void test_stop_with_open_streams(void **unused) {
    (void)unused;
    fixture *f = start_server(0);
    tclient *c = tc_connect(f->port);
    tstream *sts[3];
    for (int i = 0; i < 3; i++) {
        sts[i] = tc_start(c, "/test.Echo/Hang");
        tc_send_msg(c, sts[i], "x", 1);
    }
    TC_WAIT(c, read_count(&f->state, &f->state.messages) == 3, 10);
    tstate *s = &f->state;
    assert_int_equal(read_count(s, &s->closes), 0);
    qv_net *net = f->net;
    int starts = s->starts;
    qv_net_stop(net);
    assert_int_equal(starts, 3);
    assert_int_equal(s->closes, 3);
    /* The client sees the connection end. */
    TC_WAIT(c, c->eof, 10);
    for (int i = 0; i < 3; i++) tstream_free(sts[i]);
    tc_free(c);
    pthread_mutex_destroy(&f->state.mu);
    free(f);
}

/* Garbage instead of the HTTP/2 preface closes that connection only. */
static void test_malformed_connection_isolated(void **unused) {
    (void)unused;
    fixture *f = start_server(0);
    tclient *good = tc_connect(f->port);
    tstream *st = tc_start(good, "/test.Echo/Bidi");
    tc_send_msg(good, st, "before", 6);
    TC_WAIT(good, tc_msg(st, 0, NULL, NULL) == 1, 10);

    int bad = tc_connect_fd(f->port);
    assert_true(bad >= 0);
    const char junk[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\nthis is not http/2 at all................";
    assert_int_equal(send(bad, junk, sizeof junk - 1, MSG_NOSIGNAL), (ssize_t)(sizeof junk - 1));
    char buf[4096];
    ssize_t n;
    uint64_t t0 = qv_now_ns();
    struct timeval tv = {.tv_sec = 10};
    setsockopt(bad, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    while ((n = recv(bad, buf, sizeof buf, 0)) > 0) {
    }
    assert_true(qv_seconds_since(t0) < 10); /* closed, not timed out */
    close(bad);

    tc_send_msg(good, st, "after", 5);
    tc_half_close(good, st);
    TC_WAIT(good, done(st), 10);
    assert_int_equal(st->grpc_status, 0);
    assert_msg(st, 1, "after", 5);
    tstream_free(st);
    tc_free(good);
    stop_server(f);
}

/* A valid preface, then a DATA frame on stream 0 (a connection error): the server answers GOAWAY with
 * PROTOCOL_ERROR and closes; a second connection keeps working. */
static void test_protocol_error_goaway(void **unused) {
    (void)unused;
    fixture *f = start_server(0);
    int fd = tc_connect_fd(f->port);
    assert_true(fd >= 0);
    static const uint8_t bad[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
                                 "\x00\x00\x00\x04\x00\x00\x00\x00\x00"          /* SETTINGS, empty */
                                 "\x00\x00\x03\x00\x00\x00\x00\x00\x00xyz";     /* DATA on stream 0 */
    assert_int_equal(send(fd, bad, sizeof bad - 1, MSG_NOSIGNAL), (ssize_t)(sizeof bad - 1));
    struct timeval tv = {.tv_sec = 10};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    qv_buf in;
    qv_buf_init(&in);
    uint8_t buf[4096];
    ssize_t n;
    while ((n = recv(fd, buf, sizeof buf, 0)) > 0) qv_buf_append(&in, buf, (size_t)n);
    assert_int_equal(n, 0); /* closed by the server, not timed out */
    close(fd);
    bool goaway = false;
    for (size_t off = 0; off + 9 <= in.len;) {
        const uint8_t *h = in.data + off;
        size_t len = (size_t)h[0] << 16 | (size_t)h[1] << 8 | h[2];
        if (h[3] == 7 && off + 9 + len <= in.len && len >= 8) {
            uint32_t code = (uint32_t)h[13] << 24 | (uint32_t)h[14] << 16 | (uint32_t)h[15] << 8 | h[16];
            goaway = code == NGHTTP2_PROTOCOL_ERROR;
        }
        off += 9 + len;
    }
    assert_true(goaway);
    qv_buf_free(&in);
    tclient *c = tc_connect(f->port);
    tstream *st = tc_start(c, "/test.Echo/Unary");
    tc_send_msg(c, st, "ok", 2);
    tc_half_close(c, st);
    TC_WAIT(c, done(st), 10);
    assert_int_equal(st->grpc_status, 0);
    tstream_free(st);
    tc_free(c);
    stop_server(f);
}

int main(void) {
    qv_log_set_level(QV_LOG_WARN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unary_echo),
        cmocka_unit_test(test_server_streaming),
        cmocka_unit_test(test_connections_spread_over_workers),
        cmocka_unit_test(test_bidi_reply_before_half_close),
        cmocka_unit_test(test_big_message),
        cmocka_unit_test(test_upload_throughput),
        cmocka_unit_test(test_download_throughput),
        cmocka_unit_test(test_slow_reader),
        cmocka_unit_test(test_concurrent_streams),
        cmocka_unit_test(test_unknown_method),
        cmocka_unit_test(test_oversized_message),
        cmocka_unit_test(test_compressed_rejected),
        cmocka_unit_test(test_two_authorization_headers),
        cmocka_unit_test(test_trailers_only_error),
        cmocka_unit_test(test_wrong_content_type),
        cmocka_unit_test(test_finish_while_client_sends),
        cmocka_unit_test(test_finish_inside_on_message_reassembled),
        cmocka_unit_test(test_client_reset_closes_call),
        cmocka_unit_test(test_connection_loss_closes_calls),
        cmocka_unit_test(test_stop_with_open_streams),
        cmocka_unit_test(test_malformed_connection_isolated),
        cmocka_unit_test(test_protocol_error_goaway),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
