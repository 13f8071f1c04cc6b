// GDS-like flows on top of FlightClient (what graphdatascience's ArrowV1GraphConstructor does), and
// helpers to check a DUMP_GRAPH answer against the input.

import assert from 'node:assert/strict';

import { putCommand, FlightClient } from './flight.mjs';
import { normInt, stringifyJSON } from './json.mjs';

// Runs tasks (functions returning promises) with at most `limit` in flight; rejects on the first failure
// after all started tasks have settled.
export async function runLimited(tasks, limit = Infinity) {
  const results = new Array(tasks.length);
  let next = 0;
  let firstError = null;
  const worker = async () => {
    while (next < tasks.length && !firstError) {
      const i = next++;
      try {
        results[i] = await tasks[i]();
      } catch (e) {
        if (!firstError) firstError = e;
      }
    }
  };
  const n = Math.max(1, Math.min(limit, tasks.length));
  await Promise.all(Array.from({ length: n }, worker));
  if (firstError) throw firstError;
  return results;
}

function asPut(x) {
  // a table, or {table, common_labels, batchRows}
  if (x && x.table) return x;
  return { table: x };
}

/**
 * CREATE_GRAPH (or createAction) -> parallel node DoPuts -> NODE_LOAD_DONE -> parallel relationship
 * DoPuts -> RELATIONSHIP_LOAD_DONE; ABORT on failure (an abort error saying "No arrow process" is
 * ignored, as the GDS client does), then rethrows.
 * clients: one FlightClient or several (streams are spread round-robin over them).
 * Resolves {created, nodeDone, relDone, nodePuts, relPuts}.
 */
export async function constructGraph(clients, {
  name, database = 'neo4j', nodes = [], rels = [], concurrency, batchRows = 10000,
  createAction = 'v1/CREATE_GRAPH', createBody, createOptions = {}, putEnvelope,
} = {}) {
  clients = [].concat(clients);
  const c0 = clients[0];
  const body = createBody || { name, database_name: database, ...(concurrency ? { concurrency } : {}), ...createOptions };
  const created = await c0.action(createAction, body);
  try {
    const nodePuts = await runLimited(nodes.map((n, i) => () => {
      const p = asPut(n);
      const extra = p.common_labels ? { common_labels: p.common_labels } : {};
      return clients[i % clients.length].doPut(putCommand(name, 'node', extra, { envelope: putEnvelope }), p.table,
        { batchRows: p.batchRows || batchRows });
    }), concurrency || Infinity);
    const nodeDone = await c0.action('v1/NODE_LOAD_DONE', { name });
    const relPuts = await runLimited(rels.map((r, i) => () => {
      const p = asPut(r);
      return clients[i % clients.length].doPut(putCommand(name, 'relationship', {}, { envelope: putEnvelope }), p.table,
        { batchRows: p.batchRows || batchRows });
    }), concurrency || Infinity);
    const relDone = await c0.action('v1/RELATIONSHIP_LOAD_DONE', { name });
    return { created, nodeDone, relDone, nodePuts, relPuts };
  } catch (e) {
    await abortQuietly(c0, name);
    throw e;
  }
}

export async function createDatabase(clients, opts) {
  const { name, idType = 'INTEGER', force, idProperty, ...rest } = opts;
  const body = { name, id_type: idType, force: !!force, high_io: false, use_bad_collector: false };
  if (idProperty) body.id_property = idProperty;
  return constructGraph(clients, { ...rest, name, createAction: 'v1/CREATE_DATABASE', createBody: { ...body, ...(opts.createOptions || {}) } });
}

/** CREATE_GRAPH_FROM_TRIPLETS -> parallel triplet DoPuts -> TRIPLET_LOAD_DONE. */
export async function constructFromTriplets(clients, { name, database = 'neo4j', triplets = [], batchRows = 10000, createOptions = {} }) {
  clients = [].concat(clients);
  const c0 = clients[0];
  const created = await c0.action('v1/CREATE_GRAPH_FROM_TRIPLETS', { name, database_name: database, ...createOptions });
  try {
    const puts = await runLimited(triplets.map((t, i) => () =>
      clients[i % clients.length].doPut(putCommand(name, 'triplet'), t, { batchRows })));
    const done = await c0.action('v1/TRIPLET_LOAD_DONE', { name });
    return { created, done, puts };
  } catch (e) {
    await abortQuietly(c0, name);
    throw e;
  }
}

export async function abortQuietly(client, name) {
  try {
    await client.action('v1/ABORT', { name });
  } catch (e) {
    if (!/No arrow process/.test(String(e.details || e.message))) {
      console.error(`warning: ABORT ${name} failed: ${e.details || e.message}`);
    }
  }
}

export function dump(client, name) {
  return client.action('v1/DUMP_GRAPH', { name });
}

export async function listGraphs(client) {
  const r = await client.action('v1/LIST_GRAPHS', {});
  assert.ok(Array.isArray(r.graphs), `LIST_GRAPHS: "graphs" is not an array: ${stringifyJSON(r)}`);
  return r;
}

export async function graphInfo(client, name) {
  const r = await listGraphs(client);
  return r.graphs.find((g) => g.name === name);
}

// ---------------------------------------------------------------------------------------------------
// Values

export const idKey = (id) => (typeof id === 'string' ? 's:' + id : 'i:' + String(normInt(id)));

export function decodeDouble(v) {
  if (v === 'NaN') return NaN;
  if (v === 'Infinity') return Infinity;
  if (v === '-Infinity') return -Infinity;
  if (typeof v === 'bigint') return Number(v);
  return v;
}

function sameDouble(a, e) {
  if (typeof a === 'number' && !Number.isFinite(a)) return false; // must be written as a string
  const d = decodeDouble(a);
  if (typeof d !== 'number') return false;
  if (Number.isNaN(e)) return Number.isNaN(d);
  return d === e;
}

/** Compares one dumped value with the expected one for a property type. */
export function sameValue(actual, expected, type) {
  switch (type) {
    case 'int64': return (typeof actual === 'number' || typeof actual === 'bigint') && normInt(actual) === normInt(typeof expected === 'number' ? expected : BigInt(expected));
    case 'double': return sameDouble(actual, expected);
    case 'float': return typeof decodeDouble(actual) === 'number' && (Number.isNaN(expected) ? Number.isNaN(decodeDouble(actual)) : Math.fround(decodeDouble(actual)) === Math.fround(expected));
    case 'bool': return actual === expected;
    case 'string': return actual === expected;
    case 'list<int64>': return Array.isArray(actual) && actual.length === expected.length && actual.every((x, i) => sameValue(x, expected[i], 'int64'));
    case 'list<double>': return Array.isArray(actual) && actual.length === expected.length && actual.every((x, i) => sameValue(x, expected[i], 'double'));
    case 'list<float>': return Array.isArray(actual) && actual.length === expected.length && actual.every((x, i) => sameValue(x, expected[i], 'float'));
    default: throw new Error('unknown type ' + type);
  }
}

/**
 * Asserts a dumped properties object has exactly the expected keys with the expected values.
 * expected: {key: value}; types: {key: type} (see sameValue).
 */
export function assertProps(actual, expected, types, where) {
  const ak = Object.keys(actual || {}).sort();
  const ek = Object.keys(expected).sort();
  assert.deepEqual(ak, ek, `${where}: property keys ${stringifyJSON(ak)} != expected ${stringifyJSON(ek)} (actual ${stringifyJSON(actual)})`);
  for (const k of ek) {
    assert.ok(types[k], `test bug: no type for ${k}`);
    assert.ok(sameValue(actual[k], expected[k], types[k]),
      `${where}: property ${k} (${types[k]}) = ${stringifyJSON(actual[k])}, expected ${stringifyJSON(expected[k])}${Number.isNaN(expected[k]) ? ' (NaN)' : ''}`);
  }
}

/**
 * Structural invariants of a DUMP_GRAPH answer (spec: nodes in internal-id order; relationships in
 * relationship-id order grouped by source node, then type, then target; incoming[i] = ascending indices
 * of the relationships whose target is node i).
 */
export function checkDumpInvariants(d) {
  assert.ok(Array.isArray(d.nodes), 'dump.nodes is not an array');
  assert.ok(Array.isArray(d.relationships), 'dump.relationships is not an array');
  assert.equal(normInt(d.node_count), d.nodes.length, 'node_count != nodes.length');
  assert.equal(normInt(d.relationship_count), d.relationships.length, 'relationship_count != relationships.length');
  const index = new Map();
  d.nodes.forEach((n, i) => {
    const k = idKey(n.id);
    assert.ok(!index.has(k), `node id ${n.id} appears twice in the dump`);
    index.set(k, i);
    assert.ok(Array.isArray(n.labels), `node ${n.id}: labels is not an array`);
    const sorted = [...n.labels].sort((a, b) => (Buffer.compare(Buffer.from(a), Buffer.from(b))));
    assert.deepEqual(n.labels, sorted, `node ${n.id}: labels are not sorted`);
  });
  const typeOrder = new Map();
  let prev = null;
  d.relationships.forEach((r, j) => {
    const s = index.get(idKey(r.source));
    const t = index.get(idKey(r.target));
    assert.ok(s !== undefined, `relationship ${j}: source ${r.source} is not a node`);
    assert.ok(t !== undefined, `relationship ${j}: target ${r.target} is not a node`);
    assert.equal(typeof r.type, 'string', `relationship ${j}: type is not a string`);
    if (prev) {
      assert.ok(s >= prev.s, `relationships not grouped by source node: #${j - 1} source index ${prev.s}, #${j} source index ${s}`);
      if (s === prev.s && r.type !== prev.type) {
        const seen = typeOrder.get(s) || new Set([prev.type]);
        assert.ok(!seen.has(r.type), `relationships of source ${r.source} are not grouped by type (${r.type} appears again at #${j})`);
        seen.add(r.type);
        typeOrder.set(s, seen);
      }
      if (s === prev.s && r.type === prev.type) {
        assert.ok(t >= prev.t, `relationships of source ${r.source}, type ${r.type} are not ordered by target (#${j - 1} target index ${prev.t}, #${j} target index ${t})`);
      }
    }
    prev = { s, t, type: r.type };
  });
  assert.ok(Array.isArray(d.incoming), 'dump.incoming is not an array');
  assert.equal(d.incoming.length, d.nodes.length, 'incoming must have one list per node');
  const expectIn = d.nodes.map(() => []);
  d.relationships.forEach((r, j) => expectIn[index.get(idKey(r.target))].push(j));
  d.incoming.forEach((lst, i) => {
    assert.deepEqual(lst.map(normInt), expectIn[i], `incoming[${i}] (node ${d.nodes[i].id}) is inconsistent with relationships`);
  });
  return index;
}

export function nodesById(d) {
  const m = new Map();
  for (const n of d.nodes) m.set(idKey(n.id), n);
  return m;
}

// Multiset of "source|type|target" strings (plus a props fingerprint when withProps is set).
export function relMultiset(rels, withProps = false) {
  const m = new Map();
  for (const r of rels) {
    let k = `${idKey(r.source)}|${r.type}|${idKey(r.target)}`;
    if (withProps) k += '|' + stringifyJSON(Object.keys(r.properties || {}).sort().map((p) => [p, r.properties[p]]));
    m.set(k, (m.get(k) || 0) + 1);
  }
  return m;
}

export function assertSameMultiset(actual, expected, what) {
  const missing = [];
  const extra = [];
  for (const [k, v] of expected) {
    const a = actual.get(k) || 0;
    if (a < v) missing.push(`${k} x${v - a}`);
  }
  for (const [k, v] of actual) {
    const e = expected.get(k) || 0;
    if (v > e) extra.push(`${k} x${v - e}`);
  }
  assert.ok(missing.length === 0 && extra.length === 0,
    `${what}: ${missing.length} missing (e.g. ${missing.slice(0, 5).join(', ')}), ${extra.length} unexpected (e.g. ${extra.slice(0, 5).join(', ')})`);
}

export { FlightClient };
