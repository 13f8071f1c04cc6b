/* func.c — the scalar function registry: the core table, case-insensitive lookup over the core and
 * temporal tables, and aggregate names.
 *
 * Owns: which names exist and their arities. Must not: implement functions (func_*.c do), keep mutable
 * state (lookups scan the constant tables; they run once per call site at planning time).
 */
#include "cypher/func_int.h"

#include <string.h>
#include <strings.h>

const cy_fn cy_fns_core[] = {
    /* string */
    {"toUpper", 1, 1, true, cyfn_toupper},
    {"toLower", 1, 1, true, cyfn_tolower},
    {"upper", 1, 1, true, cyfn_toupper},
    {"lower", 1, 1, true, cyfn_tolower},
    {"trim", 1, 1, true, cyfn_trim},
    {"lTrim", 1, 1, true, cyfn_ltrim},
    {"rTrim", 1, 1, true, cyfn_rtrim},
    {"replace", 3, 3, true, cyfn_replace},
    {"substring", 2, 3, true, cyfn_substring},
    {"left", 2, 2, true, cyfn_left},
    {"right", 2, 2, true, cyfn_right},
    {"split", 2, 2, true, cyfn_split},
    /* math */
    {"abs", 1, 1, true, cyfn_abs},
    {"ceil", 1, 1, true, cyfn_ceil},
    {"floor", 1, 1, true, cyfn_floor},
    {"round", 1, 3, true, cyfn_round},
    {"sign", 1, 1, true, cyfn_sign},
    {"rand", 0, 0, false, cyfn_rand},
    {"randomUUID", 0, 0, false, cyfn_randomuuid},
    {"isNaN", 1, 1, true, cyfn_isnan},
    {"sqrt", 1, 1, true, cyfn_sqrt},
    {"exp", 1, 1, true, cyfn_exp},
    {"log", 1, 1, true, cyfn_log},
    {"log10", 1, 1, true, cyfn_log10},
    {"e", 0, 0, true, cyfn_e},
    {"pi", 0, 0, true, cyfn_pi},
    {"sin", 1, 1, true, cyfn_sin},
    {"cos", 1, 1, true, cyfn_cos},
    {"tan", 1, 1, true, cyfn_tan},
    {"cot", 1, 1, true, cyfn_cot},
    {"asin", 1, 1, true, cyfn_asin},
    {"acos", 1, 1, true, cyfn_acos},
    {"atan", 1, 1, true, cyfn_atan},
    {"atan2", 2, 2, true, cyfn_atan2},
    {"degrees", 1, 1, true, cyfn_degrees},
    {"radians", 1, 1, true, cyfn_radians},
    {"haversin", 1, 1, true, cyfn_haversin},
    /* lists */
    {"size", 1, 1, true, cyfn_size},
    {"head", 1, 1, true, cyfn_head},
    {"last", 1, 1, true, cyfn_last},
    {"tail", 1, 1, true, cyfn_tail},
    {"range", 2, 3, true, cyfn_range},
    {"reverse", 1, 1, true, cyfn_reverse},
    {"coalesce", 1, -1, true, cyfn_coalesce},
    {"isEmpty", 1, 1, true, cyfn_isempty},
    /* conversion */
    {"toBoolean", 1, 1, true, cyfn_toboolean},
    {"toBooleanOrNull", 1, 1, true, cyfn_tobooleanornull},
    {"toInteger", 1, 1, true, cyfn_tointeger},
    {"toIntegerOrNull", 1, 1, true, cyfn_tointegerornull},
    {"toFloat", 1, 1, true, cyfn_tofloat},
    {"toFloatOrNull", 1, 1, true, cyfn_tofloatornull},
    {"toString", 1, 1, true, cyfn_tostring},
    {"toStringOrNull", 1, 1, true, cyfn_tostringornull},
    {"toBooleanList", 1, 1, true, cyfn_tobooleanlist},
    {"toIntegerList", 1, 1, true, cyfn_tointegerlist},
    {"toFloatList", 1, 1, true, cyfn_tofloatlist},
    {"toStringList", 1, 1, true, cyfn_tostringlist},
    /* entities and paths */
    {"labels", 1, 1, true, cyfn_labels},
    {"type", 1, 1, true, cyfn_type},
    {"id", 1, 1, true, cyfn_id},
    {"elementId", 1, 1, true, cyfn_id},
    {"properties", 1, 1, true, cyfn_properties},
    {"keys", 1, 1, true, cyfn_keys},
    {"startNode", 1, 1, true, cyfn_startnode},
    {"endNode", 1, 1, true, cyfn_endnode},
    {"nodes", 1, 1, true, cyfn_nodes},
    {"relationships", 1, 1, true, cyfn_relationships},
    {"length", 1, 1, true, cyfn_length},
    {"timestamp", 0, 0, false, cyfn_timestamp},
    /* Neptune */
    {"removeKeyFromMap", 2, 2, true, cyfn_removekeyfrommap},
    {"join", 2, 2, true, cyfn_join},
};
const size_t cy_fns_core_n = sizeof cy_fns_core / sizeof cy_fns_core[0];

static bool name_is(const char *canon, const char *name, size_t len) {
    return strlen(canon) == len && strncasecmp(canon, name, len) == 0;
}

const cy_fn *cy_fn_find(const char *name, size_t len) {
    for (size_t i = 0; i < cy_fns_core_n; i++)
        if (name_is(cy_fns_core[i].name, name, len)) return &cy_fns_core[i];
    for (size_t i = 0; i < cy_fns_temporal_n; i++)
        if (name_is(cy_fns_temporal[i].name, name, len)) return &cy_fns_temporal[i];
    return NULL;
}

bool cy_fn_is_aggregate(const char *name, size_t len) {
    static const char *const aggs[] = {"count", "sum", "avg", "min", "max", "collect",
                                       "stDev", "stDevP", "percentileCont", "percentileDisc"};
    for (size_t i = 0; i < sizeof aggs / sizeof aggs[0]; i++)
        if (name_is(aggs[i], name, len)) return true;
    return false;
}
