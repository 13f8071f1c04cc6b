/* agg.c — aggregating function accumulators (see agg.h).
 * Must not: keep state outside the cy_aggst it is given. */
#include "cypher/agg.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

cy_aggkind cy_agg_kind(const char *name, bool star) {
    static const struct { const char *n; cy_aggkind k; } t[] = {
        {"count", CY_AGG_COUNT}, {"sum", CY_AGG_SUM}, {"avg", CY_AGG_AVG}, {"min", CY_AGG_MIN},
        {"max", CY_AGG_MAX}, {"collect", CY_AGG_COLLECT}, {"stDev", CY_AGG_STDEV}, {"stDevP", CY_AGG_STDEVP},
        {"percentileCont", CY_AGG_PCONT}, {"percentileDisc", CY_AGG_PDISC},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (strcasecmp(name, t[i].n) == 0) return star && t[i].k == CY_AGG_COUNT ? CY_AGG_COUNT_STAR : t[i].k;
    return 0;
}

static int pos_of(const cy_aggdef *d) { return d->call ? (int32_t)d->call->pos : -1; }

int cy_agg_update(cy_x *x, const cy_aggdef *d, cy_aggst *s, qval v, qval param) {
    if (d->kind == CY_AGG_COUNT_STAR) { s->cnt++; return 0; }
    if (v.type == QT_NULL) return 0;
    if (d->distinct) {
        if (!s->seen_init) { cy_rowset_init(&s->seen, 1); s->seen_init = true; }
        bool added;
        cy_rowset_add(&s->seen, x->arena, &v, &added);
        if (!added) return 0;
    }
    switch (d->kind) {
    case CY_AGG_COUNT: s->cnt++; return 0;
    case CY_AGG_SUM: case CY_AGG_AVG:
        s->cnt++;
        if (v.type == QT_INT) {
            if (!s->is_float && __builtin_add_overflow(s->isum, v.i, &s->isum) && d->kind == CY_AGG_SUM)
                return cy_err(x->err, CYE_ARITHMETIC, "IntegerOverflow", pos_of(d), "sum() overflowed");
            s->fsum += (double)v.i;
            return 0;
        }
        if (v.type == QT_FLOAT) { s->is_float = true; s->fsum += v.f; return 0; }
        if (v.type == QT_DURATION) {
            if (!s->is_other) { s->is_other = true; s->acc = v; return 0; }
            return qv_add(x->arena, s->acc, v, &s->acc, x->err);
        }
        return cy_err(x->err, CYE_TYPE, "InvalidArgumentType", pos_of(d), "%s() needs numbers, got %s",
                      d->kind == CY_AGG_SUM ? "sum" : "avg", qv_type_name((qtype)v.type));
    case CY_AGG_MIN: case CY_AGG_MAX:
        if (s->cnt++ == 0) { s->acc = v; return 0; }
        {
            int c = qv_order(v, s->acc);
            if ((d->kind == CY_AGG_MIN && c < 0) || (d->kind == CY_AGG_MAX && c > 0)) s->acc = v;
        }
        return 0;
    case CY_AGG_COLLECT:
        if (!s->list_init) { qlist_b_init(&s->list, x->arena, 8); s->list_init = true; }
        qlist_b_push(&s->list, v);
        return 0;
    case CY_AGG_STDEV: case CY_AGG_STDEVP: {
        if (!qv_is_number(v))
            return cy_err(x->err, CYE_TYPE, "InvalidArgumentType", pos_of(d), "stDev() needs numbers");
        double f = v.type == QT_INT ? (double)v.i : v.f;
        s->cnt++;
        double delta = f - s->mean;
        s->mean += delta / (double)s->cnt;
        s->m2 += delta * (f - s->mean);
        return 0;
    }
    case CY_AGG_PCONT: case CY_AGG_PDISC: {
        if (!qv_is_number(v))
            return cy_err(x->err, CYE_TYPE, "InvalidArgumentType", pos_of(d), "percentiles need numbers");
        if (!qv_is_number(param))
            return cy_err(x->err, CYE_TYPE, "InvalidArgumentType", pos_of(d), "the percentile must be a number");
        double p = param.type == QT_INT ? (double)param.i : param.f;
        if (!(p >= 0.0 && p <= 1.0))
            return cy_err(x->err, CYE_ARGUMENT, "NumberOutOfRange", pos_of(d),
                          "the percentile must be between 0.0 and 1.0, got %g", p);
        s->param = qv_float(p);
        if (!s->list_init) { qlist_b_init(&s->list, x->arena, 8); s->list_init = true; }
        qlist_b_push(&s->list, v);
        return 0;
    }
    default: return cy_err(x->err, CYE_INTERNAL, NULL, pos_of(d), "unknown aggregate");
    }
}

static double num(qval v) { return v.type == QT_INT ? (double)v.i : v.f; }
static int cmp_num(const void *a, const void *b) {
    double x = num(*(const qval *)a), y = num(*(const qval *)b);
    return x < y ? -1 : x > y;
}

int cy_agg_final(cy_x *x, const cy_aggdef *d, cy_aggst *s, qval *out) {
    switch (d->kind) {
    case CY_AGG_COUNT: case CY_AGG_COUNT_STAR: *out = qv_int(s->cnt); return 0;
    case CY_AGG_SUM:
        if (s->is_other) { *out = s->acc; return 0; }
        *out = s->is_float ? qv_float(s->fsum) : qv_int(s->isum);
        return 0;
    case CY_AGG_AVG:
        if (s->cnt == 0) { *out = qv_null(); return 0; }
        if (s->is_other) return qv_div(x->arena, s->acc, qv_int(s->cnt), out, x->err);
        *out = qv_float(s->fsum / (double)s->cnt);
        return 0;
    case CY_AGG_MIN: case CY_AGG_MAX: *out = s->cnt ? s->acc : qv_null(); return 0;
    case CY_AGG_COLLECT:
        if (!s->list_init) { *out = qv_list_ref(NULL, 0); return 0; }
        *out = qlist_b_done(&s->list);
        return 0;
    case CY_AGG_STDEV: *out = qv_float(s->cnt < 2 ? 0.0 : sqrt(s->m2 / (double)(s->cnt - 1))); return 0;
    case CY_AGG_STDEVP: *out = qv_float(s->cnt < 1 ? 0.0 : sqrt(s->m2 / (double)s->cnt)); return 0;
    case CY_AGG_PCONT: case CY_AGG_PDISC: {
        if (!s->list_init || s->list.n == 0) { *out = qv_null(); return 0; }
        qval *v = s->list.items;
        uint32_t n = s->list.n;
        qsort(v, n, sizeof(qval), cmp_num);
        double p = s->param.f;
        if (d->kind == CY_AGG_PDISC) {
            uint32_t idx;
            if (p == 1.0 || n == 1) idx = n - 1;
            else {
                double fi = p * (double)n;
                int64_t c = (int64_t)ceil(fi);
                idx = c - 1 < 0 ? 0 : (uint32_t)(c - 1);
            }
            *out = v[idx];
            return 0;
        }
        double fi = p * (double)(n - 1);
        uint32_t lo = (uint32_t)floor(fi), hi = (uint32_t)ceil(fi);
        if (lo == hi || lo == n - 1) *out = qv_float(num(v[lo]));
        else *out = qv_float(num(v[lo]) * ((double)hi - fi) + num(v[hi]) * (fi - (double)lo));
        return 0;
    }
    default: return cy_err(x->err, CYE_INTERNAL, NULL, pos_of(d), "unknown aggregate");
    }
}
