/* errors.c — Neptune's errors: the one table from openCypher error classes to Neptune Database and Neptune
 * Analytics codes and statuses, and the error documents and headers the SDKs parse.
 *
 * Deterministic errors are 4xx (the SDKs retry 500s, re-running writes); 500 only for what Neptune itself
 * answers 500 and may succeed on retry (time limit, cancellation, memory, internal failure).
 * Must not: know routes or run queries.
 */
#include "api/neptune/np_int.h"
#include "wire/json.h"

#include <stdio.h>
#include <string.h>
#include <sys/random.h>

static const np_errinfo table[] = {
    [CYE_NONE] = {"InternalFailureException", 500, "InternalServerException", 500, NULL},
    [CYE_SYNTAX] = {"MalformedQueryException", 400, "ValidationException", 400, "MALFORMED_QUERY"},
    [CYE_SEMANTIC] = {"MalformedQueryException", 400, "ValidationException", 400, "MALFORMED_QUERY"},
    [CYE_TYPE] = {"BadRequestException", 400, "ValidationException", 400, "BAD_REQUEST"},
    [CYE_ARGUMENT] = {"InvalidArgumentException", 400, "ValidationException", 400, "ILLEGAL_ARGUMENT"},
    [CYE_ARITHMETIC] = {"BadRequestException", 400, "ValidationException", 400, "BAD_REQUEST"},
    [CYE_ENTITY_NOT_FOUND] = {"BadRequestException", 400, "ValidationException", 400, "BAD_REQUEST"},
    [CYE_CONSTRAINT] = {"ConstraintViolationException", 400, "ValidationException", 400, "CONSTRAINT_VIOLATION"},
    [CYE_PARAMETER_MISSING] = {"MissingParameterException", 400, "ValidationException", 400, "BAD_REQUEST"},
    [CYE_PROCEDURE] = {"BadRequestException", 400, "ValidationException", 400, "BAD_REQUEST"},
    [CYE_DUPLICATE_ID] = {"DuplicateDataException", 400, "ValidationException", 400, "CONSTRAINT_VIOLATION"},
    [CYE_CANCELLED] = {"CancelledByUserException", 500, "ValidationException", 400, "QUERY_CANCELLED"},
    [CYE_TIMEOUT] = {"TimeLimitExceededException", 500, "UnprocessableException", 422, "QUERY_TIMEOUT"},
    [CYE_MEMORY] = {"MemoryLimitExceededException", 500, "UnprocessableException", 422, "MEMORY_LIMIT_EXCEEDED"},
    [CYE_PHASE] = {"ThrottlingException", 500, "ThrottlingException", 429, NULL},
    [CYE_NOT_FOUND] = {"BadRequestException", 400, "ResourceNotFoundException", 404, NULL},
    [CYE_UNSUPPORTED] = {"UnsupportedOperationException", 400, "ValidationException", 400, "UNSUPPORTED_OPERATION"},
    [CYE_INTERNAL] = {"InternalFailureException", 500, "InternalServerException", 500, NULL},
};

const np_errinfo *np_error_for(cy_errclass cls) {
    if ((unsigned)cls >= sizeof table / sizeof table[0] || !table[cls].code) return &table[CYE_INTERNAL];
    return &table[cls];
}

void np_request_id(char out[37]) {
    uint8_t r[16];
    if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r)
        for (size_t i = 0; i < sizeof r; i++) r[i] = (uint8_t)(i * 37 + 11);
    r[6] = (uint8_t)((r[6] & 0x0f) | 0x40);   /* version 4 */
    r[8] = (uint8_t)((r[8] & 0x3f) | 0x80);
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", r[0], r[1], r[2],
             r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12], r[13], r[14], r[15]);
}

void np_error_body(qv_buf *b, np_api api, const char *code, const char *reason, const char *msg,
                   const char *request_id) {
    if (api == NP_API_ANALYTICS) {
        qv_buf_append_str(b, "{\"code\":");
        json_write_cstr(b, code);
        qv_buf_append_str(b, ",\"message\":");
        json_write_cstr(b, msg);
        if (reason) {
            qv_buf_append_str(b, ",\"reason\":");
            json_write_cstr(b, reason);
        }
        qv_buf_append_byte(b, '}');
        return;
    }
    qv_buf_append_str(b, "{\"requestId\":");
    json_write_cstr(b, request_id);
    qv_buf_append_str(b, ",\"code\":");
    json_write_cstr(b, code);
    qv_buf_append_str(b, ",\"detailedMessage\":");
    json_write_cstr(b, msg);
    qv_buf_append_str(b, ",\"message\":");
    json_write_cstr(b, msg);
    qv_buf_append_byte(b, '}');
}

void np_error_resp(qv_http_response *resp, np_api api, int status, const char *code, const char *reason,
                   const char *msg, const char *request_id) {
    char rid[37];
    if (!request_id) {
        np_request_id(rid);
        request_id = rid;
    }
    resp->status = status;
    resp->content_type = api == NP_API_ANALYTICS ? "application/json" : "application/x-amz-json-1.0";
    qv_buf_reset(&resp->body);
    np_error_body(&resp->body, api, code, reason, msg, request_id);
    qv_http_response_header(resp, "x-amzn-RequestId", request_id);
    qv_http_response_header(resp, "x-amzn-ErrorType", code);
}

void np_cy_error_resp(qv_http_response *resp, np_api api, const cy_error *e, const char *request_id) {
    const np_errinfo *ei = np_error_for(e->cls);
    const char *msg = e->msg[0] ? e->msg : cy_errclass_name(e->cls);
    if (api == NP_API_ANALYTICS)
        np_error_resp(resp, api, ei->na_status, ei->na_code, ei->na_reason, msg, request_id);
    else
        np_error_resp(resp, api, ei->status, ei->code, NULL, msg, request_id);
}

void neptune_http_error(void *ctx, int status, const char *message, qv_http_response *resp) {
    (void)ctx;
    if (status == 413) {
        char m[128];
        snprintf(m, sizeof m, "Request size exceeds max allowed value of %llu bytes.",
                 (unsigned long long)NEPTUNE_MAX_REQUEST);
        np_error_resp(resp, NP_API_DB, 400, "BadRequestException", NULL, m, NULL);
        return;
    }
    np_error_resp(resp, NP_API_DB, status == 431 ? 431 : 400, "BadRequestException", NULL, message, NULL);
}

void np_refuse_deferred(qv_http_stream *s, np_api api) {
    np_error_resp(qv_http_stream_response(s), api, api == NP_API_ANALYTICS ? 429 : 500, "ThrottlingException", NULL,
                  "No query thread is available; retry", NULL);
    qv_http_stream_end(s);
}
