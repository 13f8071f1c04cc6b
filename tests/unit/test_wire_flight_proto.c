/* test_wire_flight_proto.c — the Flight protobuf codec against protobufjs vectors and malformed input.
 *
 * Owns: checks that src/wire/flight_proto.c decodes what a real protobuf library encodes (including
 * reordered, repeated and unknown fields), rejects every truncation and malformed varint with a byte
 * offset, never reads outside its input, and encodes byte for byte what protobufjs encodes.
 * Must not: depend on anything but the wire module (vectors come from tests/unit/flight_proto_vectors.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "flight_proto_vectors.h"
#include "wire/flight_proto.h"

/* ---- helpers ---------------------------------------------------------------------------------------- */

/* A heap copy of exactly n bytes, so that ASan reports any read past the end. */
static uint8_t *exact_copy(const void *p, size_t n) {
    uint8_t *c = malloc(n ? n : 1);
    assert_non_null(c);
    if (n) memcpy(c, p, n);
    return c;
}

static void assert_bytes(fp_bytes got, fpv_bytes want, const char *what, const char *vec) {
    if (got.n != want.n || (want.n && memcmp(got.p, want.p, want.n) != 0)) {
        print_error("%s: %s differs (got %zu bytes, want %zu)\n", vec, what, got.n, want.n);
        fail();
    }
}

static void assert_buf(const qv_buf *b, fpv_bytes want, const char *vec) {
    if (b->len != want.n || (want.n && memcmp(b->data, want.p, want.n) != 0)) {
        print_error("%s: encoding differs from protobufjs (got %zu bytes, want %zu)\n", vec, b->len, want.n);
        for (size_t k = 0; k < b->len && k < want.n; k++) {
            if (b->data[k] != (uint8_t)want.p[k]) {
                print_error("  first difference at byte %zu: got 0x%02x, want 0x%02x\n", k, b->data[k],
                            (uint8_t)want.p[k]);
                break;
            }
        }
        fail();
    }
}

static void assert_view_inside(fp_bytes v, const uint8_t *p, size_t n) {
    if (!v.n) return;
    assert_true(v.p >= p && v.p + v.n <= p + n);
}

static bool is_bound(const size_t *bound, int nbound, size_t k) {
    for (int i = 0; i < nbound; i++)
        if (bound[i] == k) return true;
    return false;
}

/* Decodes every proper prefix of msg: prefixes that end on a field boundary decode, all others fail
 * with QV_EINVAL and a byte offset no larger than the prefix length. */
typedef int (*decode_fn)(const uint8_t *p, size_t n, qv_err *err);

static void check_prefixes(const char *vec, fpv_bytes msg, const size_t *bound, int nbound, decode_fn fn) {
    for (size_t k = 0; k < msg.n; k++) {
        uint8_t *c = exact_copy(msg.p, k);
        qv_err err = {0};
        int rc = fn(c, k, &err);
        bool want_ok = is_bound(bound, nbound, k);
        if ((rc == 0) != want_ok) {
            print_error("%s: prefix of %zu/%zu bytes %s (%s)\n", vec, k, msg.n, rc == 0 ? "decoded" : "failed",
                        err.msg);
            fail();
        }
        if (rc != 0) {
            assert_int_equal(err.code, QV_EINVAL);
            const char *at = strstr(err.msg, " at byte ");
            assert_non_null(at);
            assert_true(strtoull(at + 9, NULL, 10) <= k);
        }
        free(c);
    }
}

static int dec_flight_data(const uint8_t *p, size_t n, qv_err *err) {
    fp_flight_data fd;
    return fp_decode_flight_data(p, n, &fd, err);
}
static int dec_descriptor(const uint8_t *p, size_t n, qv_err *err) {
    fp_descriptor d;
    return fp_decode_descriptor(p, n, &d, err);
}
static int dec_action(const uint8_t *p, size_t n, qv_err *err) {
    fp_action a;
    return fp_decode_action(p, n, &a, err);
}
static int dec_ticket(const uint8_t *p, size_t n, qv_err *err) {
    fp_bytes t;
    return fp_decode_ticket(p, n, &t, err);
}
static int dec_criteria(const uint8_t *p, size_t n, qv_err *err) {
    fp_bytes t;
    return fp_decode_criteria(p, n, &t, err);
}
static int dec_handshake(const uint8_t *p, size_t n, qv_err *err) {
    uint64_t v;
    fp_bytes t;
    return fp_decode_handshake(p, n, &v, &t, err);
}

static void assert_descriptor(const fp_descriptor *d, int type, fpv_bytes cmd, int npath, const fpv_bytes *path,
                              const char *vec) {
    assert_int_equal(d->type, type);
    assert_bytes(d->cmd, cmd, "cmd", vec);
    assert_int_equal(d->npath, npath);
    for (int i = 0; i < npath; i++) assert_bytes(d->path[i], path[i], "path", vec);
}

/* ---- varints ---------------------------------------------------------------------------------------- */

static void test_varint_round_trip(void **state) {
    (void)state;
    static const struct {
        uint64_t v;
        size_t len;
    } cases[] = {{0, 1}, {1, 1}, {127, 1}, {128, 2}, {300, 2}, {16383, 2}, {16384, 3}, {UINT32_MAX, 5},
                 {(uint64_t)1 << 63, 10}, {UINT64_MAX, 10}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        qv_buf b;
        qv_buf_init(&b);
        fp_put_varint(&b, cases[i].v);
        assert_int_equal(b.len, cases[i].len);
        size_t pos = 0;
        uint64_t got = 0;
        assert_int_equal(fp_get_varint(b.data, b.len, &pos, &got), 0);
        assert_true(got == cases[i].v);
        assert_int_equal(pos, b.len);
        qv_buf_free(&b);
    }
    qv_buf b;
    qv_buf_init(&b);
    fp_put_varint(&b, 300);
    assert_memory_equal(b.data, "\xac\x02", 2);
    qv_buf_free(&b);
}

static void test_varint_malformed(void **state) {
    (void)state;
    uint64_t v = 42;
    size_t pos = 0;
    /* Ends inside the varint. */
    assert_int_equal(fp_get_varint((const uint8_t *)"\x80\x80", 2, &pos, &v), -1);
    assert_int_equal(pos, 0);
    assert_int_equal(fp_get_varint((const uint8_t *)"", 0, &pos, &v), -1);
    /* Eleven bytes. */
    const uint8_t eleven[] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00};
    assert_int_equal(fp_get_varint(eleven, sizeof eleven, &pos, &v), -1);
    /* Tenth byte 2: bit 64 would be set. */
    const uint8_t over[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02};
    assert_int_equal(fp_get_varint(over, sizeof over, &pos, &v), -1);
    assert_int_equal(pos, 0);
    assert_true(v == 42);
    /* Tenth byte 1 is UINT64_MAX; a non-minimal encoding of 0 in 10 bytes is fine too. */
    const uint8_t max[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
    assert_int_equal(fp_get_varint(max, sizeof max, &pos, &v), 0);
    assert_true(v == UINT64_MAX);
    pos = 0;
    const uint8_t zero10[] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00};
    assert_int_equal(fp_get_varint(zero10, sizeof zero10, &pos, &v), 0);
    assert_true(v == 0 && pos == 10);
    /* Reads from *pos, not from the start. */
    pos = 1;
    assert_int_equal(fp_get_varint((const uint8_t *)"\xff\x05", 2, &pos, &v), 0);
    assert_true(v == 5 && pos == 2);
}

/* ---- decode vectors from protobufjs ------------------------------------------------------------------ */

static void test_flight_data_vectors(void **state) {
    (void)state;
    for (size_t i = 0; i < FPV_FLIGHT_DATA_CASES_N; i++) {
        const fpv_flight_data *v = &fpv_flight_data_cases[i];
        uint8_t *c = exact_copy(v->msg.p, v->msg.n);
        fp_flight_data fd;
        qv_err err = {0};
        if (fp_decode_flight_data(c, v->msg.n, &fd, &err) != 0) {
            print_error("%s: %s\n", v->name, err.msg);
            fail();
        }
        assert_int_equal(fd.has_descriptor, v->has_descriptor);
        assert_descriptor(&fd.descriptor, v->type, v->cmd, v->npath, v->path, v->name);
        assert_bytes(fd.data_header, v->data_header, "data_header", v->name);
        assert_bytes(fd.app_metadata, v->app_metadata, "app_metadata", v->name);
        assert_bytes(fd.data_body, v->data_body, "data_body", v->name);
        assert_view_inside(fd.data_body, c, v->msg.n);  /* views, not copies */
        assert_view_inside(fd.data_header, c, v->msg.n);
        free(c);
        check_prefixes(v->name, v->msg, v->bound, v->nbound, dec_flight_data);
    }
}

static void test_descriptor_vectors(void **state) {
    (void)state;
    for (size_t i = 0; i < FPV_DESCRIPTOR_CASES_N; i++) {
        const fpv_descriptor *v = &fpv_descriptor_cases[i];
        uint8_t *c = exact_copy(v->msg.p, v->msg.n);
        fp_descriptor d;
        qv_err err = {0};
        assert_int_equal(fp_decode_descriptor(c, v->msg.n, &d, &err), 0);
        assert_descriptor(&d, v->type, v->cmd, v->npath, v->path, v->name);
        free(c);
        check_prefixes(v->name, v->msg, v->bound, v->nbound, dec_descriptor);
    }
}

static void test_action_vectors(void **state) {
    (void)state;
    for (size_t i = 0; i < FPV_ACTION_CASES_N; i++) {
        const fpv_action *v = &fpv_action_cases[i];
        uint8_t *c = exact_copy(v->msg.p, v->msg.n);
        fp_action a;
        qv_err err = {0};
        assert_int_equal(fp_decode_action(c, v->msg.n, &a, &err), 0);
        assert_bytes(a.type, v->type, "type", v->name);
        assert_bytes(a.body, v->body, "body", v->name);
        free(c);
        check_prefixes(v->name, v->msg, v->bound, v->nbound, dec_action);
    }
}

static void test_ticket_and_criteria_vectors(void **state) {
    (void)state;
    for (size_t i = 0; i < FPV_TICKET_CASES_N; i++) {
        const fpv_ticket *v = &fpv_ticket_cases[i];
        uint8_t *c = exact_copy(v->msg.p, v->msg.n);
        fp_bytes t;
        qv_err err = {0};
        int rc = v->criteria ? fp_decode_criteria(c, v->msg.n, &t, &err) : fp_decode_ticket(c, v->msg.n, &t, &err);
        assert_int_equal(rc, 0);
        assert_bytes(t, v->value, "value", v->name);
        free(c);
        check_prefixes(v->name, v->msg, v->bound, v->nbound, v->criteria ? dec_criteria : dec_ticket);
    }
}

static void test_handshake_vectors(void **state) {
    (void)state;
    for (size_t i = 0; i < FPV_HANDSHAKE_CASES_N; i++) {
        const fpv_handshake *v = &fpv_handshake_cases[i];
        uint8_t *c = exact_copy(v->msg.p, v->msg.n);
        uint64_t version = 99;
        fp_bytes payload;
        qv_err err = {0};
        assert_int_equal(fp_decode_handshake(c, v->msg.n, &version, &payload, &err), 0);
        assert_true(version == v->version);
        assert_bytes(payload, v->payload, "payload", v->name);
        free(c);
        check_prefixes(v->name, v->msg, v->bound, v->nbound, dec_handshake);
    }
}

/* ---- hand-written cases ----------------------------------------------------------------------------- */

/* protobuf merges a repeated embedded message (protobufjs replaces it, so this is not a vector). */
static void test_descriptor_sent_twice_is_merged(void **state) {
    (void)state;
    const uint8_t msg[] = {0x0a, 0x09, 0x08, 0x02, 0x12, 0x01, 'a', 0x1a, 0x02, 'p', '1',  /* CMD, "a", [p1] */
                           0x12, 0x01, 'h',                                               /* header */
                           0x0a, 0x04, 0x1a, 0x02, 'p', '2'};                             /* [p2] */
    fp_flight_data fd;
    qv_err err = {0};
    assert_int_equal(fp_decode_flight_data(msg, sizeof msg, &fd, &err), 0);
    assert_true(fd.has_descriptor);
    assert_int_equal(fd.descriptor.type, FP_DESC_CMD);
    assert_int_equal(fd.descriptor.cmd.n, 1);
    assert_memory_equal(fd.descriptor.cmd.p, "a", 1);
    assert_int_equal(fd.descriptor.npath, 2);
    assert_memory_equal(fd.descriptor.path[0].p, "p1", 2);
    assert_memory_equal(fd.descriptor.path[1].p, "p2", 2);
    assert_int_equal(fd.data_header.n, 1);
}

struct bad_case {
    const char *name;
    const char *msg;
    size_t n;
    const char *want;  /* substring of the error message, including the byte offset */
};
#define BAD(name, lit, want) {name, lit, sizeof(lit) - 1, want}

static void test_malformed_flight_data(void **state) {
    (void)state;
    static const struct bad_case cases[] = {
        BAD("group start", "\x0b", "invalid FlightData at byte 0: field 1 uses wire type 3 (group)"),
        BAD("group end", "\x12\x00\x0c", "at byte 2: field 1 uses wire type 4 (group)"),
        BAD("unknown group", "\x12\x00\x7b\x01", "at byte 2: field 15 uses wire type 3 (group)"),
        BAD("wire type 6", "\x0e", "at byte 0: field 1 has invalid wire type 6"),
        BAD("wire type 7", "\x12\x01x\x7f", "at byte 3: field 15 has invalid wire type 7"),
        BAD("field 0", "\x02\x00", "at byte 0: field number 0 is not allowed"),
        BAD("field 0 varint", "\x00\x00", "at byte 0: field number 0"),
        BAD("header as varint", "\x10\x01", "at byte 0: field 2 (data_header) has wire type 0 (varint), expected 2"),
        BAD("body as fixed32", "\xc5\x3e\x01\x02\x03\x04", "at byte 0: field 1000 (data_body) has wire type 5"),
        BAD("descriptor as fixed64", "\x09\x01\x02\x03\x04\x05\x06\x07\x08", "field 1 (flight_descriptor)"),
        BAD("length beyond end", "\x12\x05" "abc", "at byte 1: field 2 claims 5 bytes but only 3 are left"),
        BAD("length near 2^64", "\x12\xff\xff\xff\xff\xff\xff\xff\xff\x01" "abc", "at byte 1: field 2 claims"),
        BAD("length varint overflow", "\x12\xff\xff\xff\xff\xff\xff\xff\xff\xff\x02",
            "at byte 1: the length of field 2"),
        BAD("length ends", "\x12\x80", "at byte 1: the message ends inside the length of field 2"),
        BAD("tag ends", "\x12\x00\x80", "at byte 2: the message ends inside a field tag"),
        BAD("tag 11 bytes", "\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x00", "at byte 0: a field tag is longer"),
        BAD("tag over 32 bits", "\x80\x80\x80\x80\x10", "at byte 0: field tag 4294967296 exceeds 32 bits"),
        BAD("unknown varint ends", "\x20\xff\xff", "at byte 1: the message ends inside the varint of field 4"),
        BAD("unknown varint 11 bytes", "\x20\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", "at byte 1: the varint of"),
        BAD("unknown fixed64 short", "\x29\x01\x02\x03\x04\x05\x06\x07", "at byte 1: field 5 needs 8 bytes"),
        BAD("unknown fixed32 short", "\x3d\x01\x02\x03", "at byte 1: field 7 needs 4 bytes"),
        BAD("nested descriptor error has an absolute offset", "\x12\x01x\x0a\x02\x08\x80",
            "invalid FlightDescriptor at byte 6: the message ends inside the varint of field 1"),
        BAD("descriptor cmd as varint", "\x0a\x02\x10\x01", "invalid FlightDescriptor at byte 2: field 2 (cmd)"),
        BAD("descriptor group", "\x0a\x01\x1b", "invalid FlightDescriptor at byte 2: field 3 uses wire type 3"),
        BAD("descriptor length beyond outer", "\x0a\x03\x12\x05" "ab", "invalid FlightDescriptor at byte 3"),
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t *c = exact_copy(cases[i].msg, cases[i].n);
        fp_flight_data fd;
        qv_err err = {0};
        int rc = fp_decode_flight_data(c, cases[i].n, &fd, &err);
        if (rc != -1 || err.code != QV_EINVAL || !strstr(err.msg, cases[i].want)) {
            print_error("%s: rc %d, message \"%s\", expected \"%s\"\n", cases[i].name, rc, err.msg, cases[i].want);
            fail();
        }
        free(c);
    }
}

static void test_malformed_small_messages(void **state) {
    (void)state;
    qv_err err = {0};
    fp_action a;
    assert_int_equal(fp_decode_action((const uint8_t *)"\x0a\x03v1", 4, &a, &err), -1);
    assert_non_null(strstr(err.msg, "invalid Action at byte 1"));
    assert_int_equal(fp_decode_action((const uint8_t *)"\x10\x01", 2, &a, &err), -1);
    assert_non_null(strstr(err.msg, "field 2 (body) has wire type 0"));
    fp_bytes t;
    assert_int_equal(fp_decode_ticket((const uint8_t *)"\x08\x01", 2, &t, &err), -1);
    assert_non_null(strstr(err.msg, "invalid Ticket at byte 0: field 1 (ticket)"));
    assert_int_equal(fp_decode_criteria((const uint8_t *)"\x0b", 1, &t, &err), -1);
    assert_non_null(strstr(err.msg, "invalid Criteria at byte 0"));
    uint64_t ver;
    assert_int_equal(fp_decode_handshake((const uint8_t *)"\x0a\x00", 2, &ver, &t, &err), -1);
    assert_non_null(strstr(err.msg, "invalid HandshakeRequest at byte 0: field 1 (protocol_version) has wire type 2"));
    fp_descriptor d;
    assert_int_equal(fp_decode_descriptor((const uint8_t *)"\x08", 1, &d, &err), -1);
    assert_non_null(strstr(err.msg, "invalid FlightDescriptor at byte 1"));
}

static void test_path_limit(void **state) {
    (void)state;
    qv_buf b;
    qv_buf_init(&b);
    for (int i = 0; i < FP_MAX_PATH; i++) fp_put_bytes_field(&b, 3, "seg", 3);
    fp_descriptor d;
    qv_err err = {0};
    assert_int_equal(fp_decode_descriptor(b.data, b.len, &d, &err), 0);
    assert_int_equal(d.npath, FP_MAX_PATH);
    size_t at = b.len;
    fp_put_bytes_field(&b, 3, "one-too-many", 12);
    assert_int_equal(fp_decode_descriptor(b.data, b.len, &d, &err), -1);
    char want[64];
    snprintf(want, sizeof want, "at byte %zu: more than %d path elements", at, FP_MAX_PATH);
    assert_non_null(strstr(err.msg, want));
    qv_buf_free(&b);
}

static void test_empty_input(void **state) {
    (void)state;
    fp_flight_data fd;
    qv_err err = {0};
    assert_int_equal(fp_decode_flight_data(NULL, 0, &fd, &err), 0);
    assert_false(fd.has_descriptor);
    assert_int_equal(fd.data_header.n + fd.data_body.n + fd.app_metadata.n + fd.descriptor.cmd.n, 0);
    assert_int_equal(fd.descriptor.type, FP_DESC_UNKNOWN);
    assert_int_equal(fd.descriptor.npath, 0);
}

/* Every byte of every vector replaced by a set of values: every decoder either succeeds with views
 * inside the input or fails with QV_EINVAL. ASan/UBSan catch the rest. */
static void test_mutations_never_misbehave(void **state) {
    (void)state;
    const fpv_bytes *msgs[64];
    size_t nmsgs = 0;
    for (size_t i = 0; i < FPV_FLIGHT_DATA_CASES_N && nmsgs < 64; i++)
        if (fpv_flight_data_cases[i].msg.n < 600) msgs[nmsgs++] = &fpv_flight_data_cases[i].msg;
    for (size_t i = 0; i < FPV_DESCRIPTOR_CASES_N && nmsgs < 64; i++) msgs[nmsgs++] = &fpv_descriptor_cases[i].msg;
    for (size_t i = 0; i < FPV_ACTION_CASES_N && nmsgs < 64; i++) msgs[nmsgs++] = &fpv_action_cases[i].msg;
    for (size_t i = 0; i < FPV_HANDSHAKE_CASES_N && nmsgs < 64; i++) msgs[nmsgs++] = &fpv_handshake_cases[i].msg;
    static const uint8_t repl[] = {0x00, 0x01, 0x02, 0x07, 0x0b, 0x7f, 0x80, 0xff};
    for (size_t m = 0; m < nmsgs; m++) {
        size_t n = msgs[m]->n;
        uint8_t *c = exact_copy(msgs[m]->p, n);
        for (size_t pos = 0; pos < n; pos++) {
            uint8_t orig = c[pos];
            for (size_t r = 0; r < sizeof repl + 2; r++) {
                c[pos] = r < sizeof repl ? repl[r] : (uint8_t)(orig ^ (r == sizeof repl ? 0x01 : 0x80));
                qv_err err = {0};
                fp_flight_data fd;
                if (fp_decode_flight_data(c, n, &fd, &err) == 0) {
                    assert_view_inside(fd.data_header, c, n);
                    assert_view_inside(fd.app_metadata, c, n);
                    assert_view_inside(fd.data_body, c, n);
                    assert_view_inside(fd.descriptor.cmd, c, n);
                    assert_true(fd.descriptor.npath >= 0 && fd.descriptor.npath <= FP_MAX_PATH);
                    for (int k = 0; k < fd.descriptor.npath; k++) assert_view_inside(fd.descriptor.path[k], c, n);
                } else {
                    assert_int_equal(err.code, QV_EINVAL);
                }
                fp_action a;
                if (fp_decode_action(c, n, &a, &err) == 0) {
                    assert_view_inside(a.type, c, n);
                    assert_view_inside(a.body, c, n);
                }
                fp_bytes t;
                uint64_t ver;
                if (fp_decode_ticket(c, n, &t, &err) == 0) assert_view_inside(t, c, n);
                if (fp_decode_handshake(c, n, &ver, &t, &err) == 0) assert_view_inside(t, c, n);
            }
            c[pos] = orig;
        }
        free(c);
    }
}

/* ---- encoders --------------------------------------------------------------------------------------- */

static void test_encode_bytes_messages(void **state) {
    (void)state;
    for (size_t i = 0; i < FPV_ENC_BYTES_CASES_N; i++) {
        const fpv_enc_bytes *v = &fpv_enc_bytes_cases[i];
        qv_buf b;
        qv_buf_init(&b);
        if (v->kind == FPV_RESULT) fp_encode_result(&b, v->input.p, v->input.n);
        else if (v->kind == FPV_PUT_RESULT) fp_encode_put_result(&b, v->input.p, v->input.n);
        else fp_encode_schema_result(&b, v->input.p, v->input.n);
        assert_buf(&b, v->expect, v->name);
        qv_buf_free(&b);
    }
}

static void test_encode_action_types(void **state) {
    (void)state;
    for (size_t i = 0; i < FPV_ENC_ACTION_TYPE_CASES_N; i++) {
        const fpv_enc_action_type *v = &fpv_enc_action_type_cases[i];
        qv_buf b;
        qv_buf_init(&b);
        fp_encode_action_type(&b, v->type, v->description);
        assert_buf(&b, v->expect, v->name);
        qv_buf_free(&b);
    }
    /* A NULL description is the same as an empty one. */
    qv_buf b1, b2;
    qv_buf_init(&b1);
    qv_buf_init(&b2);
    fp_encode_action_type(&b1, "v1/ABORT", NULL);
    fp_encode_action_type(&b2, "v1/ABORT", "");
    assert_int_equal(b1.len, b2.len);
    assert_memory_equal(b1.data, b2.data, b1.len);
    qv_buf_free(&b1);
    qv_buf_free(&b2);
}

static void test_encode_handshakes(void **state) {
    (void)state;
    for (size_t i = 0; i < FPV_ENC_HANDSHAKE_CASES_N; i++) {
        const fpv_enc_handshake *v = &fpv_enc_handshake_cases[i];
        qv_buf b;
        qv_buf_init(&b);
        fp_encode_handshake(&b, v->version, v->payload.p, v->payload.n);
        assert_buf(&b, v->expect, v->name);
        /* HandshakeRequest and HandshakeResponse share a layout: decode what we wrote. */
        uint64_t ver;
        fp_bytes payload;
        qv_err err = {0};
        assert_int_equal(fp_decode_handshake(b.data, b.len, &ver, &payload, &err), 0);
        assert_true(ver == v->version);
        assert_bytes(payload, v->payload, "payload", v->name);
        qv_buf_free(&b);
    }
}

static void test_encode_flight_data(void **state) {
    (void)state;
    for (size_t i = 0; i < FPV_ENC_FLIGHT_DATA_CASES_N; i++) {
        const fpv_enc_flight_data *v = &fpv_enc_flight_data_cases[i];
        /* The same body split three ways: whole, in three pieces with an empty one, and not at all. */
        for (int split = 0; split < 3; split++) {
            const void *parts[4];
            size_t lens[4];
            int nparts = 0;
            if (split == 0) {
                parts[0] = v->body.p;
                lens[0] = v->body.n;
                nparts = 1;
            } else if (split == 1) {
                size_t a = v->body.n / 3, c = v->body.n - a - v->body.n / 3;
                parts[0] = v->body.p;
                lens[0] = a;
                parts[1] = "";
                lens[1] = 0;
                parts[2] = v->body.p + a;
                lens[2] = v->body.n / 3;
                parts[3] = v->body.p + a + v->body.n / 3;
                lens[3] = c;
                nparts = 4;
            } else if (v->body.n) {
                continue;
            }
            qv_buf b;
            qv_buf_init(&b);
            qv_buf_append(&b, "prefix", 6);  /* encoders append */
            fp_encode_flight_data_with_metadata(&b, v->header.p, v->header.n, v->app_metadata.p, v->app_metadata.n,
                                                parts, lens, nparts);
            assert_memory_equal(b.data, "prefix", 6);
            qv_buf rest = {b.data + 6, b.len - 6, b.cap - 6};
            assert_buf(&rest, v->expect, v->name);
            if (!v->app_metadata.n) {
                qv_buf b2;
                qv_buf_init(&b2);
                fp_encode_flight_data(&b2, v->header.p, v->header.n, parts, lens, nparts);
                assert_buf(&b2, v->expect, v->name);
                qv_buf_free(&b2);
            }
            fp_flight_data fd;
            qv_err err = {0};
            assert_int_equal(fp_decode_flight_data(rest.data, rest.len, &fd, &err), 0);
            assert_false(fd.has_descriptor);
            assert_bytes(fd.data_header, v->header, "data_header", v->name);
            assert_bytes(fd.app_metadata, v->app_metadata, "app_metadata", v->name);
            assert_bytes(fd.data_body, v->body, "data_body", v->name);
            qv_buf_free(&b);
        }
    }
}

static void test_data_body_tag(void **state) {
    (void)state;
    qv_buf b;
    qv_buf_init(&b);
    const void *parts[] = {"xyz"};
    size_t lens[] = {3};
    fp_encode_flight_data(&b, NULL, 0, parts, lens, 1);
    assert_int_equal(b.len, 6);
    assert_memory_equal(b.data, "\xc2\x3e\x03xyz", 6);
    qv_buf_free(&b);
}

static void test_encode_flight_info(void **state) {
    (void)state;
    for (size_t i = 0; i < FPV_ENC_FLIGHT_INFO_CASES_N; i++) {
        const fpv_enc_flight_info *v = &fpv_enc_flight_info_cases[i];
        fp_endpoint eps[3];
        for (int k = 0; k < v->ntickets; k++) {
            eps[k].ticket = v->tickets[k].p;
            eps[k].ticket_len = v->tickets[k].n;
        }
        qv_buf b;
        qv_buf_init(&b);
        fp_encode_flight_info(&b, v->schema.p, v->schema.n, v->has_cmd ? v->cmd.p : NULL, v->cmd.n, eps,
                              v->ntickets, v->total_records, v->total_bytes, v->ordered);
        assert_buf(&b, v->expect, v->name);
        qv_buf_free(&b);
    }
}

static void test_put_bytes_field(void **state) {
    (void)state;
    qv_buf b;
    qv_buf_init(&b);
    fp_put_bytes_field(&b, 2, "", 0);  /* the low-level helper writes even an empty field */
    fp_put_bytes_field(&b, 536870911, "a", 1);
    assert_int_equal(b.len, 2 + 5 + 2);
    assert_memory_equal(b.data, "\x12\x00\xfa\xff\xff\xff\x0f\x01" "a", 9);
    fp_flight_data fd;
    qv_err err = {0};
    assert_int_equal(fp_decode_flight_data(b.data, b.len, &fd, &err), 0);
    assert_int_equal(fd.data_header.n, 0);
    qv_buf_free(&b);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_varint_round_trip),
        cmocka_unit_test(test_varint_malformed),
        cmocka_unit_test(test_flight_data_vectors),
        cmocka_unit_test(test_descriptor_vectors),
        cmocka_unit_test(test_action_vectors),
        cmocka_unit_test(test_ticket_and_criteria_vectors),
        cmocka_unit_test(test_handshake_vectors),
        cmocka_unit_test(test_descriptor_sent_twice_is_merged),
        cmocka_unit_test(test_malformed_flight_data),
        cmocka_unit_test(test_malformed_small_messages),
        cmocka_unit_test(test_path_limit),
        cmocka_unit_test(test_empty_input),
        cmocka_unit_test(test_mutations_never_misbehave),
        cmocka_unit_test(test_encode_bytes_messages),
        cmocka_unit_test(test_encode_action_types),
        cmocka_unit_test(test_encode_handshakes),
        cmocka_unit_test(test_encode_flight_data),
        cmocka_unit_test(test_data_body_tag),
        cmocka_unit_test(test_encode_flight_info),
        cmocka_unit_test(test_put_bytes_field),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
