/* snapshot.h — internals of the snapshot file format shared by the writer, the reader and the checks
 * (internal to store/; the format itself is described in README.md).
 *
 * Owns: the constants of format version 1 (magic, header sizes, section ids and their names) and the
 * declarations that connect snapshot_write.c, snapshot_read.c and snapshot_check.c. Must not hold any
 * code that touches files or the catalog.
 */
#ifndef QV_STORE_SNAPSHOT_H
#define QV_STORE_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "graph/graph.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/pool.h"

#define SNAP_MAGIC           "QVGRAPH\0"
#define SNAP_MAGIC_LEN       8
#define SNAP_VERSION         2u /* written: the mappable layout (header, sections 64-aligned, table of contents) */
#define SNAP_VERSION_STREAM  1u /* still read: sections one after the other (read(2) into memory) */
#define SNAP2_HEADER         64u /* magic, u32 version, u32 flags, u64 file size, u64 toc offset, u32 sections,
                                    u32 toc crc, zeros, u32 header crc (CRC32C of bytes 0..59) */
#define SNAP2_ALIGN          64u /* every section starts at a multiple of 64 */
#define SNAP2_FLAG_TYPES_ZERO 1u  /* header flag: 'rel_type' is empty, every relationship has type 0 (the graph
                                     names at most one type); the reader supplies the zeros */
#define SNAP2_FLAG_IN_AFTER 2u /* header flag: in_off, in_rel and in_src are not among the sections; they may follow
                                   in an appendix at snap_appendix_at(file size), written after the file was
                                   installed (a streamed save); without a valid one the reader rebuilds them */
#define SNAP_APPENDIX_MAGIC "QVINDEX\0"
#define SNAP2_TOC_ENTRY      32u /* u32 id, u32 index, u64 offset, u64 length, u32 crc32c, u32 0 */
#define SNAP2_LAZY_FILE      (256ull << 20) /* mapped files above this defer checking big sections */
#define SNAP2_LAZY_SECTION   (1ull << 20)   /* ... of at least this size, to a background thread */
#define SNAP_FILE_HEADER     16u /* magic, u32 version, u32 flags (0) */
#define SNAP_SECTION_HEADER  32u /* u32 id, u32 index, u64 length, u64 checksum, u64 header checksum */
#define SNAP_ALIGN           8u
#define SNAP_HEADER_SEED     0x5156534543484452ull /* seed of the section-header checksum */
#define SNAP_STR_NULL        0xFFFFFFFFu           /* length of an absent (NULL) string in META */
#define SNAP_COL_HAS_PRESENT 1u                    /* column flag: a presence bitmap follows */

/* Section ids, in file order. Column sections repeat once per column, `index` = column number. */
enum snap_section {
    SEC_META = 1,
    SEC_LABELS = 2,
    SEC_REL_TYPES = 3,
    SEC_PROP_KEYS = 4,
    SEC_EXT_IDS = 5,     /* INTEGER graphs */
    SEC_EXT_STR_OFF = 6, /* STRING graphs */
    SEC_EXT_STR = 7,     /* STRING graphs */
    SEC_NODE_LABELSET = 8,
    SEC_LABELSET_OFF = 9,
    SEC_LABELSET_LABELS = 10,
    SEC_NODE_COL = 16, /* column header: key, type, flags */
    SEC_NODE_COL_PRESENT = 17,
    SEC_NODE_COL_OFFSETS = 18,
    SEC_NODE_COL_VALUES = 19,
    SEC_OUT_OFF = 32,
    SEC_OUT_TGT = 33,
    SEC_REL_TYPE = 34,
    SEC_IN_OFF = 35,
    SEC_IN_REL = 36,
    SEC_IN_SRC = 37,
    SEC_IN_OWNER = 38, /* appendix only: u32 header CRC and u32 0, u64 size of the file it extends, u64 nodes,
                          u64 relationships */
    SEC_REL_COL = 48,
    SEC_REL_COL_PRESENT = 49,
    SEC_REL_COL_OFFSETS = 50,
    SEC_REL_COL_VALUES = 51,
    SEC_TYPES = 64,   /* per relationship type: count, undirected, inverse */
    SEC_CKPT = 80,    /* checkpoints only: u64 identity, base_seq, node_hwm, rel_hwm, blocks, changes */
    SEC_DELTA = 81,   /* checkpoints only: change-list blocks as write-ahead-log frames */
    SEC_END = 0xFFFF, /* u64 number of sections before it; nothing may follow */
};

/* "out_tgt", "node_col_values[3]", or "section id 77" for ids this version does not know. */
void snap_section_name(uint32_t id, uint32_t index, char *out, size_t cap);
static inline uint64_t snap_section_seed(uint32_t id, uint32_t index) { return ((uint64_t)id << 32) | index; }
static inline uint64_t snap_pad(uint64_t n) { return (SNAP_ALIGN - n % SNAP_ALIGN) % SNAP_ALIGN; }

/* Arrays are saved as the host lays them out, and the format is little-endian. */
static inline int snap_host_little_endian(void) {
    uint16_t probe = 1;
    uint8_t first;
    memcpy(&first, &probe, 1);
    return first == 1;
}

/* Element size of a column's values array (bytes per row for scalars, per element for lists, 1 for
 * strings), 0 for a type this version does not know. */
size_t snap_prop_elem_size(gprop_type t);
static inline int snap_prop_has_offsets(gprop_type t) { return t >= GPROP_STRING && t <= GPROP_FLOAT_LIST; }

/* Writes the snapshot to fd (fd >= 0) or appends it to mem (fd < 0). `what` names the destination in
 * error messages. Does not fsync. */
int snap_write(const graph *g, int fd, qv_buf *mem, const char *what, qv_err *err);

/* The version-2 writer with more sections: a checkpoint is the image of its graph's base arrays under
 * another magic, plus sections that extra() writes (after 'types', before 'end') with snap_sec_begin /
 * snap_sec_data / snap_sec_end. fd must be a regular file (the header is written last, with pwrite). */
typedef struct snap_out snap_out;
int snap_write_image(const graph *g, const char *magic, int (*extra)(snap_out *o, void *arg, qv_err *err),
                     void *arg, int fd, qv_buf *mem, const char *what, qv_err *err);
void snap_sec_begin(snap_out *o, uint32_t id, uint32_t index);
void snap_sec_data(snap_out *o, const void *p, size_t n);
int snap_sec_end(snap_out *o);   /* -1 once any write failed (the error is set) */
uint64_t snap_out_bytes(const snap_out *o);

/* A snapshot written in two parts, so that the first can go to disk while a bulk load is still being built:
 * snap_split_begin writes every section that is final once the outgoing side of the CSR is (the node arrays and
 * columns, out_off, out_tgt, the relationship columns) and reserves table entries for the rest; snap_split_finish
 * (any thread, after begin returned) writes meta, the names, rel_type, the incoming side, types and end after
 * them, then the table (every section in the usual order: readers go by the table, not by file order) and the
 * header, and frees w. begin never fails by itself: an error is kept for finish. Does not fsync. */
typedef struct snap_split snap_split;
typedef struct snap_file_id {
    uint64_t size;  /* bytes of the file (without an appendix) */
    uint32_t hcrc;  /* its header's CRC32C */
} snap_file_id;
/* in_after: the incoming side is left out of the file (header flag SNAP2_FLAG_IN_AFTER), for
 * snap_write_appendix once the file is installed. finish fills *id (may be NULL). */
snap_split *snap_split_begin(const graph *g, int fd, const char *what, bool in_after);
int snap_split_finish(snap_split *w, const graph *g, snap_file_id *id, qv_err *err);
void snap_split_free(snap_split *w); /* without finishing (the file is left as it is) */

/* The appendix of a file written with in_after: g's incoming side (in_off, in_rel, in_src) as a version-2 image
 * of its own (magic SNAP_APPENDIX_MAGIC, section 'in_owner' naming the file by its header CRC and size, then
 * the three arrays and 'end'), from offset snap_appendix_at(of.size) of fd on. Does not fsync. */
static inline uint64_t snap_appendix_at(uint64_t size) { return (size + 4095) & ~(uint64_t)4095; }
int snap_write_appendix(const graph *g, int fd, snap_file_id of, const char *what, qv_err *err);
/* A graph mapped from a file written with in_after: 1 when its incoming side is the file's appendix, 0 when it
 * was rebuilt (no usable appendix); -1 for any other graph. */
int snap_in_after_state(const graph *g);

/* Version 2 on input (snapshot_read.c). snap_decode2 decodes the image at p[0..n) whose header carries magic
 * (flags below). With map (p is its bytes), the graph's arrays point into
 * the mapping and the graph owns it (also on failure: it is released); big sections of a big file may be left
 * to a background check (snap_verify_start). Without, everything is copied and checked. */
struct gmap;
#define SNAP2_CKPT 1u /* checkpoint sections may come before 'end' */
#define SNAP2_FULL 2u /* check every section now, whatever the file's size (quiver check) */
int snap_decode2(struct gmap *map, const uint8_t *p, size_t n, const char *magic, unsigned flags, qv_pool *pool,
                 graph **out, qv_err *err);
/* store_snapshot_read_file, with full: every section checked at once (quiver check). */
int snap_read_file(const char *path, qv_pool *pool, bool full, graph **out, qv_err *err);
/* checkpoint.c: ckpt_load_file with every section of a mapped file checked at once (quiver check). */
struct ckpt_info;
int ckpt_load_file_full(const char *path, qv_pool *pool, graph **out, struct ckpt_info *info, qv_err *err);
int snap_map_file(const char *path, struct gmap **out, qv_err *err);        /* whole file, read-only */
int snap_file_is_v2(const char *path, const char *magic, bool *yes, qv_err *err);
/* The payload of section (id, 0) of the version-2 file p[0..n), header, table and section checksums verified. */
int snap_find2(const uint8_t *p, size_t n, const char *magic, uint32_t id, const uint8_t **payload, uint64_t *len,
               qv_err *err);
/* snapshot_verify.c: checks the sections start-up left unverified (lazy[0..n), taken over) and the CSR of g
 * on a background thread that g's mapping owns (stopped by graph_free); logs the outcome. */
struct snap_lazy;
void snap_verify_start(graph *g, struct snap_lazy *lazy, uint32_t n);

/* CRC32C (same values as store_crc32c), with the CPU's instruction where there is one. */
uint32_t snap_crc32c(uint32_t crc, const void *p, size_t n);

/* Structural checks of decoded arrays (snapshot_check.c). Each returns 0, or -1 with a message that
 * names the section and the first bad entry. */
int snap_check_offsets64(const uint64_t *off, uint64_t n, uint64_t end, const char *section, qv_err *err);
int snap_check_labelsets(const graph *g, qv_err *err);
int snap_check_csr(const graph *g, qv_pool *pool, qv_err *err); /* runs on the pool */
int snap_check_types(const graph *g, qv_err *err);

#endif
