/* snapshot_verify.c — the background check of a big mapped snapshot or checkpoint.
 *
 * Owns: what start-up of a mapped file leaves for later (README.md, "Checking mapped files"): the CRC32C of
 * every big section, then the CSR checks (both directions consistent, ids in range, order) and the per-type
 * counts, on a thread of its own at low priority that starts 2 s after the load, stopped by graph_free before
 * anything it reads goes. The
 * outcome is logged: a mismatch is an error naming the file, the section and what to do. Must not: change
 * the graph, or read anything a writer may change (it reads the immutable base arrays, and copies of the type
 * counts taken before the graph is published).
 */
#include "graph/gmap.h"
#include "store/snapshot.h"
#include "store/snapshot_in.h"
#include "util/clock.h"
#include "util/log.h"

#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#define VERIFY_STEP (16u << 20) /* bytes checksummed between looks at the stop flag */
#define VERIFY_DELAY_MS 2000    /* the check waits this long first: start-up (the other databases, the log
                                   replay, the id indexes) has the CPUs to itself on a small machine */

typedef struct verify_job {
    gmap *map;
    graph shadow;        /* the base arrays and counts of the graph (a copy of the struct: no writer touches it) */
    uint64_t *type_count;
    uint32_t n_types;
    snap_lazy *lazy;
    uint32_t n;
    char *name;
} verify_job;

static void job_free(void *arg) {
    verify_job *j = arg;
    free(j->type_count);
    free(j->lazy);
    free(j->name);
    free(j);
}

static void *verify_main(void *arg) {
    verify_job *j = arg;
    setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 10); /* advice: start-up and queries come first */
    for (int ms = 0; ms < VERIFY_DELAY_MS; ms += 10) {
        if (gmap_stopping(j->map)) return NULL;
        usleep(10000);
    }
    uint64_t t0 = qv_now_ns(), bytes = 0;
    for (uint32_t i = 0; i < j->n; i++) {
        const snap_lazy *l = &j->lazy[i];
        uint32_t crc = 0;
        for (uint64_t done = 0; done < l->len; done += VERIFY_STEP) {
            if (gmap_stopping(j->map)) return NULL;
            uint64_t step = l->len - done < VERIFY_STEP ? l->len - done : VERIFY_STEP;
            crc = snap_crc32c(crc, j->map->base + l->off + done, (size_t)step);
        }
        bytes += l->len;
        if (crc != l->crc) {
            QV_ERROR("database '%s': checksum mismatch in section '%s' of %s, found by the background check after "
                     "start-up: the file is damaged and the database is being served from it. Stop the server and "
                     "start it again with QV_STORE_VERIFY=full (start-up then checks every section and falls back to "
                     "the previous checkpoint if there is one), or restore a backup; `quiver check` shows the damage",
                     j->name, l->name, j->map->path);
            return NULL;
        }
    }
    if (gmap_stopping(j->map)) return NULL;
    qv_err err;
    qv_err_clear(&err);
    int rc = snap_check_csr(&j->shadow, NULL, &err);
    if (rc == 0) {
        uint64_t *count = qv_calloc((size_t)j->n_types + 1, 8);
        for (uint64_t r = 0; r < j->shadow.n_rels; r++) count[j->shadow.rel_type[r]]++;
        for (uint32_t t = 0; t < j->n_types && rc == 0; t++)
            if (count[t] != j->type_count[t])
                rc = qv_err_set(&err, QV_EINVAL, "section 'types': type %u is recorded with %llu relationships but "
                                "%llu have it (file corrupt)", t, (unsigned long long)j->type_count[t],
                                (unsigned long long)count[t]);
        free(count);
    }
    if (rc < 0) {
        QV_ERROR("database '%s': %s, found in %s by the background check after start-up: the file is damaged; stop "
                 "the server, run `quiver check`, and restore a backup", j->name, err.msg, j->map->path);
        return NULL;
    }
    double s = qv_seconds_since(t0);
    QV_INFO("database '%s': background check of %s done: %u sections (%.1f MiB) checksums good, relationships "
            "consistent, in %.2f s", j->name, j->map->path, j->n, (double)bytes / (1 << 20), s);
    return NULL;
}

void snap_verify_start(graph *g, snap_lazy *lazy, uint32_t n) {
    verify_job *j = qv_calloc(1, sizeof *j);
    j->map = g->map;
    j->lazy = lazy;
    j->n = n;
    j->name = qv_strdup(g->name);
    /* only the immutable base: the names, columns and type arrays of a published graph may change */
    j->shadow.n_nodes = g->n_nodes;
    j->shadow.n_rels = g->n_rels;
    j->shadow.out_off = g->out_off;
    j->shadow.out_tgt = g->out_tgt;
    j->shadow.rel_type = g->rel_type;
    j->shadow.in_off = g->in_off;
    j->shadow.in_rel = g->in_rel;
    j->shadow.in_src = g->in_src;
    j->shadow.rel_types.count = g->rel_types.count;
    j->n_types = g->rel_types.count;
    j->type_count = qv_calloc((size_t)j->n_types + 1, 8);
    if (g->type_count) memcpy(j->type_count, g->type_count, (size_t)j->n_types * 8);
    if (!g->map || gmap_start(g->map, verify_main, j, job_free) != 0) {
        QV_WARN("database '%s': cannot start the background check of its file; run `quiver check` on it", j->name);
        job_free(j);
    }
}
