// Clients for quiver's Neptune HTTP API: the real AWS SDKs (@aws-sdk/client-neptunedata for Neptune
// Database, @aws-sdk/client-neptune-graph for Neptune Analytics) pointed at a local server, curl in the
// forms the Neptune docs use, and Nodestream's exact ingest queries (reference §1.6) with its parameter
// encoding (json.dumps text, 150-row chunks).

import http from 'node:http';
import { execFile } from 'node:child_process';
import {
  NeptunedataClient, ExecuteOpenCypherQueryCommand, ExecuteOpenCypherExplainQueryCommand,
  GetEngineStatusCommand, ListOpenCypherQueriesCommand, GetOpenCypherQueryStatusCommand,
  CancelOpenCypherQueryCommand, ExecuteFastResetCommand,
} from '@aws-sdk/client-neptunedata';
import {
  NeptuneGraphClient, ExecuteQueryCommand, ListQueriesCommand, CancelQueryCommand, GetQueryCommand,
  CreateGraphCommand, ListGraphsCommand, GetGraphCommand, DeleteGraphCommand, GetGraphSummaryCommand,
} from '@aws-sdk/client-neptune-graph';

export {
  ExecuteOpenCypherQueryCommand, ExecuteOpenCypherExplainQueryCommand, GetEngineStatusCommand,
  ListOpenCypherQueriesCommand, GetOpenCypherQueryStatusCommand, CancelOpenCypherQueryCommand,
  ExecuteFastResetCommand, ExecuteQueryCommand, ListQueriesCommand, CancelQueryCommand, GetQueryCommand,
  CreateGraphCommand, ListGraphsCommand, GetGraphCommand, DeleteGraphCommand, GetGraphSummaryCommand,
};

const defaultCredentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };

// Neptune Database client (SigV4-signed with dummy keys, which quiver ignores without --iam-credentials).
export function dataClient(port, { maxAttempts = 1, credentials = defaultCredentials, region = 'us-east-1' } = {}) {
  return new NeptunedataClient({ endpoint: `http://127.0.0.1:${port}`, region, credentials, maxAttempts });
}

// Neptune Analytics client. With hostPrefix, the SDK prepends the graph id to the host as it does against
// AWS ("neo4j.localhost"); an agent that resolves every name to 127.0.0.1 stands in for DNS.
export function graphClient(port, { hostPrefix = false, maxAttempts = 1, credentials = defaultCredentials,
  region = 'us-east-1' } = {}) {
  const opts = { endpoint: `http://localhost:${port}`, region, credentials, maxAttempts,
    disableHostPrefix: !hostPrefix };
  if (hostPrefix) {
    const agent = new http.Agent({ keepAlive: true,
      lookup: (host, o, cb) => (o && o.all ? cb(null, [{ address: '127.0.0.1', family: 4 }]) : cb(null, '127.0.0.1', 4)) });
    opts.requestHandler = { httpAgent: agent };
  }
  return new NeptuneGraphClient(opts);
}

// ExecuteQuery's payload is a byte stream: read it as JSON.
export async function executeQuery(client, input) {
  const out = await client.send(new ExecuteQueryCommand({ language: 'OPEN_CYPHER', ...input }));
  const text = await out.payload.transformToString();
  return { out, text, json: JSON.parse(text) };
}

// Runs an openCypher query through ExecuteOpenCypherQuery; params are sent as Nodestream does (a JSON string).
export async function cypher(client, query, params) {
  const input = { openCypherQuery: query };
  if (params !== undefined) input.parameters = JSON.stringify(params);
  const out = await client.send(new ExecuteOpenCypherQueryCommand(input));
  return out.results;
}

// Awaits a promise that must reject with an SDK exception named `name`; returns the error.
export async function expectSdkError(promise, name, { status } = {}) {
  let err;
  try {
    await promise;
  } catch (e) {
    err = e;
  }
  if (!err) throw new Error(`expected ${name}, the call succeeded`);
  if (err.name !== name) throw new Error(`expected ${name}, got ${err.name}: ${err.message}`);
  if (status !== undefined && err.$metadata?.httpStatusCode !== status) {
    throw new Error(`expected HTTP ${status} for ${name}, got ${err.$metadata?.httpStatusCode}`);
  }
  return err;
}

// curl with the given arguments against the server; resolves {status, headers, body} (body as text).
export function curl(port, path, args = []) {
  return new Promise((resolve, reject) => {
    execFile('curl', ['-s', '-i', ...args, `http://127.0.0.1:${port}${path}`], { maxBuffer: 256 << 20 },
      (err, stdout) => {
        if (err) return reject(err);
        let text = stdout;
        while (text.startsWith('HTTP/1.1 100')) text = text.slice(text.indexOf('\r\n\r\n') + 4);
        const split = text.indexOf('\r\n\r\n');
        const head = text.slice(0, split).split('\r\n');
        const headers = {};
        for (const line of head.slice(1)) {
          const i = line.indexOf(':');
          headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
        }
        const body = text.slice(split + 4);
        let json;
        try { json = JSON.parse(body); } catch { json = undefined; }
        resolve({ status: Number(head[0].split(' ')[1]), headers, body, json });
      });
  });
}

// ---- Nodestream 0.13 + plugin 0.13.1, byte for byte (reference §1.6) ----

export const NODESTREAM = {
  // N1, node upsert (EAGER), with an additional label
  nodeUpsert: (type, extra = '') => `\nUNWIND $params as param\nMERGE (node: ${type} {\`~id\` : param.__node_id}) ` +
    'ON CREATE SET node = removeKeyFromMap(param, "__node_id") ON MATCH SET node += removeKeyFromMap(param, "__node_id")' +
    (extra ? ` SET node:${extra}` : ''),
  // N2, node update (MATCH_ONLY)
  nodeUpdate: (type) => `\nUNWIND $params as param\nMATCH (node: ${type} {\`~id\` : param.__node_id}) ` +
    'SET node += removeKeyFromMap(param, "__node_id")',
  // R1, relationship upsert (EAGER) keyed by `key`
  relUpsert: (from, to, type, key) => `\nUNWIND $params as param\nMATCH (from_node: ${from} {\`~id\` : param.__from_node_id}) , ` +
    `(to_node: ${to} {\`~id\` : param.__to_node_id}) MERGE (from_node)-[rel: ${type} {${key} : param.${key}}]->(to_node) ` +
    'ON CREATE SET rel = removeKeyFromMap(removeKeyFromMap(param, "__from_node_id"), "__to_node_id") ' +
    'ON MATCH SET rel += removeKeyFromMap(removeKeyFromMap(param, "__from_node_id"), "__to_node_id")',
  // R1 without a relationship key
  relUpsertNoKey: (from, to, type) => `\nUNWIND $params as param\nMATCH (from_node: ${from} {\`~id\` : param.__from_node_id}) , ` +
    `(to_node: ${to} {\`~id\` : param.__to_node_id}) MERGE (from_node)-[rel: ${type}]->(to_node) ` +
    'ON CREATE SET rel = removeKeyFromMap(removeKeyFromMap(param, "__from_node_id"), "__to_node_id") ' +
    'ON MATCH SET rel += removeKeyFromMap(removeKeyFromMap(param, "__from_node_id"), "__to_node_id")',
  // R2, relationship CREATE
  relCreate: (from, to, type, key) => `\nUNWIND $params as param\nMATCH (from_node: ${from} {\`~id\` : param.__from_node_id}) , ` +
    `(to_node: ${to} {\`~id\` : param.__to_node_id}) CREATE (from_node)-[rel: ${type} {${key} : param.${key}}]->(to_node) ` +
    'SET rel += removeKeyFromMap(removeKeyFromMap(param, "__from_node_id"), "__to_node_id")',
  // T1/T2, TTL
  ttlNodes: (type) => `MATCH (x: ${type}) WHERE x.last_ingested_at <= $earliest_allowed_time DETACH DELETE x`,
  ttlRels: (type) => `MATCH ()-[x: ${type}]->() WHERE x.last_ingested_at <= $earliest_allowed_time DELETE x`,
  partition: 150,
};

// Python's json.dumps (default separators ", " and ": "), as the plugin sends `parameters`.
export function pyJsonDumps(v) {
  if (v === null) return 'null';
  if (Array.isArray(v)) return '[' + v.map(pyJsonDumps).join(', ') + ']';
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'object') return '{' + Object.entries(v).map(([k, x]) => JSON.stringify(k) + ': ' + pyJsonDumps(x)).join(', ') + '}';
  return JSON.stringify(v);
}

// Sends rows as Nodestream does: 150-row partitions, all at once (the caller bounds connections).
export async function nodestreamBatch(client, query, rows) {
  const parts = [];
  for (let i = 0; i < rows.length; i += NODESTREAM.partition) parts.push(rows.slice(i, i + NODESTREAM.partition));
  return Promise.all(parts.map((p) => client.send(new ExecuteOpenCypherQueryCommand({
    openCypherQuery: query, parameters: pyJsonDumps({ params: p }) }))));
}
