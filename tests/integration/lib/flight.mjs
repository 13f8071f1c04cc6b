// A small Arrow Flight client for the integration tests, on @grpc/grpc-js + @grpc/proto-loader.
//
// - Auth: with {auth: 'user:password'} every call carries `authorization: Basic ...` until a response
//   header `authorization: Bearer <token>` arrives; then the token is used (like the GDS Python client),
//   unless {keepBasic: true}. Per-call {authorization: [values]} overrides (several values allowed).
// - DoAction results are parsed as lossless JSON (see json.mjs).
// - DoPut writes Schema + DictionaryBatch + RecordBatch messages as FlightData frames and, by default, waits
//   for one PutResult after each RecordBatch before sending the next one (like GDS clients >= 1.13).
// - Raw modes: doPutFrames (hand-made FlightData fields) and doPutRaw (arbitrary bytes as messages).
// Every call has a deadline, so a hung server fails the test instead of hanging it.

import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import grpc from '@grpc/grpc-js';
import protoLoader from '@grpc/proto-loader';

import { parseJSON, stringifyJSON } from './json.mjs';
import { ipcFrames } from './arrow.mjs';
import { SLOW } from './server.mjs';

export const Status = grpc.status;
export const StatusName = Object.fromEntries(Object.entries(grpc.status).map(([k, v]) => [v, k]));

const here = dirname(fileURLToPath(import.meta.url));
const PROTO = join(here, '..', 'proto', 'Flight.proto');
const SERVICE_PATH = '/arrow.flight.protocol.FlightService/';

let serviceCtor = null;
function flightService() {
  if (!serviceCtor) {
    const def = protoLoader.loadSync(PROTO, { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true });
    serviceCtor = grpc.loadPackageDefinition(def).arrow.flight.protocol.FlightService;
  }
  return serviceCtor;
}

export const CLIENT_OPTIONS = {
  'grpc.max_receive_message_length': -1,
  'grpc.max_send_message_length': -1,
  // One TCP connection per FlightClient (like Arrow C++'s GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL), so that
  // "a second client" really is a second connection.
  'grpc.use_local_subchannel_pool': 1,
};

export function basicAuth(userPass) {
  return 'Basic ' + Buffer.from(userPass, 'utf8').toString('base64');
}

export function putCommand(name, entityType, extra = {}, { envelope = 'PUT_COMMAND' } = {}) {
  const body = { name, entity_type: entityType, ...extra };
  if (envelope === null) return body;
  return { name: envelope, version: 'v1', body };
}

// ---------------------------------------------------------------------------------------------------
// Hand-written FlightData encoder (tags from reference §3.2), for raw-mode DoPut.

function varint(n) {
  const out = [];
  let v = BigInt(n);
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v) b |= 0x80;
    out.push(b);
  } while (v);
  return Buffer.from(out);
}
function lenField(tagBytes, bytes) {
  return Buffer.concat([Buffer.from(tagBytes), varint(bytes.length), Buffer.from(bytes)]);
}
export function encodeFlightDescriptor({ type = 2, cmd, path } = {}) {
  const parts = [];
  if (type) parts.push(Buffer.from([0x08]), varint(type));
  if (cmd != null) parts.push(lenField([0x12], toBuf(cmd)));
  for (const p of path || []) parts.push(lenField([0x1a], Buffer.from(p, 'utf8')));
  return Buffer.concat(parts);
}
// fields: {descriptor?: {type, cmd, path} | Buffer (already-encoded), header?, appMetadata?, body?}
export function encodeFlightData({ descriptor, header, appMetadata, body } = {}) {
  const parts = [];
  if (descriptor != null) {
    const d = Buffer.isBuffer(descriptor) ? descriptor : encodeFlightDescriptor(descriptor);
    parts.push(lenField([0x0a], d));
  }
  if (header != null) parts.push(lenField([0x12], toBuf(header)));
  if (appMetadata != null) parts.push(lenField([0x1a], toBuf(appMetadata)));
  if (body != null) parts.push(lenField([0xc2, 0x3e], toBuf(body)));
  return Buffer.concat(parts);
}

function toBuf(x) {
  if (Buffer.isBuffer(x)) return x;
  if (typeof x === 'string') return Buffer.from(x, 'utf8');
  if (ArrayBuffer.isView(x)) return Buffer.from(x.buffer, x.byteOffset, x.byteLength);
  if (x && typeof x === 'object') return Buffer.from(stringifyJSON(x), 'utf8');
  throw new TypeError('cannot turn into bytes: ' + typeof x);
}

// ---------------------------------------------------------------------------------------------------

export class FlightClient {
  /**
   * @param port Flight port on 127.0.0.1
   * @param opts {auth: 'user:password', keepBasic, deadlineMs, host, tls: {ca} (gRPC over TLS trusting ca;
   *              {} trusts the system roots only)}
   */
  constructor(port, opts = {}) {
    const Service = flightService();
    this.host = opts.host || '127.0.0.1';
    this.port = port;
    this.auth = opts.auth || null;
    this.keepBasic = !!opts.keepBasic;
    this.deadlineMs = opts.deadlineMs ?? 30000 * SLOW;
    this.token = null;
    this.lastHeaders = null;
    this.lastTrailers = null;
    const creds = opts.tls ? grpc.credentials.createSsl(opts.tls.ca || null) : grpc.credentials.createInsecure();
    this.client = new Service(`${this.host}:${port}`, creds, CLIENT_OPTIONS);
  }

  close() {
    this.client.close();
  }

  metadata(o = {}) {
    const md = new grpc.Metadata();
    if (o.authorization) {
      for (const v of [].concat(o.authorization)) md.add('authorization', v);
    } else if (this.auth) {
      if (this.token && !this.keepBasic) md.add('authorization', 'Bearer ' + this.token);
      else md.add('authorization', basicAuth(this.auth));
    }
    for (const [k, v] of Object.entries(o.headers || {})) md.add(k, v);
    return md;
  }

  callOptions(o = {}) {
    return { deadline: Date.now() + (o.deadlineMs ?? this.deadlineMs) };
  }

  _watch(call) {
    const seen = { headers: null, trailers: null };
    call.on('metadata', (md) => {
      seen.headers = md;
      this.lastHeaders = md;
      for (const v of md.get('authorization')) {
        const s = String(v);
        if (/^bearer /i.test(s)) this.token = s.slice(7);
      }
    });
    call.on('status', (st) => {
      seen.trailers = st.metadata;
      this.lastTrailers = st.metadata;
      if (st.metadata) {
        for (const v of st.metadata.get('authorization')) {
          const s = String(v);
          if (/^bearer /i.test(s) && !this.token) this.token = s.slice(7);
        }
      }
    });
    return seen;
  }

  // Collects a server-streaming call. Resolves {messages, headers, trailers}.
  _collect(call) {
    const seen = this._watch(call);
    return new Promise((resolve, reject) => {
      const messages = [];
      let finished = false;
      call.on('data', (m) => messages.push(m));
      call.on('error', (e) => { if (!finished) { finished = true; reject(e); } });
      call.on('status', (st) => {
        if (finished) return;
        if (st.code === Status.OK) {
          finished = true;
          // 'status' can precede the last 'data' event by a tick; let the readable side drain.
          if (call.readableEnded) resolve({ messages, headers: seen.headers, trailers: seen.trailers });
          else call.once('end', () => resolve({ messages, headers: seen.headers, trailers: seen.trailers }));
        }
      });
    });
  }

  async handshake(o = {}) {
    const call = this.client.Handshake(this.metadata(o), this.callOptions(o));
    const p = this._collect(call);
    for (const m of o.messages || []) call.write(m);
    call.end();
    return p;
  }

  async listActions(o = {}) {
    const call = this.client.ListActions({}, this.metadata(o), this.callOptions(o));
    const r = await this._collect(call);
    return r.messages.map((a) => ({ type: a.type, description: a.description }));
  }

  // Raw DoAction: body is a Buffer/string (sent verbatim) or an object (JSON). Resolves Buffer[] bodies.
  async doActionRaw(type, body, o = {}) {
    const buf = body === undefined ? Buffer.alloc(0) : toBuf(body);
    const call = this.client.DoAction({ type, body: buf }, this.metadata(o), this.callOptions(o));
    const r = await this._collect(call);
    this.lastActionHeaders = r.headers;
    return r.messages.map((m) => Buffer.from(m.body));
  }

  // DoAction with JSON results: resolves the array of parsed result bodies.
  async doAction(type, body = {}, o = {}) {
    const bodies = await this.doActionRaw(type, body, o);
    return bodies.map((b) => {
      try {
        return parseJSON(b.toString('utf8'));
      } catch (e) {
        throw new Error(`${type}: result body is not JSON: ${JSON.stringify(b.toString('utf8').slice(0, 200))}`);
      }
    });
  }

  // DoAction that must answer exactly one Result (as GDS clients require); resolves it.
  async action(type, body = {}, o = {}) {
    const results = await this.doAction(type, body, o);
    if (results.length !== 1) {
      throw new Error(`${type}: expected exactly one Result, got ${results.length}: ${stringifyJSON(results)}`);
    }
    return results[0];
  }

  /**
   * DoPut an Arrow table (or array of RecordBatches) under a descriptor.
   * descriptor: object (JSON command), string/Buffer (cmd bytes verbatim).
   * opts: batchRows (split batches), ackMode 'per-batch' (default: wait for one PutResult after each
   *       RecordBatch) | 'end' (pipeline, check the count at the end), transform(frames) -> frames,
   *       flightDescriptor (full override {type, cmd, path}), plus call options.
   * Resolves {acks, batches, frames, headers}.
   */
  async doPut(descriptor, data, opts = {}) {
    let frames = ipcFrames(data, { batchRows: opts.batchRows });
    if (opts.transform) frames = opts.transform(frames);
    const fd = opts.flightDescriptor || { type: 'CMD', cmd: toBuf(descriptor) };
    const msgs = frames.map((f, i) => ({
      flight_descriptor: i === 0 ? fd : null,
      data_header: f.header,
      data_body: f.body && f.body.length ? toBuf(f.body) : Buffer.alloc(0),
      app_metadata: f.appMetadata ? toBuf(f.appMetadata) : Buffer.alloc(0),
      _kind: f.kind,
    }));
    return this.doPutFrames(msgs, opts);
  }

  /**
   * Low level DoPut: msgs = [{flight_descriptor?, data_header?, data_body?, app_metadata?, _kind?}]; a
   * message with _kind 'batch' expects one PutResult (waited for right away in 'per-batch' mode).
   * With opts.raw = true, msgs are Buffers written verbatim (not protobuf-encoded by the library), and
   * a Buffer msg may carry a _kind property too.
   */
  async doPutFrames(msgs, opts = {}) {
    const md = this.metadata(opts);
    const call = opts.raw
      ? this.client.makeBidiStreamRequest(SERVICE_PATH + 'DoPut', (b) => b, (b) => b, md, this.callOptions(opts))
      : this.client.DoPut(md, this.callOptions(opts));
    const seen = this._watch(call);
    let acks = 0;
    let failure = null;
    let okStatus = false;
    let ackWaiters = [];
    const wake = () => {
      const keep = [];
      for (const w of ackWaiters) {
        if (failure) w.reject(failure);
        else if (acks >= w.n) w.resolve();
        else if (okStatus) w.reject(new Error(`DoPut ended OK after ${acks} PutResults, expected at least ${w.n}`));
        else keep.push(w);
      }
      ackWaiters = keep;
    };
    const statusP = new Promise((resolve, reject) => {
      call.on('data', () => { acks++; wake(); });
      call.on('error', (e) => { failure = e; wake(); reject(e); });
      call.on('status', (st) => {
        if (st.code === Status.OK) {
          const fin = () => { okStatus = true; wake(); resolve(st); };
          if (call.readableEnded) fin(); else call.once('end', fin);
        }
      });
    });
    statusP.catch(() => {});
    const waitAcks = (n) => new Promise((resolve, reject) => {
      ackWaiters.push({ n, resolve, reject });
      wake();
    });
    const write = (m) => new Promise((resolve, reject) => {
      if (failure) return reject(failure);
      let payload = m;
      if (!opts.raw) {
        payload = {};
        for (const k of ['flight_descriptor', 'data_header', 'data_body', 'app_metadata']) {
          if (m[k] != null) payload[k] = m[k];
        }
      }
      try {
        call.write(payload, () => resolve());
      } catch (e) {
        reject(e);
      }
      // the write callback may never come if the call already failed
      statusP.then(() => resolve(), (e) => reject(e));
    });

    const ackMode = opts.ackMode || 'per-batch';
    let batches = 0;
    for (const m of msgs) {
      await write(m);
      if (m._kind === 'batch') {
        batches++;
        if (ackMode === 'per-batch') await waitAcks(batches);
      }
      if (opts.afterEachWrite) await opts.afterEachWrite(m);
    }
    if (ackMode !== 'none') await waitAcks(batches);
    if (opts.beforeEnd) await opts.beforeEnd();
    call.end();
    await statusP;
    if (ackMode !== 'none' && acks !== batches) {
      throw new Error(`DoPut: got ${acks} PutResults for ${batches} RecordBatches (expected exactly one per batch)`);
    }
    return { acks, batches, headers: seen.headers, trailers: seen.trailers };
  }

  // Raw bytes: each element of buffers is sent as one gRPC message, whatever it contains.
  async doPutRaw(buffers, opts = {}) {
    return this.doPutFrames(buffers, { ...opts, raw: true, ackMode: opts.ackMode || 'none' });
  }

  // Opens a DoPut and returns a handle to drive it step by step (for interleaving tests).
  openPut(descriptor, opts = {}) {
    const md = this.metadata(opts);
    const call = this.client.DoPut(md, this.callOptions(opts));
    this._watch(call);
    const state = { acks: 0, sent: 0, failure: null, done: false, first: true };
    const statusP = new Promise((resolve, reject) => {
      call.on('data', () => { state.acks++; });
      call.on('error', (e) => { state.failure = e; reject(e); });
      call.on('status', (st) => { if (st.code === Status.OK) { state.done = true; resolve(st); } });
    });
    statusP.catch(() => {});
    const fd = { type: 'CMD', cmd: toBuf(descriptor) };
    const self = this;
    return {
      state,
      status: statusP,
      // write the frames of a table; pass {schema:false} to skip its schema frame (after the first table)
      async writeTable(table, { batchRows, schema } = {}) {
        let frames = ipcFrames(table, { batchRows });
        if (schema === false || (!state.first && schema !== true)) frames = frames.filter((f) => f.kind !== 'schema');
        for (const f of frames) {
          const m = { data_header: f.header, data_body: toBuf(f.body || Buffer.alloc(0)) };
          if (state.first) { m.flight_descriptor = fd; state.first = false; }
          await new Promise((resolve, reject) => {
            if (state.failure) return reject(state.failure);
            call.write(m, () => resolve());
            statusP.then(resolve, reject);
          });
          if (f.kind === 'batch') {
            const want = ++state.sent;
            await waitUntil(() => state.acks >= want || state.failure, self.deadlineMs);
            if (state.failure) throw state.failure;
          }
        }
      },
      async end() {
        call.end();
        await statusP;
        return { acks: state.acks };
      },
      cancel() { call.cancel(); },
      call,
    };
  }

  async doGet(ticket, o = {}) {
    const call = this.client.DoGet({ ticket: toBuf(ticket) }, this.metadata(o), this.callOptions(o));
    return (await this._collect(call)).messages;
  }

  async listFlights(o = {}) {
    const call = this.client.ListFlights({ expression: Buffer.alloc(0) }, this.metadata(o), this.callOptions(o));
    return (await this._collect(call)).messages;
  }

  unary(method, request, o = {}) {
    return new Promise((resolve, reject) => {
      const call = this.client[method](request, this.metadata(o), this.callOptions(o), (err, res) => {
        if (err) reject(err); else resolve(res);
      });
      this._watch(call);
    });
  }

  getSchema(desc, o = {}) { return this.unary('GetSchema', desc, o); }
  getFlightInfo(desc, o = {}) { return this.unary('GetFlightInfo', desc, o); }
  pollFlightInfo(desc, o = {}) { return this.unary('PollFlightInfo', desc, o); }

  async doExchange(msgs = [], o = {}) {
    const call = this.client.DoExchange(this.metadata(o), this.callOptions(o));
    const p = this._collect(call);
    for (const m of msgs) call.write(m);
    call.end();
    return (await p).messages;
  }
}

async function waitUntil(pred, timeoutMs) {
  const t0 = Date.now();
  while (!pred()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for a PutResult`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

// ---------------------------------------------------------------------------------------------------
// Error helpers

// Awaits a promise that must fail with a gRPC status; resolves {code, name, details}.
export async function grpcError(promiseOrFn) {
  let v;
  try {
    v = await (typeof promiseOrFn === 'function' ? promiseOrFn() : promiseOrFn);
  } catch (e) {
    if (e && typeof e.code === 'number') return { code: e.code, name: StatusName[e.code], details: String(e.details ?? e.message) };
    throw e;
  }
  const err = new Error(`expected a gRPC error, but the call succeeded with ${safeShow(v)}`);
  err.succeeded = true;
  throw err;
}

function safeShow(v) {
  try { return stringifyJSON(v).slice(0, 500); } catch { return String(v); }
}
