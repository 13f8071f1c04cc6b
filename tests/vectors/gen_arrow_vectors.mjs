// gen_arrow_vectors.mjs — writes tests/unit/arrow_vectors.h: Arrow IPC streams produced by apache-arrow JS
// (the repo's node_modules, 21.2.0), split into (flatbuffer header, body) per message as Flight carries
// them, for test_wire_arrow_ipc.c to decode and check value by value.
//
// Run from the repo root:  node tests/vectors/gen_arrow_vectors.mjs
// The values below are mirrored in test_wire_arrow_ipc.c; change both together.
// Compressed streams use the lz4 and zstd command-line tools as apache-arrow's codecs.
import * as A from 'apache-arrow';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';

const cli = (cmd, args) => (data) => new Uint8Array(execFileSync(cmd, args, { input: Buffer.from(data) }));
A.compressionRegistry.set(A.CompressionType.LZ4_FRAME, { encode: cli('lz4', ['-c', '-q']), decode: cli('lz4', ['-d', '-c', '-q']) });
A.compressionRegistry.set(A.CompressionType.ZSTD, { encode: cli('zstd', ['-c', '-q']), decode: cli('zstd', ['-d', '-c', '-q']) });

const vec = (values, type) => A.vectorFromArray(values, type);
const field = (name, type) => new A.Field(name, type, true);

function batch(schema, cols) {
  const children = cols.map((c) => (c instanceof A.Data ? c : c.data[0]));
  const data = A.makeData({ type: new A.Struct(schema.fields), length: children[0].length, nullCount: 0, children });
  return new A.RecordBatch(schema, data);
}

function stream(batches, options) {
  const w = new A.RecordBatchStreamWriter(options);
  for (const b of batches) w.write(b);
  w.finish();
  return w.toUint8Array(true);
}

// Splits an encapsulated stream into Flight-style (header, body) pairs; stops at end-of-stream.
function split(bytes) {
  const out = [];
  let pos = 0;
  while (pos + 8 <= bytes.length) {
    const dv = new DataView(bytes.buffer, bytes.byteOffset + pos);
    if (dv.getUint32(0, true) !== 0xffffffff) throw new Error(`no continuation marker at ${pos}`);
    const len = dv.getInt32(4, true);
    if (len === 0) break;
    const header = bytes.slice(pos + 8, pos + 8 + len);
    const bodyLength = Number(A.Message.decode(header).bodyLength);
    const body = bytes.slice(pos + 8 + len, pos + 8 + len + bodyLength);
    out.push({ header, body });
    pos += 8 + len + bodyLength;
  }
  return out;
}

// ---- prim: every integer width, floats, bool; batch 1 has nulls, batch 2 has none ---------------------
function prim() {
  const types = {
    i8: new A.Int8(), i16: new A.Int16(), i32: new A.Int32(), i64: new A.Int64(),
    u8: new A.Uint8(), u16: new A.Uint16(), u32: new A.Uint32(), u64: new A.Uint64(),
    f32: new A.Float32(), f64: new A.Float64(), b: new A.Bool(),
  };
  const schema = new A.Schema(Object.entries(types).map(([n, t]) => field(n, t)));
  const rows1 = {
    i8: [1, -2, null, 127], i16: [-32768, 0, 300, null], i32: [2147483647, -1, null, 42],
    i64: [9007199254740993n, -5n, null, 0n], u8: [255, 0, 1, null], u16: [65535, 1, 2, 3],
    u32: [4294967295, 0, null, 7], u64: [18446744073709551615n, 1n, 2n, null],
    f32: [1.5, -0.25, null, 3], f64: [Math.PI, -1e300, null, 0], b: [true, false, null, true],
  };
  const rows2 = {
    i8: [-128, 0, 5], i16: [1, 2, 3], i32: [-7, 8, 9], i64: [-9223372036854775808n, 9223372036854775807n, 1n],
    u8: [9, 8, 7], u16: [10, 20, 30], u32: [100, 200, 300], u64: [4n, 5n, 6n],
    f32: [0.5, 1.5, 2.5], f64: [-0.5, 1e-300, 2], b: [false, true, true],
  };
  const mk = (rows) => batch(schema, Object.keys(types).map((n) => vec(rows[n], types[n])));
  return stream([mk(rows1), mk(rows2)]);
}

// ---- nested: strings and lists -------------------------------------------------------------------------
function nested() {
  const f32 = new A.Field('item', new A.Float32(), true);
  const types = {
    s: new A.Utf8(),
    ls: new A.LargeUtf8(),
    tags: new A.List(new A.Field('item', new A.Utf8(), true)),
    li: new A.List(new A.Field('item', new A.Int64(), true)),
    ld: new A.List(new A.Field('item', new A.Float64(), true)),
    lf: new A.List(f32),
    fsl: new A.FixedSizeList(3, f32),
    ll: new A.LargeList(new A.Field('item', new A.Int32(), true)),
  };
  const schema = new A.Schema(Object.entries(types).map(([n, t]) => field(n, t)));
  const rows = {
    s: ['alpha', null, '', 'δέλτα'],
    ls: ['x', 'yy', null, 'zzz'],
    tags: [['a', 'b'], [], null, ['c']],
    li: [[1n, 2n, 3n], null, [], [-4n]],
    ld: [[0.5], [1.5, 2.5], null, []],
    lf: [[1], [], [2, 3], null],
    fsl: [[1, 2, 3], [4, 5, 6], null, [7, 8, 9]],
    ll: [[1], [2, 3], [], null],
  };
  return stream([batch(schema, Object.keys(types).map((n) => vec(rows[n], types[n])))]);
}

// ---- dict: dictionary<int32, utf8> with a delta then a replacement, and dictionary<int8, utf8> -------
function dict() {
  const t32 = new A.Dictionary(new A.Utf8(), new A.Int32(), 0);
  const t8 = new A.Dictionary(new A.Utf8(), new A.Int8(), 1);
  const schema = new A.Schema([field('type', t32), field('label', t8)]);
  const indices = (type, Ctor, vals, dictionary) => {
    let bits = 0;
    vals.forEach((v, i) => { if (v !== null) bits |= 1 << i; });
    const nulls = vals.filter((v) => v === null).length;
    return A.makeData({ type, length: vals.length, nullCount: nulls, nullBitmap: nulls ? Uint8Array.of(bits) : null,
      data: Ctor.from(vals.map((v) => v ?? 0)), dictionary });
  };
  const types1 = vec(['KNOWS', 'LIKES'], new A.Utf8());
  const types2 = types1.concat(vec(['HATES'], new A.Utf8()));  // shares chunk 0: written as a delta
  const types3 = vec(['X', 'Y'], new A.Utf8());                 // new chunk 0: written as a replacement
  const labels = vec(['Person', 'City'], new A.Utf8());
  return stream([
    batch(schema, [indices(t32, Int32Array, [0, 1, null], types1), indices(t8, Int8Array, [1, 0, 1], labels)]),
    batch(schema, [indices(t32, Int32Array, [2, 0, 1], types2), indices(t8, Int8Array, [0, null, 0], labels)]),
    batch(schema, [indices(t32, Int32Array, [1, null, 0], types3), indices(t8, Int8Array, [1, 1, 0], labels)]),
  ]);
}

// ---- compressed: 100 rows id = i, name = 'node-' + i % 5, score = i / 2 or null when i % 7 == 0 ---------
function compressed(codec) {
  const schema = new A.Schema([field('id', new A.Int64()), field('name', new A.Utf8()), field('score', new A.Float64())]);
  const n = 100;
  const ids = [], names = [], scores = [];
  for (let i = 0; i < n; i++) {
    ids.push(BigInt(i));
    names.push(`node-${i % 5}`);
    scores.push(i % 7 === 0 ? null : i / 2);
  }
  const b = batch(schema, [vec(ids, new A.Int64()), vec(names, new A.Utf8()), vec(scores, new A.Float64())]);
  return stream([b], { compressionType: codec });
}

// ---- unsupported: date and timestamp columns around an int32 ----------------------------------------
function unsupported() {
  const schema = new A.Schema([field('id', new A.Int32()), field('day', new A.DateDay()),
    field('ts', new A.TimestampMillisecond())]);
  const day = A.makeData({ type: new A.DateDay(), length: 3, nullCount: 0, data: Int32Array.of(0, 1, 19000) });
  const ts = A.makeData({ type: new A.TimestampMillisecond(), length: 3, nullCount: 0,
    data: BigInt64Array.of(0n, 1000n, 1700000000000n) });
  return stream([batch(schema, [vec([1, 2, 3], new A.Int32()), day, ts])]);
}

const vectors = {
  prim: prim(),
  nested: nested(),
  dict: dict(),
  lz4: compressed(A.CompressionType.LZ4_FRAME),
  zstd: compressed(A.CompressionType.ZSTD),
  unsupported: unsupported(),
};

// Sanity: apache-arrow reads back what it wrote.
for (const [name, bytes] of Object.entries(vectors)) {
  const t = A.tableFromIPC(bytes);
  if (!t.numRows) throw new Error(`${name}: no rows`);
}

const hex = (bytes) => {
  const parts = [];
  for (let i = 0; i < bytes.length; i += 16)
    parts.push('    ' + Array.from(bytes.subarray(i, i + 16), (b) => `0x${b.toString(16).padStart(2, '0')}`).join(', ') + ',');
  return parts.join('\n');
};

let out = `/* arrow_vectors.h — Arrow IPC messages written by apache-arrow JS ${'21.2.0'}, generated by
 * tests/vectors/gen_arrow_vectors.mjs (do not edit; re-run it). Each stream is split as Flight carries it:
 * the bare flatbuffer Message (data_header) and the body (data_body). Bodies are 8-byte aligned here;
 * the test also decodes them from misaligned copies. The values are listed in the generator.
 */
#ifndef QV_TEST_ARROW_VECTORS_H
#define QV_TEST_ARROW_VECTORS_H

#include <stddef.h>
#include <stdint.h>

typedef struct arw_vector_msg {
    const uint8_t *header;
    size_t header_len;
    const uint8_t *body;
    size_t body_len;
} arw_vector_msg;
`;
for (const [name, bytes] of Object.entries(vectors)) {
  const msgs = split(bytes);
  const rows = [];
  msgs.forEach((m, i) => {
    out += `\nstatic const uint8_t vec_${name}_${i}_h[] __attribute__((aligned(8))) = {\n${hex(m.header)}\n};\n`;
    if (m.body.length) out += `static const uint8_t vec_${name}_${i}_b[] __attribute__((aligned(8))) = {\n${hex(m.body)}\n};\n`;
    rows.push(`    {vec_${name}_${i}_h, sizeof vec_${name}_${i}_h, ${m.body.length ? `vec_${name}_${i}_b, sizeof vec_${name}_${i}_b` : 'NULL, 0'}},`);
  });
  out += `\nstatic const arw_vector_msg vec_${name}[] = {\n${rows.join('\n')}\n};\n#define VEC_${name.toUpperCase()}_COUNT ${msgs.length}\n`;
}
out += '\n#endif\n';
writeFileSync(new URL('../unit/arrow_vectors.h', import.meta.url), out);
console.log(Object.entries(vectors).map(([n, b]) => `${n}: ${split(b).length} messages, ${b.length} bytes`).join('\n'));
