/* value.h — openCypher values: the one representation every part of the engine passes around.
 *
 * Owns: qval (16 bytes, passed by value), its composite payloads, and the value-level semantics of
 * openCypher 9: equality with three-valued logic, the orderability total order used by ORDER BY, the
 * comparability used by < <= > >=, grouping equivalence and hashing (DISTINCT, aggregation keys),
 * arithmetic with overflow errors, and toString. Implemented in value*.c; temporal payloads in temporal*.c.
 *
 * Memory: payloads (string bytes, list items, map entries, paths, temporal structs) live in the query's
 * qv_arena or in graph storage that outlives the query's snapshot. Values are immutable once built and are
 * never freed one by one. Copying a qval copies 16 bytes and shares the payload.
 *
 * Nodes and relationships are internal ids (QT_NODE / QT_REL): what they have (labels, properties,
 * endpoints) is read through the graph view of the query (graph/gview.h), never stored in the value.
 */
#ifndef QV_VALUE_H
#define QV_VALUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "value/cyerr.h"
#include "util/arena.h"

typedef enum qtype {
    QT_NULL = 0,
    QT_BOOL,
    QT_INT,
    QT_FLOAT,
    QT_STRING,
    QT_LIST,
    QT_MAP,
    QT_NODE,
    QT_REL,
    QT_PATH,
    QT_DATE,           /* tm->days */
    QT_LOCALTIME,      /* tm->nanos */
    QT_TIME,           /* tm->nanos, tm->offset */
    QT_LOCALDATETIME,  /* tm->days, tm->nanos */
    QT_DATETIME,       /* tm->days, tm->nanos (local wall clock), tm->offset, tm->zone (NULL: offset only) */
    QT_DURATION,       /* dur */
} qtype;

struct qval;
struct qmapent;

/* A path: n_rels relationships joining n_rels + 1 nodes. nodes[i] and nodes[i+1] are the endpoints of
 * rels[i], in either direction (the relationship's own source says which way the hop goes). */
typedef struct qpath {
    uint32_t n_rels;
    const uint64_t *nodes;
    const uint64_t *rels;
} qpath;

/* Date and time values. days: days since 1970-01-01 (proleptic Gregorian, may be negative; years up to
 * +-999,999,999). nanos: nanoseconds since midnight (0 .. 86,399,999,999,999). offset: seconds east of
 * UTC. zone: an IANA zone id ("Europe/Stockholm") for datetimes created with a named zone, else NULL;
 * offset is then the zone's offset at that local date-time. For QT_TIME and QT_DATETIME, days/nanos are
 * the local wall-clock values; the instant is local - offset. */
typedef struct qtemporal {
    int64_t days;
    int64_t nanos;
    int32_t offset;
    const char *zone;
} qtemporal;

/* A duration keeps its components apart, as openCypher does: months, days, seconds and nanoseconds
 * (0 <= nanos < 1e9 after normalisation; seconds carries the sign of the sub-day part). */
typedef struct qduration {
    int64_t months;
    int64_t days;
    int64_t seconds;
    int64_t nanos;
} qduration;

typedef struct qval {
    uint8_t type;          /* qtype */
    uint8_t pad[3];
    uint32_t len;          /* QT_STRING: bytes (UTF-8, not NUL-terminated); QT_LIST / QT_MAP: elements */
    union {
        bool b;
        int64_t i;
        double f;
        const char *s;
        const struct qval *items;       /* QT_LIST */
        const struct qmapent *ents;     /* QT_MAP: keys unique, in insertion order */
        uint64_t id;                    /* QT_NODE, QT_REL: internal id in the query's graph */
        const qpath *path;
        const qtemporal *tm;
        const qduration *dur;
    };
} qval;

typedef struct qmapent {
    const char *key;       /* NUL-terminated */
    uint32_t klen;
    qval v;
} qmapent;

/* ---- constructors (inline: they are on every hot path) ---- */
static inline qval qv_null(void) { qval v = {0}; return v; }
static inline qval qv_bool(bool b) { qval v = {.type = QT_BOOL}; v.b = b; return v; }
static inline qval qv_int(int64_t i) { qval v = {.type = QT_INT}; v.i = i; return v; }
static inline qval qv_float(double f) { qval v = {.type = QT_FLOAT}; v.f = f; return v; }
static inline qval qv_node(uint64_t id) { qval v = {.type = QT_NODE}; v.id = id; return v; }
static inline qval qv_rel(uint64_t id) { qval v = {.type = QT_REL}; v.id = id; return v; }
/* Shares s (it must outlive the value: arena or graph storage). */
static inline qval qv_str_ref(const char *s, uint32_t n) { qval v = {.type = QT_STRING, .len = n}; v.s = s; return v; }
static inline qval qv_list_ref(const qval *items, uint32_t n) { qval v = {.type = QT_LIST, .len = n}; v.items = items; return v; }
static inline qval qv_map_ref(const qmapent *e, uint32_t n) { qval v = {.type = QT_MAP, .len = n}; v.ents = e; return v; }
static inline bool qv_is_null(qval v) { return v.type == QT_NULL; }
static inline bool qv_is_number(qval v) { return v.type == QT_INT || v.type == QT_FLOAT; }
static inline bool qv_is_temporal(qval v) { return v.type >= QT_DATE && v.type <= QT_DATETIME; }

qval qv_str_copy(qv_arena *a, const char *s, size_t n);      /* copies into the arena */
qval qv_str_cstr(qv_arena *a, const char *s);
qval qv_path_make(qv_arena *a, uint32_t n_rels, const uint64_t *nodes, const uint64_t *rels);  /* copies */
qval qv_temporal_make(qv_arena *a, qtype t, int64_t days, int64_t nanos, int32_t offset, const char *zone);
qval qv_duration_make(qv_arena *a, int64_t months, int64_t days, int64_t seconds, int64_t nanos); /* normalises */

/* Growable list / map builders in an arena (amortised doubling; the final value shares the storage). */
typedef struct qlist_b { qv_arena *a; qval *items; uint32_t n, cap; } qlist_b;
void qlist_b_init(qlist_b *b, qv_arena *a, uint32_t cap_hint);
void qlist_b_push(qlist_b *b, qval v);
qval qlist_b_done(qlist_b *b);
typedef struct qmap_b { qv_arena *a; qmapent *ents; uint32_t n, cap; } qmap_b;
void qmap_b_init(qmap_b *b, qv_arena *a, uint32_t cap_hint);
/* Sets key (replacing an existing entry of the same key); the key bytes are copied into the arena. */
void qmap_b_set(qmap_b *b, const char *key, size_t klen, qval v);
qval qmap_b_done(qmap_b *b);

/* Map lookup: the value of key, or NULL when absent. */
const qval *qv_map_get(qval map, const char *key, size_t klen);

/* ---- semantics ---- */
/* Three-valued logic results. */
typedef enum { QTRI_FALSE = 0, QTRI_TRUE = 1, QTRI_NULL = 2 } qtri;
static inline qval qv_tri(qtri t) { return t == QTRI_NULL ? qv_null() : qv_bool(t == QTRI_TRUE); }

/* openCypher equality (=): null if either side is null or the comparison involves null inside lists
 * and maps where it decides the result; 1 = 1.0 is true; NaN = NaN is false; nodes and relationships
 * by id; paths element-wise. */
qtri qv_equals(qval a, qval b);
/* Comparability (<): QTRI_NULL when the values are not comparable (different kinds, null, maps,
 * nodes, relationships, paths, durations). QTRI_TRUE with the sign in *cmp when they are ordered.
 * QTRI_FALSE when they are comparable but unordered: NaN against a number (openCypher: every
 * one of < <= > >= is false), *cmp is then 0 and meaningless. Lists compare lexicographically;
 * temporal values of the same type compare by instant / value. */
qtri qv_compare(qval a, qval b, int *cmp);
/* The operators < <= > >= on top of qv_compare (added by "values"): QTRI_NULL when incomparable,
 * QTRI_FALSE whenever NaN is involved (qv_compare then returns QTRI_FALSE: comparable but unordered,
 * *cmp meaningless). Use this rather than interpreting *cmp by hand. */
typedef enum { QCMP_LT = 0, QCMP_LE, QCMP_GT, QCMP_GE } qcmp_op;
qtri qv_compare_op(qval a, qval b, qcmp_op op);
/* The orderability total order of ORDER BY (ascending): MAP < NODE < REL < LIST < PATH < DATETIME <
 * LOCALDATETIME < DATE < TIME < LOCALTIME < DURATION < STRING < BOOL < NUMBER (NaN after all numbers)
 * < NULL. Returns <0, 0, >0. */
int qv_order(qval a, qval b);
/* Grouping equivalence (DISTINCT, aggregation keys, UNION): like equality but null ~ null, NaN ~ NaN,
 * 1 ~ 1.0. qv_hash is consistent with it. */
bool qv_equivalent(qval a, qval b);
uint64_t qv_hash(qval v);

/* Arithmetic as openCypher defines it, including temporal +/- duration and duration * number.
 * Integer overflow fails with CYE_ARITHMETIC "IntegerOverflow"; a wrong operand type with CYE_TYPE
 * "InvalidArgumentType". Null in, null out. Results are allocated in a (lists, strings, durations). */
int qv_add(qv_arena *a, qval x, qval y, qval *out, cy_error *err);   /* numbers, strings, lists, temporal */
int qv_sub(qv_arena *a, qval x, qval y, qval *out, cy_error *err);
int qv_mul(qv_arena *a, qval x, qval y, qval *out, cy_error *err);
int qv_div(qv_arena *a, qval x, qval y, qval *out, cy_error *err);   /* int / 0 fails: "DivisionByZero" */
int qv_mod(qv_arena *a, qval x, qval y, qval *out, cy_error *err);
int qv_pow(qv_arena *a, qval x, qval y, qval *out, cy_error *err);   /* always a float */
int qv_neg(qv_arena *a, qval x, qval *out, cy_error *err);

/* The type name openCypher error messages use ("Integer", "String", "List", "Node", ...). */
const char *qv_type_name(qtype t);
/* toString() of a scalar (numbers, booleans, strings, temporal, duration); NULL for other kinds. Floats
 * render as Java does (1.0, 1.0E10, NaN, Infinity). */
const char *qv_to_cstring(qv_arena *a, qval v, uint32_t *len);
/* A debugging / openCypher-literal-style rendering of any value without graph access: nodes as (#id), rels as [#id]. */
const char *qv_debug(qv_arena *a, qval v);

/* Deep copy of a value's payload into another arena (results kept past the query's arena). */
qval qv_deep_copy(qv_arena *a, qval v);

#endif
