/* fuzz_flight_proto.c — libFuzzer target for the Flight protobuf decoders and encoders.
 *
 * Owns: the properties checked on arbitrary bytes: every decoder either succeeds with views that lie
 * inside the input or fails with QV_EINVAL naming a byte offset; a decoded FlightData (without
 * descriptor) or HandshakeRequest re-encodes to a message that decodes to the same fields.
 * Must not: keep state between inputs.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire/flight_proto.h"

static void check(int ok, const char *what) {
    if (!ok) {
        fprintf(stderr, "fuzz_flight_proto: %s\n", what);
        abort();
    }
}

static void check_view(fp_bytes v, const uint8_t *p, size_t n) {
    if (v.n) check(v.p >= p && v.p <= p + n && v.n <= (size_t)(p + n - v.p), "view outside the input");
}

static void check_error(int rc, const qv_err *err, size_t n) {
    if (rc == 0) return;
    check(rc == -1, "decoder returned neither 0 nor -1");
    check(err->code == QV_EINVAL, "decode error without QV_EINVAL");
    const char *at = strstr(err->msg, " at byte ");
    check(at != NULL, "decode error without a byte offset");
    check(strtoull(at + 9, NULL, 10) <= n, "decode error offset beyond the input");
}

static int same(fp_bytes a, fp_bytes b) { return a.n == b.n && (!a.n || memcmp(a.p, b.p, a.n) == 0); }

static void fuzz_flight_data(const uint8_t *p, size_t n) {
    fp_flight_data fd;
    qv_err err = {0};
    int rc = fp_decode_flight_data(p, n, &fd, &err);
    check_error(rc, &err, n);
    if (rc) return;
    check_view(fd.data_header, p, n);
    check_view(fd.app_metadata, p, n);
    check_view(fd.data_body, p, n);
    check_view(fd.descriptor.cmd, p, n);
    check(fd.descriptor.npath >= 0 && fd.descriptor.npath <= FP_MAX_PATH, "path count out of range");
    for (int k = 0; k < fd.descriptor.npath; k++) check_view(fd.descriptor.path[k], p, n);
    /* Re-encode the data part in two body pieces and decode again. */
    qv_buf b;
    qv_buf_init(&b);
    size_t half = fd.data_body.n / 2;
    const uint8_t *body = fd.data_body.n ? fd.data_body.p : (const uint8_t *)"";
    const void *parts[2] = {body, body + half};
    size_t lens[2] = {half, fd.data_body.n - half};
    fp_encode_flight_data_with_metadata(&b, fd.data_header.p, fd.data_header.n, fd.app_metadata.p, fd.app_metadata.n,
                                        parts, lens, 2);
    fp_flight_data again;
    check(fp_decode_flight_data(b.data, b.len, &again, &err) == 0, "re-encoded FlightData does not decode");
    check(!again.has_descriptor, "re-encoded FlightData has a descriptor");
    check(same(again.data_header, fd.data_header) && same(again.app_metadata, fd.app_metadata) &&
              same(again.data_body, fd.data_body),
          "re-encoded FlightData differs");
    qv_buf_free(&b);
}

static void fuzz_others(const uint8_t *p, size_t n) {
    qv_err err = {0};
    fp_descriptor d;
    int rc = fp_decode_descriptor(p, n, &d, &err);
    check_error(rc, &err, n);
    if (!rc) {
        check_view(d.cmd, p, n);
        for (int k = 0; k < d.npath; k++) check_view(d.path[k], p, n);
    }
    fp_action a;
    rc = fp_decode_action(p, n, &a, &err);
    check_error(rc, &err, n);
    if (!rc) {
        check_view(a.type, p, n);
        check_view(a.body, p, n);
    }
    fp_bytes t;
    rc = fp_decode_ticket(p, n, &t, &err);
    check_error(rc, &err, n);
    if (!rc) check_view(t, p, n);
    rc = fp_decode_criteria(p, n, &t, &err);
    check_error(rc, &err, n);
    if (!rc) check_view(t, p, n);
    uint64_t version;
    rc = fp_decode_handshake(p, n, &version, &t, &err);
    check_error(rc, &err, n);
    if (!rc) {
        check_view(t, p, n);
        qv_buf b;
        qv_buf_init(&b);
        fp_encode_handshake(&b, version, t.p, t.n);
        uint64_t v2;
        fp_bytes t2;
        check(fp_decode_handshake(b.data, b.len, &v2, &t2, &err) == 0, "re-encoded handshake does not decode");
        check(v2 == version && same(t, t2), "re-encoded handshake differs");
        qv_buf_free(&b);
    }
    size_t pos = 0;
    uint64_t v;
    while (pos < n && fp_get_varint(p, n, &pos, &v) == 0) check(pos <= n, "varint read past the end");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fuzz_flight_data(data, size);
    fuzz_others(data, size);
    return 0;
}
