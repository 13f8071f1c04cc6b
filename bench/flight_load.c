/* flight_load.c — qv_bench_flight_load: the load generator of the import benchmark (`make bench`).
 *
 * Owns: a GDS-style Arrow Flight client written directly on libnghttp2's client session over plain TCP
 * (h2c with prior knowledge), the benchmark's data sources (a synthetic graph generated batch by batch,
 * or the amazon0601 files), the GDS v1 import sequence (CREATE_GRAPH, node DoPut streams,
 * NODE_LOAD_DONE, relationship DoPut streams, RELATIONSHIP_LOAD_DONE, LIST_GRAPHS), its timings, and
 * the CSV files the peers load the same data from (--write-csv).
 *
 * It behaves like the GDS Python client: each DoPut stream carries the CMD descriptor and the Schema in
 * its first FlightData, then one FlightData per RecordBatch, and waits for the PutResult of each batch
 * before sending the next. Partitions of --batches-per-stream batches become one stream each, at most
 * --streams at a time, spread over --connections TCP connections (one thread each).
 *
 * It is built to be cheap, so that the server is what is measured: columns are generated straight into
 * the gRPC message buffer of a stream (the Arrow header is built once per batch length with the wire
 * module's writer and checked against the direct layout), and DATA frames are written with writev from
 * those buffers (nghttp2's NO_COPY data provider), never copied.
 *
 * With --export it then exports the relationships again (gds.graph.relationships.stream): one DoGet with
 * the GDS client's GET_COMMAND ticket, or with --export-streams K a GetFlightInfo whose endpoints' tickets
 * (partition_offset / partition_size) are fetched by K concurrent DoGets. The received FlightData is
 * parsed as it streams in, without copying bodies: only the data_header (the flatbuffer Message) is
 * buffered, to count RecordBatch rows and check each bodyLength against the body bytes received.
 *
 * Must not: be used as a general Flight client (no TLS), or touch anything but 127.0.0.1-style
 * addresses given on the command line. Every wait is bounded by --timeout.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <nghttp2/nghttp2.h>

#ifndef QV_BENCH_NO_ZLIB
#include <zlib.h>
#endif

#include "util/base64.h"
#include "util/buf.h"
#include "wire/flatbuf.h"
#include "wire/arrow_ipc.h"
#include "wire/flight_proto.h"
#include "wire/json.h"

#define MiB (1024u * 1024u)
#define STREAM_WINDOW (16 * MiB)         /* our SETTINGS_INITIAL_WINDOW_SIZE */
#define CONN_WINDOW (256 * MiB)          /* our connection receive window */
#define RX_CHUNK (256 * 1024)

/* ---- small helpers -------------------------------------------------------------------------- */

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double thread_cpu_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double process_cpu_s(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6 + (double)ru.ru_stime.tv_sec +
           (double)ru.ru_stime.tv_usec * 1e-6;
}

__attribute__((noreturn, format(printf, 1, 2))) static void die(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs("qv_bench_flight_load: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

/* ---- the synthetic graph -------------------------------------------------------------------- */

/* A bijection of [0, 2^63): xor-shifts and multiplications by odd constants, all modulo 2^63, so node
 * index i maps to a distinct, random-looking, non-negative int64 id. */
#define M63 0x7fffffffffffffffULL
static inline uint64_t mix63(uint64_t x) {
    x = (x ^ 0x2545f4914f6cdd1dULL) & M63;
    x ^= x >> 31;
    x = (x * 0x7fb5d329728ea185ULL) & M63;
    x ^= x >> 27;
    x = (x * 0x81dadef4bc2dd44dULL) & M63;
    x ^= x >> 33;
    return x;
}

/* Counter-based random numbers (the wyrand step), so row r draws the same values whatever batch or
 * thread generates it: the CSV files and the Flight streams hold the same graph. */
static inline uint64_t rnd(uint64_t seed, uint64_t counter) {
    uint64_t s = seed + counter * 0xa0761d6478bd642fULL;
    __uint128_t m = (__uint128_t)s * (s ^ 0xe7037ed1a0b428dbULL);
    return (uint64_t)(m >> 64) ^ (uint64_t)m;
}

static inline uint64_t below(uint64_t r, uint64_t n) { return (uint64_t)(((__uint128_t)r * n) >> 64); }

typedef struct source {
    int64_t nnodes, nrels;
    int ntypes;                /* 0: no relationshipType column */
    uint64_t seed;
    bool synthetic;
    int64_t *node_ids;         /* file source */
    int64_t *src, *dst;
    char name[64];             /* "synthetic" or "amazon0601" */
} source;

static void fill_nodes(const source *s, int64_t first, int64_t n, int64_t *ids) {
    if (!s->synthetic) {
        memcpy(ids, s->node_ids + first, (size_t)n * 8);
        return;
    }
    for (int64_t i = 0; i < n; i++) ids[i] = (int64_t)mix63((uint64_t)(first + i));
}

static void fill_rels(const source *s, int64_t first, int64_t n, int64_t *src, int64_t *dst, int8_t *type) {
    if (!s->synthetic) {
        memcpy(src, s->src + first, (size_t)n * 8);
        memcpy(dst, s->dst + first, (size_t)n * 8);
        if (type)
            for (int64_t i = 0; i < n; i++) type[i] = (int8_t)((uint64_t)(first + i) % (uint64_t)s->ntypes);
        return;
    }
    uint64_t nn = (uint64_t)s->nnodes;
    for (int64_t i = 0; i < n; i++) {
        uint64_t r = (uint64_t)(first + i);
        uint64_t a = rnd(s->seed, 2 * r), b = rnd(s->seed, 2 * r + 1);
        src[i] = (int64_t)mix63(below(a, nn));
        dst[i] = (int64_t)mix63(below(b, nn));
        if (type) type[i] = (int8_t)((a & 0xffff) % (uint64_t)s->ntypes);
    }
}

/* ---- the amazon0601 files --------------------------------------------------------------------- */

typedef struct gzin {
#ifndef QV_BENCH_NO_ZLIB
    gzFile gz;
#else
    FILE *pipe;
#endif
    char *buf;
    size_t len, pos;
    bool eof;
} gzin;

static void gzin_open(gzin *g, const char *path) {
    memset(g, 0, sizeof *g);
    g->buf = qv_malloc(1 << 20);
#ifndef QV_BENCH_NO_ZLIB
    g->gz = gzopen(path, "rb");
    if (!g->gz) die("cannot open %s: %s", path, strerror(errno));
    gzbuffer(g->gz, 1 << 20);
#else
    char cmd[4200];
    if (strchr(path, '\'')) die("path %s contains a quote", path);
    snprintf(cmd, sizeof cmd, "zcat -- '%s'", path);
    g->pipe = popen(cmd, "r");
    if (!g->pipe) die("cannot run zcat for %s", path);
#endif
}

static int gzin_getc(gzin *g) {
    if (g->pos == g->len) {
        if (g->eof) return -1;
#ifndef QV_BENCH_NO_ZLIB
        int n = gzread(g->gz, g->buf, 1 << 20);
        if (n < 0) die("gzip read error");
#else
        size_t n = fread(g->buf, 1, 1 << 20, g->pipe);
#endif
        if (n <= 0) {
            g->eof = true;
            return -1;
        }
        g->len = (size_t)n;
        g->pos = 0;
    }
    return (unsigned char)g->buf[g->pos++];
}

static void gzin_close(gzin *g) {
#ifndef QV_BENCH_NO_ZLIB
    gzclose(g->gz);
#else
    if (pclose(g->pipe) != 0) die("zcat failed");
#endif
    free(g->buf);
}

/* Reads lines of up to `want` integers separated by tabs, commas or spaces ('#' lines are comments).
 * Appends each line's integers to cols[0..want). Returns the row count. */
static int64_t read_int_rows(const char *path, int want, int64_t **cols) {
    gzin g;
    gzin_open(&g, path);
    size_t cap = 1 << 20;
    int64_t rows = 0;
    for (int k = 0; k < want; k++) cols[k] = qv_malloc(cap * 8);
    int c = gzin_getc(&g);
    for (int64_t line = 1; c >= 0; line++) {
        if (c == '#') {
            while (c >= 0 && c != '\n') c = gzin_getc(&g);
            c = gzin_getc(&g);
            continue;
        }
        if (c == '\n' || c == '\r') {
            c = gzin_getc(&g);
            continue;
        }
        if ((size_t)rows == cap) {
            cap *= 2;
            for (int k = 0; k < want; k++) cols[k] = qv_realloc(cols[k], cap * 8);
        }
        for (int k = 0; k < want; k++) {
            while (c == ' ' || c == '\t' || c == ',') c = gzin_getc(&g);
            bool neg = false;
            if (c == '-') {
                neg = true;
                c = gzin_getc(&g);
            }
            if (c < '0' || c > '9') die("%s line %" PRId64 ": expected %d integers", path, line, want);
            uint64_t v = 0;
            while (c >= '0' && c <= '9') {
                v = v * 10 + (uint64_t)(c - '0');
                c = gzin_getc(&g);
            }
            cols[k][rows] = neg ? -(int64_t)v : (int64_t)v;
        }
        while (c >= 0 && c != '\n') c = gzin_getc(&g);
        rows++;
    }
    gzin_close(&g);
    return rows;
}

/* ---- CSV output for the peers ------------------------------------------------------------------ */

typedef struct csvout {
    FILE *f;
    char *buf;
    size_t len;
} csvout;

static void csv_flush(csvout *o) {
    if (o->len && fwrite(o->buf, 1, o->len, o->f) != o->len) die("write failed: %s", strerror(errno));
    o->len = 0;
}

static inline void csv_i64(csvout *o, int64_t v) {
    char tmp[24];
    int n = 0;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0) tmp[n++] = '-';
    while (n) o->buf[o->len++] = tmp[--n];
}

static void write_csv(const source *s, const char *dir) {
    char path[4096];
    mkdir(dir, 0755);
    const int64_t chunk = 1 << 16;
    int64_t *a = qv_malloc((size_t)chunk * 8), *b = qv_malloc((size_t)chunk * 8);
    int8_t *t = s->ntypes ? qv_malloc((size_t)chunk) : NULL;
    csvout o = {.buf = qv_malloc(4 * MiB)};

    snprintf(path, sizeof path, "%s/nodes.csv", dir);
    if (!(o.f = fopen(path, "w"))) die("cannot write %s: %s", path, strerror(errno));
    for (int64_t first = 0; first < s->nnodes; first += chunk) {
        int64_t n = s->nnodes - first < chunk ? s->nnodes - first : chunk;
        fill_nodes(s, first, n, a);
        for (int64_t i = 0; i < n; i++) {
            if (o.len > 4 * MiB - 64) csv_flush(&o);
            csv_i64(&o, a[i]);
            o.buf[o.len++] = '\n';
        }
    }
    csv_flush(&o);
    if (fclose(o.f)) die("write failed: %s", strerror(errno));

    snprintf(path, sizeof path, "%s/edges.csv", dir);
    if (!(o.f = fopen(path, "w"))) die("cannot write %s: %s", path, strerror(errno));
    for (int64_t first = 0; first < s->nrels; first += chunk) {
        int64_t n = s->nrels - first < chunk ? s->nrels - first : chunk;
        fill_rels(s, first, n, a, b, t);
        for (int64_t i = 0; i < n; i++) {
            if (o.len > 4 * MiB - 96) csv_flush(&o);
            csv_i64(&o, a[i]);
            o.buf[o.len++] = ',';
            csv_i64(&o, b[i]);
            if (t) {
                memcpy(o.buf + o.len, ",T", 2);
                o.len += 2;
                csv_i64(&o, t[i]);
            }
            o.buf[o.len++] = '\n';
        }
    }
    csv_flush(&o);
    if (fclose(o.f)) die("write failed: %s", strerror(errno));
    free(a);
    free(b);
    free(t);
    free(o.buf);
}

/* ---- HTTP/2 connection and gRPC calls --------------------------------------------------------- */

typedef struct job job;
typedef struct conn conn;

#define MAX_CHUNKS 4

typedef struct call {
    conn *c;
    int32_t id;
    bool active;
    bool is_put;
    bool is_get;               /* DoGet: the reply is parsed by get_feed, never buffered whole */
    bool raw_result;           /* keep the first reply message whole (GetFlightInfo) */
    /* Outgoing bytes: whole gRPC messages in chunks. `pc/po` is the cursor of bytes handed to nghttp2
     * (read callback), `sc/so` of bytes queued for the socket (send-data callback). */
    const uint8_t *chunk[MAX_CHUNKS];
    size_t chunk_len[MAX_CHUNKS];
    int nchunks, pc, sc;
    size_t po, so;
    bool eof;                  /* no more chunks will be added: END_STREAM after the last byte */
    bool deferred;
    /* DoPut */
    int64_t batch, batch_end;  /* next batch to send, end of this stream's partition */
    int64_t inflight;          /* batches sent and not yet acknowledged */
    uint8_t *msg;              /* this stream's batch message buffer */
    size_t msg_cap;
    /* Response */
    qv_buf rx;                 /* gRPC-framed bytes not yet consumed */
    qv_buf result;             /* DoAction: body of the (first) Result */
    /* DoGet reply parser: 0 = gRPC prefix, 1 = FlightData fields before/after the body, 2 = body bytes */
    int gst, npre;
    uint8_t pre[5];
    uint64_t mleft;            /* bytes of the current message not yet taken from the wire */
    uint64_t skip;             /* body bytes still to skip */
    size_t hpos;               /* parsed prefix of result (the buffered non-body bytes) */
    int64_t g_rows, g_batches, g_dicts, g_schemas;
    uint64_t g_msg_bytes, g_body_bytes, g_declared_body;
    int nresults;
    int http_status;
    int grpc_status;           /* -1 until the trailers */
    char grpc_message[384];
    uint32_t rst_error;
} call;

typedef struct seg {
    const uint8_t *p;          /* NULL: bytes at `off` in the connection's copy arena */
    size_t off, len;
} seg;

struct conn {
    int fd;
    nghttp2_session *s;
    char authority[128];
    const char *auth_header;   /* "Basic ..." or NULL */
    seg *q;
    size_t qh, qn, qcap;
    qv_buf arena;
    call *calls;               /* DoPut / DoGet stream slots */
    int ncalls;
    int nslots;                /* slots used in the current phase (<= ncalls) */
    call action;
    job *job;
    uint64_t bytes_sent, bytes_recv;
    /* DoGet totals of the streams that ended well */
    int64_t x_rows, x_batches, x_dicts, x_streams;
    uint64_t x_msg_bytes, x_body_bytes;
    char err[1024];
    bool failed;
};

struct job {
    const source *src;
    bool rels;
    int64_t rows, batch_rows, nbatches, per_stream, nparts;
    atomic_llong next_part;
    atomic_bool failed;
    const uint8_t *first_msg;  /* FlightData #0 (descriptor + Schema) and the DictionaryBatch, framed */
    size_t first_len;
    qv_buf hdr[2];             /* RecordBatch header for a full batch and for the last one */
    int64_t hdr_rows[2];
    int ncols;
    size_t msg_max;
    double deadline;
    _Atomic uint64_t gen_ns;   /* thread CPU spent generating columns */
    /* export (DoGet) */
    int ntickets;
    const uint8_t **tickets;   /* serialized Ticket messages, gRPC-framed */
    size_t *ticket_len;
    void (*start)(conn *c, call *k, int64_t part);  /* put_start or get_start */
};

static void seg_push(conn *c, const uint8_t *p, size_t off, size_t len) {
    if (!len) return;
    if (c->qn == c->qcap) {
        if (c->qh > 0) {
            memmove(c->q, c->q + c->qh, (c->qn - c->qh) * sizeof *c->q);
            c->qn -= c->qh;
            c->qh = 0;
        }
        if (c->qn == c->qcap) {
            c->qcap = c->qcap ? c->qcap * 2 : 256;
            c->q = qv_realloc(c->q, c->qcap * sizeof *c->q);
        }
    }
    c->q[c->qn++] = (seg){p, off, len};
}

static void copy_push(conn *c, const uint8_t *p, size_t len) {
    size_t off = c->arena.len;
    qv_buf_append(&c->arena, p, len);
    seg_push(c, NULL, off, len);
}

/* Writes queued segments until the socket would block. Returns -1 on a socket error. */
static int flush_out(conn *c) {
    while (c->qh < c->qn) {
        struct iovec iov[64];
        int n = 0;
        for (size_t i = c->qh; i < c->qn && n < 64; i++, n++) {
            const seg *s = &c->q[i];
            iov[n].iov_base = (void *)(s->p ? s->p : c->arena.data + s->off);
            iov[n].iov_len = s->len;
        }
        ssize_t w = writev(c->fd, iov, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) return 0;
            snprintf(c->err, sizeof c->err, "write: %s", strerror(errno));
            return -1;
        }
        c->bytes_sent += (uint64_t)w;
        size_t left = (size_t)w;
        while (left) {
            seg *s = &c->q[c->qh];
            if (left >= s->len) {
                left -= s->len;
                c->qh++;
            } else {
                if (s->p) s->p += left;
                else s->off += left;
                s->len -= left;
                left = 0;
            }
        }
    }
    c->qh = c->qn = 0;
    qv_buf_reset(&c->arena);
    return 0;
}

static ssize_t cb_send(nghttp2_session *s, const uint8_t *data, size_t len, int flags, void *ud) {
    copy_push(ud, data, len);
    return (ssize_t)len;
}

static int cb_send_data(nghttp2_session *s, nghttp2_frame *frame, const uint8_t *framehd, size_t length,
                        nghttp2_data_source *source, void *ud) {
    conn *c = ud;
    call *k = source->ptr;
    if (frame->data.padlen) return NGHTTP2_ERR_CALLBACK_FAILURE; /* we never ask for padding */
    copy_push(c, framehd, 9);
    while (length) {
        if (k->sc >= k->nchunks) return NGHTTP2_ERR_CALLBACK_FAILURE;
        size_t avail = k->chunk_len[k->sc] - k->so;
        size_t n = length < avail ? length : avail;
        seg_push(c, k->chunk[k->sc] + k->so, 0, n);
        k->so += n;
        length -= n;
        if (k->so == k->chunk_len[k->sc]) {
            k->sc++;
            k->so = 0;
        }
    }
    return 0;
}

static ssize_t cb_read(nghttp2_session *s, int32_t stream_id, uint8_t *buf, size_t length, uint32_t *flags,
                       nghttp2_data_source *source, void *ud) {
    call *k = source->ptr;
    *flags |= NGHTTP2_DATA_FLAG_NO_COPY;
    size_t n = 0;
    for (int i = k->pc; i < k->nchunks; i++) n += k->chunk_len[i] - (i == k->pc ? k->po : 0);
    if (n == 0) {
        if (k->eof) {
            *flags |= NGHTTP2_DATA_FLAG_EOF;
            return 0;
        }
        k->deferred = true;
        return NGHTTP2_ERR_DEFERRED;
    }
    if (n > length) n = length;
    /* advance the read cursor by n; pc == nchunks means everything was handed out */
    for (size_t left = n; left;) {
        size_t avail = k->chunk_len[k->pc] - k->po;
        size_t m = left < avail ? left : avail;
        k->po += m;
        left -= m;
        if (k->po == k->chunk_len[k->pc]) {
            k->pc++;
            k->po = 0;
        }
    }
    if (k->eof && k->pc == k->nchunks) *flags |= NGHTTP2_DATA_FLAG_EOF;
    return (ssize_t)n;
}

static ssize_t cb_read_length(nghttp2_session *s, uint8_t type, int32_t id, int32_t conn_win, int32_t stream_win,
                              uint32_t max_frame, void *ud) {
    ssize_t n = (ssize_t)max_frame;
    if (conn_win < n) n = conn_win;
    if (stream_win < n) n = stream_win;
    return n < 1 ? 1 : n;
}

static call *call_of(nghttp2_session *s, int32_t id) {
    return nghttp2_session_get_stream_user_data(s, id);
}

static int cb_header(nghttp2_session *s, const nghttp2_frame *frame, const uint8_t *name, size_t namelen,
                     const uint8_t *value, size_t valuelen, uint8_t flags, void *ud) {
    if (frame->hd.type != NGHTTP2_HEADERS) return 0;
    call *k = call_of(s, frame->hd.stream_id);
    if (!k) return 0;
    if (namelen == 7 && !memcmp(name, ":status", 7)) k->http_status = atoi((const char *)value);
    else if (namelen == 11 && !memcmp(name, "grpc-status", 11)) k->grpc_status = atoi((const char *)value);
    else if (namelen == 12 && !memcmp(name, "grpc-message", 12)) {
        size_t n = valuelen < sizeof k->grpc_message - 1 ? valuelen : sizeof k->grpc_message - 1;
        memcpy(k->grpc_message, value, n);
        k->grpc_message[n] = 0;
    }
    return 0;
}

static void put_next(call *k);

static void on_message(call *k, const uint8_t *m, size_t len) {
    if (k->is_put) {
        /* one PutResult per RecordBatch */
        if (k->inflight <= 0) {
            snprintf(k->c->err, sizeof k->c->err, "stream %d: a PutResult nobody waited for", k->id);
            k->c->failed = true;
            return;
        }
        k->inflight--;
        if (k->inflight == 0) put_next(k);
        return;
    }
    if (k->nresults++ == 0 && k->raw_result) {
        qv_buf_reset(&k->result);
        qv_buf_append(&k->result, m, len);
    } else if (k->nresults == 1) {
        fp_bytes body = {0};
        /* Result { bytes body = 1; } */
        size_t pos = 0;
        while (pos < len) {
            uint64_t tag, l;
            if (fp_get_varint(m, len, &pos, &tag) < 0) break;
            if ((tag & 7) != 2) break;
            if (fp_get_varint(m, len, &pos, &l) < 0 || l > len - pos) break;
            if ((tag >> 3) == 1) body = (fp_bytes){m + pos, (size_t)l};
            pos += (size_t)l;
        }
        qv_buf_reset(&k->result);
        qv_buf_append(&k->result, body.p, body.n);
    }
}

/* ---- DoGet reply parsing: count rows, skip bodies ----------------------------------------------- */

static void get_fail(call *k, const char *what) {
    if (!k->c->failed) snprintf(k->c->err, sizeof k->c->err, "DoGet stream %d: %s", k->id, what);
    k->c->failed = true;
}

/* One data_header: a flatbuffer Message { version, header_type, header, bodyLength }. */
static void get_header(call *k, const uint8_t *p, size_t n) {
    fb_table msg, rb;
    qv_err err;
    uint8_t type = 0;
    int64_t body_len = 0, rows = 0;
    bool present = false;
    if (fb_root(p, n, &msg, "Message", &err) < 0 || fb_read_u8(&msg, 1, 0, &type, "Message", &err) < 0 ||
        fb_read_i64(&msg, 3, 0, &body_len, "Message", &err) < 0) {
        get_fail(k, "malformed data_header");
        return;
    }
    k->g_declared_body += (uint64_t)body_len;
    if (type == 1) k->g_schemas++;
    else if (type == 2) k->g_dicts++;
    else if (type == 3) {
        if (fb_read_table(&msg, 2, &rb, &present, "Message", &err) < 0 || !present ||
            fb_read_i64(&rb, 0, 0, &rows, "RecordBatch", &err) < 0 || rows < 0) {
            get_fail(k, "malformed RecordBatch header");
            return;
        }
        if (k->g_schemas != 1) get_fail(k, "a RecordBatch before the Schema");
        k->g_rows += rows;
        k->g_batches++;
    } else {
        get_fail(k, "unexpected message type");
    }
}

/* Parses the buffered non-body bytes of a FlightData (k->result from k->hpos). A body whose bytes are
 * not all here yet switches to state 2 (skip). */
static void get_parse(call *k) {
    const uint8_t *b = k->result.data;
    size_t n = k->result.len, pos = k->hpos;
    while (pos < n) {
        size_t p = pos;
        uint64_t tag, l;
        if (fp_get_varint(b, n, &p, &tag) < 0) break;
        if ((tag & 7) == 0) {
            if (fp_get_varint(b, n, &p, &l) < 0) break;
            pos = p;
            continue;
        }
        if ((tag & 7) != 2) {
            get_fail(k, "unexpected FlightData field");
            return;
        }
        if (fp_get_varint(b, n, &p, &l) < 0) break;
        if ((tag >> 3) == 1000) {
            k->g_body_bytes += l;
            if (n - p >= l) {
                pos = p + (size_t)l;
                continue;
            }
            k->skip = l - (n - p);
            if (k->skip > k->mleft) {
                get_fail(k, "data_body longer than its message");
                return;
            }
            pos = n;
            k->gst = 2;
            break;
        }
        if (n - p < l) break;
        if ((tag >> 3) == 2) get_header(k, b + p, (size_t)l);
        pos = p + (size_t)l;
    }
    k->hpos = pos;
}

static void get_feed(call *k, const uint8_t *d, size_t len) {
    while (len && !k->c->failed) {
        if (k->gst == 0) {
            size_t n = 5 - (size_t)k->npre < len ? 5 - (size_t)k->npre : len;
            memcpy(k->pre + k->npre, d, n);
            k->npre += (int)n;
            d += n;
            len -= n;
            if (k->npre < 5) break;
            if (k->pre[0]) get_fail(k, "compressed gRPC message");
            k->npre = 0;
            k->mleft = (uint64_t)k->pre[1] << 24 | (uint64_t)k->pre[2] << 16 | (uint64_t)k->pre[3] << 8 | k->pre[4];
            k->g_msg_bytes += 5 + k->mleft;
            qv_buf_reset(&k->result);
            k->hpos = 0;
            k->gst = k->mleft ? 1 : 0;
        } else if (k->gst == 2) {
            size_t n = k->skip < len ? (size_t)k->skip : len;
            k->skip -= n;
            k->mleft -= n;
            d += n;
            len -= n;
            if (k->skip == 0) {
                qv_buf_reset(&k->result);
                k->hpos = 0;
                k->gst = k->mleft ? 1 : 0;
            }
        } else {
            /* take at most 512 bytes at a time: a header is a few hundred bytes, then comes the body */
            size_t n = len < 512 ? len : 512;
            if (n > k->mleft) n = (size_t)k->mleft;
            qv_buf_append(&k->result, d, n);
            k->mleft -= n;
            d += n;
            len -= n;
            get_parse(k);
            if (k->gst == 1 && k->mleft == 0) {
                if (k->hpos != k->result.len) get_fail(k, "truncated FlightData");
                k->gst = 0;
            }
        }
    }
}

static int cb_data(nghttp2_session *s, uint8_t flags, int32_t id, const uint8_t *data, size_t len, void *ud) {
    call *k = call_of(s, id);
    if (!k) return 0;
    if (k->is_get) {
        get_feed(k, data, len);
        return 0;
    }
    qv_buf_append(&k->rx, data, len);
    size_t pos = 0;
    while (k->rx.len - pos >= 5) {
        const uint8_t *p = k->rx.data + pos;
        uint32_t n = (uint32_t)p[1] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 8 | p[4];
        if (k->rx.len - pos - 5 < n) break;
        if (p[0]) {
            snprintf(k->c->err, sizeof k->c->err, "stream %d: compressed gRPC message", id);
            k->c->failed = true;
        }
        on_message(k, p + 5, n);
        pos += 5 + (size_t)n;
    }
    if (pos) {
        memmove(k->rx.data, k->rx.data + pos, k->rx.len - pos);
        k->rx.len -= pos;
    }
    return 0;
}

static int cb_close(nghttp2_session *s, int32_t id, uint32_t error_code, void *ud) {
    conn *c = ud;
    call *k = call_of(s, id);
    if (!k) return 0;
    k->rst_error = error_code;
    k->active = false;
    const char *what = k->is_put ? "DoPut" : k->is_get ? "DoGet" : k->raw_result ? "GetFlightInfo" : "DoAction";
    if (error_code) {
        snprintf(c->err, sizeof c->err, "%s stream %d reset by the server (HTTP/2 error %u)%s%s", what, id,
                 error_code, k->grpc_message[0] ? ": " : "", k->grpc_message);
        c->failed = true;
    } else if (k->http_status != 200) {
        snprintf(c->err, sizeof c->err, "%s stream %d: HTTP status %d", what, id, k->http_status);
        c->failed = true;
    } else if (k->grpc_status != 0) {
        snprintf(c->err, sizeof c->err, "%s failed: gRPC status %d: %s", what, k->grpc_status,
                 k->grpc_status < 0 ? "(no grpc-status trailer)" : k->grpc_message);
        c->failed = true;
    } else if (k->is_get && (k->gst != 0 || k->npre)) {
        snprintf(c->err, sizeof c->err, "DoGet stream %d ended inside a message", id);
        c->failed = true;
    } else if (k->is_get && (k->g_schemas != 1 || k->g_body_bytes != k->g_declared_body)) {
        snprintf(c->err, sizeof c->err, "DoGet stream %d: %" PRId64 " Schema messages, %" PRIu64
                 " body bytes against %" PRIu64 " declared", id, k->g_schemas, k->g_body_bytes, k->g_declared_body);
        c->failed = true;
    } else if (k->is_get) {
        c->x_rows += k->g_rows;
        c->x_batches += k->g_batches;
        c->x_dicts += k->g_dicts;
        c->x_streams++;
        c->x_msg_bytes += k->g_msg_bytes;
        c->x_body_bytes += k->g_body_bytes;
    } else if (k->is_put && (k->inflight || k->batch < k->batch_end)) {
        snprintf(c->err, sizeof c->err, "DoPut stream %d ended with batches unacknowledged", id);
        c->failed = true;
    }
    if (c->failed && c->job) atomic_store(&c->job->failed, true);
    return 0;
}

static void conn_open(conn *c, const char *host, int port, const char *auth_header, int nslots, int ncalls) {
    memset(c, 0, sizeof *c);
    c->auth_header = auth_header;
    snprintf(c->authority, sizeof c->authority, "%s:%d", host, port);
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *ai;
    char ps[16];
    snprintf(ps, sizeof ps, "%d", port);
    int rc = getaddrinfo(host, ps, &hints, &ai);
    if (rc) die("cannot resolve %s: %s", host, gai_strerror(rc));
    c->fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (c->fd < 0 || connect(c->fd, ai->ai_addr, ai->ai_addrlen) < 0)
        die("cannot connect to %s: %s", c->authority, strerror(errno));
    freeaddrinfo(ai);
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) | O_NONBLOCK);

    nghttp2_session_callbacks *cbs;
    nghttp2_session_callbacks_new(&cbs);
    nghttp2_session_callbacks_set_send_callback(cbs, cb_send);
    nghttp2_session_callbacks_set_send_data_callback(cbs, cb_send_data);
    nghttp2_session_callbacks_set_data_source_read_length_callback(cbs, cb_read_length);
    nghttp2_session_callbacks_set_on_header_callback(cbs, cb_header);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cbs, cb_data);
    nghttp2_session_callbacks_set_on_stream_close_callback(cbs, cb_close);
    if (nghttp2_session_client_new(&c->s, cbs, c)) die("nghttp2_session_client_new failed");
    nghttp2_session_callbacks_del(cbs);
    nghttp2_settings_entry iv[] = {
        {NGHTTP2_SETTINGS_ENABLE_PUSH, 0},
        {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, 1000},
        {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, STREAM_WINDOW},
        {NGHTTP2_SETTINGS_MAX_FRAME_SIZE, 1 * MiB},
    };
    nghttp2_submit_settings(c->s, NGHTTP2_FLAG_NONE, iv, sizeof iv / sizeof iv[0]);
    nghttp2_session_set_local_window_size(c->s, NGHTTP2_FLAG_NONE, 0, CONN_WINDOW);
    qv_buf_init(&c->arena);
    if (ncalls < nslots) ncalls = nslots;
    c->ncalls = ncalls;
    c->nslots = nslots;
    c->calls = qv_calloc((size_t)(ncalls ? ncalls : 1), sizeof *c->calls);
    for (int i = 0; i < ncalls; i++) {
        c->calls[i].c = c;
        qv_buf_init(&c->calls[i].rx);
        qv_buf_init(&c->calls[i].result);
    }
    c->action.c = c;
    qv_buf_init(&c->action.rx);
    qv_buf_init(&c->action.result);
}

static void conn_close(conn *c) {
    nghttp2_session_del(c->s);
    close(c->fd);
    for (int i = 0; i < c->ncalls; i++) {
        qv_buf_free(&c->calls[i].rx);
        qv_buf_free(&c->calls[i].result);
        free(c->calls[i].msg);
    }
    free(c->calls);
    qv_buf_free(&c->action.rx);
    qv_buf_free(&c->action.result);
    qv_buf_free(&c->arena);
    free(c->q);
}

static void call_reset(call *k, bool is_put) {
    k->active = true;
    k->is_put = is_put;
    k->is_get = k->raw_result = false;
    k->gst = k->npre = 0;
    k->mleft = k->skip = 0;
    k->hpos = 0;
    k->g_rows = k->g_batches = k->g_dicts = k->g_schemas = 0;
    k->g_msg_bytes = k->g_body_bytes = k->g_declared_body = 0;
    k->nchunks = k->pc = k->sc = 0;
    k->po = k->so = 0;
    k->eof = k->deferred = false;
    k->inflight = 0;
    qv_buf_reset(&k->rx);
    qv_buf_reset(&k->result);
    k->nresults = 0;
    k->http_status = 0;
    k->grpc_status = -1;
    k->grpc_message[0] = 0;
    k->rst_error = 0;
}

static void call_submit(call *k, const char *method) {
    conn *c = k->c;
    char path[128];
    snprintf(path, sizeof path, "/arrow.flight.protocol.FlightService/%s", method);
#define NV(n, v) {(uint8_t *)(n), (uint8_t *)(v), sizeof(n) - 1, strlen(v), NGHTTP2_NV_FLAG_NONE}
    nghttp2_nv h[8] = {
        NV(":method", "POST"), NV(":scheme", "http"), NV(":path", path), NV(":authority", c->authority),
        NV("content-type", "application/grpc"), NV("te", "trailers"),
        NV("user-agent", "qv-bench-flight-load/1"),
    };
    int nh = 7;
    if (c->auth_header) h[nh++] = (nghttp2_nv)NV("authorization", c->auth_header);
#undef NV
    nghttp2_data_provider dp = {.source.ptr = k, .read_callback = cb_read};
    k->id = nghttp2_submit_request(c->s, NULL, h, (size_t)nh, &dp, k);
    if (k->id < 0) die("nghttp2_submit_request: %s", nghttp2_strerror(k->id));
}

static void call_add_chunk(call *k, const uint8_t *p, size_t n) {
    if (k->nchunks == MAX_CHUNKS) {
        /* every earlier chunk must be fully queued: restart the list */
        if (k->pc != k->nchunks || k->sc != k->nchunks) die("internal error: chunk list reused while in use");
        k->nchunks = k->pc = k->sc = 0;
        k->po = k->so = 0;
    }
    k->chunk[k->nchunks] = p;
    k->chunk_len[k->nchunks++] = n;
    if (k->deferred) {
        k->deferred = false;
        nghttp2_session_resume_data(k->c->s, k->id);
    }
}

static void call_finish_sending(call *k) {
    k->eof = true;
    if (k->deferred) {
        k->deferred = false;
        nghttp2_session_resume_data(k->c->s, k->id);
    }
}

/* One turn of the connection: produce frames, write, wait up to `wait_ms` for the socket, read. */
static int conn_turn(conn *c, int wait_ms) {
    int rv = nghttp2_session_send(c->s);
    if (rv) {
        snprintf(c->err, sizeof c->err, "nghttp2_session_send: %s", nghttp2_strerror(rv));
        return -1;
    }
    if (flush_out(c) < 0) return -1;
    if (!nghttp2_session_want_read(c->s) && !nghttp2_session_want_write(c->s) && c->qh == c->qn) {
        snprintf(c->err, sizeof c->err, "the server closed the HTTP/2 session");
        return -1;
    }
    struct pollfd pfd = {.fd = c->fd, .events = POLLIN | (c->qh < c->qn ? POLLOUT : 0)};
    int pr = poll(&pfd, 1, wait_ms);
    if (pr < 0 && errno != EINTR) {
        snprintf(c->err, sizeof c->err, "poll: %s", strerror(errno));
        return -1;
    }
    if (pr > 0 && (pfd.revents & (POLLIN | POLLHUP | POLLERR))) {
        static __thread uint8_t rbuf[RX_CHUNK];
        for (int i = 0; i < 64; i++) {
            ssize_t n = recv(c->fd, rbuf, sizeof rbuf, 0);
            if (n < 0) {
                if (errno == EINTR) continue;
                if (errno == EAGAIN || errno == EWOULDBLOCK) break;
                snprintf(c->err, sizeof c->err, "read: %s", strerror(errno));
                return -1;
            }
            if (n == 0) {
                snprintf(c->err, sizeof c->err, "the server closed the connection");
                return -1;
            }
            c->bytes_recv += (uint64_t)n;
            ssize_t m = nghttp2_session_mem_recv(c->s, rbuf, (size_t)n);
            if (m < 0) {
                snprintf(c->err, sizeof c->err, "HTTP/2 error: %s", nghttp2_strerror((int)m));
                return -1;
            }
            if (c->failed) return -1;
            if ((size_t)n < sizeof rbuf) break;
        }
    }
    return c->failed ? -1 : 0;
}

/* ---- DoAction ------------------------------------------------------------------------------------ */

/* Runs one call with a single request message `msg` and a single reply on c's action slot; the reply is
 * in c->action.result (Result.body for DoAction, the whole message when raw). Dies on any failure. */
static call *do_unary(conn *c, const char *method, const char *what, const qv_buf *msg, bool raw, double timeout_s) {
    qv_buf framed;
    qv_buf_init(&framed);
    uint8_t pre[5] = {0, (uint8_t)(msg->len >> 24), (uint8_t)(msg->len >> 16), (uint8_t)(msg->len >> 8),
                      (uint8_t)msg->len};
    qv_buf_append(&framed, pre, 5);
    qv_buf_append(&framed, msg->data, msg->len);
    call *k = &c->action;
    call_reset(k, false);
    k->raw_result = raw;
    call_add_chunk(k, framed.data, framed.len);
    k->eof = true;
    call_submit(k, method);
    double deadline = now_s() + timeout_s;
    while (k->active) {
        if (conn_turn(c, 200) < 0) die("%s: %s", what, c->err);
        if (now_s() > deadline) die("%s: no reply within %.0f s", what, timeout_s);
    }
    if (c->failed) die("%s: %s", what, c->err);
    if (k->nresults != 1) die("%s: expected exactly one reply message, got %d", what, k->nresults);
    qv_buf_free(&framed);
    return k;
}

/* Runs one action on c and returns its Result body parsed as JSON (the caller frees the doc). */
static json_doc *do_action(conn *c, const char *type, const char *body, size_t body_len, double timeout_s) {
    qv_buf msg;
    qv_buf_init(&msg);
    /* Action { string type = 1; bytes body = 2; } */
    fp_put_bytes_field(&msg, 1, type, strlen(type));
    fp_put_bytes_field(&msg, 2, body, body_len);
    call *k = do_unary(c, "DoAction", type, &msg, false, timeout_s);
    qv_err err;
    json_doc *doc = json_parse((const char *)k->result.data, k->result.len, &err);
    if (!doc) die("%s: the reply is not JSON: %s", type, err.msg);
    qv_buf_free(&msg);
    return doc;
}

/* ---- DoPut ------------------------------------------------------------------------------------- */

static size_t varint_len(uint64_t v) {
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

static uint8_t *put_varint_raw(uint8_t *p, uint64_t v) {
    while (v >= 0x80) {
        *p++ = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    *p++ = (uint8_t)v;
    return p;
}

static size_t pad8(size_t n) { return (n + 7) & ~(size_t)7; }

/* Body bytes of a batch of n rows in the direct layout: the int64 columns, then the int8 type indices. */
static size_t body_len(const job *j, int64_t n) {
    size_t b = (size_t)(j->rels ? 2 : 1) * (size_t)n * 8;
    if (j->rels && j->src->ntypes) b += pad8((size_t)n);
    return b;
}

static const qv_buf *header_for(const job *j, int64_t n) {
    return n == j->hdr_rows[0] ? &j->hdr[0] : &j->hdr[1];
}

/* Builds the FlightData message of batch b into k->msg and queues it. */
static void put_next(call *k) {
    job *j = k->c->job;
    if (k->batch >= k->batch_end || atomic_load(&j->failed)) {
        call_finish_sending(k);
        return;
    }
    double t0 = thread_cpu_s();
    int64_t b = k->batch++;
    int64_t first = b * j->batch_rows;
    int64_t n = j->rows - first < j->batch_rows ? j->rows - first : j->batch_rows;
    const qv_buf *hdr = header_for(j, n);
    size_t blen = body_len(j, n);
    size_t plen = 1 + varint_len(hdr->len) + hdr->len + 2 + varint_len(blen) + blen;
    if (!k->msg || k->msg_cap < 5 + plen) {
        free(k->msg);
        k->msg_cap = 5 + plen;
        k->msg = qv_malloc(k->msg_cap);
    }
    uint8_t *p = k->msg;
    *p++ = 0;
    *p++ = (uint8_t)(plen >> 24);
    *p++ = (uint8_t)(plen >> 16);
    *p++ = (uint8_t)(plen >> 8);
    *p++ = (uint8_t)plen;
    *p++ = 0x12; /* data_header */
    p = put_varint_raw(p, hdr->len);
    memcpy(p, hdr->data, hdr->len);
    p += hdr->len;
    *p++ = 0xC2; /* data_body, field 1000 */
    *p++ = 0x3E;
    p = put_varint_raw(p, blen);
    if (j->rels) {
        int8_t *t = j->src->ntypes ? (int8_t *)(p + 16 * (size_t)n) : NULL;
        if (t) memset(t + n, 0, pad8((size_t)n) - (size_t)n);
        fill_rels(j->src, first, n, (int64_t *)p, (int64_t *)(p + 8 * (size_t)n), t);
    } else {
        fill_nodes(j->src, first, n, (int64_t *)p);
    }
    atomic_fetch_add(&j->gen_ns, (uint64_t)((thread_cpu_s() - t0) * 1e9));
    k->inflight = 1;
    call_add_chunk(k, k->msg, 5 + plen);
}

static void put_start(conn *c, call *k, int64_t part) {
    job *j = c->job;
    call_reset(k, true);
    k->batch = part * j->per_stream;
    k->batch_end = k->batch + j->per_stream < j->nbatches ? k->batch + j->per_stream : j->nbatches;
    call_add_chunk(k, j->first_msg, j->first_len);
    call_submit(k, "DoPut");
    put_next(k);
}

static bool conn_put_idle(conn *c) {
    for (int i = 0; i < c->nslots; i++)
        if (c->calls[i].active) return false;
    return true;
}

/* Drives c's stream slots until the job has no partitions left and every stream of c has ended. */
static void *conn_run(void *arg) {
    conn *c = arg;
    job *j = c->job;
    c->failed = false;
    for (;;) {
        if (!atomic_load(&j->failed)) {
            for (int i = 0; i < c->nslots; i++) {
                if (c->calls[i].active) continue;
                long long part = atomic_fetch_add(&j->next_part, 1);
                if (part >= j->nparts) break;
                j->start(c, &c->calls[i], part);
            }
        }
        if (conn_put_idle(c) && (atomic_load(&j->next_part) >= j->nparts || atomic_load(&j->failed))) break;
        if (conn_turn(c, 200) < 0) {
            atomic_store(&j->failed, true);
            if (!c->err[0]) snprintf(c->err, sizeof c->err, "connection failed");
            c->failed = true;
            break;
        }
        if (now_s() > j->deadline) {
            snprintf(c->err, sizeof c->err, "%s did not finish within the timeout",
                     j->start == put_start ? "DoPut" : "DoGet");
            c->failed = true;
            atomic_store(&j->failed, true);
            break;
        }
    }
    return NULL;
}

static void frame_grpc(qv_buf *out, const qv_buf *msg) {
    uint8_t pre[5] = {0, (uint8_t)(msg->len >> 24), (uint8_t)(msg->len >> 16), (uint8_t)(msg->len >> 8),
                      (uint8_t)msg->len};
    qv_buf_append(out, pre, 5);
    qv_buf_append(out, msg->data, msg->len);
}

/* The messages every stream of the job starts with, and the batch headers (checked: the body layout the
 * wire writer produces for these columns must be the direct layout put_next writes). */
static void job_prepare(job *j, const char *graph) {
    arw_field nfields[1] = {{.name = "nodeId", .nullable = true, .kind = ARW_INT, .bit_width = 64, .is_signed = true}};
    arw_field rfields[3] = {
        {.name = "sourceNodeId", .nullable = true, .kind = ARW_INT, .bit_width = 64, .is_signed = true},
        {.name = "targetNodeId", .nullable = true, .kind = ARW_INT, .bit_width = 64, .is_signed = true},
        {.name = "relationshipType", .nullable = true, .kind = ARW_UTF8, .dictionary = true, .dict_id = 0,
         .index_bit_width = 8, .index_signed = true},
    };
    arw_field *fields = j->rels ? rfields : nfields;
    j->ncols = j->rels ? (j->src->ntypes ? 3 : 2) : 1;
    arw_schema schema = {.nfields = j->ncols, .fields = fields};

    qv_buf first, msg, hdr, body, cmd, desc;
    qv_buf_init(&first);
    qv_buf_init(&msg);
    qv_buf_init(&hdr);
    qv_buf_init(&body);
    qv_buf_init(&cmd);
    qv_buf_init(&desc);
    qv_buf_append_str(&cmd, "{\"name\":\"PUT_COMMAND\",\"version\":\"v1\",\"body\":{\"name\":");
    json_write_cstr(&cmd, graph);
    qv_buf_append_str(&cmd, j->rels ? ",\"entity_type\":\"relationship\"}}" : ",\"entity_type\":\"node\"}}");
    /* FlightDescriptor { type = CMD (1), cmd (2) } */
    fp_put_varint(&desc, 1 << 3);
    fp_put_varint(&desc, 2);
    fp_put_bytes_field(&desc, 2, cmd.data, cmd.len);
    arw_write_schema(&hdr, &schema);
    fp_put_bytes_field(&msg, 1, desc.data, desc.len);
    fp_put_bytes_field(&msg, 2, hdr.data, hdr.len);
    frame_grpc(&first, &msg);

    if (j->ncols == 3) {
        /* DictionaryBatch with the type names T0..T{K-1} */
        int K = j->src->ntypes;
        int32_t *offs = qv_malloc((size_t)(K + 1) * 4);
        qv_buf names;
        qv_buf_init(&names);
        offs[0] = 0;
        for (int i = 0; i < K; i++) {
            qv_buf_printf(&names, "T%d", i);
            offs[i + 1] = (int32_t)names.len;
        }
        arw_array vals = {.field = &rfields[2], .length = K, .offsets = offs, .values = names.data,
                          .values_len = names.len};
        qv_buf_reset(&hdr);
        qv_buf_reset(&body);
        qv_buf_reset(&msg);
        arw_write_dictionary_batch(&hdr, &body, 0, &vals, false, ARW_CODEC_NONE);
        const void *parts[1] = {body.data};
        size_t lens[1] = {body.len};
        fp_encode_flight_data(&msg, hdr.data, hdr.len, parts, lens, 1);
        frame_grpc(&first, &msg);
        free(offs);
        qv_buf_free(&names);
    }
    j->first_len = first.len;
    j->first_msg = qv_buf_steal(&first, &j->first_len);

    /* Headers for the two batch lengths, checked against the direct layout. */
    j->hdr_rows[0] = j->batch_rows < j->rows ? j->batch_rows : j->rows;
    j->hdr_rows[1] = j->rows % j->batch_rows ? j->rows % j->batch_rows : j->hdr_rows[0];
    j->msg_max = 0;
    for (int h = 0; h < 2; h++) {
        int64_t n = j->hdr_rows[h];
        int64_t *a = qv_malloc((size_t)(n ? n : 1) * 8), *b = qv_malloc((size_t)(n ? n : 1) * 8);
        int8_t *t = qv_malloc((size_t)(n ? n : 1));
        for (int64_t i = 0; i < n; i++) {
            a[i] = i * 3 + 1;
            b[i] = -i - 7;
            t[i] = (int8_t)(i % (j->src->ntypes ? j->src->ntypes : 1));
        }
        arw_array cols[3] = {
            {.field = &fields[0], .length = n, .values = a, .values_len = (size_t)n * 8},
            {.field = &rfields[1], .length = n, .values = b, .values_len = (size_t)n * 8},
            {.field = &rfields[2], .length = n, .values = t, .values_len = (size_t)n},
        };
        qv_buf_init(&j->hdr[h]);
        qv_buf_reset(&body);
        arw_write_record_batch(&j->hdr[h], &body, n, cols, j->ncols, ARW_CODEC_NONE);
        size_t expect = body_len(j, n);
        bool same = body.len == expect && !memcmp(body.data, a, (size_t)n * 8);
        if (same && j->rels) same = !memcmp(body.data + n * 8, b, (size_t)n * 8);
        if (same && j->ncols == 3) same = !memcmp(body.data + n * 16, t, (size_t)n);
        if (!same) die("the Arrow writer's body layout is not the one this client generates directly");
        size_t plen = 1 + varint_len(j->hdr[h].len) + j->hdr[h].len + 2 + varint_len(expect) + expect;
        if (plen > 0x7fffffffu) die("batch too large for one gRPC message");
        if (5 + plen > j->msg_max) j->msg_max = 5 + plen;
        free(a);
        free(b);
        free(t);
    }
    qv_buf_free(&msg);
    qv_buf_free(&hdr);
    qv_buf_free(&body);
    qv_buf_free(&cmd);
    qv_buf_free(&desc);
}

/* Runs conn_run on every connection (one thread each when there are several). */
static void run_conns(conn *conns, int nconns) {
    if (nconns == 1) {
        conn_run(&conns[0]);
        return;
    }
    pthread_t *th = qv_malloc((size_t)nconns * sizeof *th);
    for (int i = 0; i < nconns; i++)
        if (pthread_create(&th[i], NULL, conn_run, &conns[i])) die("pthread_create failed");
    for (int i = 0; i < nconns; i++) pthread_join(th[i], NULL);
    free(th);
}

typedef struct phase_result {
    double upload_s;     /* first byte to the last stream's end */
    double gen_cpu_s;
} phase_result;

static phase_result run_put_phase(conn *conns, int nconns, const source *src, bool rels, const char *graph,
                                  int64_t batch_rows, int64_t per_stream, double timeout_s) {
    job j;
    memset(&j, 0, sizeof j);
    j.src = src;
    j.rels = rels;
    j.rows = rels ? src->nrels : src->nnodes;
    j.batch_rows = batch_rows;
    j.nbatches = (j.rows + batch_rows - 1) / batch_rows;
    j.per_stream = per_stream;
    j.nparts = (j.nbatches + per_stream - 1) / per_stream;
    atomic_init(&j.next_part, 0);
    atomic_init(&j.failed, false);
    atomic_init(&j.gen_ns, 0);
    job_prepare(&j, graph);
    j.start = put_start;
    j.deadline = now_s() + timeout_s;
    double t0 = now_s();
    for (int i = 0; i < nconns; i++) conns[i].job = &j;
    run_conns(conns, nconns);
    phase_result r = {.upload_s = now_s() - t0, .gen_cpu_s = (double)atomic_load(&j.gen_ns) * 1e-9};
    for (int i = 0; i < nconns; i++) {
        conns[i].job = NULL;
        if (conns[i].failed) die("%s upload: %s", rels ? "relationship" : "node", conns[i].err);
    }
    if (atomic_load(&j.failed)) die("%s upload failed", rels ? "relationship" : "node");
    free((void *)j.first_msg);
    qv_buf_free(&j.hdr[0]);
    qv_buf_free(&j.hdr[1]);
    return r;
}

/* ---- export (DoGet) ---------------------------------------------------------------------------- */

static void get_start(conn *c, call *k, int64_t part) {
    job *j = c->job;
    call_reset(k, false);
    k->is_get = true;
    call_add_chunk(k, j->tickets[part], j->ticket_len[part]);
    k->eof = true;
    call_submit(k, "DoGet");
}

/* Reads a length-delimited field's bytes; returns false at the end or on a malformed message. */
static bool pb_next(const uint8_t *m, size_t n, size_t *pos, uint64_t *field, fp_bytes *val) {
    while (*pos < n) {
        uint64_t tag, v;
        if (fp_get_varint(m, n, pos, &tag) < 0) return false;
        int wt = (int)(tag & 7);
        if (wt == 0) {
            if (fp_get_varint(m, n, pos, &v) < 0) return false;
        } else if (wt == 1 || wt == 5) {
            size_t w = wt == 1 ? 8 : 4;
            if (n - *pos < w) return false;
            *pos += w;
        } else if (wt == 2) {
            if (fp_get_varint(m, n, pos, &v) < 0 || v > n - *pos) return false;
            *field = tag >> 3;
            *val = (fp_bytes){m + *pos, (size_t)v};
            *pos += (size_t)v;
            return true;
        } else {
            return false;
        }
    }
    return false;
}

static void add_ticket(qv_buf *all, size_t **offs, int *n, const void *t, size_t len) {
    qv_buf msg;
    qv_buf_init(&msg);
    fp_put_bytes_field(&msg, 1, t, len); /* Ticket { bytes ticket = 1; } */
    *offs = qv_realloc(*offs, (size_t)(*n + 2) * sizeof **offs);
    (*offs)[*n] = all->len;
    frame_grpc(all, &msg);
    (*offs)[++*n] = all->len;
    qv_buf_free(&msg);
}

typedef struct export_result {
    double seconds, info_seconds, cpu_s;
    int streams;
    int64_t rows, batches, dicts;
    uint64_t msg_bytes, body_bytes, wire_bytes;
} export_result;

/* gds.graph.relationships.stream of `graph`: one DoGet with the GET_COMMAND ticket (kstreams == 1, as the
 * GDS client does), or GetFlightInfo with "concurrency": kstreams and one DoGet per endpoint, at most
 * kstreams at a time over the connections. */
static export_result run_export(conn *conns, int nconns, const char *graph, const char *database, int kstreams,
                                double timeout_s) {
    export_result r;
    memset(&r, 0, sizeof r);
    qv_buf body, env, tickets;
    qv_buf_init(&body);
    qv_buf_init(&env);
    qv_buf_init(&tickets);
    qv_buf_append_str(&body, "{\"graph_name\":");
    json_write_cstr(&body, graph);
    qv_buf_append_str(&body, ",\"database_name\":");
    json_write_cstr(&body, database);
    qv_buf_append_str(&body, ",\"procedure_name\":\"gds.graph.relationships.stream\",\"configuration\":{}");
    if (kstreams > 1) qv_buf_printf(&body, ",\"concurrency\":%d", kstreams);
    qv_buf_append_byte(&body, '}');
    qv_buf_append_str(&env, "{\"name\":\"GET_COMMAND\",\"version\":\"v1\",\"body\":");
    qv_buf_append(&env, body.data, body.len);
    qv_buf_append_byte(&env, '}');

    size_t *offs = NULL;
    int n = 0;
    for (int i = 0; i < nconns; i++) {
        conns[i].x_rows = conns[i].x_batches = conns[i].x_dicts = conns[i].x_streams = 0;
        conns[i].x_msg_bytes = conns[i].x_body_bytes = 0;
    }
    uint64_t recv0 = 0;
    for (int i = 0; i < nconns; i++) recv0 += conns[i].bytes_recv;
    double cpu0 = process_cpu_s();
    double t0 = now_s();
    if (kstreams <= 1) {
        add_ticket(&tickets, &offs, &n, env.data, env.len);
    } else {
        qv_buf desc;
        qv_buf_init(&desc);
        fp_put_varint(&desc, 1 << 3); /* FlightDescriptor { type = CMD (2); cmd = 2 } */
        fp_put_varint(&desc, 2);
        fp_put_bytes_field(&desc, 2, env.data, env.len);
        call *k = do_unary(&conns[0], "GetFlightInfo", "GetFlightInfo", &desc, true, timeout_s);
        /* FlightInfo { endpoint = 3: FlightEndpoint { ticket = 1: Ticket { ticket = 1 } } } */
        const uint8_t *m = k->result.data;
        size_t pos = 0;
        uint64_t f;
        fp_bytes v;
        while (pb_next(m, k->result.len, &pos, &f, &v)) {
            if (f != 3) continue;
            size_t p2 = 0;
            fp_bytes t = {0}, tv;
            uint64_t f2;
            while (pb_next(v.p, v.n, &p2, &f2, &tv))
                if (f2 == 1) t = tv;
            size_t p3 = 0;
            fp_bytes tb = {0};
            while (t.p && pb_next(t.p, t.n, &p3, &f2, &tv))
                if (f2 == 1) tb = tv;
            if (!tb.p) die("GetFlightInfo: an endpoint without a ticket");
            add_ticket(&tickets, &offs, &n, tb.p, tb.n);
        }
        if (n == 0) die("GetFlightInfo: no endpoints");
        qv_buf_free(&desc);
    }
    r.info_seconds = now_s() - t0;

    job j;
    memset(&j, 0, sizeof j);
    j.ntickets = n;
    j.nparts = n;
    j.tickets = qv_malloc((size_t)n * sizeof *j.tickets);
    j.ticket_len = qv_malloc((size_t)n * sizeof *j.ticket_len);
    for (int i = 0; i < n; i++) {
        j.tickets[i] = tickets.data + offs[i];
        j.ticket_len[i] = offs[i + 1] - offs[i];
    }
    atomic_init(&j.next_part, 0);
    atomic_init(&j.failed, false);
    j.start = get_start;
    j.deadline = now_s() + timeout_s;
    int use = nconns < n ? nconns : n;
    for (int i = 0; i < use; i++) {
        conns[i].job = &j;
        conns[i].nslots = kstreams / use + (i < kstreams % use);
        if (conns[i].nslots < 1) conns[i].nslots = 1;
        if (conns[i].nslots > conns[i].ncalls) die("internal error: too few stream slots");
    }
    run_conns(conns, use);
    r.seconds = now_s() - t0;
    r.cpu_s = process_cpu_s() - cpu0;
    r.streams = n;
    for (int i = 0; i < use; i++) {
        conns[i].job = NULL;
        if (conns[i].failed) die("export: %s", conns[i].err);
    }
    if (atomic_load(&j.failed)) die("export failed");
    for (int i = 0; i < nconns; i++) {
        r.rows += conns[i].x_rows;
        r.batches += conns[i].x_batches;
        r.dicts += conns[i].x_dicts;
        r.msg_bytes += conns[i].x_msg_bytes;
        r.body_bytes += conns[i].x_body_bytes;
        r.wire_bytes += conns[i].bytes_recv;
    }
    r.wire_bytes -= recv0;
    int64_t done = 0;
    for (int i = 0; i < nconns; i++) done += conns[i].x_streams;
    if (done != n) die("export: %" PRId64 " of %d DoGet streams completed", done, n);
    free(j.tickets);
    free(j.ticket_len);
    free(offs);
    qv_buf_free(&tickets);
    qv_buf_free(&body);
    qv_buf_free(&env);
    return r;
}

/* ---- main -------------------------------------------------------------------------------------- */

static void usage(void) {
    fputs("usage: qv_bench_flight_load --port P [--host 127.0.0.1]\n"
          "         (--synthetic NODES RELS [--seed S] | --nodes FILE.csv.gz --edges FILE.tsv.gz)\n"
          "         [--types K] [--batch-rows 100000] [--streams 4] [--connections 1]\n"
          "         [--batches-per-stream 10] [--graph NAME] [--database neo4j] [--concurrency N]\n"
          "         [--user U --password P] [--timeout SECONDS] [--label TEXT]\n"
          "         [--export [--export-streams K] [--export-repeat N] [--server-pid PID]]\n"
          "         [--create-database] [--drop]\n"
          "       qv_bench_flight_load (--synthetic NODES RELS | --nodes F --edges F) --write-csv DIR\n"
          "Loads a graph into a GDS Arrow Flight server the way the GDS client does and prints one JSON line\n"
          "of timings; --export then streams the relationships back (gds.graph.relationships.stream, DoGet) and\n"
          "times that too; --write-csv writes the same graph as DIR/nodes.csv and DIR/edges.csv instead.\n"
          "--create-database imports a durable database (v1/CREATE_DATABASE, force: true) instead of a projection;\n"
          "--drop drops the graph or database (v1/DROP_GRAPH) after the figures are taken.\n",
          stderr);
    exit(2);
}

static int64_t parse_count(const char *s) {
    char *end;
    double v = strtod(s, &end);
    if (end == s) die("not a number: %s", s);
    if (*end == 'k' || *end == 'K') v *= 1e3, end++;
    else if (*end == 'm' || *end == 'M') v *= 1e6, end++;
    else if (*end == 'g' || *end == 'G') v *= 1e9, end++;
    if (*end || v < 0 || v > 9e18) die("bad count: %s", s);
    return (int64_t)v;
}

static int64_t json_i64(json_val *o, const char *key) {
    json_val *v = json_get(o, key);
    return v && v->type == JSON_NUMBER ? (int64_t)v->num.d : -1;
}

/* The server's minor page faults and CPU seconds from /proc/PID/stat (zeros when pid is 0 or unreadable). */
typedef struct server_stat {
    int64_t minflt;
    double cpu_s;
} server_stat;

static server_stat read_server_stat(int pid) {
    server_stat st = {0, 0};
    if (pid <= 0) return st;
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f) return st;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    const char *p = strrchr(buf, ')'); /* the command name may hold spaces */
    if (!p) return st;
    unsigned long long v[13] = {0};
    /* after ") ": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime */
    if (sscanf(p + 2, "%*c %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
               &v[4], &v[5], &v[6], &v[7], &v[8], &v[9], &v[10], &v[11]) != 12)
        return st;
    long hz = sysconf(_SC_CLK_TCK);
    st.minflt = (int64_t)v[6];
    st.cpu_s = (double)(v[10] + v[11]) / (double)(hz > 0 ? hz : 100);
    return st;
}

int main(int argc, char **argv) {
    const char *host = "127.0.0.1", *graph = "bench", *database = "neo4j", *user = NULL, *password = NULL;
    const char *nodes_file = NULL, *edges_file = NULL, *csv_dir = NULL, *label = NULL;
    int port = 0, streams = 4, nconns = 1, concurrency = 0, export_streams = 1, export_repeat = 1, server_pid = 0;
    bool do_export = false;
    bool create_db = false, drop = false; /* ckpt: --create-database, --drop */
    int64_t batch_rows = 100000, per_stream = 10;
    double timeout_s = 1800;
    source src = {.seed = 42};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
#define ARG() (i + 1 < argc ? argv[++i] : (usage(), ""))
        if (!strcmp(a, "--host")) host = ARG();
        else if (!strcmp(a, "--port")) port = atoi(ARG());
        else if (!strcmp(a, "--synthetic")) {
            src.synthetic = true;
            src.nnodes = parse_count(ARG());
            src.nrels = parse_count(ARG());
        } else if (!strcmp(a, "--seed")) src.seed = (uint64_t)parse_count(ARG());
        else if (!strcmp(a, "--nodes")) nodes_file = ARG();
        else if (!strcmp(a, "--edges")) edges_file = ARG();
        else if (!strcmp(a, "--types")) src.ntypes = atoi(ARG());
        else if (!strcmp(a, "--batch-rows")) batch_rows = parse_count(ARG());
        else if (!strcmp(a, "--streams")) streams = atoi(ARG());
        else if (!strcmp(a, "--connections")) nconns = atoi(ARG());
        else if (!strcmp(a, "--batches-per-stream")) per_stream = parse_count(ARG());
        else if (!strcmp(a, "--graph")) graph = ARG();
        else if (!strcmp(a, "--database")) database = ARG();
        else if (!strcmp(a, "--concurrency")) concurrency = atoi(ARG());
        else if (!strcmp(a, "--user")) user = ARG();
        else if (!strcmp(a, "--password")) password = ARG();
        else if (!strcmp(a, "--timeout")) timeout_s = atof(ARG());
        else if (!strcmp(a, "--write-csv")) csv_dir = ARG();
        else if (!strcmp(a, "--label")) label = ARG();
        else if (!strcmp(a, "--export")) do_export = true;
        else if (!strcmp(a, "--export-streams")) export_streams = atoi(ARG());
        else if (!strcmp(a, "--export-repeat")) export_repeat = atoi(ARG());
        else if (!strcmp(a, "--server-pid")) server_pid = atoi(ARG());
        else if (!strcmp(a, "--create-database")) create_db = true; /* ckpt */
        else if (!strcmp(a, "--drop")) drop = true;                 /* ckpt */
        else usage();
#undef ARG
    }
    if (src.synthetic == (nodes_file != NULL || edges_file != NULL)) usage();
    if (!src.synthetic && (!nodes_file || !edges_file)) usage();
    if (src.ntypes < 0 || src.ntypes > 127) die("--types must be 0..127");
    if (batch_rows < 1 || per_stream < 1 || streams < 1 || nconns < 1 || timeout_s <= 0) usage();
    if (export_streams < 1 || export_streams > 1024) die("--export-streams must be 1..1024");
    if (export_repeat < 1 || export_repeat > 1000) die("--export-repeat must be 1..1000");
    if (nconns > streams) nconns = streams;

    double t_read = now_s();
    if (src.synthetic) {
        snprintf(src.name, sizeof src.name, "synthetic");
        if (src.nnodes < 1 && src.nrels > 0) die("relationships need nodes");
    } else {
        int64_t *cols[2];
        src.nnodes = read_int_rows(nodes_file, 1, cols);
        src.node_ids = cols[0];
        src.nrels = read_int_rows(edges_file, 2, cols);
        src.src = cols[0];
        src.dst = cols[1];
        const char *base = strrchr(nodes_file, '/');
        const char *dir_end = base ? base : nodes_file;
        const char *dir_start = dir_end;
        while (dir_start > nodes_file && dir_start[-1] != '/') dir_start--;
        snprintf(src.name, sizeof src.name, "%.*s", (int)(dir_end - dir_start), dir_start);
        if (!src.name[0]) snprintf(src.name, sizeof src.name, "files");
    }
    t_read = now_s() - t_read;

    if (csv_dir) {
        double t = now_s();
        write_csv(&src, csv_dir);
        fprintf(stderr, "qv_bench_flight_load: wrote %" PRId64 " nodes and %" PRId64 " relationships to %s in %.1f s\n",
                src.nnodes, src.nrels, csv_dir, now_s() - t);
        return 0;
    }
    if (port <= 0) usage();
    if (!concurrency) concurrency = (int)sysconf(_SC_NPROCESSORS_ONLN);

    char *auth = NULL;
    if (user) {
        char cred[512], b64[1024];
        snprintf(cred, sizeof cred, "%s:%s", user, password ? password : "");
        qv_base64_encode((const uint8_t *)cred, strlen(cred), b64, sizeof b64);
        auth = qv_malloc(strlen(b64) + 8);
        sprintf(auth, "Basic %s", b64);
    }

    conn *conns = qv_calloc((size_t)nconns, sizeof *conns);
    for (int i = 0; i < nconns; i++)
        conn_open(&conns[i], host, port, auth, streams / nconns + (i < streams % nconns),
                  export_streams / nconns + 1);

    qv_buf body;
    qv_buf_init(&body);
    double cpu0 = process_cpu_s();
    double t0 = now_s();
    qv_buf_append_str(&body, "{\"name\":");
    json_write_cstr(&body, graph);
    if (create_db) { /* ckpt: a durable database, written to --data-dir before RELATIONSHIP_LOAD_DONE answers */
        database = graph;
        qv_buf_printf(&body, ",\"force\":true,\"concurrency\":%d}", concurrency);
    } else {
        qv_buf_append_str(&body, ",\"database_name\":");
        json_write_cstr(&body, database);
        qv_buf_printf(&body, ",\"concurrency\":%d}", concurrency);
    }
    json_doc_free(do_action(&conns[0], create_db ? "v1/CREATE_DATABASE" : "v1/CREATE_GRAPH",
                            (const char *)body.data, body.len, timeout_s));
    qv_buf_reset(&body);
    qv_buf_append_str(&body, "{\"name\":");
    json_write_cstr(&body, graph);
    qv_buf_append_byte(&body, '}');
    const char *name_body = (const char *)body.data;

    double tn = now_s();
    phase_result pn = run_put_phase(conns, nconns, &src, false, graph, batch_rows, per_stream, timeout_s);
    double tnd = now_s();
    json_doc *d = do_action(&conns[0], "v1/NODE_LOAD_DONE", name_body, body.len, timeout_s);
    int64_t node_count = json_i64(json_doc_root(d), "node_count");
    json_doc_free(d);
    double node_s = now_s() - tn, node_done_s = now_s() - tnd;

    double tr = now_s();
    phase_result pr = run_put_phase(conns, nconns, &src, true, graph, batch_rows, per_stream, timeout_s);
    double trd = now_s();
    d = do_action(&conns[0], "v1/RELATIONSHIP_LOAD_DONE", name_body, body.len, timeout_s);
    int64_t rel_count = json_i64(json_doc_root(d), "relationship_count");
    json_doc_free(d);
    double t_end = now_s();
    double rel_s = t_end - tr, rel_done_s = t_end - trd, total_s = t_end - t0;
    double cpu = process_cpu_s() - cpu0;

    d = do_action(&conns[0], "v1/LIST_GRAPHS", "{}", 2, timeout_s);
    int64_t memory_bytes = -1, topology_bytes = -1;
    json_val *gs = json_get(json_doc_root(d), "graphs");
    for (size_t i = 0; gs && gs->type == JSON_ARRAY && i < gs->arr.n; i++) {
        if (!json_is_str(json_get(gs->arr.items[i], "name"), graph)) continue;
        memory_bytes = json_i64(gs->arr.items[i], "memory_bytes");
        topology_bytes = json_i64(gs->arr.items[i], "topology_bytes");
    }
    json_doc_free(d);

    uint64_t sent = 0;
    for (int i = 0; i < nconns; i++) sent += conns[i].bytes_sent;
    bool counts_ok = node_count == src.nnodes && rel_count == src.nrels;
    export_result ex;
    memset(&ex, 0, sizeof ex);
    qv_buf reps; /* per export: seconds, and the server's minor faults and CPU seconds (--server-pid) */
    qv_buf_init(&reps);
    for (int r = 0; do_export && counts_ok && r < export_repeat; r++) {
        server_stat s0 = read_server_stat(server_pid);
        export_result e = run_export(conns, nconns, graph, database, export_streams, timeout_s);
        server_stat s1 = read_server_stat(server_pid);
        if (e.rows != src.nrels)
            die("export: received %" PRId64 " relationship rows, the graph has %" PRId64, e.rows, src.nrels);
        if (r == 0) ex = e;
        qv_buf_printf(&reps, "%s{\"seconds\":%.4f", r ? "," : "", e.seconds);
        if (server_pid > 0)
            qv_buf_printf(&reps, ",\"server_minor_faults\":%" PRId64 ",\"server_cpu_seconds\":%.3f",
                          s1.minflt - s0.minflt, s1.cpu_s - s0.cpu_s);
        qv_buf_append_byte(&reps, '}');
    }

    if (drop) { /* ckpt: free the graph (and a database's file) before the next load */
        qv_buf_reset(&body);
        qv_buf_append_str(&body, "{\"name\":");
        json_write_cstr(&body, graph);
        qv_buf_append_str(&body, ",\"database_name\":");
        json_write_cstr(&body, database);
        qv_buf_append_byte(&body, '}');
        json_doc_free(do_action(&conns[0], "v1/DROP_GRAPH", (const char *)body.data, body.len, timeout_s));
    }

    qv_buf out;
    qv_buf_init(&out);
    qv_buf_append_str(&out, "{\"system\":\"quiver\",\"dataset\":");
    json_write_cstr(&out, label ? label : src.name);
    qv_buf_printf(&out,
                  ",\"nodes\":%" PRId64 ",\"rels\":%" PRId64 ",\"types\":%d,\"batch_rows\":%" PRId64
                  ",\"streams\":%d,\"connections\":%d,\"batches_per_stream\":%" PRId64 ",\"concurrency\":%d",
                  src.nnodes, src.nrels, src.ntypes, batch_rows, streams, nconns, per_stream, concurrency);
    qv_buf_printf(&out, ",\"kind\":\"%s\"", create_db ? "database" : "projection"); /* ckpt */
    qv_buf_printf(&out,
                  ",\"node_seconds\":%.4f,\"node_upload_seconds\":%.4f,\"node_done_seconds\":%.4f"
                  ",\"rel_seconds\":%.4f,\"rel_upload_seconds\":%.4f,\"rel_done_seconds\":%.4f"
                  ",\"total_seconds\":%.4f,\"nodes_per_s\":%.0f,\"rels_per_s\":%.0f,\"rels_per_s_total\":%.0f",
                  node_s, pn.upload_s, node_done_s, rel_s, pr.upload_s, rel_done_s, total_s,
                  node_s > 0 ? (double)src.nnodes / node_s : 0, rel_s > 0 ? (double)src.nrels / rel_s : 0,
                  total_s > 0 ? (double)src.nrels / total_s : 0);
    qv_buf_printf(&out,
                  ",\"bytes_sent\":%" PRIu64 ",\"upload_MiB_per_s\":%.0f,\"memory_bytes\":%" PRId64
                  ",\"topology_bytes\":%" PRId64 ",\"server_node_count\":%" PRId64
                  ",\"server_relationship_count\":%" PRId64 ",\"counts_ok\":%s",
                  sent, (double)sent / MiB / (pn.upload_s + pr.upload_s), memory_bytes, topology_bytes, node_count,
                  rel_count, counts_ok ? "true" : "false");
    qv_buf_printf(&out, ",\"client_cpu_seconds\":%.3f,\"client_gen_cpu_seconds\":%.3f,\"read_input_seconds\":%.3f",
                  cpu, pn.gen_cpu_s + pr.gen_cpu_s, t_read);
    if (do_export && ex.seconds > 0)
        qv_buf_printf(&out,
                      ",\"export_streams\":%d,\"export_seconds\":%.4f,\"export_info_seconds\":%.4f"
                      ",\"export_rows\":%" PRId64 ",\"export_batches\":%" PRId64 ",\"export_dictionaries\":%" PRId64
                      ",\"export_rows_per_s\":%.0f,\"export_bytes\":%" PRIu64 ",\"export_body_bytes\":%" PRIu64
                      ",\"export_wire_bytes\":%" PRIu64 ",\"export_MB_per_s\":%.1f,\"export_client_cpu_seconds\":%.3f",
                      ex.streams, ex.seconds, ex.info_seconds, ex.rows, ex.batches, ex.dicts,
                      (double)ex.rows / ex.seconds, ex.msg_bytes, ex.body_bytes, ex.wire_bytes,
                      (double)ex.msg_bytes / 1e6 / ex.seconds, ex.cpu_s);
    if (reps.len) qv_buf_printf(&out, ",\"exports\":[%.*s]", (int)reps.len, (const char *)reps.data);
    qv_buf_append_byte(&out, '}');
    qv_buf_free(&reps);
    printf("%.*s\n", (int)out.len, (const char *)out.data);
    fflush(stdout);

    for (int i = 0; i < nconns; i++) conn_close(&conns[i]);
    free(conns);
    free(auth);
    qv_buf_free(&body);
    qv_buf_free(&out);
    free(src.node_ids);
    free(src.src);
    free(src.dst);
    if (!counts_ok) {
        fprintf(stderr, "qv_bench_flight_load: the server counted %" PRId64 " nodes and %" PRId64
                        " relationships, expected %" PRId64 " and %" PRId64 "\n",
                node_count, rel_count, src.nnodes, src.nrels);
        return 3;
    }
    return 0;
}
