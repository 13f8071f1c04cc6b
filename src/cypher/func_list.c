/* func_list.c — list functions and those that take strings or lists alike: size, head, last, tail,
 * range, reverse, coalesce, isEmpty.
 *
 * Owns: range()'s arithmetic (no overflow at the int64 edges, a step of zero is an ArgumentError
 * NumberOutOfRange, non-integer bounds an ArgumentError InvalidArgumentType, as openCypher specifies) and the
 * cap on the size of a list range() may build (QV_RANGE_MAX elements; beyond, an ArgumentError instead of
 * exhausting memory). Must not: read the graph, or allocate outside ctx->arena.
 */
#include "cypher/func_int.h"

#include <string.h>

#define QV_RANGE_MAX (1u << 27)

CYFN(cyfn_size) {
    qval v = args[0];
    switch (v.type) {
    case QT_NULL: *out = v; return 0;
    case QT_STRING: *out = qv_int(cyfn_u8count(v.s, v.len)); return 0;
    case QT_LIST: *out = qv_int(v.len); return 0;
    default: return cyfn_type_err(ctx, err, "size", 0, v, "a String or a List");
    }
}

static int list_arg(cy_fnctx *ctx, cy_error *err, const char *fn, qval v) {
    if (v.type == QT_NULL) return 1;
    if (v.type == QT_LIST) return 0;
    cyfn_type_err(ctx, err, fn, 0, v, "a List");
    return -1;
}

CYFN(cyfn_head) {
    int r = list_arg(ctx, err, "head", args[0]);
    if (r < 0) return -1;
    *out = r || args[0].len == 0 ? qv_null() : args[0].items[0];
    return 0;
}

CYFN(cyfn_last) {
    int r = list_arg(ctx, err, "last", args[0]);
    if (r < 0) return -1;
    *out = r || args[0].len == 0 ? qv_null() : args[0].items[args[0].len - 1];
    return 0;
}

CYFN(cyfn_tail) {
    int r = list_arg(ctx, err, "tail", args[0]);
    if (r < 0) return -1;
    if (r) { *out = qv_null(); return 0; }
    qval l = args[0];
    *out = l.len == 0 ? l : qv_list_ref(l.items + 1, l.len - 1);
    return 0;
}

CYFN(cyfn_range) {
    for (uint32_t i = 0; i < nargs; i++)
        if (args[i].type == QT_NULL) { *out = qv_null(); return 0; }
    for (uint32_t i = 0; i < nargs; i++)
        if (args[i].type != QT_INT)
            return cyfn_fail(ctx, err, CYE_ARGUMENT, "InvalidArgumentType",
                             "range(): argument %u must be an Integer, got %s", i + 1,
                             qv_type_name((qtype)args[i].type));
    int64_t start = args[0].i, end = args[1].i, step = nargs > 2 ? args[2].i : 1;
    if (step == 0)
        return cyfn_fail(ctx, err, CYE_ARGUMENT, "NumberOutOfRange", "range(): the step must not be zero");
    uint64_t count = 0;
    if (step > 0 && start <= end) count = ((uint64_t)end - (uint64_t)start) / (uint64_t)step + 1;
    if (step < 0 && start >= end)
        count = ((uint64_t)start - (uint64_t)end) / (step == INT64_MIN ? (uint64_t)1 << 63 : (uint64_t)-step) + 1;
    if (count > QV_RANGE_MAX)
        return cyfn_fail(ctx, err, CYE_ARGUMENT, "NumberOutOfRange",
                         "range(): %llu elements is more than the %u a list may hold", (unsigned long long)count,
                         QV_RANGE_MAX);
    qval *items = qv_arena_alloc(ctx->arena, (size_t)count * sizeof(qval));
    uint64_t v = (uint64_t)start;
    for (uint64_t i = 0; i < count; i++, v += (uint64_t)step) items[i] = qv_int((int64_t)v);
    *out = qv_list_ref(items, (uint32_t)count);
    return 0;
}

CYFN(cyfn_reverse) {
    qval v = args[0];
    if (v.type == QT_NULL) { *out = v; return 0; }
    if (v.type == QT_LIST) {
        qval *items = qv_arena_alloc(ctx->arena, (size_t)v.len * sizeof(qval));
        for (uint32_t i = 0; i < v.len; i++) items[i] = v.items[v.len - 1 - i];
        *out = qv_list_ref(items, v.len);
        return 0;
    }
    if (v.type == QT_STRING) {   /* by characters */
        char *p = qv_arena_alloc(ctx->arena, (size_t)v.len + 1);
        uint32_t o = v.len;
        for (uint32_t i = 0; i < v.len;) {
            uint32_t from = i;
            cyfn_u8next(v.s, v.len, &i);
            o -= i - from;
            memcpy(p + o, v.s + from, i - from);
        }
        p[v.len] = 0;
        *out = qv_str_ref(p, v.len);
        return 0;
    }
    return cyfn_type_err(ctx, err, "reverse", 0, v, "a String or a List");
}

CYFN(cyfn_coalesce) {
    for (uint32_t i = 0; i < nargs; i++)
        if (args[i].type != QT_NULL) { *out = args[i]; return 0; }
    *out = qv_null();
    return 0;
}

CYFN(cyfn_isempty) {
    qval v = args[0];
    switch (v.type) {
    case QT_NULL: *out = v; return 0;
    case QT_STRING: case QT_LIST: case QT_MAP: *out = qv_bool(v.len == 0); return 0;
    default: return cyfn_type_err(ctx, err, "isEmpty", 0, v, "a String, a List or a Map");
    }
}
