// gen_flight_proto_vectors.mjs — writes tests/unit/flight_proto_vectors.h: Flight protobuf messages
// encoded (and decoded) by protobufjs, a real protobuf implementation, so the unit test can check
// src/wire/flight_proto.c against it rather than against itself.
//
// Run from anywhere: node tests/vectors/gen_flight_proto_vectors.mjs
// Decode vectors: bytes built by protobufjs (canonical encodings, plus hand-written field sequences:
// reordered, repeated, unknown fields of every wire type, non-minimal varints); the expected field
// values come from protobufjs decoding those bytes, and the top-level field boundaries from its Reader.
// Encode vectors: the canonical protobufjs encoding of a message with only non-default fields set,
// which quiver's encoders must reproduce byte for byte.
// Not covered here (protobufjs differs from the protobuf spec): a repeated embedded message is merged
// by the spec and replaced by protobufjs; the C test checks that case by hand.

import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import Long from 'long';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..');
const root = new protobuf.Root();
root.loadSync(join(repo, 'tests/integration/proto/Flight.proto'), { keepCase: true });
const T = (name) => root.lookupType(`arrow.flight.protocol.${name}`);
const FlightData = T('FlightData'), FlightDescriptor = T('FlightDescriptor'), Action = T('Action');
const Ticket = T('Ticket'), Criteria = T('Criteria'), HandshakeRequest = T('HandshakeRequest');
const HandshakeResponse = T('HandshakeResponse'), Result = T('Result'), PutResult = T('PutResult');
const SchemaResult = T('SchemaResult'), ActionType = T('ActionType'), FlightInfo = T('FlightInfo');

const W = () => protobuf.Writer.create();
const enc = (type, obj) => Buffer.from(type.encode(type.fromObject(obj)).finish());
const finish = (w) => Buffer.from(w.finish());
const tag = (field, wt) => (field << 3) | wt;
const bytesOf = (n, seed) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff));
// Printable filler, so that big vectors stay small in the generated header.
const textOf = (n, seed) => Buffer.from(Array.from({ length: n }, (_, i) => 0x41 + ((i * 7 + seed) % 26)));
const U64MAX = Long.fromString('18446744073709551615', true);

// Offsets where a prefix of msg is itself a complete message (0, and the end of every top-level field).
function boundaries(msg) {
  const r = protobuf.Reader.create(msg);
  const out = [0];
  while (r.pos < r.len) {
    const t = r.uint32();
    r.skipType(t & 7);
    out.push(r.pos);
  }
  return out;
}

// ---- C emission -------------------------------------------------------------------------------------

function cstr(buf) {
  if (typeof buf === 'string') buf = Buffer.from(buf, 'utf8');
  if (!buf || buf.length === 0) return '""';
  const lines = [];
  let cur = '';
  for (const b of buf) {
    const ch = String.fromCharCode(b);
    cur += b >= 0x20 && b < 0x7f && ch !== '"' && ch !== '\\' && ch !== '?' ? ch : '\\' + b.toString(8).padStart(3, '0');
    if (cur.length >= 96) {
      lines.push(`"${cur}"`);
      cur = '';
    }
  }
  if (cur) lines.push(`"${cur}"`);
  return lines.join('\n        ');
}
const B = (buf) => `FPV(${cstr(buf)})`;
const u64 = (v) => `UINT64_C(${Long.fromValue(v).toUnsigned().toString()})`;
function i64(v) {
  const s = Long.fromValue(v).toSigned().toString();
  return s === '-9223372036854775808' ? '(-INT64_C(9223372036854775807) - 1)' : `INT64_C(${s})`;
}
const sizes = (arr) => `{${arr.join(', ')}}`;
const MAXB = 24, MAXP = 4;

function common(name, msg) {
  const bd = boundaries(msg);
  if (bd.length > MAXB) throw new Error(`${name}: too many fields`);
  return `.name = "${name}", .msg = ${B(msg)}, .nbound = ${bd.length}, .bound = ${sizes(bd)}`;
}

function descFields(d, prefix) {
  const paths = (d?.path ?? []).map((p) => Buffer.from(p, 'utf8'));
  if (paths.length > MAXP) throw new Error('too many paths for the vector struct');
  return `.${prefix}type = ${d?.type ?? 0}, .${prefix}cmd = ${B(d?.cmd)}, .${prefix}npath = ${paths.length}` +
    (paths.length ? `, .${prefix}path = {${paths.map(B).join(', ')}}` : '');
}

const toObj = (type, msg) => type.toObject(type.decode(msg), { defaults: true, enums: Number, longs: String });

// ---- decode vectors ---------------------------------------------------------------------------------

const cmdJson = Buffer.from(JSON.stringify({ name: 'PUT_COMMAND', version: 'v1',
  body: { name: 'g', entity_type: 'node' } }));
const schemaHeader = bytesOf(136, 7);
const batchHeader = bytesOf(200, 11);

const flightData = [];
function fd(name, msg) {
  const o = toObj(FlightData, msg);
  flightData.push(`{${common(name, msg)},\n     .has_descriptor = ${o.flight_descriptor ? 1 : 0}, ` +
    `${descFields(o.flight_descriptor, '')},\n     .data_header = ${B(o.data_header)},\n` +
    `     .app_metadata = ${B(o.app_metadata)},\n     .data_body = ${B(o.data_body)}}`);
}
fd('put_first', enc(FlightData, { flight_descriptor: { type: 'CMD', cmd: cmdJson }, data_header: schemaHeader }));
fd('batch', enc(FlightData, { data_header: batchHeader, data_body: bytesOf(24, 3) }));
fd('with_metadata', enc(FlightData, { data_header: bytesOf(9, 1), app_metadata: Buffer.from('ack-7'),
  data_body: bytesOf(40, 5) }));
fd('metadata_only', enc(FlightData, { app_metadata: Buffer.from('{"progress":1}') }));
fd('path_descriptor', enc(FlightData, { flight_descriptor: { type: 'PATH', path: ['graphs', 'g1', 'nodes'] } }));
fd('empty', enc(FlightData, {}));
fd('body_300', enc(FlightData, { data_header: bytesOf(3, 9), data_body: bytesOf(300, 1) }));
fd('body_17000', enc(FlightData, { data_body: textOf(17000, 2) }));
fd('reordered', finish(W()
  .uint32(tag(1000, 2)).bytes(bytesOf(16, 4))
  .uint32(tag(3, 2)).bytes(Buffer.from('md'))
  .uint32(tag(2, 2)).bytes(bytesOf(8, 8))
  .uint32(tag(1, 2)).fork().uint32(tag(2, 2)).bytes(Buffer.from('cmd')).uint32(tag(1, 0)).int32(2).ldelim()));
fd('unknown_fields', finish(W()
  .uint32(tag(4, 0)).uint64(U64MAX)
  .uint32(tag(5, 1)).fixed64(Long.fromString('1234567890123456789', true))
  .uint32(tag(6, 2)).bytes(bytesOf(5, 6))
  .uint32(tag(7, 5)).fixed32(0xdeadbeef)
  .uint32(tag(2, 2)).bytes(bytesOf(4, 1))
  .uint32(tag(999, 0)).uint32(1)
  .uint32(tag(536870911, 2)).bytes(Buffer.from('max field number'))
  .uint32(tag(1, 2)).fork()
    .uint32(tag(9, 2)).bytes(Buffer.from('unknown in descriptor'))
    .uint32(tag(1, 0)).int32(2)
    .uint32(tag(10, 5)).fixed32(1)
    .uint32(tag(2, 2)).bytes(Buffer.from('{}'))
    .uint32(tag(11, 1)).fixed64(7)
    .ldelim()
  .uint32(tag(1001, 2)).bytes(bytesOf(3, 3))
  .uint32(tag(1000, 2)).bytes(bytesOf(8, 8))
  .uint32(tag(15, 0)).uint32(0)));
fd('repeated_scalars', finish(W()
  .uint32(tag(2, 2)).bytes(Buffer.from('first header'))
  .uint32(tag(1000, 2)).bytes(Buffer.from('first body'))
  .uint32(tag(3, 2)).bytes(Buffer.from('first md'))
  .uint32(tag(2, 2)).bytes(Buffer.from('second header'))
  .uint32(tag(1000, 2)).bytes(Buffer.from('second body'))
  .uint32(tag(3, 2)).bytes(Buffer.alloc(0))));
fd('zero_length_fields', finish(W()
  .uint32(tag(1, 2)).bytes(Buffer.alloc(0))
  .uint32(tag(2, 2)).bytes(Buffer.alloc(0))
  .uint32(tag(3, 2)).bytes(Buffer.alloc(0))
  .uint32(tag(1000, 2)).bytes(Buffer.alloc(0))));
fd('enum_unknown_value', finish(W().uint32(tag(1, 2)).fork().uint32(tag(1, 0)).int32(7).ldelim()));
fd('enum_negative', finish(W().uint32(tag(1, 2)).fork().uint32(tag(1, 0)).int32(-1).ldelim()
  .uint32(tag(2, 2)).bytes(Buffer.from('h'))));
// Non-minimal varints: tag 0x12 as 92 80 00, length 3 as 83 80 80 00, field 1000 tag as c2 be 80 00.
fd('non_minimal_varints', Buffer.from([0x92, 0x80, 0x00, 0x83, 0x80, 0x80, 0x00, 0x61, 0x62, 0x63,
  0xc2, 0xbe, 0x80, 0x00, 0x82, 0x00, 0x78, 0x79]));

const descriptors = [];
function dd(name, msg) {
  const o = toObj(FlightDescriptor, msg);
  descriptors.push(`{${common(name, msg)}, ${descFields(o, '')}}`);
}
dd('cmd', enc(FlightDescriptor, { type: 'CMD', cmd: cmdJson }));
dd('path', enc(FlightDescriptor, { type: 'PATH', path: ['a', 'bé', 'graph with spaces', ''] }));
dd('empty', enc(FlightDescriptor, {}));
dd('cmd_then_type', finish(W().uint32(tag(2, 2)).bytes(Buffer.from('x')).uint32(tag(7, 0)).uint64(U64MAX)
  .uint32(tag(1, 0)).int32(2)));
dd('type_repeated', finish(W().uint32(tag(1, 0)).int32(1).uint32(tag(1, 0)).int32(2)
  .uint32(tag(2, 2)).bytes(Buffer.from('old')).uint32(tag(2, 2)).bytes(Buffer.from('new'))));

const actions = [];
function ad(name, msg) {
  const o = toObj(Action, msg);
  actions.push(`{${common(name, msg)}, .type = ${B(o.type)}, .body = ${B(o.body)}}`);
}
ad('create_graph', enc(Action, { type: 'v1/CREATE_GRAPH', body: Buffer.from(JSON.stringify({
  name: 'g', database_name: 'neo4j', concurrency: 4, undirected_relationship_types: [] })) }));
ad('no_body', enc(Action, { type: 'v1/ABORT' }));
ad('empty', enc(Action, {}));
ad('body_first_unknown_between', finish(W().uint32(tag(2, 2)).bytes(Buffer.from('{"x":1}'))
  .uint32(tag(3, 5)).fixed32(3).uint32(tag(1, 2)).string('v1/NODE_LOAD_DONE')));
ad('utf8_type', enc(Action, { type: 'v1/größe', body: Buffer.from([0, 1, 2, 0xff]) }));

const tickets = [];
function td(name, type, msg) {
  const o = toObj(type, msg);
  const field = type === Ticket ? 'ticket' : 'expression';
  tickets.push(`{${common(name, msg)}, .criteria = ${type === Criteria ? 1 : 0}, .value = ${B(o[field])}}`);
}
td('ticket', Ticket, enc(Ticket, { ticket: Buffer.from('{"name":"GET_COMMAND","version":"v1"}') }));
td('ticket_empty', Ticket, enc(Ticket, {}));
td('ticket_repeated', Ticket, finish(W().uint32(tag(1, 2)).bytes(Buffer.from('a')).uint32(tag(1, 2))
  .bytes(Buffer.from('bb')).uint32(tag(2, 0)).uint32(5)));
td('criteria', Criteria, enc(Criteria, { expression: Buffer.from('*') }));
td('criteria_empty', Criteria, enc(Criteria, {}));

const handshakes = [];
function hd(name, msg) {
  const o = toObj(HandshakeRequest, msg);
  handshakes.push(`{${common(name, msg)}, .version = ${u64(Long.fromString(o.protocol_version, true))}, ` +
    `.payload = ${B(o.payload)}}`);
}
hd('basic', enc(HandshakeRequest, { protocol_version: 0, payload: Buffer.from('user:pass') }));
hd('version_only', enc(HandshakeRequest, { protocol_version: 1 }));
hd('version_max', enc(HandshakeRequest, { protocol_version: U64MAX, payload: Buffer.from([0]) }));
hd('version_2_63', enc(HandshakeRequest, { protocol_version: Long.fromString('9223372036854775808', true) }));
hd('version_repeated', finish(W().uint32(tag(1, 0)).uint64(5).uint32(tag(3, 1)).fixed64(1)
  .uint32(tag(1, 0)).uint64(300)));
hd('empty', enc(HandshakeRequest, {}));

// ---- encode vectors ---------------------------------------------------------------------------------

const encBytes = [];
function eb(name, kind, type, field, value) {
  const obj = value.length ? { [field]: value } : {};
  encBytes.push(`{.name = "${name}", .kind = ${kind}, .input = ${B(value)}, .expect = ${B(enc(type, obj))}}`);
}
eb('result', 'FPV_RESULT', Result, 'body', Buffer.from('{"name":"g","node_count":3}'));
eb('result_empty', 'FPV_RESULT', Result, 'body', Buffer.alloc(0));
eb('result_200', 'FPV_RESULT', Result, 'body', bytesOf(200, 3));
eb('put_result', 'FPV_PUT_RESULT', PutResult, 'app_metadata', Buffer.from('{"rows":150}'));
eb('put_result_empty', 'FPV_PUT_RESULT', PutResult, 'app_metadata', Buffer.alloc(0));
eb('schema_result', 'FPV_SCHEMA_RESULT', SchemaResult, 'schema', Buffer.concat([Buffer.from([0xff, 0xff, 0xff, 0xff,
  136, 0, 0, 0]), schemaHeader]));

const encActionTypes = [];
function eat(name, type, description) {
  const obj = {};
  if (type) obj.type = type;
  if (description) obj.description = description;
  encActionTypes.push(`{.name = "${name}", .type = ${cstr(type)}, .description = ${cstr(description)}, ` +
    `.expect = ${B(enc(ActionType, obj))}}`);
}
eat('create_graph', 'v1/CREATE_GRAPH', 'Create an in-memory graph projection from Arrow streams');
eat('no_description', 'v1/ABORT', '');
eat('utf8', 'v1/ÉTAT', 'état du graphe');

const encHandshakes = [];
function eh(name, version, payload) {
  const obj = {};
  if (!Long.fromValue(version).isZero()) obj.protocol_version = version;
  if (payload.length) obj.payload = payload;
  encHandshakes.push(`{.name = "${name}", .version = ${u64(version)}, .payload = ${B(payload)}, ` +
    `.expect = ${B(enc(HandshakeResponse, obj))}}`);
}
eh('token', Long.UZERO, Buffer.from('tok123'));
eh('version_and_payload', Long.fromNumber(127, true), Buffer.from('x'));
eh('version_128', Long.fromNumber(128, true), Buffer.alloc(0));
eh('version_max', U64MAX, Buffer.alloc(0));
eh('empty', Long.UZERO, Buffer.alloc(0));

const encFlightData = [];
function efd(name, header, md, body) {
  const obj = {};
  if (header.length) obj.data_header = header;
  if (md.length) obj.app_metadata = md;
  if (body.length) obj.data_body = body;
  encFlightData.push(`{.name = "${name}", .header = ${B(header)}, .app_metadata = ${B(md)}, ` +
    `.body = ${B(body)},\n     .expect = ${B(enc(FlightData, obj))}}`);
}
efd('schema', schemaHeader, Buffer.alloc(0), Buffer.alloc(0));
efd('batch', batchHeader, Buffer.alloc(0), bytesOf(64, 9));
efd('batch_with_metadata', bytesOf(5, 5), Buffer.from('m'), bytesOf(200, 1));
efd('big_body', bytesOf(10, 2), Buffer.alloc(0), textOf(20000, 4));
efd('empty', Buffer.alloc(0), Buffer.alloc(0), Buffer.alloc(0));

const encFlightInfo = [];
function efi(name, { schema = Buffer.alloc(0), cmd = null, tickets: tk = [], records = 0, bytes = 0, ordered = false }) {
  const obj = {};
  if (schema.length) obj.schema = schema;
  if (cmd) obj.flight_descriptor = cmd.length ? { type: 'CMD', cmd } : { type: 'CMD' };
  if (tk.length) obj.endpoint = tk.map((t) => ({ ticket: t.length ? { ticket: t } : {} }));
  if (records) obj.total_records = Long.fromValue(records);
  if (bytes) obj.total_bytes = Long.fromValue(bytes);
  if (ordered) obj.ordered = true;
  if (tk.length > 3) throw new Error('too many tickets for the vector struct');
  encFlightInfo.push(`{.name = "${name}", .schema = ${B(schema)}, .has_cmd = ${cmd ? 1 : 0}, .cmd = ${B(cmd)},\n` +
    `     .ntickets = ${tk.length},${tk.length ? ` .tickets = {${tk.map(B).join(', ')}},` : ''}\n` +
    `     .total_records = ${i64(records)}, .total_bytes = ${i64(bytes)}, .ordered = ${ordered ? 1 : 0},\n` +
    `     .expect = ${B(enc(FlightInfo, obj))}}`);
}
efi('full', { schema: schemaHeader, cmd: Buffer.from('{"name":"g"}'), tickets: [Buffer.from('t1'),
  bytesOf(130, 1)], records: -1, bytes: 123456789, ordered: true });
efi('unknown_sizes', { schema: bytesOf(16, 1), cmd: Buffer.from('c'), tickets: [Buffer.from('x')], records: -1,
  bytes: -1 });
efi('empty_cmd_and_ticket', { cmd: Buffer.alloc(0), tickets: [Buffer.alloc(0)], records: 5 });
efi('no_descriptor', { schema: bytesOf(4, 4), tickets: [Buffer.from('a'), Buffer.from('b'), Buffer.from('c')],
  records: Long.MAX_VALUE, bytes: Long.MIN_VALUE });
efi('nothing', {});

// ---- the header -------------------------------------------------------------------------------------

const list = (name, type, items) => `static const ${type} ${name}[] = {\n    ${items.join(',\n    ')}};\n` +
  `#define ${name.toUpperCase()}_N (sizeof ${name} / sizeof ${name}[0])\n`;

const pbVersion = JSON.parse(readFileSync(join(repo, 'node_modules/protobufjs/package.json'), 'utf8')).version;
const out = `/* flight_proto_vectors.h — Flight protobuf test vectors produced by protobufjs ${pbVersion}.
 * GENERATED by tests/vectors/gen_flight_proto_vectors.mjs from tests/integration/proto/Flight.proto: do not
 * edit, re-run the generator. Decode vectors carry the values protobufjs decoded and the offsets where a
 * prefix is a complete message (bound); encode vectors carry protobufjs's canonical encoding (expect).
 */
#ifndef QV_FLIGHT_PROTO_VECTORS_H
#define QV_FLIGHT_PROTO_VECTORS_H

#include <stddef.h>
#include <stdint.h>

typedef struct fpv_bytes {
    const char *p;
    size_t n;
} fpv_bytes;
#define FPV(s) {s, sizeof(s) - 1}
#define FPV_MAXB ${MAXB}
#define FPV_MAXP ${MAXP}
#define FPV_COMMON \\
    const char *name; \\
    fpv_bytes msg; \\
    int nbound; \\
    size_t bound[FPV_MAXB]

typedef struct fpv_flight_data {
    FPV_COMMON;
    int has_descriptor, type, npath;
    fpv_bytes cmd, path[FPV_MAXP], data_header, app_metadata, data_body;
} fpv_flight_data;

typedef struct fpv_descriptor {
    FPV_COMMON;
    int type, npath;
    fpv_bytes cmd, path[FPV_MAXP];
} fpv_descriptor;

typedef struct fpv_action {
    FPV_COMMON;
    fpv_bytes type, body;
} fpv_action;

typedef struct fpv_ticket {  /* Ticket, or Criteria when criteria is set: both are { bytes = 1; } */
    FPV_COMMON;
    int criteria;
    fpv_bytes value;
} fpv_ticket;

typedef struct fpv_handshake {
    FPV_COMMON;
    uint64_t version;
    fpv_bytes payload;
} fpv_handshake;

enum { FPV_RESULT, FPV_PUT_RESULT, FPV_SCHEMA_RESULT };
typedef struct fpv_enc_bytes {
    const char *name;
    int kind;
    fpv_bytes input, expect;
} fpv_enc_bytes;

typedef struct fpv_enc_action_type {
    const char *name, *type, *description;
    fpv_bytes expect;
} fpv_enc_action_type;

typedef struct fpv_enc_handshake {
    const char *name;
    uint64_t version;
    fpv_bytes payload, expect;
} fpv_enc_handshake;

typedef struct fpv_enc_flight_data {
    const char *name;
    fpv_bytes header, app_metadata, body, expect;
} fpv_enc_flight_data;

typedef struct fpv_enc_flight_info {
    const char *name;
    fpv_bytes schema;
    int has_cmd;
    fpv_bytes cmd;
    int ntickets;
    fpv_bytes tickets[3];
    int64_t total_records, total_bytes;
    int ordered;
    fpv_bytes expect;
} fpv_enc_flight_info;

${list('fpv_flight_data_cases', 'fpv_flight_data', flightData)}
${list('fpv_descriptor_cases', 'fpv_descriptor', descriptors)}
${list('fpv_action_cases', 'fpv_action', actions)}
${list('fpv_ticket_cases', 'fpv_ticket', tickets)}
${list('fpv_handshake_cases', 'fpv_handshake', handshakes)}
${list('fpv_enc_bytes_cases', 'fpv_enc_bytes', encBytes)}
${list('fpv_enc_action_type_cases', 'fpv_enc_action_type', encActionTypes)}
${list('fpv_enc_handshake_cases', 'fpv_enc_handshake', encHandshakes)}
${list('fpv_enc_flight_data_cases', 'fpv_enc_flight_data', encFlightData)}
${list('fpv_enc_flight_info_cases', 'fpv_enc_flight_info', encFlightInfo)}
#endif
`;
const dest = join(repo, 'tests/unit/flight_proto_vectors.h');
writeFileSync(dest, out);
console.log(`wrote ${dest} (${out.length} bytes)`);
