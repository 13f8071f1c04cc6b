/* fuzz_temporal_parse.c — libFuzzer target for the parsing of date, time, datetime and duration strings.
 *
 * Owns: the properties checked on arbitrary text given to the temporal types, directly (value/temporal.h)
 * and through the openCypher functions of the registry (date('...'), datetime('...'), duration('...')...):
 * parsing either gives a value or fails with an ArgumentError (InvalidArgumentValue) that has a message;
 * a parsed value's toString parses back (as the same type) to an equal value with an equal hash and the
 * same string again; components, truncation and arithmetic with a duration on it either work or fail
 * with an openCypher error; nothing crashes or leaks.
 * Input: the first byte selects the type (and the path: direct or function); the rest is the string.
 * Must not: keep state between inputs.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cypher/func.h"
#include "value/temporal.h"

static void check(int ok, const char *what, const uint8_t *s, size_t n) {
    if (!ok) {
        fprintf(stderr, "fuzz_temporal_parse: %s\ninput: '%.*s'\n", what, (int)(n > 300 ? 300 : n), (const char *)s);
        abort();
    }
}

static const qtype types[] = {QT_DATE, QT_LOCALTIME, QT_TIME, QT_LOCALDATETIME, QT_DATETIME, QT_DURATION};
static const char *const fn_names[] = {"date", "localtime", "time", "localdatetime", "datetime", "duration"};

static void check_failure(const cy_error *err, const uint8_t *s, size_t n) {
    if (err->cls != CYE_ARGUMENT && err->cls != CYE_ARITHMETIC)
        fprintf(stderr, "class %s: %s\n", cy_errclass_name(err->cls), err->msg);
    check(err->cls == CYE_ARGUMENT || err->cls == CYE_ARITHMETIC, "a parse failure that is not an ArgumentError", s, n);
    check(err->msg[0] != 0, "a parse failure without a message", s, n);
}

/* A value that parsed: its string form round-trips; components, truncation and arithmetic behave. */
static void check_value(qv_arena *a, qtype t, qval v, const uint8_t *s, size_t n) {
    cy_error err;
    check(v.type == t, "parsed into another type", s, n);
    uint32_t len = 0;
    const char *str = qtemporal_str(a, v, &len);
    check(str != NULL && len > 0 && strlen(str) == len, "toString is empty or not NUL-terminated", s, n);
    qval back;
    if (qtemporal_parse(a, t, str, len, &back, &err)) {
        fprintf(stderr, "toString '%s' does not parse back: %s\n", str, err.msg);
        check(0, "toString does not parse back", s, n);
    }
    if (!qtemporal_eq(v, back))
        fprintf(stderr, "toString '%s' parses back to '%s'\n", str, qtemporal_str(a, back, NULL));
    check(qtemporal_eq(v, back), "toString parses back to a different value", s, n);
    check(qtemporal_hash(v) == qtemporal_hash(back), "equal values with different hashes", s, n);
    check(qtemporal_order(v, back) == 0, "equal values not equal in the order", s, n);
    uint32_t len2 = 0;
    const char *str2 = qtemporal_str(a, back, &len2);
    check(len == len2 && memcmp(str, str2, len) == 0, "toString is not stable across a round trip", s, n);

    static const char *const comps[] = {"year", "quarter", "month", "week", "weekYear", "dayOfWeek", "day",
                                        "ordinalDay", "dayOfQuarter", "hour", "minute", "second", "millisecond",
                                        "microsecond", "nanosecond", "timezone", "offset", "offsetMinutes",
                                        "offsetSeconds", "epochSeconds", "epochMillis", "years", "months",
                                        "days", "hours", "minutes", "seconds", "milliseconds", "nanoseconds",
                                        "monthsOfYear", "minutesOfHour", "secondsOfMinute", "nanosecondsOfSecond"};
    for (size_t i = 0; i < sizeof comps / sizeof *comps; i++) {
        qval out;
        if (qtemporal_component(a, v, comps[i], &out, &err))
            check(err.cls != CYE_NONE, "component failed without a class", s, n);
    }
    static const char *const durs[] = {"P1Y2M3DT4H5M6.7S", "-PT1.5S", "P1000000000Y"};
    for (size_t i = 0; i < sizeof durs / sizeof *durs; i++) {
        qval d, out;
        check(qtemporal_parse(a, QT_DURATION, durs[i], strlen(durs[i]), &d, &err) == 0, "a fixed duration fails", s, n);
        for (int sign = -1; sign <= 1; sign += 2)
            if (qtemporal_add(a, v, d, sign, &out, &err))
                check(err.cls != CYE_NONE && err.msg[0], "add failed without an error", s, n);
    }
    if (t != QT_DURATION) {
        static const char *const units[] = {"millennium", "century", "decade", "year", "weekYear", "quarter", "month",
                                            "week", "day", "hour", "minute", "second", "millisecond", "microsecond"};
        for (size_t i = 0; i < sizeof units / sizeof *units; i++) {
            qval out;
            if (qtemporal_truncate(a, t, qv_str_cstr(a, units[i]), v, qv_null(), &out, &err))
                check(err.cls != CYE_NONE && err.msg[0], "truncate failed without an error", s, n);
        }
        qval out;
        if (qtemporal_between(a, QT_BETWEEN_ALL, v, v, &out, &err) == 0) {
            qval zero;
            check(qtemporal_parse(a, QT_DURATION, "PT0S", 4, &zero, &err) == 0, "PT0S does not parse", s, n);
            check(qtemporal_eq(out, zero), "duration.between(x, x) is not zero", s, n);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1 || size > 4096) return 0;
    unsigned sel = data[0];
    qtype t = types[sel % 6];
    const uint8_t *s = data + 1;
    size_t n = size - 1;
    qv_arena a;
    qv_arena_init(&a);
    cy_error err;
    memset(&err, 0, sizeof err);
    qval v;
    if ((sel / 6) % 2 == 0) {
        if (qtemporal_parse(&a, t, (const char *)s, n, &v, &err) == 0) check_value(&a, t, v, s, n);
        else check_failure(&err, s, n);
    } else {   /* through the function registry, as a query calls it */
        const char *name = fn_names[sel % 6];
        const cy_fn *f = cy_fn_find(name, strlen(name));
        check(f != NULL, "temporal constructor missing from the registry", s, n);
        uint64_t rnd = 1;
        cy_fnctx ctx = {.arena = &a, .view = NULL, .stmt_time_ns = 1500000000123456789LL, .rand_state = &rnd, .pos = 0};
        qval arg = qv_str_copy(&a, (const char *)s, n);
        if (f->impl(&ctx, &arg, 1, &v, &err) == 0) check_value(&a, t, v, s, n);
        else check_failure(&err, s, n);
    }
    qv_arena_free(&a);
    return 0;
}
