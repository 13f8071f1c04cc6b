/* tck_main.c — tck_runner: runs the openCypher TCK against the embedded engine and reports conformance.
 *
 * Owns: finding and parsing every .feature file, running each file in a forked child (two at a time by
 * default) so that a crash or a hang of the engine fails that file's remaining scenarios and never the
 * runner, the results file (one PASS/FAIL/SKIP line per expanded scenario), the summary line, and the
 * pass list (--check fails on a listed scenario that no longer passes; --update rewrites the list).
 * Must not: interpret steps (tck_run.c) or special-case any scenario.
 *
 *   tck_runner [FEATURES_DIR] [--results FILE] [--check FILE | --update FILE] [--jobs N] [--filter TEXT]
 *              [--scenario-timeout SECONDS] [--verbose] [--lint] [--areas]
 * --lint runs nothing: it checks that every step and expected value of the suite can be interpreted.
 * --areas prints passed/total per feature folder (clauses/match, expressions/temporal, ...).
 */
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cypher/cypher.h"
#include "graph/catalog.h"
#include "tck/tck_gherkin.h"
#include "tck/tck_run.h"
#include "util/buf.h"
#include "util/pool.h"

#ifndef QV_TCK_DEFAULT_FEATURES
#define QV_TCK_DEFAULT_FEATURES "../shared/tck/features"
#endif
#ifndef QV_TCK_DEFAULT_RESULTS
#define QV_TCK_DEFAULT_RESULTS "tck-results.txt"
#endif
#define TCK_EXPECTED_SCENARIOS 3897
#define TCK_MAX_DIR_DEPTH 16
#define TCK_REASON_MAX 2048

typedef struct opts {
    const char *features, *results, *check, *update, *filter;
    int jobs;
    unsigned scenario_timeout;
    bool verbose, lint, areas;
} opts;

typedef struct scen_ref {
    size_t file, index;     /* feature and scenario within it */
    int status;             /* tck_status, or -1 = not run yet */
    char *reason;
    bool selected;
} scen_ref;

typedef struct suite {
    tck_feature *features;
    size_t n_features;
    scen_ref *scen;
    size_t n_scen;
    size_t *first;          /* first scen index of each feature */
} suite;

/* ---- discovery ---- */

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void find_features(const char *root, const char *rel, int depth, char ***out, size_t *n, size_t *cap) {
    if (depth > TCK_MAX_DIR_DEPTH) return;
    char path[4096];
    snprintf(path, sizeof path, "%s%s%s", root, *rel ? "/" : "", rel);
    DIR *d = opendir(path);
    if (!d) return;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.') continue;
        char sub[4096];
        snprintf(sub, sizeof sub, "%s%s%s", rel, *rel ? "/" : "", de->d_name);
        char full[8192];
        snprintf(full, sizeof full, "%s/%s", root, sub);
        struct stat st;
        if (stat(full, &st)) continue;
        if (S_ISDIR(st.st_mode)) {
            find_features(root, sub, depth + 1, out, n, cap);
        } else if (S_ISREG(st.st_mode)) {
            size_t l = strlen(sub);
            if (l > 8 && strcmp(sub + l - 8, ".feature") == 0) {
                if (*n == *cap) {
                    *cap = *cap ? *cap * 2 : 256;
                    *out = qv_realloc(*out, *cap * sizeof **out);
                }
                (*out)[(*n)++] = qv_strdup(sub);
            }
        }
    }
    closedir(d);
}

static int load_suite(const opts *o, suite *s) {
    char **files = NULL;
    size_t n = 0, cap = 0;
    find_features(o->features, "", 0, &files, &n, &cap);
    if (n == 0) {
        fprintf(stderr, "tck_runner: no .feature files under %s\n", o->features);
        return -1;
    }
    qsort(files, n, sizeof *files, cmp_str);
    s->features = qv_calloc(n, sizeof *s->features);
    s->first = qv_calloc(n + 1, sizeof *s->first);
    s->n_features = n;
    int rc = 0;
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        char path[8192], err[512];
        snprintf(path, sizeof path, "%s/%s", o->features, files[i]);
        if (tck_feature_load(&s->features[i], path, files[i], err, sizeof err)) {
            fprintf(stderr, "tck_runner: %s\n", err);
            rc = -1;
            s->features[i].n_scenarios = 0;
        }
        s->first[i] = total;
        total += s->features[i].n_scenarios;
        free(files[i]);
    }
    s->first[n] = total;
    free(files);
    s->n_scen = total;
    s->scen = qv_calloc(total + 1, sizeof *s->scen);
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < s->features[i].n_scenarios; k++) {
            scen_ref *r = &s->scen[s->first[i] + k];
            r->file = i;
            r->index = k;
            r->status = -1;
            r->selected = !o->filter || strstr(s->features[i].scenarios[k].id, o->filter);
        }
    return rc;
}

static void suite_free(suite *s) {
    for (size_t i = 0; i < s->n_scen; i++) free(s->scen[i].reason);
    for (size_t i = 0; i < s->n_features; i++) tck_feature_free(&s->features[i]);
    free(s->scen);
    free(s->first);
    free(s->features);
    memset(s, 0, sizeof *s);
}

static const char *scen_id(const suite *s, size_t i) {
    return s->features[s->scen[i].file].scenarios[s->scen[i].index].id;
}

/* ---- the child: one feature file ---- */

static void write_all(int fd, const char *p, size_t n) {
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            return;
        }
        p += w;
        n -= (size_t)w;
    }
}

static void child_run(const opts *o, const suite *s, size_t file, int fd) {
    char graphs[4096];
    snprintf(graphs, sizeof graphs, "%s/../graphs", o->features);
    gcatalog *cat = gcatalog_new();
    qv_pool *pool = qv_pool_new(1);
    cy_engine *e = cy_engine_new(cat, pool);
    if (!e) {
        const char *m = "E\tcannot create the engine\n";
        write_all(fd, m, strlen(m));
        _exit(3);
    }
    tck_ctx ctx = {.engine = e, .graphs_dir = graphs, .timeout_ms = 10000, .pid = (int)getpid()};
    const tck_feature *f = &s->features[file];
    char *reason = malloc(TCK_REASON_MAX);
    qv_buf line;
    qv_buf_init(&line);
    for (size_t k = 0; k < f->n_scenarios; k++) {
        size_t gi = s->first[file] + k;
        if (!s->scen[gi].selected) continue;
        /* announce first, so a crash or hang is attributed to this scenario */
        qv_buf_reset(&line);
        qv_buf_printf(&line, "S\t%zu\n", gi);
        write_all(fd, (const char *)line.data, line.len);
        alarm(o->scenario_timeout);
        tck_status st = tck_run_scenario(&ctx, &f->scenarios[k], reason, TCK_REASON_MAX);
        alarm(0);
        for (char *p = reason; *p; p++)
            if (*p == '\n' || *p == '\t' || *p == '\r') *p = ' ';
        qv_buf_reset(&line);
        qv_buf_printf(&line, "R\t%zu\t%d\t%s\n", gi, (int)st, reason);
        write_all(fd, (const char *)line.data, line.len);
    }
    qv_buf_free(&line);
    free(reason);
    alarm(o->scenario_timeout);   /* shutting the engine down must not hang either */
    cy_engine_free(e);
    qv_pool_free(pool);
    gcatalog_free(cat);
}

/* ---- the parent: scheduling children ---- */

typedef struct child {
    pid_t pid;
    int fd;
    size_t file;
    qv_buf in;
    long current;            /* scenario announced and not finished, or -1 */
} child;

static void record(suite *s, size_t gi, int status, const char *reason) {
    if (gi >= s->n_scen) return;
    free(s->scen[gi].reason);
    s->scen[gi].status = status;
    s->scen[gi].reason = qv_strdup(reason ? reason : "");
}

static void child_lines(suite *s, child *c) {
    size_t start = 0;
    for (size_t i = 0; i < c->in.len; i++) {
        if (c->in.data[i] != '\n') continue;
        c->in.data[i] = 0;
        char *ln = (char *)c->in.data + start;
        start = i + 1;
        if (ln[0] == 'S' && ln[1] == '\t') {
            c->current = strtol(ln + 2, NULL, 10);
        } else if (ln[0] == 'R' && ln[1] == '\t') {
            char *p = ln + 2;
            size_t gi = strtoul(p, &p, 10);
            int st = (int)strtol(p + 1, &p, 10);
            record(s, gi, st, *p ? p + 1 : "");
            c->current = -1;
        } else if (ln[0] == 'E') {
            fprintf(stderr, "tck_runner: %s: %s\n", s->features[c->file].file, ln + 2);
        }
    }
    if (start) {
        memmove(c->in.data, c->in.data + start, c->in.len - start);
        c->in.len -= start;
    }
}

static void child_finished(suite *s, child *c, int wstatus) {
    char why[256];
    bool died = false;
    if (WIFSIGNALED(wstatus)) {
        int sig = WTERMSIG(wstatus);
        snprintf(why, sizeof why, "%s (signal %d: %s)", sig == SIGALRM ? "timed out" : "crashed", sig,
                 strsignal(sig));
        died = true;
    } else if (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) != 0) {
        snprintf(why, sizeof why, "exited with status %d", WEXITSTATUS(wstatus));
        died = true;
    } else {
        snprintf(why, sizeof why, "stopped early");
    }
    if (died) fprintf(stderr, "tck_runner: %s: child %s\n", s->features[c->file].file, why);
    const char *culprit = c->current >= 0 ? scen_id(s, (size_t)c->current) : NULL;
    for (size_t gi = s->first[c->file]; gi < s->first[c->file + 1]; gi++) {
        if (!s->scen[gi].selected || s->scen[gi].status >= 0) continue;
        char reason[TCK_REASON_MAX];
        if ((long)gi == c->current)
            snprintf(reason, sizeof reason, "the engine %s while running this scenario", why);
        else
            snprintf(reason, sizeof reason, "not run: the engine %s earlier in this file, at %s", why,
                     culprit ? culprit : "start-up");
        record(s, gi, TCK_FAIL, reason);
    }
}

static int cmp_size_desc(const void *x, const void *y, void *ctx) {
    const suite *s = ctx;
    size_t a = *(const size_t *)x, b = *(const size_t *)y;
    size_t na = s->features[a].n_scenarios, nb = s->features[b].n_scenarios;
    return na < nb ? 1 : na > nb ? -1 : (a > b) - (a < b);
}

static int run_all(const opts *o, suite *s) {
    child *kids = qv_calloc((size_t)o->jobs, sizeof *kids);
    /* largest files first, so the two children finish together */
    size_t *order = qv_calloc(s->n_features + 1, sizeof *order);
    for (size_t i = 0; i < s->n_features; i++) order[i] = i;
    qsort_r(order, s->n_features, sizeof *order, cmp_size_desc, s);
    size_t next = 0, running = 0;
    fflush(stdout);
    fflush(stderr);
    for (;;) {
        /* start children while there is work and room */
        for (int j = 0; j < o->jobs && next < s->n_features; j++) {
            if (kids[j].pid) continue;
            while (next < s->n_features) {
                bool any = false;
                size_t f = order[next];
                for (size_t gi = s->first[f]; gi < s->first[f + 1] && !any; gi++) any = s->scen[gi].selected;
                if (any) break;
                next++;
            }
            if (next >= s->n_features) break;
            int fds[2];
            if (pipe(fds)) { perror("tck_runner: pipe"); goto fail; }
            pid_t pid = fork();
            if (pid < 0) { perror("tck_runner: fork"); close(fds[0]); close(fds[1]); goto fail; }
            if (pid == 0) {
                close(fds[0]);
                for (int k = 0; k < o->jobs; k++)
                    if (kids[k].pid) close(kids[k].fd);
                signal(SIGALRM, SIG_DFL);
                child_run(o, s, order[next], fds[1]);
                close(fds[1]);
                for (int k = 0; k < o->jobs; k++)
                    if (kids[k].pid) qv_buf_free(&kids[k].in);   /* the parent's, inherited */
                free(kids);
                free(order);
                suite_free(s);
                exit(0);
            }
            close(fds[1]);
            kids[j] = (child){.pid = pid, .fd = fds[0], .file = order[next], .current = -1};
            qv_buf_init(&kids[j].in);
            next++;
            running++;
        }
        if (!running) break;
        struct pollfd pfd[64];
        int map[64], np = 0;
        for (int j = 0; j < o->jobs && np < 64; j++)
            if (kids[j].pid) { pfd[np] = (struct pollfd){.fd = kids[j].fd, .events = POLLIN}; map[np++] = j; }
        if (poll(pfd, (nfds_t)np, -1) < 0) {
            if (errno == EINTR) continue;
            perror("tck_runner: poll");
            goto fail;
        }
        for (int k = 0; k < np; k++) {
            if (!(pfd[k].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            child *c = &kids[map[k]];
            char buf[65536];
            ssize_t got = read(c->fd, buf, sizeof buf);
            if (got < 0 && errno == EINTR) continue;
            if (got > 0) {
                qv_buf_append(&c->in, buf, (size_t)got);
                child_lines(s, c);
                continue;
            }
            close(c->fd);
            int ws = 0;
            while (waitpid(c->pid, &ws, 0) < 0 && errno == EINTR) {}
            child_finished(s, c, ws);
            qv_buf_free(&c->in);
            c->pid = 0;
            running--;
            if (o->verbose) fprintf(stderr, "tck_runner: done %s\n", s->features[c->file].file);
        }
    }
    free(kids);
    free(order);
    return 0;
fail:
    for (int j = 0; j < o->jobs; j++) {
        if (!kids[j].pid) continue;
        kill(kids[j].pid, SIGKILL);
        waitpid(kids[j].pid, NULL, 0);
        close(kids[j].fd);
        qv_buf_free(&kids[j].in);
    }
    free(kids);
    free(order);
    return -1;
}

/* ---- results, check and update ---- */

static const char *const status_names[] = {"PASS", "FAIL", "SKIP"};

static int write_results(const opts *o, const suite *s) {
    FILE *fp = fopen(o->results, "w");
    if (!fp) {
        fprintf(stderr, "tck_runner: cannot write %s: %s\n", o->results, strerror(errno));
        return -1;
    }
    for (size_t i = 0; i < s->n_scen; i++) {
        const scen_ref *r = &s->scen[i];
        if (!r->selected) continue;
        int st = r->status < 0 ? TCK_FAIL : r->status;
        const char *reason = r->status < 0 ? "not run" : r->reason;
        if (reason && *reason) fprintf(fp, "%s %s — %s\n", status_names[st], scen_id(s, i), reason);
        else fprintf(fp, "%s %s\n", status_names[st], scen_id(s, i));
    }
    return fclose(fp) ? -1 : 0;
}

typedef struct id_ix { const char *id; size_t i; } id_ix;
static int cmp_idix(const void *a, const void *b) { return strcmp(((const id_ix *)a)->id, ((const id_ix *)b)->id); }

static int check_list(const opts *o, const suite *s) {
    FILE *fp = fopen(o->check, "r");
    if (!fp) {
        printf("check: cannot read %s: %s\n", o->check, strerror(errno));
        return -1;
    }
    id_ix *ix = qv_calloc(s->n_scen + 1, sizeof *ix);
    for (size_t i = 0; i < s->n_scen; i++) ix[i] = (id_ix){scen_id(s, i), i};
    qsort(ix, s->n_scen, sizeof *ix, cmp_idix);
    bool *listed = qv_calloc(s->n_scen + 1, 1);
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    size_t regressions = 0, unknown = 0, listed_n = 0;
    while ((n = getline(&line, &cap, fp)) >= 0) {
        while (n && (line[n - 1] == '\n' || line[n - 1] == '\r')) line[--n] = 0;
        if (!n || line[0] == '#') continue;
        id_ix key = {line, 0};
        id_ix *hit = bsearch(&key, ix, s->n_scen, sizeof *ix, cmp_idix);
        if (!hit) {
            if (unknown++ < 20) printf("check: unknown scenario in %s: %s\n", o->check, line);
            continue;
        }
        listed[hit->i] = true;
        listed_n++;
        const scen_ref *r = &s->scen[hit->i];
        if (!r->selected || r->status == TCK_PASS) continue;
        regressions++;
        printf("check: REGRESSION %s — %s\n", line, r->status < 0 ? "not run" : r->reason);
    }
    free(line);
    fclose(fp);
    size_t new_passes = 0;
    for (size_t i = 0; i < s->n_scen; i++) {
        if (listed[i] || s->scen[i].status != TCK_PASS) continue;
        if (new_passes++ < 10) printf("check: new pass (not in the list): %s\n", scen_id(s, i));
    }
    if (new_passes) printf("check: %zu scenarios pass that %s does not list (tck_runner --update %s)\n", new_passes,
                           o->check, o->check);
    printf("check: %zu listed, %zu regressions, %zu unknown\n", listed_n, regressions, unknown);
    free(listed);
    free(ix);
    return regressions || unknown ? 1 : 0;
}

static int update_list(const opts *o, const suite *s) {
    FILE *fp = fopen(o->update, "w");
    if (!fp) {
        fprintf(stderr, "tck_runner: cannot write %s: %s\n", o->update, strerror(errno));
        return -1;
    }
    fprintf(fp, "# openCypher TCK scenarios quiver passes (tests/tck/README.md). Rewritten by\n"
                "# `tck_runner --update tests/tck/passing.txt`; `ctest -L tck` fails if one stops passing.\n");
    size_t n = 0;
    for (size_t i = 0; i < s->n_scen; i++)
        if (s->scen[i].status == TCK_PASS) { fprintf(fp, "%s\n", scen_id(s, i)); n++; }
    if (fclose(fp)) return -1;
    printf("update: %zu passing scenarios written to %s\n", n, o->update);
    return 0;
}

/* passed / selected per folder of the feature files, in suite order (files are sorted, so folders are
 * contiguous). */
static void print_areas(const suite *s) {
    size_t i = 0;
    while (i < s->n_features) {
        const char *f = s->features[i].file;
        const char *slash = strrchr(f, '/');
        size_t dl = slash ? (size_t)(slash - f) : 0;
        size_t pass = 0, total = 0, j = i;
        for (; j < s->n_features; j++) {
            const char *g = s->features[j].file;
            const char *gs = strrchr(g, '/');
            if ((gs ? (size_t)(gs - g) : 0) != dl || strncmp(f, g, dl) != 0) break;
            for (size_t k = s->first[j]; k < s->first[j + 1]; k++) {
                if (!s->scen[k].selected) continue;
                total++;
                pass += s->scen[k].status == TCK_PASS;
            }
        }
        if (total) printf("  %-42.*s %5zu / %zu\n", (int)dl, dl ? f : ".", pass, total);
        i = j;
    }
}

static void usage(void) {
    fprintf(stderr,
            "usage: tck_runner [FEATURES_DIR] [--results FILE] [--check FILE | --update FILE] [--jobs N]\n"
            "                  [--filter TEXT] [--scenario-timeout SECONDS] [--verbose] [--lint] [--areas]\n"
            "  FEATURES_DIR  the TCK's features folder (default %s)\n",
            QV_TCK_DEFAULT_FEATURES);
}

int main(int argc, char **argv) {
    opts o = {.features = QV_TCK_DEFAULT_FEATURES, .results = QV_TCK_DEFAULT_RESULTS, .jobs = 2,
              .scenario_timeout = 60};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool has_next = i + 1 < argc;
        if (!strcmp(a, "--results") && has_next) o.results = argv[++i];
        else if (!strcmp(a, "--check") && has_next) o.check = argv[++i];
        else if (!strcmp(a, "--update") && has_next) o.update = argv[++i];
        else if (!strcmp(a, "--filter") && has_next) o.filter = argv[++i];
        else if (!strcmp(a, "--jobs") && has_next) o.jobs = atoi(argv[++i]);
        else if (!strcmp(a, "--scenario-timeout") && has_next) o.scenario_timeout = (unsigned)atoi(argv[++i]);
        else if (!strcmp(a, "--verbose") || !strcmp(a, "-v")) o.verbose = true;
        else if (!strcmp(a, "--lint")) o.lint = true;
        else if (!strcmp(a, "--areas")) o.areas = true;
        else if (!strcmp(a, "--help") || !strcmp(a, "-h")) { usage(); return 0; }
        else if (a[0] != '-') o.features = a;
        else { usage(); return 2; }
    }
    if (o.jobs < 1 || o.jobs > 64 || o.scenario_timeout < 1 || (o.check && o.update)) { usage(); return 2; }
    signal(SIGPIPE, SIG_IGN);

    suite s = {0};
    if (load_suite(&o, &s)) {
        suite_free(&s);
        return 2;
    }
    size_t selected = 0;
    for (size_t i = 0; i < s.n_scen; i++) selected += s.scen[i].selected;
    printf("tck: %zu feature files, %zu scenarios expanded (%s %d)\n", s.n_features, s.n_scen,
           s.n_scen == TCK_EXPECTED_SCENARIOS ? "as expected:" : "MISMATCH, expected", TCK_EXPECTED_SCENARIOS);
    if (o.filter) printf("tck: %zu scenarios match --filter '%s'\n", selected, o.filter);
    if (o.lint) {
        /* no engine: check that every step and every value of the suite is understood */
        char reason[TCK_REASON_MAX];
        size_t bad = 0;
        for (size_t i = 0; i < s.n_scen; i++) {
            if (!s.scen[i].selected) continue;
            const tck_scenario *sc = &s.features[s.scen[i].file].scenarios[s.scen[i].index];
            if (tck_lint_scenario(sc, reason, sizeof reason) != TCK_PASS) {
                bad++;
                printf("SKIP %s — %s\n", sc->id, reason);
            }
        }
        printf("lint: %zu of %zu scenarios have steps or values the runner cannot interpret\n", bad, selected);
        suite_free(&s);
        return bad ? 1 : 0;
    }
    if (run_all(&o, &s)) {
        suite_free(&s);
        return 2;
    }

    size_t counts[3] = {0};
    for (size_t i = 0; i < s.n_scen; i++) {
        if (!s.scen[i].selected) continue;
        int st = s.scen[i].status < 0 ? TCK_FAIL : s.scen[i].status;
        counts[st]++;
        if (o.verbose && st != TCK_PASS)
            printf("%s %s — %s\n", status_names[st], scen_id(&s, i),
                   s.scen[i].status < 0 ? "not run" : s.scen[i].reason);
    }
    if (o.areas) print_areas(&s);
    int rc = 0;
    if (write_results(&o, &s)) rc = 2;
    else printf("tck: results in %s\n", o.results);
    if (o.check) {
        int c = check_list(&o, &s);
        if (c) rc = c < 0 ? 2 : 1;
    }
    if (o.update && !o.filter && update_list(&o, &s)) rc = 2;
    if (o.update && o.filter) printf("update: refused with --filter (the list must come from a full run)\n");
    if (o.check && !o.filter && s.n_scen != TCK_EXPECTED_SCENARIOS && !rc) rc = 2;   /* a runner bug */
    printf("%zu passed, %zu failed, %zu skipped\n", counts[TCK_PASS], counts[TCK_FAIL], counts[TCK_SKIP]);
    suite_free(&s);
    return rc;
}
