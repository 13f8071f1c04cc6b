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

int qjson_parse_params(qv_arena *a, const char *text, size_t len, qval *out, qv_err *err) {
    size_t i = 0;
    while (i < len && (text[i] == ' ' || text[i] == '\n' || text[i] == '\r' || text[i] == '\t')) i++;
    if (i == len || (len - i == 4 && memcmp(text + i, "null", 4) == 0)) {
        *out = qv_null();
        return 0;
    }
    json_doc *d = json_parse(text, len, err);
    if (!d) return qv_err_prefix(err, "parameters");
    json_val *root = json_doc_root(d);
    if (root->type != JSON_OBJECT) {
        json_doc_free(d);
        return qv_err_set(err, QV_EINVAL, "parameters must be a JSON object mapping names to values");
    }
    *out = qjson_to_qval(a, root);
    json_doc_free(d);
    return 0;
}

static void write_props(qv_buf *b, gview *view, qv_arena *scratch, const gprop *p, uint32_t n, bool node) {
    qv_buf_append_byte(b, '{');
    for (uint32_t i = 0; i < n; i++) {
        if (i) qv_buf_append_byte(b, ',');
        json_write_cstr(b, gview_key_name(view, p[i].key));
        qv_buf_append_byte(b, ':');
        qjson_write_value(b, view, scratch, p[i].value);
    }
    qv_buf_append_byte(b, '}');
    (void)node;
}

static void write_ext_id(qv_buf *b, qv_arena *scratch, qval id) {
    if (id.type == QT_STRING) {
        json_write_str(b, id.s, id.len);
    } else {
        uint32_t n = 0;
        const char *s = qv_to_cstring(scratch, id, &n);
        json_write_str(b, s ? s : "", s ? n : 0);
    }
}

static void write_node(qv_buf *b, gview *view, qv_arena *scratch, uint64_t id) {
    qv_arena_mark m = qv_arena_mark_get(scratch);
    qv_buf_append_str(b, "{\"~id\":");
    write_ext_id(b, scratch, gview_node_ext_id(view, id));
    qv_buf_append_str(b, ",\"~entityType\":\"node\",\"~labels\":[");
    uint32_t labels[64];
    uint32_t n = gview_node_labels(view, id, labels, 64);
    uint32_t *all = labels;
    if (n > 64) {
        all = qv_arena_alloc(scratch, sizeof(uint32_t) * n);
        gview_node_labels(view, id, all, n);
    }
    for (uint32_t i = 0; i < n; i++) {
        if (i) qv_buf_append_byte(b, ',');
        json_write_cstr(b, gview_label_name(view, all[i]));
    }
    qv_buf_append_str(b, "],\"~properties\":");
    gprop *p = NULL;
    uint32_t np = gview_node_props(view, id, scratch, &p);
    write_props(b, view, scratch, p, np, true);
    qv_buf_append_byte(b, '}');
    qv_arena_reset_to(scratch, m);
}

static void write_rel(qv_buf *b, gview *view, qv_arena *scratch, uint64_t id) {
    qv_arena_mark m = qv_arena_mark_get(scratch);
    uint64_t src, dst;
    uint32_t type;
    gview_rel_info(view, id, &src, &dst, &type);
    qv_buf_append_str(b, "{\"~id\":");
    write_ext_id(b, scratch, gview_rel_ext_id(view, id, scratch));
    qv_buf_append_str(b, ",\"~entityType\":\"relationship\",\"~start\":");
    write_ext_id(b, scratch, gview_node_ext_id(view, src));
    qv_buf_append_str(b, ",\"~end\":");
    write_ext_id(b, scratch, gview_node_ext_id(view, dst));
    qv_buf_append_str(b, ",\"~type\":");
    json_write_cstr(b, gview_type_name(view, type));
    qv_buf_append_str(b, ",\"~properties\":");
    gprop *p = NULL;
    uint32_t np = gview_rel_props(view, id, scratch, &p);
    write_props(b, view, scratch, p, np, false);
    qv_buf_append_byte(b, '}');
    qv_arena_reset_to(scratch, m);
}

void qjson_write_value(qv_buf *b, gview *view, qv_arena *scratch, qval v) {
    switch ((qtype)v.type) {
    case QT_NULL: qv_buf_append_str(b, "null"); return;
    case QT_BOOL: json_write_bool(b, v.b); return;
    case QT_INT: json_write_i64(b, v.i); return;
    case QT_FLOAT:
        if (isnan(v.f)) qv_buf_append_str(b, "\"NaN\"");
        else if (isinf(v.f)) qv_buf_append_str(b, v.f > 0 ? "\"Infinity\"" : "\"-Infinity\"");
        else json_write_double(b, v.f);
        return;
    case QT_STRING: json_write_str(b, v.s, v.len); return;
    case QT_LIST:
        qv_buf_append_byte(b, '[');
        for (uint32_t i = 0; i < v.len; i++) {
            if (i) qv_buf_append_byte(b, ',');
            qjson_write_value(b, view, scratch, v.items[i]);
        }
        qv_buf_append_byte(b, ']');
        return;
    case QT_MAP:
        qv_buf_append_byte(b, '{');
        for (uint32_t i = 0; i < v.len; i++) {
            if (i) qv_buf_append_byte(b, ',');
            json_write_str(b, v.ents[i].key, v.ents[i].klen);
            qv_buf_append_byte(b, ':');
            qjson_write_value(b, view, scratch, v.ents[i].v);
        }
        qv_buf_append_byte(b, '}');
        return;
    case QT_NODE: write_node(b, view, scratch, v.id); return;
    case QT_REL: write_rel(b, view, scratch, v.id); return;
    case QT_PATH:
        qv_buf_append_byte(b, '[');
        for (uint32_t i = 0; i <= v.path->n_rels; i++) {
            if (i) {
                qv_buf_append_byte(b, ',');
                write_rel(b, view, scratch, v.path->rels[i - 1]);
                qv_buf_append_byte(b, ',');
            }
            write_node(b, view, scratch, v.path->nodes[i]);
        }
        qv_buf_append_byte(b, ']');
        return;
    case QT_DATE:
    case QT_LOCALTIME:
    case QT_TIME:
    case QT_LOCALDATETIME:
    case QT_DATETIME:
    case QT_DURATION: {
        qv_arena_mark m = qv_arena_mark_get(scratch);
        uint32_t n = 0;
        const char *s = qv_to_cstring(scratch, v, &n);
        if (s) json_write_str(b, s, n);
        else qv_buf_append_str(b, "null");
        qv_arena_reset_to(scratch, m);
        return;
    }
    }
    qv_buf_append_str(b, "null");
}
