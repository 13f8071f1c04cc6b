/* err.h — quiver's error values.
 *
 * Owns: the error codes every module returns and the message a user reads. A function that can fail
 * returns int (0 on success, -1 on failure) and fills a caller-provided qv_err. Protocol front ends map
 * codes to their own error format (gRPC status, Neptune error JSON); nothing here knows those formats.
 */
#ifndef QV_ERR_H
#define QV_ERR_H

#include <stdarg.h>

typedef enum {
    QV_OK = 0,
    QV_EINVAL,        /* malformed or unsupported input: the caller must change the request */
    QV_ENOTFOUND,     /* a named thing (graph, import, property, label) does not exist */
    QV_EEXISTS,       /* a named thing already exists */
    QV_EPHASE,        /* the request is valid but not now (wrong import phase, graph busy) */
    QV_ETOOBIG,       /* a size limit was exceeded */
    QV_EAUTH,         /* missing or bad credentials */
    QV_EUNIMPL,       /* not supported by this server */
    QV_ENOMEM,        /* out of memory */
    QV_EIO,           /* the disk or the OS failed */
    QV_EINTERNAL,     /* a bug: an invariant did not hold */
    QV_ECANCELLED,    /* the operation was aborted or the client went away */
    QV_ECONSTRAINT,   /* a write would break a rule of the data: unique constraint, node still has relationships */
} qv_code;

#define QV_ERR_MSG_MAX 512

typedef struct qv_err {
    qv_code code;
    char msg[QV_ERR_MSG_MAX];
} qv_err;

/* Sets *e (if e is not NULL) and returns -1, so callers can write `return qv_err_set(e, ...)`. */
int qv_err_set(qv_err *e, qv_code code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int qv_err_vset(qv_err *e, qv_code code, const char *fmt, va_list ap);
/* Prepends "prefix: " to an existing message (keeps the code). Returns -1. */
int qv_err_prefix(qv_err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void qv_err_clear(qv_err *e);
const char *qv_code_name(qv_code code);

#endif
