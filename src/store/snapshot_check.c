/* snapshot_check.c — structural validation of a decoded snapshot, so that no file can make the server
 * read out of bounds.
 *
 * Owns: the invariants a graph read from untrusted bytes must satisfy before anyone else sees it:
 * offsets start at 0, never decrease and end at the array length; every id is below its count; the
 * incoming CSR is exactly the outgoing one turned around; per-type counts match the type array. Checksums
 * catch accidents; these checks catch everything a checksum cannot (a crafted or buggy file). Must not
 * read files, or allocate more than a bitmap over the relationships and a count per type.
 */
#include "store/snapshot.h"

#include <stdlib.h>
#include <string.h>

#define ULL(x) ((unsigned long long)(x))

int snap_check_offsets64(const uint64_t *off, uint64_t n, uint64_t end, const char *section, qv_err *err) {
    if (off[0] != 0)
        return qv_err_set(err, QV_EINVAL, "section '%s': first offset is %llu, expected 0 (file corrupt)", section,
                          ULL(off[0]));
    for (uint64_t i = 0; i < n; i++)
        if (off[i + 1] < off[i])
            return qv_err_set(err, QV_EINVAL,
                              "section '%s': offsets decrease at entry %llu (%llu after %llu) (file corrupt)", section,
                              ULL(i + 1), ULL(off[i + 1]), ULL(off[i]));
    if (off[n] != end)
        return qv_err_set(err, QV_EINVAL, "section '%s': last offset is %llu, expected %llu (file corrupt)", section,
                          ULL(off[n]), ULL(end));
    return 0;
}

int snap_check_labelsets(const graph *g, qv_err *err) {
    const uint32_t *off = g->labelset_off, *lab = g->labelset_labels;
    uint32_t nl = g->labels.count;
    if (off[0] != 0)
        return qv_err_set(err, QV_EINVAL, "section 'labelset_off': first offset is %u, expected 0 (file corrupt)",
                          off[0]);
    for (uint32_t s = 0; s < g->n_labelsets; s++)
        if (off[s + 1] < off[s])
            return qv_err_set(err, QV_EINVAL, "section 'labelset_off': offsets decrease at label set %u (file corrupt)",
                              s + 1);
    /* Offsets now rise from 0 to the length of labelset_labels (which was read with that length). */
    for (uint32_t s = 0; s < g->n_labelsets; s++) {
        for (uint32_t j = off[s]; j < off[s + 1]; j++) {
            if (lab[j] >= nl)
                return qv_err_set(err, QV_EINVAL,
                                  "section 'labelset_labels': label set %u names label %u but there are %u labels "
                                  "(file corrupt)",
                                  s, lab[j], nl);
            if (j > off[s] && lab[j] <= lab[j - 1])
                return qv_err_set(err, QV_EINVAL,
                                  "section 'labelset_labels': labels of label set %u are not sorted and distinct "
                                  "(file corrupt)",
                                  s);
        }
    }
    for (uint64_t v = 0; v < g->n_nodes; v++)
        if (g->node_labelset[v] >= g->n_labelsets)
            return qv_err_set(err, QV_EINVAL,
                              "section 'node_labelset': node %llu has label set %u but there are %u (file corrupt)",
                              ULL(v), g->node_labelset[v], g->n_labelsets);
    return 0;
}

/* The CSR checks run on the pool over node ranges, in two passes: ranges and order first (so a bad id
 * is reported as such, not as an inconsistency it causes elsewhere), then the consistency of the two
 * directions. Each task keeps its first error; the lowest failing range is reported. */
#define CSR_TASKS 64

typedef struct csr_job {
    const graph *g;
    uint64_t *seen; /* bitmap over relationships, set atomically in pass 2 */
    int pass;
    qv_err errs[CSR_TASKS];
    int failed[CSR_TASKS];
} csr_job;

static int csr_ranges(const graph *g, uint64_t lo, uint64_t hi, qv_err *err) {
    uint64_t n = g->n_nodes, m = g->n_rels;
    uint32_t nt = g->rel_types.count;
    for (uint64_t v = lo; v < hi; v++) {
        for (uint64_t r = g->out_off[v]; r < g->out_off[v + 1]; r++) {
            if (g->out_tgt[r] >= n)
                return qv_err_set(err, QV_EINVAL,
                                  "section 'out_tgt': relationship %llu points to node %u but there are %llu nodes "
                                  "(file corrupt)",
                                  ULL(r), g->out_tgt[r], ULL(n));
            if (g->rel_type[r] >= nt)
                return qv_err_set(err, QV_EINVAL,
                                  "section 'rel_type': relationship %llu has type %u but there are %u types "
                                  "(file corrupt)",
                                  ULL(r), g->rel_type[r], nt);
            /* sorted by (type, target): readers take per-type sub-ranges */
            if (r > g->out_off[v] && (g->rel_type[r] < g->rel_type[r - 1] ||
                                      (g->rel_type[r] == g->rel_type[r - 1] && g->out_tgt[r] < g->out_tgt[r - 1])))
                return qv_err_set(err, QV_EINVAL,
                                  "section 'out_tgt': relationships of node %llu are not sorted by type and target "
                                  "(at relationship %llu) (file corrupt)",
                                  ULL(v), ULL(r));
        }
        for (uint64_t j = g->in_off[v]; j < g->in_off[v + 1]; j++) {
            if (g->in_rel[j] >= m)
                return qv_err_set(err, QV_EINVAL,
                                  "section 'in_rel': entry %llu names relationship %u but there are %llu "
                                  "(file corrupt)",
                                  ULL(j), g->in_rel[j], ULL(m));
            if (g->in_src[j] >= n)
                return qv_err_set(err, QV_EINVAL,
                                  "section 'in_src': entry %llu names node %u but there are %llu nodes "
                                  "(file corrupt)",
                                  ULL(j), g->in_src[j], ULL(n));
        }
    }
    return 0;
}

/* The incoming CSR must list every relationship exactly once, under its own target, with its own
 * source: then every reader may trust either direction. Ids are in range (pass 1). */
static int csr_consistent(const graph *g, uint64_t *seen, uint64_t lo, uint64_t hi, qv_err *err) {
    for (uint64_t v = lo; v < hi; v++) {
        for (uint64_t j = g->in_off[v]; j < g->in_off[v + 1]; j++) {
            uint32_t r = g->in_rel[j], s = g->in_src[j];
            uint64_t bit = 1ull << (r & 63);
            if ((__atomic_fetch_or(&seen[r >> 6], bit, __ATOMIC_RELAXED) & bit) || g->out_tgt[r] != v)
                return qv_err_set(err, QV_EINVAL,
                                  "section 'in_rel': entry %llu (relationship %u) does not match the outgoing "
                                  "relationships of node %llu (file corrupt)",
                                  ULL(j), r, ULL(v));
            if (r < g->out_off[s] || r >= g->out_off[s + 1])
                return qv_err_set(err, QV_EINVAL,
                                  "section 'in_src': entry %llu names node %u as the source of relationship %u, "
                                  "which it is not (file corrupt)",
                                  ULL(j), s, r);
        }
    }
    return 0;
}

static void csr_task(void *arg, size_t t) {
    csr_job *job = arg;
    uint64_t n = job->g->n_nodes, lo = n * t / CSR_TASKS, hi = n * (t + 1) / CSR_TASKS;
    int rc = job->pass == 1 ? csr_ranges(job->g, lo, hi, &job->errs[t])
                            : csr_consistent(job->g, job->seen, lo, hi, &job->errs[t]);
    job->failed[t] = rc < 0;
}

static int csr_run(csr_job *job, int pass, qv_pool *pool, qv_err *err) {
    job->pass = pass;
    memset(job->failed, 0, sizeof job->failed);
    if (pool) qv_pool_run(pool, CSR_TASKS, csr_task, job);
    else /* no pool (a background check, a checkpoint read in memory): on this thread */
        for (size_t t = 0; t < CSR_TASKS; t++) csr_task(job, t);
    for (int t = 0; t < CSR_TASKS; t++)
        if (job->failed[t]) {
            if (err) *err = job->errs[t];
            return -1;
        }
    return 0;
}

int snap_check_csr(const graph *g, qv_pool *pool, qv_err *err) {
    uint64_t n = g->n_nodes, m = g->n_rels;
    if (snap_check_offsets64(g->out_off, n, m, "out_off", err) < 0) return -1;
    if (snap_check_offsets64(g->in_off, n, m, "in_off", err) < 0) return -1;
    csr_job *job = calloc(1, sizeof *job);
    uint64_t *seen = calloc((size_t)(m / 64 + 1), 8);
    int rc;
    if (!job || !seen) {
        rc = qv_err_set(err, QV_ENOMEM, "not enough memory to check %llu relationships", ULL(m));
    } else {
        job->g = g;
        job->seen = seen;
        rc = csr_run(job, 1, pool, err);
        if (rc == 0) rc = csr_run(job, 2, pool, err);
    }
    free(seen);
    free(job);
    return rc;
}

int snap_check_types(const graph *g, qv_err *err) {
    uint32_t nt = g->rel_types.count;
    uint64_t *count = calloc((size_t)nt + 1, 8);
    if (!count) return qv_err_set(err, QV_ENOMEM, "not enough memory to count relationship types");
    for (uint64_t r = 0; r < g->n_rels; r++)
        count[g->rel_type[r]]++;
    int rc = 0;
    for (uint32_t t = 0; t < nt && rc == 0; t++)
        if (count[t] != g->type_count[t])
            rc = qv_err_set(err, QV_EINVAL,
                            "section 'types': type '%s' is recorded with %llu relationships but %llu have it "
                            "(file corrupt)",
                            qv_strtab_name(&g->rel_types, t), ULL(g->type_count[t]), ULL(count[t]));
    free(count);
    return rc;
}
