/* err.c — formatting of qv_err values. Owns nothing else. */
#include "util/err.h"

#include <stdio.h>
#include <string.h>

int qv_err_vset(qv_err *e, qv_code code, const char *fmt, va_list ap) {
    if (!e) return -1;
    e->code = code;
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    return -1;
}

int qv_err_set(qv_err *e, qv_code code, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    qv_err_vset(e, code, fmt, ap);
    va_end(ap);
    return -1;
}

int qv_err_prefix(qv_err *e, const char *fmt, ...) {
    if (!e) return -1;
    char prefix[QV_ERR_MSG_MAX], old[QV_ERR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    memcpy(old, e->msg, sizeof old);
    size_t pl = strnlen(prefix, sizeof prefix - 3);
    memcpy(e->msg, prefix, pl);
    memcpy(e->msg + pl, ": ", 2);
    size_t room = sizeof e->msg - pl - 3, ol = strnlen(old, room);
    memcpy(e->msg + pl + 2, old, ol);
    e->msg[pl + 2 + ol] = 0;
    return -1;
}

void qv_err_clear(qv_err *e) {
    if (!e) return;
    e->code = QV_OK;
    e->msg[0] = 0;
}

const char *qv_code_name(qv_code code) {
    switch (code) {
    case QV_OK: return "OK";
    case QV_EINVAL: return "INVALID_ARGUMENT";
    case QV_ENOTFOUND: return "NOT_FOUND";
    case QV_EEXISTS: return "ALREADY_EXISTS";
    case QV_EPHASE: return "FAILED_PRECONDITION";
    case QV_ETOOBIG: return "RESOURCE_EXHAUSTED";
    case QV_EAUTH: return "UNAUTHENTICATED";
    case QV_EUNIMPL: return "UNIMPLEMENTED";
    case QV_ENOMEM: return "OUT_OF_MEMORY";
    case QV_EIO: return "IO_ERROR";
    case QV_EINTERNAL: return "INTERNAL";
    case QV_ECANCELLED: return "CANCELLED";
    case QV_ECONSTRAINT: return "CONSTRAINT";
    }
    return "UNKNOWN";
}
