// Arrow helpers for the tests: build tables with exact column types, cut an IPC stream into Flight
// frames (bare flatbuffer Message as data_header, body as data_body) and put DoGet's frames back into a
// Table, and hand-build or rewrite message headers (compression, bogus buffers) with apache-arrow's own metadata encoders.

import {
  Table, RecordBatch, Schema, Field, Message, RecordBatchStreamWriter, vectorFromArray, makeVector,
  Int8, Int16, Int32, Int64, Uint8, Uint16, Uint32, Uint64, Float32, Float64, Bool, Utf8, List, FixedSizeList,
  Dictionary, MessageHeader, CompressionType, Decimal, DateDay, Struct, TimestampMillisecond, Binary, makeData,
  tableFromIPC,
} from 'apache-arrow';
import * as meta from 'apache-arrow/ipc/metadata/message';

export {
  Table, RecordBatch, Schema, Field, Int8, Int16, Int32, Int64, Uint8, Uint16, Uint32, Uint64, Float32, Float64,
  Bool, Utf8, List, FixedSizeList, Dictionary, vectorFromArray, makeVector, MessageHeader, CompressionType, Message,
  Decimal, DateDay, Struct, TimestampMillisecond, Binary, makeData,
};

// ---------------------------------------------------------------------------------------------------
// Column builders. Values may contain null.

const big = (v) => (v === null || v === undefined ? null : BigInt(v));
export const col = {
  int64: (vals) => vectorFromArray(vals.map(big), new Int64()),
  int32: (vals) => vectorFromArray(vals, new Int32()),
  int16: (vals) => vectorFromArray(vals, new Int16()),
  int8: (vals) => vectorFromArray(vals, new Int8()),
  uint32: (vals) => vectorFromArray(vals, new Uint32()),
  uint64: (vals) => vectorFromArray(vals.map(big), new Uint64()),
  float64: (vals) => vectorFromArray(vals, new Float64()),
  float32: (vals) => vectorFromArray(vals, new Float32()),
  bool: (vals) => vectorFromArray(vals, new Bool()),
  utf8: (vals) => vectorFromArray(vals, new Utf8()),
  listUtf8: (vals) => vectorFromArray(vals, new List(new Field('item', new Utf8(), true))),
  listInt64: (vals) => vectorFromArray(vals.map((l) => (l == null ? null : l.map(big))), new List(new Field('item', new Int64(), true))),
  listInt32: (vals) => vectorFromArray(vals, new List(new Field('item', new Int32(), true))),
  listFloat64: (vals) => vectorFromArray(vals, new List(new Field('item', new Float64(), true))),
  listFloat32: (vals) => vectorFromArray(vals, new List(new Field('item', new Float32(), true))),
  fixedFloat32: (n, vals) => vectorFromArray(vals, new FixedSizeList(n, new Field('item', new Float32(), true))),
  dict: (vals, indexType = new Int32()) => vectorFromArray(vals, new Dictionary(new Utf8(), indexType)),
  decimal: (n) => makeVector(makeData({ type: new Decimal(2, 10, 128), length: n, nullCount: 0, data: new Uint32Array(4 * n) })),
  date: (vals) => vectorFromArray(vals, new DateDay()),
  struct: (vals) => vectorFromArray(vals, new Struct([new Field('a', new Int32(), true)])),
  timestamp: (vals) => vectorFromArray(vals, new TimestampMillisecond()),
  binary: (vals) => vectorFromArray(vals, new Binary()),
  // Fast int64 column from a BigInt64Array (no per-value boxing); for big tables.
  int64Array: (arr) => makeVector(arr),
};

// Table from {name: vector}; optional schema metadata (e.g. pandas') is attached to schema and batches.
export function table(columns, metadata) {
  const t = new Table(columns);
  if (!metadata) return t;
  const schema = new Schema(t.schema.fields, new Map(Object.entries(metadata)));
  return new Table(schema, t.batches.map((b) => new RecordBatch(schema, b.data)));
}

// ---------------------------------------------------------------------------------------------------
// IPC stream -> Flight frames

function toBatches(data, batchRows) {
  let batches;
  if (data instanceof Table) batches = data.batches;
  else if (Array.isArray(data)) batches = data.flatMap((d) => (d instanceof Table ? d.batches : [d]));
  else if (data instanceof RecordBatch) batches = [data];
  else throw new TypeError('expected a Table, a RecordBatch or an array of them');
  if (batchRows) {
    const out = [];
    for (const b of batches) {
      if (b.numRows <= batchRows) { out.push(b); continue; }
      for (let off = 0; off < b.numRows; off += batchRows) out.push(b.slice(off, Math.min(b.numRows, off + batchRows)));
    }
    batches = out;
  }
  return batches;
}

// Parses an IPC stream (with or without continuation markers) into messages.
export function splitIpcStream(bytes) {
  const u8 = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  const dv = new DataView(u8.buffer, u8.byteOffset, u8.byteLength);
  const frames = [];
  let off = 0;
  while (off + 4 <= u8.length) {
    let len = dv.getInt32(off, true);
    off += 4;
    if (len === -1) { len = dv.getInt32(off, true); off += 4; }
    if (len === 0) break;
    const header = u8.subarray(off, off + len);
    off += len;
    const msg = Message.decode(header);
    const bodyLen = Number(msg.bodyLength);
    const body = u8.subarray(off, off + bodyLen);
    off += bodyLen;
    const kind = msg.headerType === MessageHeader.Schema ? 'schema'
      : msg.headerType === MessageHeader.DictionaryBatch ? 'dictionary'
        : msg.headerType === MessageHeader.RecordBatch ? 'batch' : 'other';
    frames.push({ kind, header: Buffer.from(header.buffer, header.byteOffset, header.byteLength), body: Buffer.from(body.buffer, body.byteOffset, body.byteLength) });
  }
  return frames;
}

/**
 * Cuts data (Table | RecordBatch | array) into Flight frames [{kind, header, body}] in stream order:
 * schema, then dictionary batches (before the batches using them), then record batches.
 */
export function ipcFrames(data, { batchRows } = {}) {
  if (Array.isArray(data) && data.length && data[0] && data[0].kind && data[0].header) return data; // already frames
  const batches = toBatches(data, batchRows);
  let bytes;
  if (batches.length === 0) {
    // schema only
    const schema = data instanceof Table ? data.schema : null;
    if (!schema) throw new Error('no batches and no schema');
    const w = new RecordBatchStreamWriter();
    w.reset(undefined, schema);
    w.close();
    bytes = w.toUint8Array(true);
  } else {
    const w = RecordBatchStreamWriter.writeAll(batches);
    // The writer's own toUint8Array() joins its chunks slowly (seconds for 50 MB); concatenate them here.
    const chunks = w._sink && Array.isArray(w._sink._values) ? w._sink._values : null;
    bytes = chunks
      ? Buffer.concat(chunks.map((v) => Buffer.from(v.buffer, v.byteOffset, v.byteLength)))
      : w.toUint8Array(true);
  }
  return splitIpcStream(bytes);
}

// ---------------------------------------------------------------------------------------------------
// Header surgery

export function decodeHeader(header) {
  return Message.decode(header);
}

// Re-encodes a RecordBatch frame's header with new buffer regions / body length / compression.
export function rebuildBatchHeader(header, { buffers, bodyLength, compression, length, nodes } = {}) {
  const msg = Message.decode(header);
  const rb = msg.header();
  const nrb = new meta.RecordBatch(
    length ?? rb.length,
    nodes ?? rb.nodes,
    buffers ?? rb.buffers,
    compression === undefined ? rb.compression : compression,
    rb.variadicBufferCounts,
  );
  return Buffer.from(Message.encode(Message.from(nrb, bodyLength ?? Number(msg.bodyLength))));
}

export function bufferRegion(offset, length) {
  return new meta.BufferRegion(offset, length);
}
export function fieldNode(length, nullCount) {
  return new meta.FieldNode(length, nullCount);
}
export function bodyCompression(type) {
  return new meta.BodyCompression(type);
}

// Re-encodes a DictionaryBatch frame's header with another dictionary id and/or isDelta flag.
export function rebuildDictionaryHeader(header, { id, isDelta } = {}) {
  const msg = Message.decode(header);
  const db = msg.header();
  const ndb = new meta.DictionaryBatch(db.data, id ?? db.id, isDelta ?? db.isDelta);
  return Buffer.from(Message.encode(Message.from(ndb, Number(msg.bodyLength))));
}

// FlightData messages (DoGet's answer) -> an IPC stream (gds-arrow-flight reference §4.3 step 6) -> a Table,
// as a GDS client reassembles them.
export function flightDataToTable(messages) {
  const parts = [];
  for (const m of messages) {
    const h = m.data_header;
    if (!h || h.length === 0) continue;
    const padded = (h.length + 7) & ~7;
    const pre = Buffer.alloc(8);
    pre.writeUInt32LE(0xffffffff, 0);
    pre.writeInt32LE(padded, 4);
    parts.push(pre, h, Buffer.alloc(padded - h.length), m.data_body || Buffer.alloc(0));
  }
  parts.push(Buffer.from([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]));
  return tableFromIPC(Buffer.concat(parts));
}
