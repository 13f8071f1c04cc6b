/* ast.h — the abstract syntax tree of an openCypher query.
 *
 * Owns: the node types the parser (parse*.c) produces and semantic analysis (sema*.c) and the planner
 * (plan*.c) consume. Every node lives in the query's arena and carries the byte offset of its first token
 * in the query text (for error positions). Names (variables, labels, keys, functions) are NUL-terminated
 * arena strings, already unescaped (backticks removed). Nothing here evaluates anything.
 */
#ifndef QV_CYPHER_AST_H
#define QV_CYPHER_AST_H

#include <stdbool.h>
#include <stdint.h>

#include "value/value.h"

typedef struct cy_expr cy_expr;
typedef struct cy_pattern cy_pattern;
typedef struct cy_ast cy_ast;

/* ---------------------------------------------------------------- expressions */
typedef enum cy_expr_kind {
    CX_NULL = 1, CX_BOOL, CX_INT, CX_FLOAT, CX_STRING,  /* literals: value in .lit */
    CX_PARAM,            /* $name or $0: .name */
    CX_VAR,              /* .name */
    CX_PROP,             /* .a . .name  (a.key; a may be any expression) */
    CX_LIST,             /* [ .args ] */
    CX_MAP,              /* { .keys[i] : .args[i] } */
    CX_MAP_PROJECTION,   /* .a { .proj_items }  (a is a CX_VAR) */
    CX_INDEX,            /* .a [ .b ] */
    CX_SLICE,            /* .a [ .b .. .c ]  (b or c may be NULL) */
    CX_UNARY,            /* .op .a  (CXO_NOT, CXO_NEG, CXO_POS) */
    CX_BINARY,           /* .a .op .b */
    CX_IS_NULL,          /* .a IS NULL */
    CX_IS_NOT_NULL,      /* .a IS NOT NULL */
    CX_HAS_LABELS,       /* .a :L1:L2  (.labels, .n_labels) — n:L in WHERE */
    CX_CALL,             /* function call: .name (as written, may be namespaced "date.truncate"),
                            .args, .distinct, .star (count(*)) */
    CX_CASE,             /* CASE [.a] WHEN .args[2i] THEN .args[2i+1] ... [ELSE .b] END  (n_args even) */
    CX_LIST_COMP,        /* [ .name IN .a [WHERE .b] [| .c] ] */
    CX_PATTERN_COMP,     /* [ [.name =] .pattern [WHERE .b] | .c ]  (pattern has exactly one path) */
    CX_QUANT,            /* .quant ( .name IN .a WHERE .b ) */
    CX_REDUCE,           /* reduce( .name2 = .b , .name IN .a | .c ) */
    CX_PATTERN,          /* a pattern used as a predicate / expression: .pattern (one path) */
    CX_EXISTS,           /* EXISTS { .pattern [WHERE .b] } or EXISTS { .subquery } or exists(<pattern>) */
    CX_COUNT_STAR_INTERNAL_UNUSED,
} cy_expr_kind;

typedef enum cy_op {
    CXO_NONE = 0,
    CXO_OR, CXO_XOR, CXO_AND, CXO_NOT,
    CXO_EQ, CXO_NEQ, CXO_LT, CXO_GT, CXO_LE, CXO_GE,
    CXO_ADD, CXO_SUB, CXO_MUL, CXO_DIV, CXO_MOD, CXO_POW,
    CXO_NEG, CXO_POS,
    CXO_IN, CXO_STARTS_WITH, CXO_ENDS_WITH, CXO_CONTAINS, CXO_REGEX,
} cy_op;

typedef enum cy_quant { CXQ_ALL = 1, CXQ_ANY, CXQ_NONE, CXQ_SINGLE } cy_quant;

/* Map projection items: .key (property selector), key: expr (literal entry), var (variable selector),
 * .* (all properties). */
typedef enum { CMP_PROP = 1, CMP_LITERAL, CMP_VAR, CMP_ALL } cy_mapproj_kind;
typedef struct cy_mapproj_item {
    cy_mapproj_kind kind;
    const char *key;       /* CMP_PROP / CMP_LITERAL: the key; CMP_VAR: the variable name */
    cy_expr *expr;         /* CMP_LITERAL */
} cy_mapproj_item;

struct cy_expr {
    cy_expr_kind kind;
    cy_op op;
    uint32_t pos;          /* byte offset of the expression's first token */
    uint32_t end;          /* byte offset just past its last token (projection column names use [pos,end)) */
    qval lit;              /* literals: the value (strings unescaped, in the arena) */
    const char *name;      /* CX_VAR, CX_PARAM, CX_PROP key, CX_CALL function, comprehension variable */
    const char *name2;     /* CX_REDUCE accumulator */
    cy_expr *a, *b, *c;
    cy_expr **args;        /* CX_LIST, CX_MAP values, CX_CALL arguments, CX_CASE when/then pairs */
    const char **keys;     /* CX_MAP keys, parallel to args */
    uint32_t n_args;
    const char **labels;   /* CX_HAS_LABELS */
    uint32_t n_labels;
    bool distinct;         /* CX_CALL: f(DISTINCT x) */
    bool star;             /* CX_CALL: count(*) */
    cy_quant quant;        /* CX_QUANT */
    cy_pattern *pattern;   /* CX_PATTERN, CX_PATTERN_COMP, CX_EXISTS (pattern form) */
    cy_ast *subquery;    /* CX_EXISTS { full query } */
    cy_mapproj_item *proj_items;  /* CX_MAP_PROJECTION */
    uint32_t n_proj_items;
    int32_t slot;          /* filled by semantic analysis / planning (variable slot), -1 before */
};

/* ---------------------------------------------------------------- patterns */
typedef enum { CY_DIR_BOTH = 0, CY_DIR_RIGHT = 1, CY_DIR_LEFT = 2 } cy_dir;  /* -[]-  -[]->  <-[]- */

typedef struct cy_node_pat {
    uint32_t pos;
    const char *var;       /* NULL: anonymous */
    const char **labels;   /* (n:A:B): all required */
    uint32_t n_labels;
    cy_expr *props;        /* CX_MAP or CX_PARAM, or NULL */
} cy_node_pat;

typedef struct cy_rel_pat {
    uint32_t pos;
    const char *var;
    const char **types;    /* [:A|B] (also accepts [:A|:B]): any of them */
    uint32_t n_types;
    cy_dir dir;
    cy_expr *props;
    bool varlen;           /* [*], [*2], [*1..3], [*..3], [*2..] */
    int64_t min_hops;      /* varlen: default 1 */
    int64_t max_hops;      /* varlen: -1 = unbounded */
} cy_rel_pat;

typedef enum { CY_PATH_PLAIN = 0, CY_PATH_SHORTEST, CY_PATH_ALL_SHORTEST } cy_path_kind;

typedef struct cy_path_pat {
    uint32_t pos;
    const char *var;       /* p = (...)  named path, or NULL */
    cy_path_kind kind;     /* shortestPath(...) / allShortestPaths(...) */
    uint32_t n_rels;
    cy_node_pat *nodes;    /* n_rels + 1 */
    cy_rel_pat *rels;      /* n_rels */
} cy_path_pat;

struct cy_pattern {
    uint32_t pos;
    uint32_t n_paths;      /* comma-separated parts */
    cy_path_pat *paths;
};

/* ---------------------------------------------------------------- clauses */
typedef struct cy_proj_item {
    cy_expr *expr;
    const char *alias;     /* AS alias, or NULL */
    const char *text;      /* the column name when there is no alias: the expression's text as written */
} cy_proj_item;

typedef struct cy_sort_item {
    cy_expr *expr;
    bool descending;
} cy_sort_item;

typedef struct cy_projection {
    bool distinct;
    bool star;             /* RETURN * / WITH * (items may follow: WITH *, a AS b) */
    cy_proj_item *items;
    uint32_t n_items;
    cy_sort_item *order;
    uint32_t n_order;
    cy_expr *skip;         /* or NULL */
    cy_expr *limit;        /* or NULL */
} cy_projection;

typedef enum {
    CY_SET_PROP = 1,       /* .target (a CX_PROP) = .value */
    CY_SET_ALL,            /* .var = .value */
    CY_SET_MERGE,          /* .var += .value */
    CY_SET_LABELS,         /* .var :L1:L2 */
    CY_REMOVE_PROP,        /* REMOVE .target (a CX_PROP) */
    CY_REMOVE_LABELS,      /* REMOVE .var :L1:L2 */
} cy_set_kind;

typedef struct cy_set_item {
    cy_set_kind kind;
    uint32_t pos;
    cy_expr *target;       /* CY_SET_PROP / CY_REMOVE_PROP */
    const char *var;       /* the others */
    cy_expr *value;
    const char **labels;
    uint32_t n_labels;
} cy_set_item;

typedef enum {
    CC_MATCH = 1,          /* .optional, .pattern, .where */
    CC_UNWIND,             /* UNWIND .expr AS .var */
    CC_WITH,               /* .proj, .where */
    CC_RETURN,             /* .proj */
    CC_CREATE,             /* .pattern */
    CC_MERGE,              /* .pattern (one path); .on_create / .on_match set items */
    CC_SET,                /* .items */
    CC_REMOVE,             /* .items */
    CC_DELETE,             /* .detach, .exprs */
    CC_CALL,               /* CALL .proc_name(.args) [YIELD ...] [WHERE] — in-query or standalone */
    CC_FOREACH,            /* FOREACH (.var IN .expr | .body clauses) */
} cy_clause_kind;

typedef struct cy_yield_item {
    const char *name;      /* the procedure's output column */
    const char *alias;     /* or NULL */
} cy_yield_item;

typedef struct cy_clause cy_clause;
struct cy_clause {
    cy_clause_kind kind;
    uint32_t pos;
    bool optional;
    cy_pattern *pattern;
    cy_expr *where;
    cy_expr *expr;
    const char *var;
    cy_projection proj;
    cy_set_item *items;    /* SET / REMOVE */
    uint32_t n_items;
    cy_set_item *on_create;
    uint32_t n_on_create;
    cy_set_item *on_match;
    uint32_t n_on_match;
    bool detach;
    cy_expr **exprs;       /* DELETE targets */
    uint32_t n_exprs;
    const char *proc_name; /* CALL: "db.labels", "test.my.proc" */
    cy_expr **args;        /* CALL arguments */
    uint32_t n_args;
    bool has_arg_list;     /* CALL p() vs CALL p (implicit arguments from parameters) */
    cy_yield_item *yields;
    uint32_t n_yields;
    bool yield_star;       /* YIELD * */
    cy_clause **body;      /* FOREACH */
    uint32_t n_body;
};

/* ---------------------------------------------------------------- statements */
typedef struct cy_single_query {
    cy_clause **clauses;
    uint32_t n_clauses;
} cy_single_query;

typedef enum {
    CY_STMT_QUERY = 1,     /* a (union of) single queries */
    CY_STMT_CREATE_INDEX,  /* CREATE INDEX [name] [IF NOT EXISTS] FOR (n:L) ON (n.p)  /  FOR ()-[r:T]-() ON (r.p) */
    CY_STMT_DROP_INDEX,    /* DROP INDEX name [IF EXISTS] */
    CY_STMT_CREATE_CONSTRAINT, /* CREATE CONSTRAINT [name] [IF NOT EXISTS] FOR (n:L) REQUIRE n.p IS UNIQUE */
    CY_STMT_DROP_CONSTRAINT,
    CY_STMT_SHOW_INDEXES,
    CY_STMT_SHOW_CONSTRAINTS,
} cy_stmt_kind;

struct cy_ast {
    cy_stmt_kind kind;
    uint32_t pos;
    cy_single_query *parts;   /* CY_STMT_QUERY: n_parts >= 1, joined by UNION [ALL] */
    bool *union_all;          /* n_parts - 1 flags: union_all[i] joins parts[i] and parts[i+1] */
    uint32_t n_parts;
    /* schema statements */
    const char *schema_name;  /* index / constraint name, or NULL (a name is generated) */
    bool if_not_exists, if_exists;
    bool schema_rel;          /* relationship index */
    const char *schema_var;
    const char *schema_token; /* label or relationship type */
    const char **schema_keys;
    uint32_t n_schema_keys;
};

/* Parses one statement (a trailing ';' is allowed). Query hints written as a leading
 * "USING QUERY:..." line are skipped. Errors are CYE_SYNTAX with detail "UnexpectedSyntax" (or a more
 * specific openCypher detail: InvalidNumberLiteral, InvalidUnicodeLiteral, IntegerOverflow, ...) and the offset of
 * the offending token. Nesting deeper than CY_MAX_DEPTH fails cleanly (no stack overflow). */
#define CY_MAX_DEPTH 500
cy_ast *cy_parse(qv_arena *a, const char *text, uint32_t len, cy_error *err);

/* Debug rendering of an AST (parser tests). */
const char *cy_ast_debug(qv_arena *a, const cy_ast *q);

#endif
