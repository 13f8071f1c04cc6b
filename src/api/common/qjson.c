/* qjson.c — JSON <-> openCypher values in Neptune's conventions (see qjson.h). */
#include "api/common/qjson.h"

#include <math.h>
#include <string.h>

qval qjson_to_qval(qv_arena *a, const json_val *v) {
    switch (v->type) {
    case JSON_NULL: return qv_null();
    case JSON_BOOL: return qv_bool(v->b);
    case JSON_NUMBER: return v->num.is_int ? qv_int(v->num.i) : qv_float(v->num.d);
    case JSON_STRING: return qv_str_copy(a, v->str.s, v->str.len);
    case JSON_ARRAY: {
        qval *items = qv_arena_alloc(a, sizeof(qval) * (v->arr.n ? v->arr.n : 1));
        for (size_t i = 0; i < v->arr.n; i++) items[i] = qjson_to_qval(a, v->arr.items[i]);
        return qv_list_ref(items, (uint32_t)v->arr.n);
    }
    case JSON_OBJECT: {
        qmap_b mb;
        qmap_b_init(&mb, a, (uint32_t)v->obj.n);
        for (size_t i = 0; i < v->obj.n; i++) {
            const json_member *m = &v->obj.members[i];
            qmap_b_set(&mb, m->key, m->key_len, qjson_to_qval(a, m->val));
        }
        return qmap_b_done(&mb);
    }
    }
    return qv_null();
}

static int params(qv_arena *a, char *text, size_t len, bool in_place, qval *out, qv_err *err) {
    size_t i = 0;
    while (i < len && (text[i] == ' ' || text[i] == '\n' || text[i] == '\r' || text[i] == '\t')) i++;
    if (i == len || (len - i == 4 && memcmp(text + i, "null", 4) == 0)) {
        *out = qv_null();
        return 0;
    }
    if (qjson_read(a, text, len, in_place, out, err) < 0) return qv_err_prefix(err, "parameters");
    if (out->type != QT_MAP)
        return qv_err_set(err, QV_EINVAL, "parameters must be a JSON object mapping names to values");
    return 0;
}

int qjson_parse_params(qv_arena *a, const char *text, size_t len, qval *out, qv_err *err) {
    return params(a, (char *)(uintptr_t)text, len, false, out, err);
}

int qjson_parse_params_in_place(qv_arena *a, char *text, size_t len, qval *out, qv_err *err) {
    return params(a, text, len, true, out, err);
}
