// Bare gRPC-over-HTTP/2 calls with node:http2, for what @grpc/grpc-js refuses to send (for example two
// `authorization` header values on one call, as pyarrow's authenticate_basic_token plus the GDS auth
// middleware produce). node:http2 refuses repeated `authorization` fields too, so `injectHeaders` runs
// the call through a small TCP relay that appends extra header fields to each client HEADERS frame as
// HPACK "literal header field without indexing" entries (which leave both HPACK tables untouched).

import http2 from 'node:http2';
import net from 'node:net';

import { SLOW } from './server.mjs';

/**
 * One gRPC call. messages: Buffers (already-encoded protobuf). extraHeaders values may be arrays, which
 * node:http2 sends as repeated header fields. Resolves {headers, trailers, status, message, messages}.
 */
export async function rawGrpcCall(port, method, opts = {}) {
  if (!opts.injectHeaders) return rawGrpcCallDirect(port, method, opts);
  const relay = await startRelay(port, opts.injectHeaders);
  try {
    return await rawGrpcCallDirect(relay.port, method, opts);
  } finally {
    relay.close();
  }
}

function rawGrpcCallDirect(port, method, { headers: extraHeaders = {}, messages = [], timeoutMs = 10000 * SLOW } = {}) {
  return new Promise((resolve, reject) => {
    const session = http2.connect(`http://127.0.0.1:${port}`);
    let settled = false;
    const finish = (fn, v) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      session.close();
      fn(v);
    };
    const timer = setTimeout(() => { session.destroy(); finish(reject, new Error(`${method} timed out after ${timeoutMs} ms`)); }, timeoutMs);
    session.on('error', (e) => finish(reject, e));
    const req = session.request({
      ':method': 'POST',
      ':path': `/arrow.flight.protocol.FlightService/${method}`,
      'content-type': 'application/grpc',
      te: 'trailers',
      ...extraHeaders,
    }, { endStream: false });
    let respHeaders = null;
    let trailers = null;
    const chunks = [];
    req.on('response', (h) => { respHeaders = h; });
    req.on('trailers', (t) => { trailers = t; });
    req.on('data', (d) => chunks.push(d));
    req.on('error', (e) => finish(reject, e));
    req.on('close', () => {
      const body = Buffer.concat(chunks);
      const msgs = [];
      for (let off = 0; off + 5 <= body.length;) {
        const len = body.readUInt32BE(off + 1);
        msgs.push(body.subarray(off + 5, off + 5 + len));
        off += 5 + len;
      }
      // Trailers-Only responses carry grpc-status in the headers
      const st = (trailers && trailers['grpc-status']) ?? (respHeaders && respHeaders['grpc-status']);
      const msg = (trailers && trailers['grpc-message']) ?? (respHeaders && respHeaders['grpc-message']);
      finish(resolve, {
        headers: respHeaders, trailers, status: st === undefined ? null : Number(st),
        message: msg ? decodeURIComponent(String(msg)) : '', messages: msgs,
      });
    });
    for (const m of messages) {
      const prefix = Buffer.alloc(5);
      prefix.writeUInt32BE(m.length, 1);
      req.write(Buffer.concat([prefix, m]));
    }
    req.end();
  });
}

// All values of a (lower-case) header in a node:http2 headers object, as an array of strings.
export function headerValues(h, name) {
  if (!h || h[name] === undefined) return [];
  return [].concat(h[name]).flatMap((v) => String(v).split(/,\s*(?=Bearer |Basic )/));
}

// ---------------------------------------------------------------------------------------------------
// HEADERS-rewriting relay

function hpackInt(value, prefixBits, firstByteFlags) {
  const max = (1 << prefixBits) - 1;
  if (value < max) return [firstByteFlags | value];
  const out = [firstByteFlags | max];
  value -= max;
  while (value >= 128) { out.push((value % 128) + 128); value = Math.floor(value / 128); }
  out.push(value);
  return out;
}

function hpackLiteral(name, value) {
  const n = Buffer.from(name.toLowerCase(), 'latin1');
  const v = Buffer.from(value, 'latin1');
  return Buffer.concat([Buffer.from([0x00]), Buffer.from(hpackInt(n.length, 7, 0)), n, Buffer.from(hpackInt(v.length, 7, 0)), v]);
}

function startRelay(targetPort, injectHeaders) {
  const extra = Buffer.concat(injectHeaders.map(([k, v]) => hpackLiteral(k, v)));
  const sockets = new Set();
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, '127.0.0.1');
    sockets.add(client); sockets.add(upstream);
    let buf = Buffer.alloc(0);
    let prefaceDone = false;
    client.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      const out = [];
      if (!prefaceDone) {
        if (buf.length < 24) return;
        out.push(buf.subarray(0, 24));
        buf = buf.subarray(24);
        prefaceDone = true;
      }
      while (buf.length >= 9) {
        const len = buf.readUIntBE(0, 3);
        if (buf.length < 9 + len) break;
        const type = buf[3];
        const flags = buf[4];
        let frame = buf.subarray(0, 9 + len);
        buf = buf.subarray(9 + len);
        if (type === 0x1 && (flags & 0x4) && !(flags & 0x8)) { // HEADERS, END_HEADERS, not PADDED
          const payload = Buffer.concat([frame.subarray(9), extra]);
          const head = Buffer.from(frame.subarray(0, 9));
          head.writeUIntBE(payload.length, 0, 3);
          frame = Buffer.concat([head, payload]);
        }
        out.push(frame);
      }
      if (out.length) upstream.write(Buffer.concat(out));
    });
    upstream.on('data', (d) => client.write(d));
    const closeBoth = () => { client.destroy(); upstream.destroy(); };
    client.on('close', closeBoth); upstream.on('close', closeBoth);
    client.on('error', closeBoth); upstream.on('error', closeBoth);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve({
      port: server.address().port,
      close: () => { for (const s of sockets) s.destroy(); server.close(); },
    }));
  });
}
