/* gmap.c — the file mapping behind a mapped graph's base arrays (see gmap.h).
 *
 * Owns: mmap / munmap of one file and the lifetime of the thread that verifies it in the background.
 * Must not: interpret the bytes (src/store does) or free anything of the graph but the mapping itself.
 */
#include "graph/gmap.h"
#include "util/buf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

gmap *gmap_open_file(int fd, size_t len, const char *path) {
    if (len == 0) {
        errno = EINVAL;
        return NULL;
    }
    void *p = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) return NULL;
    gmap *m = qv_calloc(1, sizeof *m);
    m->base = p;
    m->len = len;
    m->path = qv_strdup(path ? path : "");
    return m;
}

void gmap_free_ptr(const gmap *m, void *p) {
    if (!gmap_holds(m, p)) free(p);
}

int gmap_start(gmap *m, void *(*fn)(void *), void *arg, void (*arg_free)(void *)) {
    int rc = pthread_create(&m->thread, NULL, fn, arg);
    if (rc != 0) return rc;
    m->has_thread = true;
    m->arg = arg;
    m->arg_free = arg_free;
    return 0;
}

bool gmap_stopping(const gmap *m) { return __atomic_load_n(&m->stop, __ATOMIC_ACQUIRE) != 0; }

void gmap_stop(gmap *m) {
    if (!m) return;
    __atomic_store_n(&m->stop, 1, __ATOMIC_RELEASE);
    if (m->has_thread) pthread_join(m->thread, NULL);
    m->has_thread = false;
}

void gmap_release(gmap *m) {
    if (!m) return;
    gmap_stop(m);
    if (m->arg_free) m->arg_free(m->arg);
    munmap((void *)m->base, m->len);
    free(m->path);
    free(m);
}
