// check_quiver_ipc.mjs — reads Arrow IPC streams written by quiver's writer (src/wire/arrow_ipc_write.c)
// with apache-arrow JS and checks every value, and checks each flatbuffer header against the structural
// rules the FlatBuffers Verifier in Arrow C++ enforces (aligned scalars/tables/vectors, in-bounds offsets,
// NUL-terminated strings) plus Arrow's body rules (8-byte aligned buffers inside the body).
//
// Produce the streams, then check them (from the repo root):
//   QV_ARROW_IPC_OUT=/tmp/qv build-x/test_wire_arrow_ipc
//   node tests/vectors/check_quiver_ipc.mjs /tmp/qv
// The expected values mirror build_js_stream() in tests/unit/test_wire_arrow_ipc.c.
import * as A from 'apache-arrow';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const cli = (cmd, args) => (data) => new Uint8Array(execFileSync(cmd, args, { input: Buffer.from(data) }));
A.compressionRegistry.set(A.CompressionType.LZ4_FRAME, { encode: cli('lz4', ['-c', '-q']), decode: cli('lz4', ['-d', '-c', '-q']) });
A.compressionRegistry.set(A.CompressionType.ZSTD, { encode: cli('zstd', ['-c', '-q']), decode: cli('zstd', ['-d', '-c', '-q']) });

// ---- structural flatbuffer verification (Message.fbs / Schema.fbs) --------------------------------------
const KeyValue = { 0: 'str', 1: 'str' };
const Int = { 0: 'i32', 1: 'bool' };
const typeTables = {
  1: {}, 2: Int, 3: { 0: 'i16' }, 4: {}, 5: {}, 6: {}, 7: { 0: 'i32', 1: 'i32', 2: 'i32' }, 8: { 0: 'i16' },
  9: { 0: 'i16', 1: 'i32' }, 10: { 0: 'i16', 1: 'str' }, 11: { 0: 'i16' }, 12: {}, 13: {}, 15: { 0: 'i32' },
  16: { 0: 'i32' }, 17: { 0: 'bool' }, 18: { 0: 'i16' }, 19: {}, 20: {}, 21: {},
};
const DictionaryEncoding = { 0: 'i64', 1: ['table', Int], 2: 'bool', 3: 'i16' };
const Field = { 0: 'str', 1: 'bool', 2: 'u8', 3: ['union', 2, typeTables], 4: ['table', DictionaryEncoding], 6: ['tables', KeyValue] };
Field[5] = ['tables', Field];
const Schema = { 0: 'i16', 1: ['tables', Field], 2: ['tables', KeyValue], 3: ['vec', 8, 8] };
const BodyCompression = { 0: 'i8', 1: 'i8' };
const RecordBatch = { 0: 'i64', 1: ['vec', 16, 8], 2: ['vec', 16, 8], 3: ['table', BodyCompression], 4: ['vec', 8, 8] };
const DictionaryBatch = { 0: 'i64', 1: ['table', RecordBatch], 2: 'bool' };
const Message = { 0: 'i16', 1: 'u8', 2: ['union', 1, { 1: Schema, 2: DictionaryBatch, 3: RecordBatch }], 3: 'i64', 4: ['tables', KeyValue] };
const sizes = { u8: 1, i8: 1, bool: 1, i16: 2, i32: 4, i64: 8 };

function verify(buf) {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const len = buf.byteLength;
  const fail = (why, at) => { throw new Error(`flatbuffer check failed at byte ${at}: ${why}`); };
  const inb = (at, n) => { if (at < 0 || at + n > len) fail(`${n} bytes out of bounds (buffer is ${len})`, at); };
  const aligned = (at, a) => { if (at % a) fail(`not ${a}-byte aligned`, at); };
  const follow = (at) => {
    aligned(at, 4); inb(at, 4);
    const o = dv.getUint32(at, true);
    if (o === 0 || o > 0x7fffffff) fail('offset is zero or too large', at);
    inb(at + o, 1);
    return at + o;
  };
  const vector = (at, elem, align) => {
    aligned(at, 4); inb(at, 4);
    const n = dv.getUint32(at, true);
    inb(at + 4, n * elem);
    if (n && (at + 4) % align) fail(`vector elements not ${align}-byte aligned`, at + 4);
    return n;
  };
  let tables = 0;
  const table = (at, spec, depth) => {
    if (depth > 64 || ++tables > 100000) fail('too deep or too many tables', at);
    aligned(at, 4); inb(at, 4);
    const vt = at - dv.getInt32(at, true);
    aligned(vt, 2); inb(vt, 4);
    const vsize = dv.getUint16(vt, true), osize = dv.getUint16(vt + 2, true);
    if (vsize % 2 || vsize < 4) fail('bad vtable size', vt);
    inb(vt, vsize); inb(at, osize);
    const field = (slot) => {
      const e = 4 + 2 * slot;
      if (e + 2 > vsize) return 0;
      const fo = dv.getUint16(vt + e, true);
      if (fo && fo >= osize) fail(`field ${slot} outside its table`, at);
      return fo ? at + fo : 0;
    };
    for (const [slot, kind] of Object.entries(spec)) {
      const p = field(Number(slot));
      if (!p) continue;
      if (typeof kind === 'string' && kind in sizes) { aligned(p, sizes[kind]); inb(p, sizes[kind]); continue; }
      if (kind === 'str') {
        const s = follow(p), n = vector(s, 1, 1);
        inb(s + 4 + n, 1);
        if (buf[s + 4 + n] !== 0) fail('string not NUL-terminated', s);
        continue;
      }
      const [what, a, b] = kind;
      if (what === 'table') table(follow(p), a, depth + 1);
      else if (what === 'vec') vector(follow(p), a, b);
      else if (what === 'tables') {
        const v = follow(p), n = vector(v, 4, 4);
        for (let i = 0; i < n; i++) table(follow(v + 4 + 4 * i), a, depth + 1);
      } else if (what === 'union') {
        const tp = field(a);
        const t = tp ? buf[tp] : 0;
        if (!b[t]) fail(`union type ${t} unknown`, tp);
        table(follow(p), b[t], depth + 1);
      }
    }
  };
  if (len % 8) fail(`flatbuffer length ${len} is not a multiple of 8`, 0);
  table(follow(0), Message, 0);
}

// Arrow's body rules for a RecordBatch (or a DictionaryBatch's data).
function checkBody(msg, bodyLength) {
  const rb = msg.isDictionaryBatch() ? msg.header().data : msg.isRecordBatch() ? msg.header() : null;
  if (!rb) return;
  if (bodyLength % 8) throw new Error(`body length ${bodyLength} is not padded to 8`);
  for (const [i, b] of rb.buffers.entries()) {
    if (b.offset % 8) throw new Error(`buffer ${i} at ${b.offset} is not 8-byte aligned`);
    if (b.offset + b.length > bodyLength) throw new Error(`buffer ${i} exceeds the body`);
  }
}

function verifyStream(bytes) {
  let pos = 0, n = 0;
  for (;;) {
    const dv = new DataView(bytes.buffer, bytes.byteOffset + pos);
    if (dv.getUint32(0, true) !== 0xffffffff) throw new Error(`no continuation marker at ${pos}`);
    const len = dv.getInt32(4, true);
    if (len === 0) return n;
    if (len % 8) throw new Error(`metadata length ${len} at ${pos} is not padded to 8`);
    const header = bytes.subarray(pos + 8, pos + 8 + len);
    verify(header);
    const msg = A.Message.decode(header);
    if (msg.version !== A.MetadataVersion.V5) throw new Error(`message ${n} is not metadata V5`);
    checkBody(msg, Number(msg.bodyLength));
    pos += 8 + len + Number(msg.bodyLength);
    n++;
  }
}

// ---- values -----------------------------------------------------------------------------------------------
const base = {
  id: [10n, -20n, 30n, 9007199254740993n, 0n],
  name: ['a', null, 'ccc', '', 'δ'],
  big: ['x', 'y', null, 'z', 'w'],
  labels: [['A', 'B'], [], null, ['C'], ['D', 'E', 'F']],
  li: [[1n, 2n], null, [], [3n], [-4n]],
  ld: [[0.5], [1.5, 2.5], null, [], [3.25]],
  lf: [[1], [], [2, 3], null, [4]],
  fsl: [[1, 2], [3, 4], null, [5, 6], [7, 8]],
  ll: [[1n], [2n, 3n], [], null, [4n]],
  flag: [true, false, null, true, true],
  u8: [0, 255, 1, 2, null],
  f32: [1.5, null, -2, 0, 3],
  lbl: Array(5).fill('Person'),
};
const rel = [
  ['KNOWS', 'LIKES', null, 'LIKES', 'KNOWS'],
  ['HATES', 'HATES', 'KNOWS', null, 'LIKES'],
  Array(5).fill('X'),
  [],
];
const types = {
  id: 'Int64', name: 'Utf8', big: 'LargeUtf8', labels: 'List<Utf8>', li: 'List<Int64>', ld: 'List<Float64>',
  lf: 'List<Float32>', fsl: 'FixedSizeList[2]<Float32>', ll: 'LargeList<Int64>', flag: 'Bool', u8: 'Uint8',
  f32: 'Float32', rel: 'Dictionary<Int32, Utf8>', lbl: 'Dictionary<Int8, Utf8>',
};

const norm = (v) => (v === null || v === undefined ? null
  : typeof v === 'object' && typeof v[Symbol.iterator] === 'function' && typeof v !== 'string' ? Array.from(v, norm) : v);
const show = (v) => JSON.stringify(v, (_, x) => (typeof x === 'bigint' ? `${x}n` : x));

function checkValues(bytes, label) {
  const reader = A.RecordBatchReader.from(bytes);
  let b = 0;
  for (const batch of reader) {
    for (const f of batch.schema.fields) {
      if (types[f.name] !== String(f.type)) throw new Error(`${label}: column ${f.name} has type ${f.type}, want ${types[f.name]}`);
    }
    const want = { ...base, rel: rel[b] };
    const nrows = rel[b].length;
    if (batch.numRows !== nrows) throw new Error(`${label}: batch ${b} has ${batch.numRows} rows, want ${nrows}`);
    for (const [name, vals] of Object.entries(want)) {
      const col = batch.getChild(name);
      for (let i = 0; i < nrows; i++) {
        const got = norm(col.get(i));
        if (show(got) !== show(vals[i])) throw new Error(`${label}: batch ${b} column ${name} row ${i}: got ${show(got)}, want ${show(vals[i])}`);
      }
    }
    b++;
  }
  if (b !== rel.length) throw new Error(`${label}: ${b} batches, want ${rel.length}`);
}

const dir = process.argv[2] || '/tmp/qv';
for (const name of ['plain', 'lz4', 'zstd']) {
  const bytes = new Uint8Array(readFileSync(join(dir, `quiver_${name}.arrows`)));
  const messages = verifyStream(bytes);
  checkValues(bytes, name);
  console.log(`quiver_${name}.arrows: ${messages} messages verified, all values match`);
}
