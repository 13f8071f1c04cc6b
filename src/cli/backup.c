/* backup.c — the `quiver backup` command.
 *
 * Owns: its options and, for a running server, the one HTTP request that asks it for an online backup
 * (POST /quiver/backup {"to": DIR2} on its HTTP port: the server holds the data directory's lock, so only it
 * can copy the directory consistently while it writes). A stopped server's directory is copied here directly
 * (store_backup_offline, which takes the lock). Must not: copy anything itself for a running server.
 */
#include "cli/backup.h"
#include "cli/session.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/log.h"
#include "wire/json.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage_text[] =
    "usage: quiver backup --data-dir DIR --to DIR2      copy a stopped server's data directory\n"
    "       quiver backup --server URL --to DIR2        ask the running server at URL (http://HOST:PORT) for an\n"
    "                                                   online copy; DIR2 is a new directory on the server's\n"
    "                                                   machine under its --backup-dir (or a name within it)\n"
    "DIR2 must not exist (or be empty). The copy is consistent: start a server on it, or run quiver check.\n";

static int post_backup(const char *url, const char *to, qv_buf *reply, int *status, qv_err *err) {
    char host[256], port[32];
    bool tls = false;
    if (cli_remote_parse_url(url, host, sizeof host, port, sizeof port, &tls, err) < 0) return -1;
    if (tls) return qv_err_set(err, QV_EINVAL, "quiver backup --server takes http://HOST:PORT (not HTTPS yet)");
    qv_buf body;
    qv_buf_init(&body);
    qv_buf_append_str(&body, "{\"to\":");
    json_write_cstr(&body, to);
    qv_buf_append_byte(&body, '}');
    int rc = cli_http_post_json(host, port, false, NULL, "/quiver/backup", NULL, &body, status, reply, err);
    qv_buf_free(&body);
    return rc;
}

int cli_backup_main(int argc, char **argv) {
    const char *dir = NULL, *server = NULL, *to = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--data-dir") == 0 && i + 1 < argc) dir = argv[++i];
        else if (strcmp(argv[i], "--server") == 0 && i + 1 < argc) server = argv[++i];
        else if (strcmp(argv[i], "--to") == 0 && i + 1 < argc) to = argv[++i];
        else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            fputs(usage_text, stdout);
            return 0;
        } else {
            fprintf(stderr, "quiver backup: unexpected argument '%s'\n%s", argv[i], usage_text);
            return 2;
        }
    }
    if (!to || (!dir == !server)) {
        fprintf(stderr, "quiver backup: give --to and one of --data-dir, --server\n%s", usage_text);
        return 2;
    }
    qv_err err;
    qv_err_clear(&err);
    if (dir) {
        store_backup_info info;
        if (store_backup_offline(dir, to, &info, &err) < 0) {
            fprintf(stderr, "quiver backup: %s\n", err.msg);
            return 1;
        }
        printf("backup of %s written to %s: %llu files, %llu bytes in %.3f s\n", dir, to, (unsigned long long)info.files,
               (unsigned long long)info.bytes, info.seconds);
        return 0;
    }
    /* the server resolves a relative path against its own working directory: send an absolute one */
    char *abs = NULL;
    if (to[0] != '/') {
        char cwd[4096];
        if (!getcwd(cwd, sizeof cwd)) {
            fprintf(stderr, "quiver backup: cannot read the working directory: %s\n", strerror(errno));
            return 1;
        }
        abs = qv_malloc(strlen(cwd) + strlen(to) + 2);
        sprintf(abs, "%s/%s", cwd, to);
        to = abs;
    }
    qv_buf reply;
    qv_buf_init(&reply);
    int status = 0, rc = post_backup(server, to, &reply, &status, &err);
    if (rc < 0) {
        fprintf(stderr, "quiver backup: %s\n", err.msg);
    } else if (status != 200) {
        qv_buf_append_byte(&reply, 0);
        json_doc *doc = json_parse((const char *)reply.data, reply.len - 1, &err);
        const char *msg = doc ? json_get_str(json_doc_root(doc), "detailedMessage") : NULL;
        fprintf(stderr, "quiver backup: the server refused (HTTP %d): %s\n", status, msg ? msg : (const char *)reply.data);
        json_doc_free(doc);
        rc = -1;
    } else {
        printf("%.*s\n", (int)reply.len, (const char *)reply.data);
    }
    qv_buf_free(&reply);
    free(abs);
    return rc < 0 ? 1 : 0;
}
