/* func_neptune.c — Amazon Neptune's openCypher extensions: removeKeyFromMap(map, key) and
 * join(list of strings, delimiter).
 *
 * Owns: their null handling (a null map, list, key or delimiter gives null) and argument checks (a
 * non-string list element fails with TypeError InvalidArgumentType). Must not: read the graph, or
 * allocate outside ctx->arena.
 */
#include "cypher/func_int.h"

#include <string.h>

CYFN(cyfn_removekeyfrommap) {
    qval m = args[0], k = args[1];
    if (m.type == QT_NULL || k.type == QT_NULL) { *out = qv_null(); return 0; }
    if (m.type != QT_MAP) return cyfn_type_err(ctx, err, "removeKeyFromMap", 0, m, "a Map");
    if (k.type != QT_STRING) return cyfn_type_err(ctx, err, "removeKeyFromMap", 1, k, "a String");
    if (!qv_map_get(m, k.s, k.len)) { *out = m; return 0; }
    qmapent *ents = qv_arena_alloc(ctx->arena, (size_t)m.len * sizeof *ents);
    uint32_t n = 0;
    for (uint32_t i = 0; i < m.len; i++)
        if (!(m.ents[i].klen == k.len && memcmp(m.ents[i].key, k.s, k.len) == 0)) ents[n++] = m.ents[i];
    *out = qv_map_ref(ents, n);
    return 0;
}

CYFN(cyfn_join) {
    qval l = args[0], d = args[1];
    if (l.type == QT_NULL || d.type == QT_NULL) { *out = qv_null(); return 0; }
    if (l.type != QT_LIST) return cyfn_type_err(ctx, err, "join", 0, l, "a List of Strings");
    if (d.type != QT_STRING) return cyfn_type_err(ctx, err, "join", 1, d, "a String");
    uint64_t total = 0;
    for (uint32_t i = 0; i < l.len; i++) {
        if (l.items[i].type != QT_STRING)
            return cyfn_fail(ctx, err, CYE_TYPE, "InvalidArgumentType",
                             "join(): element %u of the list must be a String, got %s", i,
                             qv_type_name((qtype)l.items[i].type));
        total += l.items[i].len + (i ? d.len : 0);
    }
    if (total > UINT32_MAX)
        return cyfn_fail(ctx, err, CYE_ARGUMENT, "StringTooLong", "join(): the result is longer than 4 GiB");
    char *p = qv_arena_alloc(ctx->arena, (size_t)total + 1);
    size_t o = 0;
    for (uint32_t i = 0; i < l.len; i++) {
        if (i && d.len) { memcpy(p + o, d.s, d.len); o += d.len; }
        if (l.items[i].len) { memcpy(p + o, l.items[i].s, l.items[i].len); o += l.items[i].len; }
    }
    p[o] = 0;
    *out = qv_str_ref(p, (uint32_t)o);
    return 0;
}
