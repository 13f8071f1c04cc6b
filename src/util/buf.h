/* buf.h — growable byte buffers.
 *
 * Owns: qv_buf, a heap byte array that grows geometrically, used to build outgoing messages (protobuf,
 * JSON, Arrow IPC) and to accumulate incoming ones. Allocation failure aborts the process: a server that
 * cannot grow a small buffer cannot answer anyway; large allocations that clients control are checked
 * against limits before they reach a qv_buf.
 */
#ifndef QV_BUF_H
#define QV_BUF_H

#include <stddef.h>
#include <stdint.h>

typedef struct qv_buf {
    uint8_t *data;
    size_t len;
    size_t cap;
} qv_buf;

void qv_buf_init(qv_buf *b);
void qv_buf_free(qv_buf *b);
void qv_buf_reset(qv_buf *b);                 /* len = 0, keeps capacity */
void qv_buf_reserve(qv_buf *b, size_t extra);  /* ensure cap >= len + extra */
void qv_buf_append(qv_buf *b, const void *p, size_t n);
void qv_buf_append_str(qv_buf *b, const char *s);
void qv_buf_append_byte(qv_buf *b, uint8_t c);
void qv_buf_printf(qv_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void qv_buf_pad(qv_buf *b, size_t align);      /* append zero bytes until len % align == 0 */
uint8_t *qv_buf_extend(qv_buf *b, size_t n);   /* grow len by n, return pointer to the new bytes */
/* Detach the data: caller owns it (free()), the buffer is left empty. */
uint8_t *qv_buf_steal(qv_buf *b, size_t *len);

/* Allocation helpers that abort with a message on failure (for sizes the server itself decides). */
void *qv_malloc(size_t n);
void *qv_calloc(size_t n, size_t size);
void *qv_realloc(void *p, size_t n);
char *qv_strdup(const char *s);
char *qv_strndup(const char *s, size_t n);

#endif
