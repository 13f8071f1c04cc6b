/* imports.c — the registry of import processes ("arrow processes" in GDS terms) and their abort timeout.
 *
 * Owns: name -> flight_import, reference counts that keep an import alive while a DoPut stream or an
 * action uses it, and a background thread that aborts imports with no activity for --abort-timeout and
 * forgets finished ones after the same time. Removing an import aborts its loader and releases its
 * catalog reservation at once; its memory is freed when the last user lets go.
 */
#include "api/flight/flight_internal.h"
#include "util/clock.h"
#include "util/log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct import_registry {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    flight_import **items;
    size_t n, cap;
    gcatalog *cat;
    qv_store *store;
    uint64_t timeout_ns;
    bool stop;
    pthread_t reaper;
};

const char *import_kind_name(import_kind k) {
    switch (k) {
    case IMPORT_GRAPH: return "graph";
    case IMPORT_TRIPLETS: return "triplets";
    case IMPORT_DATABASE: return "database";
    case IMPORT_NODE_PROPERTIES: return "node_properties";
    }
    return "?";
}

flight_import *import_new(const char *name, import_kind kind) {
    flight_import *imp = qv_calloc(1, sizeof *imp);
    imp->name = qv_strdup(name);
    imp->kind = kind;
    imp->last_activity_ns = qv_now_ns();
    pthread_mutex_init(&imp->done_lock, NULL);
    return imp;
}

static void import_free(import_registry *r, flight_import *imp) {
    if (imp->loader) gloader_free(imp->loader);
    if (imp->props) gproploader_free(imp->props);
    if (imp->target) gcatalog_release(r->cat, imp->target);
    pthread_mutex_destroy(&imp->done_lock);
    free(imp->create_body);
    if (imp->doc) json_doc_free(imp->doc);
    free(imp->type_lists);
    free(imp->name);
    free(imp->scope);
    free(imp);
}

void imports_touch(flight_import *imp) {
    __atomic_store_n(&imp->last_activity_ns, qv_now_ns(), __ATOMIC_RELAXED);
}

/* Under r->mu: unlink item i, abort its work, release its reservation. */
static flight_import *unlink_at(import_registry *r, size_t i) {
    flight_import *imp = r->items[i];
    r->items[i] = r->items[--r->n];
    imp->removed = true;
    if (imp->loader) gloader_abort(imp->loader);
    if (imp->reserved) {
        gcatalog_unreserve_in(r->cat, imp->scope, imp->name);
        imp->reserved = false;
    }
    return imp;
}

static void *reaper_main(void *arg) {
    import_registry *r = arg;
    pthread_mutex_lock(&r->mu);
    while (!r->stop) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        uint64_t step_ns = r->timeout_ns / 4;
        if (step_ns > 1000000000ull) step_ns = 1000000000ull;
        if (step_ns < 50000000ull) step_ns = 50000000ull;
        uint64_t ns = (uint64_t)ts.tv_nsec + step_ns;
        ts.tv_sec += (time_t)(ns / 1000000000ull);
        ts.tv_nsec = (long)(ns % 1000000000ull);
        int rc = pthread_cond_timedwait(&r->cv, &r->mu, &ts);
        if (r->stop) break;
        if (rc != ETIMEDOUT && rc != 0) continue;
        uint64_t now = qv_now_ns();
        for (size_t i = 0; i < r->n;) {
            flight_import *imp = r->items[i];
            uint64_t last = __atomic_load_n(&imp->last_activity_ns, __ATOMIC_RELAXED);
            bool idle = now > last && now - last > r->timeout_ns;
            /* in use (a stream, or an action such as a long *_LOAD_DONE build) is not idle */
            if (idle && imp->refs == 0 && __atomic_load_n(&imp->active_streams, __ATOMIC_RELAXED) == 0) {
                if (!imp->finished)
                    QV_WARN("import '%s' (%s) aborted: no activity for %.0f s (--abort-timeout)", imp->name,
                            import_kind_name(imp->kind), (double)(now - last) / 1e9);
                unlink_at(r, i);
                if (imp->refs == 0) import_free(r, imp);
                continue;
            }
            i++;
        }
    }
    pthread_mutex_unlock(&r->mu);
    return NULL;
}

import_registry *imports_new(gcatalog *cat, qv_store *store, uint64_t abort_timeout_ms) {
    import_registry *r = qv_calloc(1, sizeof *r);
    pthread_mutex_init(&r->mu, NULL);
    pthread_cond_init(&r->cv, NULL);
    r->cat = cat;
    r->store = store;
    r->timeout_ns = (abort_timeout_ms ? abort_timeout_ms : 600000) * 1000000ull;
    pthread_create(&r->reaper, NULL, reaper_main, r);
    return r;
}

void imports_free(import_registry *r) {
    if (!r) return;
    pthread_mutex_lock(&r->mu);
    r->stop = true;
    pthread_cond_signal(&r->cv);
    pthread_mutex_unlock(&r->mu);
    pthread_join(r->reaper, NULL);
    while (r->n) {
        flight_import *imp = unlink_at(r, 0);
        import_free(r, imp);
    }
    free(r->items);
    pthread_mutex_destroy(&r->mu);
    pthread_cond_destroy(&r->cv);
    free(r);
}

static ssize_t find(import_registry *r, const char *name) {
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->items[i]->name, name) == 0) return (ssize_t)i;
    return -1;
}

int imports_add(import_registry *r, flight_import *imp, qv_err *err) {
    pthread_mutex_lock(&r->mu);
    ssize_t i = find(r, imp->name);
    if (i >= 0) {
        flight_import *old = r->items[i];
        if (!old->finished) {
            pthread_mutex_unlock(&r->mu);
            return qv_err_set(err, QV_EEXISTS, "an import named '%s' is already in progress (%s)", imp->name,
                              import_kind_name(old->kind));
        }
        unlink_at(r, (size_t)i);
        if (old->refs == 0) import_free(r, old);
    }
    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 16;
        r->items = qv_realloc(r->items, r->cap * sizeof *r->items);
    }
    r->items[r->n++] = imp;
    pthread_mutex_unlock(&r->mu);
    return 0;
}

flight_import *imports_get(import_registry *r, const char *name) {
    pthread_mutex_lock(&r->mu);
    ssize_t i = find(r, name);
    flight_import *imp = NULL;
    if (i >= 0) {
        imp = r->items[i];
        imp->refs++;
        imports_touch(imp);
    }
    pthread_mutex_unlock(&r->mu);
    return imp;
}

void imports_put(import_registry *r, flight_import *imp) {
    if (!imp) return;
    pthread_mutex_lock(&r->mu);
    imports_touch(imp);
    bool last = --imp->refs == 0 && imp->removed;
    pthread_mutex_unlock(&r->mu);
    if (last) import_free(r, imp);
}

void imports_remove(import_registry *r, flight_import *imp) {
    pthread_mutex_lock(&r->mu);
    for (size_t i = 0; i < r->n; i++)
        if (r->items[i] == imp) {
            unlink_at(r, i);
            break;
        }
    pthread_mutex_unlock(&r->mu);
}

void imports_list_json(import_registry *r, const char *db, qv_buf *out) {
    pthread_mutex_lock(&r->mu);
    qv_buf_append_byte(out, '[');
    bool first = true;
    for (size_t i = 0; i < r->n; i++) {
        flight_import *imp = r->items[i];
        const char *imp_db = imp->scope ? imp->scope : imp->name;   /* a database import: its own name */
        if (imp->finished || (db && strcmp(db, imp_db) != 0)) continue;
        if (!first) qv_buf_append_byte(out, ',');
        first = false;
        qv_buf_append_str(out, "{\"name\":");
        json_write_cstr(out, imp->name);
        qv_buf_append_str(out, ",\"database_name\":");
        json_write_cstr(out, imp_db);
        qv_buf_append_str(out, ",\"kind\":");
        json_write_cstr(out, import_kind_name(imp->kind));
        qv_buf_append_str(out, ",\"phase\":");
        json_write_cstr(out, imp->loader ? gload_phase_name(gloader_phase(imp->loader)) : "node_properties");
        if (imp->loader) {
            qv_buf_append_str(out, ",\"nodes_received\":");
            json_write_u64(out, gloader_rows_received(imp->loader, false));
            qv_buf_append_str(out, ",\"relationships_received\":");
            json_write_u64(out, gloader_rows_received(imp->loader, true));
            qv_buf_append_str(out, ",\"staged_bytes\":");
            json_write_u64(out, gloader_memory_bytes(imp->loader));
        }
        qv_buf_append_str(out, ",\"active_streams\":");
        json_write_i64(out, imp->active_streams);
        qv_buf_append_byte(out, '}');
    }
    qv_buf_append_byte(out, ']');
    pthread_mutex_unlock(&r->mu);
}
