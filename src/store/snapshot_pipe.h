/* snapshot_pipe.h — the file side of the snapshot writer: bytes appended in order are copied into aligned
 * buffers that writer threads put on disk with pwrite, bypassing the page cache (O_DIRECT) where the file
 * system allows it. See snapshot_pipe.c. */
#ifndef QV_STORE_SNAPSHOT_PIPE_H
#define QV_STORE_SNAPSHOT_PIPE_H

#include "util/err.h"

#include <stddef.h>
#include <stdint.h>

typedef struct snap_pipe snap_pipe;

/* Starts writing to fd (a regular file, empty, opened for writing) from offset 0. Never fails: without
 * O_DIRECT (or threads) it writes through the page cache. what names the file in messages. */
snap_pipe *snap_pipe_open(int fd, const char *what);
/* The same from offset at (a multiple of 4096 for O_DIRECT; the bytes before it are left as they are): the
 * header of finish goes at `at`, and the file is cut to at + the bytes appended. */
snap_pipe *snap_pipe_open_at(int fd, uint64_t at, const char *what);
/* Appends n bytes. -1 (err set) once any write failed; later calls keep failing. */
int snap_pipe_append(snap_pipe *p, const void *data, size_t n, qv_err *err);
/* Writes what is left, waits for the writers, cuts the file to the bytes appended, then writes head (hlen
 * bytes, at most 4096) at offset 0 over what was appended there: the header goes last. 0 or -1 (err set). */
int snap_pipe_finish(snap_pipe *p, const void *head, size_t hlen, qv_err *err);
/* Stops the writers (if still running) and frees p; the fd stays open. NULL is fine. */
void snap_pipe_free(snap_pipe *p);
/* Whether the last pipe written used O_DIRECT (for the log line and tests); per pipe. */
int snap_pipe_direct(const snap_pipe *p);

#endif
