/* snapshot_format.c — names of snapshot sections and sizes of property elements.
 *
 * Owns: the tables that turn format constants into words for error messages. Must not read or write
 * files, and must not know how sections are laid out beyond their ids.
 */
#include "store/snapshot.h"

#include <stdio.h>

void snap_section_name(uint32_t id, uint32_t index, char *out, size_t cap) {
    const char *base = NULL;
    int per_column = 0;
    switch (id) {
    case SEC_META: base = "meta"; break;
    case SEC_LABELS: base = "labels"; break;
    case SEC_REL_TYPES: base = "rel_types"; break;
    case SEC_PROP_KEYS: base = "prop_keys"; break;
    case SEC_EXT_IDS: base = "ext_ids"; break;
    case SEC_EXT_STR_OFF: base = "ext_str_off"; break;
    case SEC_EXT_STR: base = "ext_str"; break;
    case SEC_NODE_LABELSET: base = "node_labelset"; break;
    case SEC_LABELSET_OFF: base = "labelset_off"; break;
    case SEC_LABELSET_LABELS: base = "labelset_labels"; break;
    case SEC_NODE_COL: base = "node_col", per_column = 1; break;
    case SEC_NODE_COL_PRESENT: base = "node_col_present", per_column = 1; break;
    case SEC_NODE_COL_OFFSETS: base = "node_col_offsets", per_column = 1; break;
    case SEC_NODE_COL_VALUES: base = "node_col_values", per_column = 1; break;
    case SEC_OUT_OFF: base = "out_off"; break;
    case SEC_OUT_TGT: base = "out_tgt"; break;
    case SEC_REL_TYPE: base = "rel_type"; break;
    case SEC_IN_OFF: base = "in_off"; break;
    case SEC_IN_REL: base = "in_rel"; break;
    case SEC_IN_SRC: base = "in_src"; break;
    case SEC_IN_OWNER: base = "in_owner"; break;
    case SEC_REL_COL: base = "rel_col", per_column = 1; break;
    case SEC_REL_COL_PRESENT: base = "rel_col_present", per_column = 1; break;
    case SEC_REL_COL_OFFSETS: base = "rel_col_offsets", per_column = 1; break;
    case SEC_REL_COL_VALUES: base = "rel_col_values", per_column = 1; break;
    case SEC_TYPES: base = "types"; break;
    case SEC_END: base = "end"; break;
    }
    if (!base)
        snprintf(out, cap, "section id %u", id);
    else if (per_column)
        snprintf(out, cap, "%s[%u]", base, index);
    else
        snprintf(out, cap, "%s", base);
}

size_t snap_prop_elem_size(gprop_type t) {
    switch (t) {
    case GPROP_INT64:
    case GPROP_DOUBLE:
    case GPROP_INT64_LIST:
    case GPROP_DOUBLE_LIST: return 8;
    case GPROP_FLOAT_LIST: return 4;
    case GPROP_BOOL:
    case GPROP_STRING: return 1;
    }
    return 0;
}
