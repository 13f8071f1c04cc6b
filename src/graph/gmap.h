/* gmap.h — a graph whose base arrays live in a read-only file mapping (a mapped checkpoint or snapshot).
 *
 * Owns: the mapping record a graph keeps in graph.map: the mapped bytes, the file they came from, and an
 * optional background thread (the store's deferred checksum verification) that must stop before the bytes
 * are unmapped. graph_free asks gmap_holds whether an array points into the mapping (then it is not freed)
 * and calls gmap_release last. Must not: know the file format (src/store does) or change mapped bytes (the
 * mapping is PROT_READ: a write to a base array would fault).
 */
#ifndef QV_GMAP_H
#define QV_GMAP_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct gmap {
    const uint8_t *base;
    size_t len;
    char *path;
    /* the background verifier: runs fn(arg, m), which should return soon after gmap_stopping(m) */
    pthread_t thread;
    bool has_thread;
    int stop;                     /* atomic */
    void (*arg_free)(void *);
    void *arg;
} gmap;

/* Maps path read-only (whole file); NULL with errno set on failure. */
gmap *gmap_open_file(int fd, size_t len, const char *path);
static inline bool gmap_holds(const gmap *m, const void *p) {
    return m && p && (const uint8_t *)p >= m->base && (const uint8_t *)p < m->base + m->len;
}
/* free(p) unless p points into the mapping. */
void gmap_free_ptr(const gmap *m, void *p);
/* Starts fn(arg) on a thread of its own; arg_free(arg) runs after it ends (at gmap_release). 0 or errno. */
int gmap_start(gmap *m, void *(*fn)(void *), void *arg, void (*arg_free)(void *));
/* Whether the verifier should stop (the graph is being freed). */
bool gmap_stopping(const gmap *m);
/* Stops and joins the verifier (before anything it reads is freed). NULL is fine. */
void gmap_stop(gmap *m);
/* gmap_stop, then unmaps and frees m. NULL is fine. */
void gmap_release(gmap *m);

/* gmap_delta.c — what a checkpoint of a written graph needs beyond gview.h: which of the base (loader) nodes
 * and relationships have a version the view sees, i.e. whose state is no longer the base arrays'. Each returns
 * the first such id in [from, end), or end; chunks nobody wrote are skipped whole. */
struct gview;
uint64_t gmap_next_written_node(struct gview *v, uint64_t from, uint64_t end);
uint64_t gmap_next_written_rel(struct gview *v, uint64_t from, uint64_t end);
/* The loader's node and relationship counts the view's graph was written over (its base). */
void gmap_base_counts(struct gview *v, uint64_t *nodes, uint64_t *rels);
/* The view's id high-water marks: every node and relationship id committed up to its snapshot is below. */
void gmap_view_hwm(struct gview *v, uint64_t *nodes, uint64_t *rels);

#endif
