/* cypher_ldbc.c — reads the LDBC SNB SF0.1 CSV files for the openCypher benchmark (see cypher_ldbc.h).
 *
 * Owns: the load list (what the benchmark ingests, in order), gzip reading with zlib, header parsing and
 * in-place field splitting.
 * Must not: run queries, or write anything (the dataset stays where it is).
 */
#include "cypher_ldbc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static const ldbc_nodes NODES[] = {
    {.label = "Person", .file = "Person.csv.gz"},
    {.label = "Forum", .file = "Forum.csv.gz"},
    {.label = "Post", .file = "Post.csv.gz"},
    {.label = "Comment", .file = "Comment.csv.gz"},
};

static const ldbc_rels RELS[] = {
    {"knows", "Person", "Person", {"Person_knows_Person.csv.gz", "Person_knows_Person_1.csv.gz"}, true, {0}},
    {"hasCreator", "Post", "Person", {"Post_hasCreator_Person.csv.gz", NULL}, true, {0}},
    {"hasCreator", "Comment", "Person",
     {"Comment_hasCreator_Person.csv.gz", "Comment_hasCreator_Person_1.csv.gz"}, true, {0}},
    {"replyOf", "Comment", "Post", {"Comment_replyOf_Post.csv.gz", NULL}, true, {0}},
    {"replyOf", "Comment", "Comment", {"Comment_replyOf_Comment.csv.gz", NULL}, true, {0}},
    {"hasMember", "Forum", "Person", {"Forum_hasMember_Person.csv.gz", NULL}, true, {0}},
    {"likes", "Person", "Post", {"Person_likes_Post.csv.gz", "Person_likes_Post_1.csv.gz"}, true, {0}},
    {"likes", "Person", "Comment", {"Person_likes_Comment.csv.gz", "Person_likes_Comment_1.csv.gz"}, true, {0}},
    /* for IS6 (the forum of a message) only: loaded after the measured phases */
    {"containerOf", "Forum", "Post", {"Forum_containerOf_Post.csv.gz", NULL}, false, {0}},
    {"hasModerator", "Forum", "Person", {"Forum_hasModerator_Person.csv.gz", NULL}, false, {0}},
};

/* Appends the decompressed file to *buf (NUL-terminated, ending with '\n'). */
static int read_gz(const char *path, char **buf, size_t *len, size_t *cap) {
    gzFile f = gzopen(path, "rb");
    if (!f) {
        fprintf(stderr, "cypher_bench: cannot open %s\n", path);
        return -1;
    }
    for (;;) {
        if (*cap - *len < (1u << 20)) {
            *cap = *cap ? *cap * 2 : (8u << 20);
            *buf = realloc(*buf, *cap);
            if (!*buf) {
                fprintf(stderr, "cypher_bench: out of memory reading %s\n", path);
                gzclose(f);
                return -1;
            }
        }
        int n = gzread(f, *buf + *len, (unsigned)(*cap - *len - 2));
        if (n < 0) {
            int e;
            fprintf(stderr, "cypher_bench: %s: %s\n", path, gzerror(f, &e));
            gzclose(f);
            return -1;
        }
        if (n == 0) break;
        *len += (size_t)n;
    }
    gzclose(f);
    if (*len && (*buf)[*len - 1] != '\n') (*buf)[(*len)++] = '\n';
    (*buf)[*len] = 0;
    return 0;
}

/* Parses a header line "name:TYPE|..." (or ":START_ID(X)|:END_ID(Y)|creationDate:LONG") into t->cols. */
static int parse_header(ldbc_table *t, char *line, const char *path) {
    t->ncols = 0;
    for (char *f = line; f;) {
        char *bar = strchr(f, '|');
        if (bar) *bar = 0;
        if (t->ncols == sizeof t->cols / sizeof t->cols[0]) {
            fprintf(stderr, "cypher_bench: %s: too many columns\n", path);
            return -1;
        }
        char *colon = strchr(f, ':');
        ldbc_col *c = &t->cols[t->ncols++];
        c->is_int = colon && (strcmp(colon, ":LONG") == 0 || strcmp(colon, ":INT") == 0);
        if (colon) *colon = 0;
        c->name = *f ? f : (t->ncols == 1 ? "start" : "end");
        f = bar ? bar + 1 : NULL;
    }
    return 0;
}

static bool is_header(const char *line) {
    for (const char *p = line; *p && *p != '\n' && *p != '|'; p++)
        if (*p == ':') return true;
    return false;
}

/* Reads one or two files of the same table; splits rows into cells. */
static int read_table(ldbc_table *t, const char *dir, const char *const *files, size_t nfiles) {
    size_t len = 0, cap = 0;
    size_t starts[2] = {0, 0};
    char path[4096];
    for (size_t i = 0; i < nfiles; i++) {
        if (!files[i]) continue;
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        starts[i] = len;
        if (read_gz(path, &t->text, &len, &cap)) return -1;
    }
    char *text = t->text;
    /* the header of the first file gives the columns; a later file may repeat it or have none */
    char *nl = strchr(text, '\n');
    if (!is_header(text)) {
        fprintf(stderr, "cypher_bench: %s/%s has no header line\n", dir, files[0]);
        return -1;
    }
    *nl = 0;
    if (parse_header(t, text, files[0])) return -1;
    size_t rows_cap = 1;
    for (const char *q = nl + 1; (q = strchr(q, '\n')); q++) rows_cap++;
    t->cells = malloc(rows_cap * t->ncols * sizeof(char *));
    if (!t->cells) return -1;
    t->nrows = 0;
    size_t file = 0;
    for (char *p = nl + 1; *p;) {
        char *end = strchr(p, '\n');
        *end = 0;
        if (file + 1 < nfiles && files[file + 1] && (size_t)(p - text) >= starts[file + 1]) file++;
        bool skip = (size_t)(p - text) == starts[file] && is_header(p);
        if (!skip && *p) {
            if (t->nrows == rows_cap) {
                fprintf(stderr, "cypher_bench: %s: too many rows\n", files[0]);
                return -1;
            }
            char **row = &t->cells[t->nrows * t->ncols];
            size_t c = 0;
            for (char *f = p; f && c < t->ncols; c++) {
                char *bar = strchr(f, '|');
                if (bar) *bar = 0;
                row[c] = f;
                f = bar ? bar + 1 : NULL;
            }
            if (c != t->ncols) {
                fprintf(stderr, "cypher_bench: %s: row %zu has %zu fields, the header %zu\n", files[file], t->nrows,
                        c, t->ncols);
                return -1;
            }
            t->nrows++;
        }
        p = end + 1;
    }
    return 0;
}

int ldbc_load(ldbc_data *d, const char *dir) {
    memset(d, 0, sizeof *d);
    d->n_nodes = sizeof NODES / sizeof NODES[0];
    d->n_rels = sizeof RELS / sizeof RELS[0];
    memcpy(d->nodes, NODES, sizeof NODES);
    memcpy(d->rels, RELS, sizeof RELS);
    d->person_set = 0;
    d->post_set = 2;
    d->comment_set = 3;
    for (size_t i = 0; i < d->n_nodes; i++)
        if (read_table(&d->nodes[i].t, dir, &d->nodes[i].file, 1)) return -1;
    for (size_t i = 0; i < d->n_rels; i++)
        if (read_table(&d->rels[i].t, dir, d->rels[i].files, 2)) return -1;
    return 0;
}

static void table_free(ldbc_table *t) {
    free(t->text);
    free(t->cells);
    memset(t, 0, sizeof *t);
}

void ldbc_free(ldbc_data *d) {
    for (size_t i = 0; i < d->n_nodes; i++) table_free(&d->nodes[i].t);
    for (size_t i = 0; i < d->n_rels; i++) table_free(&d->rels[i].t);
}

int ldbc_node_id(char *buf, size_t cap, const char *label, const char *id) {
    int n = snprintf(buf, cap, "%s_id:%s", label, id);
    return n < 0 || (size_t)n >= cap ? (int)cap - 1 : n;
}
