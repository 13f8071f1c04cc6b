/* backup.c — `quiver backup`: a consistent copy of a data directory, of a running server or a stopped one.
 *
 * Owns: copying the base files (snapshots, checkpoints, carried logs) and the write-ahead log segments into a
 * new directory so that the copy starts (and passes `quiver check`) with every transaction either wholly in
 * it or not at all. Online (store_backup, the server's own store): checkpoint rounds are held off (they
 * remove segments), the log is rotated so that every segment before the new one is complete and never
 * written again, the base files are copied under the store's save mutex (saves replace them by rename and
 * only ever move forward), then the closed segments: the copy is what a crash at the rotation would have
 * left, and recovery makes it whole. Offline (store_backup_offline): the lock is taken, so nothing changes
 * while everything is copied. The copy is written to "<to>.partial" and renamed to <to> once every file and
 * directory is fsync'ed, so a failed backup never looks like a complete one.
 * Must not: copy LOCK or temporary files, write into the source directory, or hold the writer slot of any
 * database (commits go on during an online backup).
 */
#include "store/store_int.h"
#include "util/clock.h"
#include "util/log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef store_backup_info copy_stats;

static int copy_file(const char *from, const char *to, copy_stats *st, qv_err *err) {
    int in = open(from, O_RDONLY | O_CLOEXEC);
    if (in < 0) return qv_err_set(err, QV_EIO, "cannot open %s: %s", from, strerror(errno));
    int out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (out < 0) {
        close(in);
        return qv_err_set(err, QV_EIO, "cannot create %s: %s", to, strerror(errno));
    }
    int rc = 0;
    size_t cap = 1 << 20;
    uint8_t *buf = qv_malloc(cap);
    for (;;) {
        ssize_t k = read(in, buf, cap);
        if (k < 0 && errno == EINTR) continue;
        if (k < 0) {
            rc = qv_err_set(err, QV_EIO, "cannot read %s: %s", from, strerror(errno));
            break;
        }
        if (k == 0) break;
        for (ssize_t off = 0; off < k;) {
            ssize_t w = write(out, buf + off, (size_t)(k - off));
            if (w < 0 && errno == EINTR) continue;
            if (w < 0) {
                rc = qv_err_set(err, QV_EIO, "cannot write %s: %s", to, strerror(errno));
                break;
            }
            off += w;
        }
        if (rc < 0) break;
        st->bytes += (uint64_t)k;
    }
    free(buf);
    if (rc == 0 && fsync(out) < 0) rc = qv_err_set(err, QV_EIO, "cannot fsync %s: %s", to, strerror(errno));
    if (close(out) < 0 && rc == 0) rc = qv_err_set(err, QV_EIO, "cannot close %s: %s", to, strerror(errno));
    close(in);
    if (rc == 0) st->files++;
    return rc;
}

/* Copies the regular files of dir `from` whose names do not start with '.' and end in one of the suffixes
 * (NULL-terminated); for ".wal" only segments numbered below below (0: all). */
static int copy_dir(const char *from, const char *to, const char *const *suffixes, uint64_t below, copy_stats *st,
                    qv_err *err) {
    DIR *d = opendir(from);
    if (!d) return errno == ENOENT ? 0 : qv_err_set(err, QV_EIO, "cannot read directory %s: %s", from, strerror(errno));
    int rc = 0;
    struct dirent *e;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        const char *name = e->d_name;
        size_t len = strlen(name);
        if (name[0] == '.') continue;
        bool want = false;
        for (const char *const *s = suffixes; *s && !want; s++) {
            size_t sl = strlen(*s);
            want = len > sl && strcmp(name + len - sl, *s) == 0;
        }
        if (!want) continue;
        if (below && len == 20 && strcmp(name + 16, ".wal") == 0) {
            char *end;
            uint64_t num = strtoull(name, &end, 16);
            if (end != name + 16 || num >= below) continue;
        }
        char *src = store_join(from, "/", name), *dst = store_join(to, "/", name);
        struct stat sb;
        if (stat(src, &sb) == 0 && S_ISREG(sb.st_mode)) rc = copy_file(src, dst, st, err);
        free(src);
        free(dst);
    }
    closedir(d);
    return rc;
}

/* <to>.partial with databases/ and wal/ in it; to itself must not exist (or be an empty directory). */
static int prepare(const char *to, char **partial, qv_err *err) {
    *partial = NULL;
    if (!to || !*to) return qv_err_set(err, QV_EINVAL, "the backup needs a target directory");
    struct stat sb;
    if (stat(to, &sb) == 0) {
        if (!S_ISDIR(sb.st_mode) || rmdir(to) < 0)
            return qv_err_set(err, QV_EEXISTS, "backup target %s already exists (give a new or empty directory)", to);
    }
    *partial = store_join(to, ".partial", "");
    if (stat(*partial, &sb) == 0)
        return qv_err_set(err, QV_EEXISTS, "%s exists: a backup to %s is running or was interrupted (remove it)",
                          *partial, to);
    char *db = store_join(*partial, "/databases", ""), *wal = store_join(*partial, "/wal", "");
    int rc = 0;
    if (mkdir(*partial, 0755) < 0 || mkdir(db, 0755) < 0 || mkdir(wal, 0755) < 0)
        rc = qv_err_set(err, QV_EIO, "cannot create the backup directory %s: %s", *partial, strerror(errno));
    free(db);
    free(wal);
    return rc;
}

static void remove_partial(const char *partial) {
    const char *subs[] = {"/databases", "/wal"};
    for (int i = 0; i < 2; i++) {
        char *d = store_join(partial, subs[i], "");
        DIR *dd = opendir(d);
        struct dirent *e;
        while (dd && (e = readdir(dd)) != NULL) {
            if (e->d_name[0] == '.' && (!e->d_name[1] || (e->d_name[1] == '.' && !e->d_name[2]))) continue;
            char *f = store_join(d, "/", e->d_name);
            unlink(f);
            free(f);
        }
        if (dd) closedir(dd);
        rmdir(d);
        free(d);
    }
    rmdir(partial);
}

/* fsyncs the copy's directories and renames it into place. */
static int finish(const char *partial, const char *to, qv_err *err) {
    char *db = store_join(partial, "/databases", ""), *wal = store_join(partial, "/wal", "");
    int rc = store_sync_dir(db, err);
    if (rc == 0) rc = store_sync_dir(wal, err);
    if (rc == 0) rc = store_sync_dir(partial, err);
    free(db);
    free(wal);
    if (rc == 0 && rename(partial, to) < 0)
        rc = qv_err_set(err, QV_EIO, "cannot rename %s to %s: %s", partial, to, strerror(errno));
    if (rc == 0) {
        char *parent = qv_strdup(to);
        char *slash = strrchr(parent, '/');
        if (slash == parent) slash[1] = 0;
        else if (slash) *slash = 0;
        else strcpy(parent, ".");
        rc = store_sync_dir(parent, err);
        free(parent);
    }
    return rc;
}

static const char *const base_suffixes[] = {".qvg", ".qvl", NULL};
static const char *const wal_suffixes[] = {".wal", NULL};

static void report(store_backup_info *out, const char *how, const char *to, copy_stats *st, uint64_t t0) {
    st->seconds = qv_seconds_since(t0);
    QV_INFO("backup (%s) to %s: %llu files, %.1f MiB in %.3f s", how, to, (unsigned long long)st->files,
            (double)st->bytes / (1 << 20), st->seconds);
    if (out) *out = *st;
}

int store_backup(qv_store *s, const char *to, store_backup_info *out, qv_err *err) {
    uint64_t t0 = qv_now_ns();
    char *partial;
    if (prepare(to, &partial, err) < 0) {
        free(partial);
        return -1;
    }
    copy_stats st = {0};
    char *pdb = store_join(partial, "/databases", ""), *pwal = store_join(partial, "/wal", "");
    pthread_mutex_lock(&s->ckpt_mu); /* no round removes segments or replaces base files meanwhile */
    uint64_t first = 0;
    int rc = s->wal ? wal_rotate(s->wal, &first, err) : 0;
    if (rc == 0) {
        pthread_mutex_lock(&s->mu); /* saves and removals replace base files: copy them all at one moment */
        rc = copy_dir(s->db_dir, pdb, base_suffixes, 0, &st, err);
        pthread_mutex_unlock(&s->mu);
    }
    /* segments below first are closed: nothing writes them again, and no round removes them while ckpt_mu is
     * held. Without a log (not loaded yet) there is nothing to copy but the base files. */
    if (rc == 0 && s->wal) rc = copy_dir(s->wal_dir, pwal, wal_suffixes, first, &st, err);
    pthread_mutex_unlock(&s->ckpt_mu);
    if (rc == 0) rc = finish(partial, to, err);
    if (rc < 0) {
        remove_partial(partial);
        qv_err_prefix(err, "backup to %s failed", to);
    } else {
        report(out, "online", to, &st, t0);
    }
    free(pdb);
    free(pwal);
    free(partial);
    return rc;
}

int store_backup_offline(const char *data_dir, const char *to, store_backup_info *out, qv_err *err) {
    uint64_t t0 = qv_now_ns();
    struct stat sb;
    char *dbs = store_join(data_dir, "/databases", "");
    bool exists = stat(dbs, &sb) == 0 && S_ISDIR(sb.st_mode);
    free(dbs);
    if (!exists) return qv_err_set(err, QV_ENOTFOUND, "%s is not a quiver data directory (no databases/ in it)", data_dir);
    qv_store *s = store_open(data_dir, err); /* the lock: no server changes anything while we copy */
    if (!s) {
        if (err->code == QV_EPHASE)
            qv_err_prefix(err, "a running server must make the backup: use quiver backup --server URL --to DIR "
                               "(URL: the server's HTTP address)");
        return -1;
    }
    char *partial;
    int rc = prepare(to, &partial, err);
    copy_stats st = {0};
    if (rc == 0) {
        char *pdb = store_join(partial, "/databases", ""), *pwal = store_join(partial, "/wal", "");
        rc = copy_dir(s->db_dir, pdb, base_suffixes, 0, &st, err);
        if (rc == 0) rc = copy_dir(s->wal_dir, pwal, wal_suffixes, 0, &st, err);
        if (rc == 0) rc = finish(partial, to, err);
        if (rc < 0) remove_partial(partial);
        free(pdb);
        free(pwal);
    }
    if (rc < 0) qv_err_prefix(err, "backup to %s failed", to);
    else report(out, "offline", to, &st, t0);
    free(partial);
    store_close(s);
    return rc;
}
