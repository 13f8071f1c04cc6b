/* check.c — `quiver check`: verifies a data directory without changing it.
 *
 * Owns: reading every base file (snapshot checksums and CSR checks, or checkpoint CRCs and replay), replaying
 * the write-ahead log into them without cutting anything (a torn tail is reported: the next start cuts it),
 * then checking each recovered graph through gview: node and relationship counts, the external-id index,
 * label and type counts, adjacency both ways against each relationship's endpoints, and every index and
 * uniqueness constraint against the nodes it covers. Prints one line per problem (at most 20 per database).
 * Must not: write, truncate or remove anything, or take the data directory's lock (a report on a directory a
 * server is writing may show a torn tail that is only in progress).
 */
#include "store/snapshot.h"
#include "store/store.h"
#include "store/wal.h"

#include <fcntl.h>
#include <unistd.h>

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define CHECK_MAX_PER_DB 20

typedef struct checker {
    qv_buf *out;
    const char *db;
    int problems, shown;
} checker;

__attribute__((format(printf, 2, 3))) static void problem(checker *c, const char *fmt, ...) {
    c->problems++;
    if (++c->shown > CHECK_MAX_PER_DB) return;
    qv_buf_printf(c->out, "  PROBLEM in '%s': ", c->db);
    va_list ap;
    va_start(ap, fmt);
    char line[1024];
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    qv_buf_append_str(c->out, line);
    qv_buf_append_byte(c->out, '\n');
}

static void check_nodes(checker *c, gview *v, uint64_t *label_counts, uint32_t n_labels) {
    uint64_t ids[256], seen = 0;
    uint32_t k, lab[64];
    gnode_iter it;
    gview_nodes(v, -1, &it);
    qv_arena a;
    qv_arena_init(&a);
    while ((k = gnode_iter_next(&it, ids, 256)) > 0)
        for (uint32_t i = 0; i < k; i++) {
            uint64_t id = ids[i];
            seen++;
            qval ext = gview_node_ext_id(v, id);
            if (ext.type != QT_INT && ext.type != QT_STRING) problem(c, "node %llu has no external id", (unsigned long long)id);
            else if (gview_node_by_ext_id(v, ext) != id)
                problem(c, "node %llu is not found by its external id", (unsigned long long)id);
            uint32_t nl = gview_node_labels(v, id, lab, 64);
            for (uint32_t j = 0; j < nl && j < 64; j++) {
                if (lab[j] >= n_labels) problem(c, "node %llu has unknown label id %u", (unsigned long long)id, lab[j]);
                else label_counts[lab[j]]++;
                if (j && lab[j] <= lab[j - 1]) problem(c, "node %llu has unsorted labels", (unsigned long long)id);
            }
            gprop *p;
            uint32_t np = gview_node_props(v, id, &a, &p);
            for (uint32_t j = 0; j < np; j++) {
                if (!gvalue_storable(p[j].value) || qv_is_null(p[j].value))
                    problem(c, "node %llu has a property %u that cannot be stored", (unsigned long long)id, p[j].key);
                if (j && p[j].key <= p[j - 1].key) problem(c, "node %llu has unsorted properties", (unsigned long long)id);
            }
            /* adjacency: each relationship listed at this node has it as its source (out) or target (in) */
            for (int dir = GDIR_OUT; dir <= GDIR_IN; dir++) {
                gadj_iter ai;
                gadj adj[64];
                uint32_t na;
                gview_expand(v, id, (gdir)dir, NULL, 0, &ai);
                while ((na = gadj_iter_next(&ai, adj, 64)) > 0)
                    for (uint32_t j = 0; j < na; j++) {
                        uint64_t s, d;
                        uint32_t t;
                        gview_rel_info(v, adj[j].rel, &s, &d, &t);
                        bool ok = gview_rel_exists(v, adj[j].rel) && (dir == GDIR_OUT ? s == id && d == adj[j].other
                                                                                      : d == id && s == adj[j].other);
                        if (!ok)
                            problem(c, "node %llu lists relationship %llu (%s) that does not join it to node %llu",
                                    (unsigned long long)id, (unsigned long long)adj[j].rel,
                                    dir == GDIR_OUT ? "outgoing" : "incoming", (unsigned long long)adj[j].other);
                    }
            }
            qv_arena_free(&a);
            qv_arena_init(&a);
        }
    qv_arena_free(&a);
    if (seen != gview_node_count(v))
        problem(c, "%llu live nodes found, the count says %llu", (unsigned long long)seen,
                (unsigned long long)gview_node_count(v));
    for (uint32_t l = 0; l < n_labels; l++)
        if (label_counts[l] != gview_label_count(v, l))
            problem(c, "label '%s': %llu nodes found, the count says %llu", gview_label_name(v, l),
                    (unsigned long long)label_counts[l], (unsigned long long)gview_label_count(v, l));
}

/* Is rel among the relationships of node in direction dir? */
static bool listed(gview *v, uint64_t node, gdir dir, uint32_t type, uint64_t rel) {
    gadj_iter ai;
    gadj adj[64];
    uint32_t na;
    gview_expand(v, node, dir, &type, 1, &ai);
    while ((na = gadj_iter_next(&ai, adj, 64)) > 0)
        for (uint32_t j = 0; j < na; j++)
            if (adj[j].rel == rel) return true;
    return false;
}

static void check_rels(checker *c, gview *v, uint32_t n_types) {
    uint64_t *counts = calloc(n_types ? n_types : 1, sizeof *counts), ids[256], seen = 0;
    uint32_t k;
    grel_iter it;
    gview_rels(v, -1, &it);
    while ((k = grel_iter_next(&it, ids, 256)) > 0)
        for (uint32_t i = 0; i < k; i++) {
            uint64_t s, d;
            uint32_t t;
            gview_rel_info(v, ids[i], &s, &d, &t);
            seen++;
            if (t >= n_types) {
                problem(c, "relationship %llu has unknown type id %u", (unsigned long long)ids[i], t);
                continue;
            }
            counts[t]++;
            if (!gview_node_exists(v, s) || !gview_node_exists(v, d))
                problem(c, "relationship %llu joins a node that does not exist (%llu -> %llu)",
                        (unsigned long long)ids[i], (unsigned long long)s, (unsigned long long)d);
            else if (!listed(v, s, GDIR_OUT, t, ids[i]) || !listed(v, d, GDIR_IN, t, ids[i]))
                problem(c, "relationship %llu is missing from the adjacency of node %llu or %llu",
                        (unsigned long long)ids[i], (unsigned long long)s, (unsigned long long)d);
        }
    if (seen != gview_rel_count(v))
        problem(c, "%llu live relationships found, the count says %llu", (unsigned long long)seen,
                (unsigned long long)gview_rel_count(v));
    for (uint32_t t = 0; t < n_types; t++)
        if (counts[t] != gview_type_count(v, t))
            problem(c, "type '%s': %llu relationships found, the count says %llu", gview_type_name(v, t),
                    (unsigned long long)counts[t], (unsigned long long)gview_type_count(v, t));
    free(counts);
}

static void check_indexes(checker *c, gview *v) {
    qv_arena a;
    qv_arena_init(&a);
    gindex_info *ix;
    uint32_t n = gview_indexes(v, &a, &ix);
    for (uint32_t i = 0; i < n; i++) {
        if (ix[i].entity != GINDEX_NODE) continue;
        gnode_iter it;
        uint64_t ids[256];
        uint32_t k;
        gview_nodes(v, ix[i].token, &it);
        while ((k = gnode_iter_next(&it, ids, 256)) > 0)
            for (uint32_t j = 0; j < k; j++) {
                qval val;
                if (!gview_node_prop(v, ids[j], ix[i].key, &val)) continue;
                gnode_iter s;
                uint64_t hits[64];
                uint32_t nh, total = 0;
                bool found = false;
                if (!gview_node_index_seek(v, ix[i].token, ix[i].key, val, &s)) {
                    problem(c, "index '%s' cannot be searched", ix[i].name);
                    break;
                }
                while ((nh = gnode_iter_next(&s, hits, 64)) > 0) {
                    total += nh;
                    for (uint32_t h = 0; h < nh; h++) found |= hits[h] == ids[j];
                }
                if (!found) problem(c, "index '%s' does not find node %llu", ix[i].name, (unsigned long long)ids[j]);
                if (ix[i].unique && total > 1)
                    problem(c, "constraint '%s': %u nodes share the value of node %llu", ix[i].name, total,
                            (unsigned long long)ids[j]);
            }
    }
    qv_arena_free(&a);
}

static void check_graph(checker *c, graph *g) {
    qv_err err;
    gview *v = gview_open(g, &err);
    if (!v) {
        problem(c, "cannot open a view: %s", err.msg);
        return;
    }
    uint32_t nl = gview_n_labels(v);
    uint64_t *lc = calloc(nl ? nl : 1, sizeof *lc);
    check_nodes(c, v, lc, nl);
    free(lc);
    check_rels(c, v, gview_n_types(v));
    check_indexes(c, v);
    qv_buf_printf(c->out, "database '%s': %llu nodes, %llu relationships\n", c->db,
                  (unsigned long long)gview_node_count(v), (unsigned long long)gview_rel_count(v));
    gview_close(v);
}

/* Whether the file at path is a checkpoint (by its magic); a file too short for one is not. */
static int ckpt_file_kind(const char *path, bool *ck, qv_err *err) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return qv_err_set(err, QV_EIO, "cannot open %s: %s", path, strerror(errno));
    uint8_t h[8] = {0};
    ssize_t k = pread(fd, h, sizeof h, 0);
    close(fd);
    *ck = k == (ssize_t)sizeof h && ckpt_is_checkpoint(h, sizeof h);
    return 0;
}

static int by_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

int store_check(const char *data_dir, qv_pool *pool, qv_buf *out) {
    int problems = 0;
    char path[4096];
    snprintf(path, sizeof path, "%s/databases", data_dir);
    DIR *d = opendir(path);
    if (!d) {
        qv_buf_printf(out, "PROBLEM: cannot read %s: no data directory there\n", path);
        return 1;
    }
    char **files = NULL;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (e->d_name[0] == '.' || len < 5 || strcmp(e->d_name + len - 4, ".qvg") != 0) continue;
        files = qv_realloc(files, (n + 1) * sizeof *files);
        files[n++] = qv_strdup(e->d_name);
    }
    closedir(d);
    if (n) qsort(files, n, sizeof *files, by_name);
    wal_target *t = qv_calloc(n ? n : 1, sizeof *t);
    size_t nt = 0;
    for (size_t i = 0; i < n; i++) {
        snprintf(path, sizeof path, "%s/databases/%s", data_dir, files[i]);
        qv_err err;
        qv_err_clear(&err);
        graph *g = NULL;
        ckpt_info info = {0};
        bool ck = false;
        int rc = ckpt_file_kind(path, &ck, &err);
        /* mapped (version 2) with every section checked now, whatever the file's size */
        if (rc == 0) rc = ck ? ckpt_load_file_full(path, pool, &g, &info, &err) : snap_read_file(path, pool, true, &g, &err);
        if (rc < 0) {
            if (strncmp(err.msg, path, strlen(path)) == 0) qv_buf_printf(out, "PROBLEM: %s\n", err.msg); /* named */
            else qv_buf_printf(out, "PROBLEM: %s: %s\n", path, err.msg);
            problems++;
            continue;
        }
        qv_buf_printf(out, "%s: %s of database '%s', checksums good\n", path, ck ? "checkpoint" : "snapshot", g->name);
        int in_after = snap_in_after_state(g);
        if (in_after >= 0) /* a streamed save: its incoming index follows, or is rebuilt (not damage) */
            qv_buf_printf(out, "%s: incoming index %s\n", path,
                          in_after ? "appended after the install, checksums good"
                                   : "not appended (the server stopped first): rebuilt from the outgoing side, as "
                                     "start-up does");
        t[nt] = ck ? (wal_target){.g = g, .ident = info.ident, .base_seq = info.base_seq, .seq = info.base_seq}
                   : (wal_target){.g = g, .ident = g->created_ms};
        char carry[4096];
        snprintf(carry, sizeof carry, "%s/databases/%.*s.qvl", data_dir, (int)(strlen(files[i]) - 4), files[i]);
        struct stat st;
        if (stat(carry, &st) == 0) {
            if (wal_replay_carry(carry, &t[nt], &err) < 0) {
                qv_buf_printf(out, "PROBLEM: %s\n", err.msg);
                problems++;
            } else {
                qv_buf_printf(out, "%s: carried log of database '%s', %llu transactions, checksums good\n", carry,
                              g->name, (unsigned long long)t[nt].replayed);
            }
        }
        nt++;
    }
    snprintf(path, sizeof path, "%s/wal", data_dir);
    qv_buf tail;
    qv_buf_init(&tail);
    qv_err err;
    uint64_t last, bytes;
    if (wal_recover(path, t, nt, false, &tail, &last, &bytes, &err) < 0) {
        qv_buf_printf(out, "PROBLEM: %s\n", err.msg);
        problems++;
    } else {
        qv_buf_printf(out, "write-ahead log %s: %llu bytes read\n", path, (unsigned long long)bytes);
    }
    if (tail.len) {
        qv_buf_printf(out, "PROBLEM: %.*s; the next start of quiver cuts it off there\n", (int)tail.len, (char *)tail.data);
        problems++;
    }
    qv_buf_free(&tail);
    for (size_t i = 0; i < nt; i++) {
        if (t[i].replayed)
            qv_buf_printf(out, "database '%s': %llu transactions in the log after its base file\n", t[i].g->name,
                          (unsigned long long)t[i].replayed);
        checker c = {.out = out, .db = t[i].g->name};
        check_graph(&c, t[i].g);
        if (c.shown > CHECK_MAX_PER_DB) qv_buf_printf(out, "  ... %d more problems\n", c.shown - CHECK_MAX_PER_DB);
        problems += c.problems;
        graph_free(t[i].g);
    }
    for (size_t i = 0; i < n; i++) free(files[i]);
    free(files);
    free(t);
    if (problems) qv_buf_printf(out, "%d problem%s found\n", problems, problems == 1 ? "" : "s");
    else qv_buf_append_str(out, "no problems found\n");
    return problems;
}
