/* test_store_snapshot_pipe.c — the snapshot file writer (snapshot_pipe.c): bytes appended in pieces of odd
 * sizes come out in the file exactly, whatever the total (under a block, at a block boundary and one past it,
 * around the 4 MiB buffer size, several buffers), with the header written over the start last and the file
 * cut back to its real size after the padded O_DIRECT tail; the same through the page cache
 * (QV_STORE_DIRECT=0); a write error (a file opened read-only) is reported, not lost.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/snapshot_pipe.h"
#include "util/buf.h"

static uint8_t byte_at(uint64_t i) { return (uint8_t)((i * 0x9E3779B97F4A7C15ull) >> 56); }

/* Writes total bytes in pieces of sizes from a fixed sequence, a 64-byte header of 0xAB last; checks the file. */
static void write_and_check_in(const char *dir, uint64_t total, bool *was_direct) {
    char path[128];
    snprintf(path, sizeof path, "%s/qv-pipe-XXXXXX", dir);
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    snap_pipe *p = snap_pipe_open(fd, path);
    static const size_t steps[] = {1, 63, 4096, 100000, 7, 5u << 20, 4095, 3u << 20, 12345};
    uint8_t *src = qv_malloc(6u << 20);
    qv_err err = {0};
    uint64_t done = 0;
    for (size_t k = 0; done < total; k++) {
        size_t n = steps[k % (sizeof steps / sizeof steps[0])];
        if (n > total - done) n = (size_t)(total - done);
        for (size_t i = 0; i < n; i++) src[i] = byte_at(done + i);
        assert_int_equal(snap_pipe_append(p, src, n, &err), 0);
        done += n;
    }
    uint8_t head[64];
    memset(head, 0xAB, sizeof head);
    size_t hlen = total < sizeof head ? (size_t)total : sizeof head;
    assert_int_equal(snap_pipe_finish(p, head, hlen, &err), 0);
    *was_direct = snap_pipe_direct(p);
    snap_pipe_free(p);
    struct stat st;
    assert_int_equal(fstat(fd, &st), 0);
    assert_int_equal((uint64_t)st.st_size, total);
    uint8_t *got = qv_malloc(total ? (size_t)total : 1);
    for (uint64_t r = 0; r < total;) {
        ssize_t k = pread(fd, got + r, (size_t)(total - r), (off_t)r);
        assert_true(k > 0);
        r += (uint64_t)k;
    }
    for (uint64_t i = 0; i < total; i++) {
        uint8_t want = i < hlen ? 0xAB : byte_at(i);
        if (got[i] != want) fail_msg("total %llu: byte %llu is %u, want %u", (unsigned long long)total,
                                     (unsigned long long)i, got[i], want);
    }
    free(got);
    free(src);
    close(fd);
    unlink(path);
}

static void write_and_check(uint64_t total, bool *was_direct) { write_and_check_in("/tmp", total, was_direct); }

static const uint64_t sizes[] = {64, 100, 4095, 4096, 4097, 8192 + 64, (4u << 20) - 1, 4u << 20, (4u << 20) + 1,
                                  (13u << 20) + 77, 40u << 20};

static void test_sizes(void **state) {
    (void)state;
    unsetenv("QV_STORE_DIRECT");
    bool direct = false;
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) write_and_check(sizes[i], &direct);
    print_message("snapshot pipe: O_DIRECT %s on /tmp\n", direct ? "used" : "not available");
}

static void test_sizes_page_cache(void **state) {
    (void)state;
    setenv("QV_STORE_DIRECT", "0", 1);
    bool direct = true;
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        write_and_check(sizes[i], &direct);
        assert_false(direct);
    }
    unsetenv("QV_STORE_DIRECT");
}

/* tmpfs (/dev/shm): O_DIRECT is taken, or refused by F_SETFL or by the first write (EINVAL, then the page
 * cache): the bytes are right either way. */
static void test_sizes_tmpfs(void **state) {
    (void)state;
    if (access("/dev/shm", W_OK) != 0) skip();
    bool direct = false;
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0] - 1; i++) write_and_check_in("/dev/shm", sizes[i], &direct);
    print_message("snapshot pipe: O_DIRECT %s on /dev/shm\n", direct ? "used" : "not available");
}

static void test_write_error(void **state) {
    (void)state;
    char path[] = "/tmp/qv-pipe-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    int ro = open(path, O_RDONLY);
    assert_true(ro >= 0);
    snap_pipe *p = snap_pipe_open(ro, "the read-only file");
    uint8_t *b = qv_calloc(1, 9u << 20);
    qv_err err = {0};
    int rc = snap_pipe_append(p, b, 9u << 20, &err); /* the writers fail; seen here or at finish */
    if (rc == 0) rc = snap_pipe_finish(p, b, 64, &err);
    assert_int_equal(rc, -1);
    assert_non_null(strstr(err.msg, "cannot write the read-only file"));
    snap_pipe_free(p);
    free(b);
    close(ro);
    close(fd);
    unlink(path);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sizes),
        cmocka_unit_test(test_sizes_page_cache),
        cmocka_unit_test(test_sizes_tmpfs),
        cmocka_unit_test(test_write_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
