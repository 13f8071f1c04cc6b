/* flight_proto.h — protobuf encoding and decoding of the Arrow Flight messages (Flight.proto).
 *
 * Owns: the protobuf wire format (varints, tags, length-delimited fields) for the handful of Flight
 * messages quiver reads and writes. Decoders take untrusted bytes, never read out of bounds, skip unknown
 * fields of every wire type, accept fields in any order (last one wins for scalars, as protobuf does),
 * and return views (pointer + length) into the input: nothing is copied, so the input must outlive the
 * result. Absent bytes fields decode as empty (n == 0). Errors are QV_EINVAL with the byte offset.
 * Encoders append to a qv_buf in protobuf's canonical form: fields in number order, proto3 defaults
 * (0, false, empty) omitted.
 */
#ifndef QV_FLIGHT_PROTO_H
#define QV_FLIGHT_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"
#include "util/err.h"

typedef struct fp_bytes {
    const uint8_t *p;
    size_t n;
} fp_bytes;

enum { FP_DESC_UNKNOWN = 0, FP_DESC_PATH = 1, FP_DESC_CMD = 2 };

#define FP_MAX_PATH 16
typedef struct fp_descriptor {
    int type;                  /* FP_DESC_* (other values kept as sent) */
    fp_bytes cmd;
    int npath;                 /* paths beyond FP_MAX_PATH are an error */
    fp_bytes path[FP_MAX_PATH];
} fp_descriptor;

typedef struct fp_flight_data {
    bool has_descriptor;
    fp_descriptor descriptor;
    fp_bytes data_header;      /* bare flatbuffer Message, may be empty */
    fp_bytes app_metadata;
    fp_bytes data_body;
} fp_flight_data;

typedef struct fp_action {
    fp_bytes type;
    fp_bytes body;
} fp_action;

int fp_decode_flight_data(const uint8_t *p, size_t n, fp_flight_data *out, qv_err *err);
int fp_decode_descriptor(const uint8_t *p, size_t n, fp_descriptor *out, qv_err *err);
int fp_decode_action(const uint8_t *p, size_t n, fp_action *out, qv_err *err);
int fp_decode_ticket(const uint8_t *p, size_t n, fp_bytes *ticket, qv_err *err);
/* HandshakeRequest { uint64 protocol_version = 1; bytes payload = 2; } */
int fp_decode_handshake(const uint8_t *p, size_t n, uint64_t *version, fp_bytes *payload, qv_err *err);
/* Criteria { bytes expression = 1; } */
int fp_decode_criteria(const uint8_t *p, size_t n, fp_bytes *expression, qv_err *err);

/* Encoders (append one complete message to b). */
void fp_encode_result(qv_buf *b, const void *body, size_t n);                  /* Result */
void fp_encode_action_type(qv_buf *b, const char *type, const char *description); /* ActionType */
void fp_encode_put_result(qv_buf *b, const void *app_metadata, size_t n);      /* PutResult */
void fp_encode_handshake(qv_buf *b, uint64_t version, const void *payload, size_t n); /* HandshakeResponse */
void fp_encode_schema_result(qv_buf *b, const void *ipc_schema, size_t n);     /* SchemaResult */
/* FlightData without descriptor: header, body given as a list of pieces so a caller can encode without
 * first concatenating the body (the pieces are copied once into b). Empty parts are allowed. */
void fp_encode_flight_data(qv_buf *b, const void *header, size_t header_len, const void *const *body_parts,
                           const size_t *body_lens, int nparts);
/* The same with app_metadata (field 3; omitted when metadata_len is 0). */
void fp_encode_flight_data_with_metadata(qv_buf *b, const void *header, size_t header_len, const void *app_metadata,
                                         size_t metadata_len, const void *const *body_parts, const size_t *body_lens,
                                         int nparts);
/* FlightInfo { schema=1, flight_descriptor=2 (CMD; written when cmd is not NULL), endpoint=3 (ticket only),
 * total_records=4, total_bytes=5, ordered=6 }. */
typedef struct fp_endpoint {
    const void *ticket;
    size_t ticket_len;
} fp_endpoint;
void fp_encode_flight_info(qv_buf *b, const void *ipc_schema, size_t schema_len, const void *cmd, size_t cmd_len,
                           const fp_endpoint *endpoints, int nendpoints, int64_t total_records,
                           int64_t total_bytes, bool ordered);

/* Low-level helpers, exported for tests and for the few callers that hand-build messages. */
void fp_put_varint(qv_buf *b, uint64_t v);
void fp_put_bytes_field(qv_buf *b, uint32_t field, const void *p, size_t n);
int fp_get_varint(const uint8_t *p, size_t n, size_t *pos, uint64_t *out);

#endif
