// Arrow IPC body compression for the tests, written here (no npm codec):
// - LZ4 frame format: magic, FLG/BD, header checksum (xxHash32), blocks, end mark, optional content
//   checksum. Blocks are either compressed with a small greedy LZ4 block compressor or stored
//   uncompressed (block size field with the high bit set, allowed by the LZ4 frame spec).
// - Zstandard frame format with Raw and RLE blocks only (no entropy coding): magic, frame header with
//   the content size, blocks of at most 128 KiB.
// compressBatchFrame() rewrites an uncompressed RecordBatch frame so that each body buffer becomes
// [int64 LE uncompressed length][compressed bytes] (or [-1][raw bytes]), with 8-byte aligned offsets,
// and sets RecordBatch.compression.

import { CompressionType, rebuildBatchHeader, bufferRegion, bodyCompression, decodeHeader } from './arrow.mjs';

// ---------------------------------------------------------------------------------------------------
// xxHash32

const P1 = 0x9e3779b1, P2 = 0x85ebca77, P3 = 0xc2b2ae3d, P4 = 0x27d4eb2f, P5 = 0x165667b1;
const rotl = (x, r) => ((x << r) | (x >>> (32 - r))) >>> 0;
const rd32 = (b, i) => (b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24)) >>> 0;

export function xxh32(buf, seed = 0) {
  const len = buf.length;
  let i = 0;
  let h;
  const round = (acc, input) => Math.imul(rotl((acc + Math.imul(input, P2)) >>> 0, 13), P1) >>> 0;
  if (len >= 16) {
    let v1 = (seed + P1 + P2) >>> 0, v2 = (seed + P2) >>> 0, v3 = seed >>> 0, v4 = (seed - P1) >>> 0;
    while (i <= len - 16) {
      v1 = round(v1, rd32(buf, i)); v2 = round(v2, rd32(buf, i + 4));
      v3 = round(v3, rd32(buf, i + 8)); v4 = round(v4, rd32(buf, i + 12));
      i += 16;
    }
    h = (rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18)) >>> 0;
  } else {
    h = (seed + P5) >>> 0;
  }
  h = (h + len) >>> 0;
  while (i + 4 <= len) {
    h = (h + Math.imul(rd32(buf, i), P3)) >>> 0;
    h = Math.imul(rotl(h, 17), P4) >>> 0;
    i += 4;
  }
  while (i < len) {
    h = (h + Math.imul(buf[i], P5)) >>> 0;
    h = Math.imul(rotl(h, 11), P1) >>> 0;
    i++;
  }
  h ^= h >>> 15; h = Math.imul(h, P2) >>> 0;
  h ^= h >>> 13; h = Math.imul(h, P3) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}

// ---------------------------------------------------------------------------------------------------
// LZ4 block (greedy, 4-byte hash)

class Out {
  constructor(cap = 1024) { this.b = new Uint8Array(cap); this.n = 0; }
  need(k) {
    if (this.n + k <= this.b.length) return;
    let c = this.b.length * 2;
    while (c < this.n + k) c *= 2;
    const nb = new Uint8Array(c); nb.set(this.b.subarray(0, this.n)); this.b = nb;
  }
  byte(x) { this.need(1); this.b[this.n++] = x; }
  bytes(a) { this.need(a.length); this.b.set(a, this.n); this.n += a.length; }
  u32(x) { this.need(4); this.b[this.n++] = x & 255; this.b[this.n++] = (x >>> 8) & 255; this.b[this.n++] = (x >>> 16) & 255; this.b[this.n++] = (x >>> 24) & 255; }
  done() { return this.b.slice(0, this.n); }
}

function lenExt(out, v) {
  while (v >= 255) { out.byte(255); v -= 255; }
  out.byte(v);
}

export function lz4CompressBlock(src) {
  const n = src.length;
  const out = new Out(n + (n >> 4) + 16);
  const table = new Int32Array(1 << 14).fill(-1);
  const hash = (v) => (Math.imul(v, 2654435761) >>> 18) & 0x3fff;
  let anchor = 0;
  let i = 0;
  const lastMatchStart = n - 12; // the last match must start at least 12 bytes before the end
  const matchEndLimit = n - 5;   // the last 5 bytes are always literals
  const emit = (litEnd, offset, matchLen) => {
    const lit = litEnd - anchor;
    const ml = matchLen - 4;
    out.byte((Math.min(lit, 15) << 4) | Math.min(ml, 15));
    if (lit >= 15) lenExt(out, lit - 15);
    out.bytes(src.subarray(anchor, litEnd));
    out.byte(offset & 255); out.byte(offset >>> 8);
    if (ml >= 15) lenExt(out, ml - 15);
  };
  while (i <= lastMatchStart) {
    const seq = rd32(src, i);
    const h = hash(seq);
    const ref = table[h];
    table[h] = i;
    if (ref >= 0 && i - ref <= 65535 && rd32(src, ref) === seq) {
      let len = 4;
      while (i + len < matchEndLimit && src[ref + len] === src[i + len]) len++;
      emit(i, i - ref, len);
      i += len;
      anchor = i;
    } else {
      i++;
    }
  }
  // last literals
  const lit = n - anchor;
  out.byte(Math.min(lit, 15) << 4);
  if (lit >= 15) lenExt(out, lit - 15);
  out.bytes(src.subarray(anchor, n));
  return out.done();
}

/**
 * LZ4 frame. opts.mode: 'compressed' (LZ4 blocks, falling back to stored when a block does not shrink),
 * 'stored' (every block uncompressed). opts.blockSize: 64 KiB (default), 256 KiB, 1 MiB or 4 MiB.
 * opts.contentChecksum, opts.contentSize: include those optional fields.
 */
export function lz4Frame(src, { mode = 'compressed', blockSize = 65536, contentChecksum = false, contentSize = false } = {}) {
  const bdCode = { 65536: 4, 262144: 5, 1048576: 6, 4194304: 7 }[blockSize];
  if (!bdCode) throw new Error('bad LZ4 block size ' + blockSize);
  const out = new Out(src.length + 64);
  out.u32(0x184d2204);
  const flg = (1 << 6) | (1 << 5) | (contentSize ? 1 << 3 : 0) | (contentChecksum ? 1 << 2 : 0);
  const desc = [flg, bdCode << 4];
  if (contentSize) {
    let v = BigInt(src.length);
    for (let k = 0; k < 8; k++) { desc.push(Number(v & 255n)); v >>= 8n; }
  }
  out.bytes(desc);
  out.byte((xxh32(Uint8Array.from(desc)) >>> 8) & 255);
  for (let off = 0; off < src.length; off += blockSize) {
    const block = src.subarray(off, Math.min(src.length, off + blockSize));
    let c = null;
    if (mode === 'compressed') {
      c = lz4CompressBlock(block);
      if (c.length >= block.length) c = null;
    }
    if (c) {
      out.u32(c.length);
      out.bytes(c);
    } else {
      out.u32((block.length | 0x80000000) >>> 0);
      out.bytes(block);
    }
  }
  out.u32(0); // end mark
  if (contentChecksum) out.u32(xxh32(src));
  return out.done();
}

// ---------------------------------------------------------------------------------------------------
// Zstandard frame with Raw / RLE blocks

export function zstdFrame(src, { blockSize = 128 * 1024, rle = true } = {}) {
  const out = new Out(src.length + 64);
  out.u32(0xfd2fb528);
  // Frame_Header_Descriptor: FCS_flag = 2 (4-byte content size), Single_Segment = 1, no checksum, no dict
  out.byte((2 << 6) | (1 << 5));
  out.u32(src.length);
  const blockHeader = (last, type, size) => {
    const v = (last ? 1 : 0) | (type << 1) | (size << 3);
    out.byte(v & 255); out.byte((v >>> 8) & 255); out.byte((v >>> 16) & 255);
  };
  if (src.length === 0) {
    blockHeader(true, 0, 0);
    return out.done();
  }
  for (let off = 0; off < src.length; off += blockSize) {
    const end = Math.min(src.length, off + blockSize);
    const block = src.subarray(off, end);
    const last = end === src.length;
    if (rle && block.every((x) => x === block[0])) {
      blockHeader(last, 1, block.length);
      out.byte(block[0]);
    } else {
      blockHeader(last, 0, block.length);
      out.bytes(block);
    }
  }
  return out.done();
}

// ---------------------------------------------------------------------------------------------------

/**
 * Rewrites an uncompressed RecordBatch frame {kind:'batch', header, body} with body compression.
 * codec: 'lz4' | 'zstd'. encode(bufferBytes, index) -> Uint8Array | null (null = leave this buffer
 * uncompressed, written with the -1 length prefix). Default encoders: lz4Frame / zstdFrame.
 */
export function compressBatchFrame(frame, codec, encode) {
  if (frame.kind !== 'batch') return frame;
  const enc = encode || (codec === 'lz4' ? (b) => lz4Frame(b) : (b) => zstdFrame(b));
  const msg = decodeHeader(frame.header);
  const rb = msg.header();
  const parts = [];
  const regions = [];
  let off = 0;
  rb.buffers.forEach((r, idx) => {
    const raw = frame.body.subarray(Number(r.offset), Number(r.offset) + Number(r.length));
    if (raw.length === 0) {
      regions.push(bufferRegion(off, 0));
      return;
    }
    const c = enc(raw, idx);
    const prefix = Buffer.alloc(8);
    prefix.writeBigInt64LE(c ? BigInt(raw.length) : -1n);
    const payload = c ? Buffer.from(c) : Buffer.from(raw);
    regions.push(bufferRegion(off, 8 + payload.length));
    parts.push(prefix, payload);
    off += 8 + payload.length;
    const pad = ((off + 7) & ~7) - off;
    if (pad) { parts.push(Buffer.alloc(pad)); off += pad; }
  });
  const body = Buffer.concat(parts);
  const type = codec === 'lz4' ? CompressionType.LZ4_FRAME : CompressionType.ZSTD;
  const header = rebuildBatchHeader(frame.header, { buffers: regions, bodyLength: body.length, compression: bodyCompression(type) });
  return { ...frame, header, body };
}
