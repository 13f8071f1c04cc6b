/* flight_proto.c — the protobuf wire format of the Arrow Flight messages quiver reads and writes.
 *
 * Owns: varints, tags, skipping unknown fields, and the field layouts of FlightData, FlightDescriptor,
 * Action, Ticket, HandshakeRequest and Criteria (decoded) and of Result, ActionType, PutResult,
 * HandshakeResponse, SchemaResult, FlightData and FlightInfo (encoded).
 * Must not: copy payload bytes when decoding, interpret payloads (JSON, Arrow IPC), check that string
 * fields are UTF-8 (callers compare them with known names), or keep state between calls.
 *
 * Decoding follows protobuf's rules: fields in any order, unknown fields of wire types 0, 1, 2 and 5
 * skipped, the last occurrence of a scalar wins, a repeated embedded message (FlightData's descriptor)
 * is merged into the earlier one. Rejected, with the byte offset in the outermost message: truncation,
 * varints longer than 10 bytes or beyond 64 bits, tags beyond 32 bits, field number 0, lengths beyond
 * the end, groups (wire types 3 and 4, deprecated and never used by Flight), wire types 6 and 7, and a
 * known field sent with the wrong wire type. Encoders write fields in field-number order and omit
 * proto3 defaults (0, false, empty bytes), as the C++ and JS protobuf libraries do.
 */
#include "wire/flight_proto.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

enum { WT_VARINT = 0, WT_I64 = 1, WT_LEN = 2, WT_SGROUP = 3, WT_EGROUP = 4, WT_I32 = 5 };

/* ---------------------------------------------------------------------------------------------------
 * Reading. */

/* 0 on success; -1 when the input ends inside the varint; -2 when it is longer than 10 bytes or
 * exceeds 64 bits. *pos is only advanced on success. */
static int get_varint(const uint8_t *p, size_t n, size_t *pos, uint64_t *out) {
    size_t i = *pos;
    uint64_t v = 0;
    for (unsigned shift = 0;; shift += 7) {
        if (i >= n) return -1;
        uint8_t c = p[i++];
        if (shift == 63 && c > 1) return -2;
        v |= (uint64_t)(c & 0x7F) << shift;
        if (!(c & 0x80)) break;
    }
    *pos = i;
    *out = v;
    return 0;
}

int fp_get_varint(const uint8_t *p, size_t n, size_t *pos, uint64_t *out) {
    return get_varint(p, n, pos, out) < 0 ? -1 : 0;
}

typedef struct pb_reader {
    const uint8_t *p;
    size_t n, pos;
    size_t base;        /* offset of p[0] in the outermost message, for error messages */
    const char *msg;    /* the message being read, for error messages */
    qv_err *err;
} pb_reader;

typedef struct pb_field {
    uint32_t num;
    int wt;
    uint64_t v;         /* WT_VARINT, WT_I64, WT_I32 */
    fp_bytes bytes;     /* WT_LEN */
    size_t at;          /* absolute offset of the tag */
    size_t payload_at;  /* absolute offset of bytes.p */
} pb_field;

static int bad(const pb_reader *r, size_t at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int bad(const pb_reader *r, size_t at, const char *fmt, ...) {
    char what[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return qv_err_set(r->err, QV_EINVAL, "invalid %s at byte %zu: %s", r->msg, r->base + at, what);
}

/* Reads the next field. Returns 1 when one was read, 0 at the end of the message, -1 on bad input. */
static int pb_next(pb_reader *r, pb_field *f) {
    if (r->pos >= r->n) return 0;
    size_t at = r->pos;
    uint64_t tag;
    int rc = get_varint(r->p, r->n, &r->pos, &tag);
    if (rc == -1) return bad(r, at, "the message ends inside a field tag");
    if (rc == -2) return bad(r, at, "a field tag is longer than 10 bytes or exceeds 64 bits");
    if (tag > UINT32_MAX) return bad(r, at, "field tag %" PRIu64 " exceeds 32 bits", tag);
    f->num = (uint32_t)(tag >> 3);
    f->wt = (int)(tag & 7);
    f->at = r->base + at;
    if (f->num == 0) return bad(r, at, "field number 0 is not allowed");
    size_t vat = r->pos;
    switch (f->wt) {
    case WT_VARINT:
        rc = get_varint(r->p, r->n, &r->pos, &f->v);
        if (rc == -1) return bad(r, vat, "the message ends inside the varint of field %u", f->num);
        if (rc == -2) return bad(r, vat, "the varint of field %u is longer than 10 bytes or exceeds 64 bits", f->num);
        return 1;
    case WT_I64:
    case WT_I32: {
        size_t w = f->wt == WT_I64 ? 8 : 4;
        if (r->n - r->pos < w) return bad(r, vat, "field %u needs %zu bytes but the message ends first", f->num, w);
        uint64_t v = 0;
        for (size_t k = 0; k < w; k++) v |= (uint64_t)r->p[r->pos + k] << (8 * k);
        f->v = v;
        r->pos += w;
        return 1;
    }
    case WT_LEN: {
        uint64_t len;
        rc = get_varint(r->p, r->n, &r->pos, &len);
        if (rc == -1) return bad(r, vat, "the message ends inside the length of field %u", f->num);
        if (rc == -2)
            return bad(r, vat, "the length of field %u is longer than 10 bytes or exceeds 64 bits", f->num);
        if (len > (uint64_t)(r->n - r->pos))
            return bad(r, vat, "field %u claims %" PRIu64 " bytes but only %zu are left", f->num, len,
                       r->n - r->pos);
        f->bytes.p = r->p + r->pos;
        f->bytes.n = (size_t)len;
        f->payload_at = r->base + r->pos;
        r->pos += (size_t)len;
        return 1;
    }
    case WT_SGROUP:
    case WT_EGROUP:
        return bad(r, at, "field %u uses wire type %d (group), which is not supported", f->num, f->wt);
    default:
        return bad(r, at, "field %u has invalid wire type %d", f->num, f->wt);
    }
}

/* A known field must arrive with its declared wire type. */
static int want(const pb_reader *r, const pb_field *f, int wt, const char *name) {
    static const char *const names[] = {"varint", "64-bit", "length-delimited", "group", "group", "32-bit"};
    if (f->wt == wt) return 0;
    return bad(r, f->at - r->base, "field %u (%s) has wire type %d (%s), expected %d (%s)", f->num, name, f->wt,
               names[f->wt], wt, names[wt]);
}

static void empty_bytes(fp_bytes *b, const uint8_t *p) {
    b->p = p;
    b->n = 0;
}

static int merge_descriptor(const uint8_t *p, size_t n, size_t base, fp_descriptor *d, qv_err *err) {
    pb_reader r = {p, n, 0, base, "FlightDescriptor", err};
    pb_field f;
    int rc;
    while ((rc = pb_next(&r, &f)) > 0) {
        switch (f.num) {
        case 1:
            if (want(&r, &f, WT_VARINT, "type")) return -1;
            d->type = (int)(int32_t)(uint32_t)f.v;  /* enums are int32 on the wire */
            break;
        case 2:
            if (want(&r, &f, WT_LEN, "cmd")) return -1;
            d->cmd = f.bytes;
            break;
        case 3:
            if (want(&r, &f, WT_LEN, "path")) return -1;
            if (d->npath >= FP_MAX_PATH)
                return bad(&r, f.at - base, "more than %d path elements", FP_MAX_PATH);
            d->path[d->npath++] = f.bytes;
            break;
        default:
            break;
        }
    }
    return rc;
}

static void init_descriptor(fp_descriptor *d, const uint8_t *p) {
    memset(d, 0, sizeof *d);
    empty_bytes(&d->cmd, p);
}

int fp_decode_descriptor(const uint8_t *p, size_t n, fp_descriptor *out, qv_err *err) {
    init_descriptor(out, p);
    return merge_descriptor(p, n, 0, out, err);
}

int fp_decode_flight_data(const uint8_t *p, size_t n, fp_flight_data *out, qv_err *err) {
    memset(out, 0, sizeof *out);
    init_descriptor(&out->descriptor, p);
    empty_bytes(&out->data_header, p);
    empty_bytes(&out->app_metadata, p);
    empty_bytes(&out->data_body, p);
    pb_reader r = {p, n, 0, 0, "FlightData", err};
    pb_field f;
    int rc;
    while ((rc = pb_next(&r, &f)) > 0) {
        switch (f.num) {
        case 1:
            if (want(&r, &f, WT_LEN, "flight_descriptor")) return -1;
            out->has_descriptor = true;
            if (merge_descriptor(f.bytes.p, f.bytes.n, f.payload_at, &out->descriptor, err) < 0) return -1;
            break;
        case 2:
            if (want(&r, &f, WT_LEN, "data_header")) return -1;
            out->data_header = f.bytes;
            break;
        case 3:
            if (want(&r, &f, WT_LEN, "app_metadata")) return -1;
            out->app_metadata = f.bytes;
            break;
        case 1000:
            if (want(&r, &f, WT_LEN, "data_body")) return -1;
            out->data_body = f.bytes;
            break;
        default:
            break;
        }
    }
    return rc;
}

int fp_decode_action(const uint8_t *p, size_t n, fp_action *out, qv_err *err) {
    empty_bytes(&out->type, p);
    empty_bytes(&out->body, p);
    pb_reader r = {p, n, 0, 0, "Action", err};
    pb_field f;
    int rc;
    while ((rc = pb_next(&r, &f)) > 0) {
        if (f.num == 1) {
            if (want(&r, &f, WT_LEN, "type")) return -1;
            out->type = f.bytes;
        } else if (f.num == 2) {
            if (want(&r, &f, WT_LEN, "body")) return -1;
            out->body = f.bytes;
        }
    }
    return rc;
}

/* A message whose only known field is `bytes <name> = 1`: Ticket, Criteria. */
static int decode_single_bytes(const char *msg, const char *name, const uint8_t *p, size_t n, fp_bytes *out,
                               qv_err *err) {
    empty_bytes(out, p);
    pb_reader r = {p, n, 0, 0, msg, err};
    pb_field f;
    int rc;
    while ((rc = pb_next(&r, &f)) > 0) {
        if (f.num != 1) continue;
        if (want(&r, &f, WT_LEN, name)) return -1;
        *out = f.bytes;
    }
    return rc;
}

int fp_decode_ticket(const uint8_t *p, size_t n, fp_bytes *ticket, qv_err *err) {
    return decode_single_bytes("Ticket", "ticket", p, n, ticket, err);
}

int fp_decode_criteria(const uint8_t *p, size_t n, fp_bytes *expression, qv_err *err) {
    return decode_single_bytes("Criteria", "expression", p, n, expression, err);
}

int fp_decode_handshake(const uint8_t *p, size_t n, uint64_t *version, fp_bytes *payload, qv_err *err) {
    *version = 0;
    empty_bytes(payload, p);
    pb_reader r = {p, n, 0, 0, "HandshakeRequest", err};
    pb_field f;
    int rc;
    while ((rc = pb_next(&r, &f)) > 0) {
        if (f.num == 1) {
            if (want(&r, &f, WT_VARINT, "protocol_version")) return -1;
            *version = f.v;
        } else if (f.num == 2) {
            if (want(&r, &f, WT_LEN, "payload")) return -1;
            *payload = f.bytes;
        }
    }
    return rc;
}

/* ---------------------------------------------------------------------------------------------------
 * Writing. */

static size_t varint_size(uint64_t v) {
    size_t k = 1;
    while (v >= 0x80) {
        v >>= 7;
        k++;
    }
    return k;
}

void fp_put_varint(qv_buf *b, uint64_t v) {
    uint8_t t[10];
    size_t k = 0;
    while (v >= 0x80) {
        t[k++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    t[k++] = (uint8_t)v;
    qv_buf_append(b, t, k);
}

static void put_tag(qv_buf *b, uint32_t field, int wt) { fp_put_varint(b, ((uint64_t)field << 3) | (uint64_t)wt); }

static size_t tag_size(uint32_t field) { return varint_size((uint64_t)field << 3); }

void fp_put_bytes_field(qv_buf *b, uint32_t field, const void *p, size_t n) {
    put_tag(b, field, WT_LEN);
    fp_put_varint(b, n);
    qv_buf_append(b, p, n);
}

/* proto3: a bytes or string field equal to its default (empty) is not written. */
static void put_bytes_opt(qv_buf *b, uint32_t field, const void *p, size_t n) {
    if (n) fp_put_bytes_field(b, field, p, n);
}

static size_t bytes_opt_size(uint32_t field, size_t n) { return n ? tag_size(field) + varint_size(n) + n : 0; }

static void put_varint_opt(qv_buf *b, uint32_t field, uint64_t v) {
    if (!v) return;
    put_tag(b, field, WT_VARINT);
    fp_put_varint(b, v);
}

void fp_encode_result(qv_buf *b, const void *body, size_t n) { put_bytes_opt(b, 1, body, n); }

void fp_encode_put_result(qv_buf *b, const void *app_metadata, size_t n) { put_bytes_opt(b, 1, app_metadata, n); }

void fp_encode_schema_result(qv_buf *b, const void *ipc_schema, size_t n) { put_bytes_opt(b, 1, ipc_schema, n); }

void fp_encode_action_type(qv_buf *b, const char *type, const char *description) {
    if (type) put_bytes_opt(b, 1, type, strlen(type));
    if (description) put_bytes_opt(b, 2, description, strlen(description));
}

void fp_encode_handshake(qv_buf *b, uint64_t version, const void *payload, size_t n) {
    put_varint_opt(b, 1, version);
    put_bytes_opt(b, 2, payload, n);
}

void fp_encode_flight_data_with_metadata(qv_buf *b, const void *header, size_t header_len, const void *app_metadata,
                                         size_t metadata_len, const void *const *body_parts, const size_t *body_lens,
                                         int nparts) {
    size_t body = 0;
    for (int k = 0; k < nparts; k++) body += body_lens[k];
    qv_buf_reserve(b, header_len + metadata_len + body + 32);
    put_bytes_opt(b, 2, header, header_len);
    put_bytes_opt(b, 3, app_metadata, metadata_len);
    if (!body) return;
    put_tag(b, 1000, WT_LEN);
    fp_put_varint(b, body);
    for (int k = 0; k < nparts; k++) qv_buf_append(b, body_parts[k], body_lens[k]);
}

void fp_encode_flight_data(qv_buf *b, const void *header, size_t header_len, const void *const *body_parts,
                           const size_t *body_lens, int nparts) {
    fp_encode_flight_data_with_metadata(b, header, header_len, NULL, 0, body_parts, body_lens, nparts);
}

void fp_encode_flight_info(qv_buf *b, const void *ipc_schema, size_t schema_len, const void *cmd, size_t cmd_len,
                           const fp_endpoint *endpoints, int nendpoints, int64_t total_records,
                           int64_t total_bytes, bool ordered) {
    put_bytes_opt(b, 1, ipc_schema, schema_len);
    if (cmd) {
        size_t dlen = tag_size(1) + varint_size(FP_DESC_CMD) + bytes_opt_size(2, cmd_len);
        put_tag(b, 2, WT_LEN);
        fp_put_varint(b, dlen);
        put_varint_opt(b, 1, FP_DESC_CMD);
        put_bytes_opt(b, 2, cmd, cmd_len);
    }
    for (int e = 0; e < nendpoints; e++) {
        /* FlightEndpoint { Ticket ticket = 1; } with Ticket { bytes ticket = 1; }: the Ticket message is
         * always present, even when its bytes are empty. */
        size_t tlen = bytes_opt_size(1, endpoints[e].ticket_len);
        size_t elen = tag_size(1) + varint_size(tlen) + tlen;
        put_tag(b, 3, WT_LEN);
        fp_put_varint(b, elen);
        put_tag(b, 1, WT_LEN);
        fp_put_varint(b, tlen);
        put_bytes_opt(b, 1, endpoints[e].ticket, endpoints[e].ticket_len);
    }
    put_varint_opt(b, 4, (uint64_t)total_records);  /* int64: negative values take 10 bytes */
    put_varint_opt(b, 5, (uint64_t)total_bytes);
    put_varint_opt(b, 6, ordered ? 1 : 0);
}
