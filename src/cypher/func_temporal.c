/* func_temporal.c — the temporal functions of openCypher as registry entries: date(), localtime(), time(),
 * localdatetime(), datetime() with their .transaction / .statement / .realtime / .truncate forms,
 * datetime.fromepoch / fromepochmillis, duration() and duration.between / inMonths / inDays / inSeconds.
 * Must not: implement temporal semantics (value/temporal*.c does); this file only dispatches on the
 * argument kinds and sets error positions.
 */
#include <string.h>
#include <time.h>

#include "cypher/func.h"
#include "value/temporal.h"

static int fail_at(cy_fnctx *ctx, cy_error *err) {
    if (err && err->offset < 0) err->offset = ctx->pos;
    return -1;
}

static int64_t wall_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* t(), t(string), t(map), t(temporal); t({timezone: 'X'}) is the current value in zone X. */
static int construct(qtype t, cy_fnctx *ctx, const qval *args, uint32_t nargs, qval *out, cy_error *err) {
    int rc;
    if (nargs == 0) rc = qtemporal_now(ctx->arena, t, ctx->stmt_time_ns, qv_null(), out, err);
    else {
        qval x = args[0];
        switch ((qtype)x.type) {
        case QT_NULL: *out = qv_null(); return 0;
        case QT_STRING: rc = qtemporal_parse(ctx->arena, t, x.s, x.len, out, err); break;
        case QT_MAP:
            if (t != QT_DURATION && x.len == 1 && strcmp(x.ents[0].key, "timezone") == 0) {
                rc = qtemporal_now(ctx->arena, t, ctx->stmt_time_ns, x.ents[0].v, out, err);
                break;
            }
            rc = qtemporal_from_map(ctx->arena, t, x, out, err);
            break;
        default:
            if (t != QT_DURATION && qv_is_temporal(x)) { rc = qtemporal_convert(ctx->arena, t, x, out, err); break; }
            rc = cy_err(err, CYE_TYPE, "InvalidArgumentType", ctx->pos,
                        "%s() expects a String, a Map%s, got %s", qv_type_name(t),
                        t == QT_DURATION ? "" : " or a temporal value", qv_type_name((qtype)x.type));
            if (err) err->phase = CY_PHASE_RUNTIME;
            break;
        }
    }
    return rc ? fail_at(ctx, err) : 0;
}

/* t.transaction(), t.statement() (the statement's clock), t.realtime() (the wall clock now). */
static int clock_fn(qtype t, bool real, cy_fnctx *ctx, const qval *args, uint32_t nargs, qval *out, cy_error *err) {
    qval zone = nargs ? args[0] : qv_null();
    if (nargs && zone.type == QT_NULL) { *out = qv_null(); return 0; }
    if (qtemporal_now(ctx->arena, t, real ? wall_ns() : ctx->stmt_time_ns, zone, out, err)) return fail_at(ctx, err);
    return 0;
}

static int truncate_fn(qtype t, cy_fnctx *ctx, const qval *args, uint32_t nargs, qval *out, cy_error *err) {
    if (qtemporal_truncate(ctx->arena, t, args[0], args[1], nargs > 2 ? args[2] : qv_null(), out, err))
        return fail_at(ctx, err);
    return 0;
}

#define FAMILY(name, T)                                                                                          \
    static int name##_ctor(cy_fnctx *c, const qval *a, uint32_t n, qval *o, cy_error *e) { return construct(T, c, a, n, o, e); } \
    static int name##_stmt(cy_fnctx *c, const qval *a, uint32_t n, qval *o, cy_error *e) { return clock_fn(T, false, c, a, n, o, e); } \
    static int name##_real(cy_fnctx *c, const qval *a, uint32_t n, qval *o, cy_error *e) { return clock_fn(T, true, c, a, n, o, e); } \
    static int name##_trunc(cy_fnctx *c, const qval *a, uint32_t n, qval *o, cy_error *e) { return truncate_fn(T, c, a, n, o, e); }

FAMILY(date, QT_DATE)
FAMILY(localtime, QT_LOCALTIME)
FAMILY(time, QT_TIME)
FAMILY(localdatetime, QT_LOCALDATETIME)
FAMILY(datetime, QT_DATETIME)

static int duration_ctor(cy_fnctx *c, const qval *a, uint32_t n, qval *o, cy_error *e) {
    return construct(QT_DURATION, c, a, n, o, e);
}

static int int_arg(cy_fnctx *ctx, const char *fn, qval v, int64_t *out, cy_error *err) {
    if (v.type == QT_INT) { *out = v.i; return 0; }
    if (v.type == QT_FLOAT && v.f == (double)(int64_t)v.f) { *out = (int64_t)v.f; return 0; }
    cy_err(err, CYE_TYPE, "InvalidArgumentType", ctx->pos, "%s() expects an Integer, got %s", fn, qv_type_name((qtype)v.type));
    if (err) err->phase = CY_PHASE_RUNTIME;
    return -1;
}

static int fromepoch(cy_fnctx *ctx, const qval *args, uint32_t nargs, qval *out, cy_error *err) {
    if (args[0].type == QT_NULL || args[1].type == QT_NULL) { *out = qv_null(); return 0; }
    int64_t s, n;
    if (int_arg(ctx, "datetime.fromepoch", args[0], &s, err) || int_arg(ctx, "datetime.fromepoch", args[1], &n, err))
        return -1;
    return qtemporal_from_epoch(ctx->arena, s, n, out, err) ? fail_at(ctx, err) : 0;
}

static int fromepochmillis(cy_fnctx *ctx, const qval *args, uint32_t nargs, qval *out, cy_error *err) {
    if (args[0].type == QT_NULL) { *out = qv_null(); return 0; }
    int64_t ms;
    if (int_arg(ctx, "datetime.fromepochmillis", args[0], &ms, err)) return -1;
    int64_t s = ms / 1000, r = ms % 1000;
    if (r < 0) { s--; r += 1000; }
    return qtemporal_from_epoch(ctx->arena, s, r * 1000000, out, err) ? fail_at(ctx, err) : 0;
}

#define BETWEEN(name, U)                                                                                   \
    static int name(cy_fnctx *c, const qval *a, uint32_t n, qval *o, cy_error *e) {                        \
        return qtemporal_between(c->arena, U, a[0], a[1], o, e) ? fail_at(c, e) : 0;                       \
    }
BETWEEN(dur_between, QT_BETWEEN_ALL)
BETWEEN(dur_months, QT_BETWEEN_MONTHS)
BETWEEN(dur_days, QT_BETWEEN_DAYS)
BETWEEN(dur_seconds, QT_BETWEEN_SECONDS)

#define ENTRIES(name)                                          \
    {#name, 0, 1, false, name##_ctor},                         \
    {#name ".transaction", 0, 1, false, name##_stmt},          \
    {#name ".statement", 0, 1, false, name##_stmt},            \
    {#name ".realtime", 0, 1, false, name##_real},             \
    {#name ".truncate", 2, 3, true, name##_trunc}

const cy_fn cy_fns_temporal[] = {
    ENTRIES(date),
    ENTRIES(localtime),
    ENTRIES(time),
    ENTRIES(localdatetime),
    ENTRIES(datetime),
    {"datetime.fromepoch", 2, 2, true, fromepoch},
    {"datetime.fromepochmillis", 1, 1, true, fromepochmillis},
    {"duration", 1, 1, true, duration_ctor},
    {"duration.between", 2, 2, true, dur_between},
    {"duration.inMonths", 2, 2, true, dur_months},
    {"duration.inDays", 2, 2, true, dur_days},
    {"duration.inSeconds", 2, 2, true, dur_seconds},
};
const size_t cy_fns_temporal_n = sizeof cy_fns_temporal / sizeof cy_fns_temporal[0];
