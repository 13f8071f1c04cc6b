// Relationship `~id` (Neptune's custom edge ids) over the Neptune HTTP API, on a durable database: set by
// CREATE and by Nodestream-style UNWIND ... MERGE batches, returned as the relationship's "~id", found by a
// pattern map and by id(r) = $id, duplicates refused with DuplicateDataException (SDK and curl), reserved ids
// refused, deleted ids reusable; and every id survives a SIGKILL (write-ahead log replay), a clean stop
// (checkpoint) and a crash after checkpoints taken while writing (checkpoint + log); quiver check passes.

import assert from 'node:assert/strict';
import { after, describe } from 'node:test';

import { startServer, makeDataDir, runQuiver, SLOW } from './lib/server.mjs';
import { serverTest } from './lib/harness.mjs';
import { dataClient, cypher, expectSdkError, curl } from './lib/neptune.mjs';

const ARGS = ['--checkpoint-wal-size', '64KiB'];

// Every relationship as "id type start end", sorted.
async function edges(db) {
  const rows = await cypher(db, 'MATCH (a)-[r]->(b) RETURN id(r) AS id, type(r) AS t, a.`~id` AS s, b.`~id` AS e');
  return rows.map((x) => `${x.id} ${x.t} ${x.s} ${x.e}`).sort();
}

const BATCH = '\nUNWIND $params as param\nMATCH (from_node: P {`~id` : param.f}) , (to_node: P {`~id` : param.t}) ' +
  'MERGE (from_node)-[rel: LINK {`~id` : param.id}]->(to_node) ON CREATE SET rel.n = 1 ON MATCH SET rel.n = rel.n + 1';

describe('relationship ~id through the Neptune API, durable', () => {
  let s = null;
  const it = serverTest(() => s);
  const dataDir = makeDataDir('quiver-relid-');
  let expected;
  after(async () => { if (s) await s.kill(); });

  it('CREATE, MERGE batches, reads, seeks, duplicates, reserved ids, delete', async () => {
    s = await startServer({ dataDir, extraArgs: ARGS });
    const db = dataClient(s.httpPort);
    await cypher(db, 'UNWIND ["a", "b", "c"] AS k CREATE (:P {`~id`: k})');
    let rows = await cypher(db, 'MATCH (a:P {`~id`: "a"}), (b:P {`~id`: "b"}) ' +
      'CREATE (a)-[r:KNOWS {`~id`: "a-knows-b", since: 2020}]->(b), (b)-[q:KNOWS]->(a) RETURN r, q');
    assert.deepEqual(rows[0].r, { '~id': 'a-knows-b', '~entityType': 'relationship', '~start': 'a', '~end': 'b',
      '~type': 'KNOWS', '~properties': { since: 2020 } });
    assert.match(rows[0].q['~id'], /^r\d+$/);
    const plain = rows[0].q['~id'];
    rows = await cypher(db, 'MATCH ()-[r]->() WHERE id(r) = $id RETURN r.since AS s, r.`~id` AS i', { id: 'a-knows-b' });
    assert.deepEqual(rows, [{ s: 2020, i: 'a-knows-b' }]);
    rows = await cypher(db, 'MATCH (x)-[r {`~id`: $id}]->(y) RETURN x.`~id` AS x, y.`~id` AS y', { id: plain });
    assert.deepEqual(rows, [{ x: 'b', y: 'a' }]);
    // Nodestream's relationship batch shape, keyed by `~id`: the second run matches every row
    const params = [{ f: 'a', t: 'c', id: 'l1' }, { f: 'b', t: 'c', id: 'l2' }, { f: 'c', t: 'a', id: 'l3' }];
    await cypher(db, BATCH, { params });
    await cypher(db, BATCH, { params });
    rows = await cypher(db, 'MATCH ()-[r:LINK]->() RETURN id(r) AS id, r.n AS n ORDER BY id');
    assert.deepEqual(rows, [{ id: 'l1', n: 2 }, { id: 'l2', n: 2 }, { id: 'l3', n: 2 }]);
    // duplicates fail the whole query
    await expectSdkError(cypher(db, 'MATCH (a:P {`~id`: "a"}) CREATE (a)-[:T {`~id`: "new"}]->(a), ' +
      '(a)-[:T {`~id`: "l2"}]->(a)'), 'DuplicateDataException', { status: 400 });
    assert.deepEqual(await cypher(db, 'MATCH ()-[r {`~id`: "new"}]->() RETURN r'), []);
    const r = await curl(s.httpPort, '/openCypher',
      ['--data-urlencode', 'query=MATCH (a:P {`~id`: "a"}) CREATE (a)-[:T {`~id`: "a-knows-b"}]->(a)']);
    assert.equal(r.status, 400, r.body);
    assert.equal(r.json.code, 'DuplicateDataException');
    assert.match(r.json.detailedMessage, /a-knows-b/);
    const res = await curl(s.httpPort, '/openCypher', ['--data-urlencode', 'query=MATCH (a:P {`~id`: "a"}) CREATE (a)-[:T {`~id`: "r77"}]->(a)']);
    assert.equal(res.status, 400, res.body);
    assert.match(res.json.detailedMessage, /reserved/);
    // a deleted relationship's id is free again
    await cypher(db, 'MATCH (a:P {`~id`: "a"}) CREATE (a)-[:T {`~id`: "gone"}]->(a)');
    await cypher(db, 'MATCH ()-[r {`~id`: "gone"}]->() DELETE r');
    await cypher(db, 'MATCH (c:P {`~id`: "c"}) CREATE (c)-[:T {`~id`: "gone"}]->(c)');
    expected = await edges(db);
    assert.deepEqual(expected, [
      'a-knows-b KNOWS a b', 'gone T c c', 'l1 LINK a c', 'l2 LINK b c', 'l3 LINK c a', `${plain} KNOWS b a`,
    ].sort());
    await s.kill();
    s = null;
  });

  it('the ids survive a SIGKILL (log replay)', async () => {
    s = await startServer({ dataDir, extraArgs: ARGS });
    const db = dataClient(s.httpPort);
    assert.deepEqual(await edges(db), expected);
    await expectSdkError(cypher(db, 'MATCH (a:P {`~id`: "a"}) CREATE (a)-[:T {`~id`: "l1"}]->(a)'),
      'DuplicateDataException', { status: 400 });
    await s.stop();
    s = null;
  });

  it('the ids survive checkpoints taken while writing, a clean stop, and a crash after them', async () => {
    s = await startServer({ dataDir, extraArgs: ARGS });
    let db = dataClient(s.httpPort);
    assert.deepEqual(await edges(db), expected);
    // write until two checkpoints ran (relationships above the base: their ids are in the checkpoint's changes)
    const deadline = Date.now() + 60000 * SLOW;
    let k = 0;
    const writeSome = async (n) => {
      const params = [];
      for (let i = 0; i < n; i++, k++) params.push({ f: ['a', 'b', 'c'][k % 3], t: ['b', 'c', 'a'][k % 3], id: `w-${k}` });
      await cypher(db, BATCH, { params });
    };
    while ((s.stderr().match(/checkpointed database 'neo4j'/g) || []).length < 2) {
      assert.ok(Date.now() < deadline, 'no checkpoints');
      await writeSome(50);
    }
    await cypher(db, 'MATCH ()-[r {`~id`: "w-3"}]->() DELETE r');
    let before = await edges(db);
    assert.equal(before.length, expected.length + k - 1);
    await s.stop();
    s = await startServer({ dataDir, extraArgs: ARGS });
    assert.match(s.stderr(), /\(checkpoint\)/);
    db = dataClient(s.httpPort);
    assert.deepEqual(await edges(db), before);
    // more after the checkpoint, then a crash: checkpoint + log
    await writeSome(20);
    await cypher(db, 'MATCH ()-[r {`~id`: "w-5"}]->() DELETE r');
    before = await edges(db);
    await s.kill();
    s = await startServer({ dataDir, extraArgs: ARGS });
    db = dataClient(s.httpPort);
    assert.deepEqual(await edges(db), before);
    await cypher(db, 'MATCH (a:P {`~id`: "a"}) CREATE (a)-[:T {`~id`: "w-3"}]->(a)');   // freed by the delete
    await expectSdkError(cypher(db, 'MATCH (a:P {`~id`: "a"}) CREATE (a)-[:T {`~id`: "w-4"}]->(a)'),
      'DuplicateDataException', { status: 400 });
    await s.stop();
    s = null;
    // quiver check replays the log (with the ids) and checks the graph without repairing anything
    const chk = await runQuiver(['check', '--data-dir', dataDir], { timeoutMs: 60000 * SLOW });
    assert.equal(chk.code, 0, `${chk.stdout}${chk.stderr}`);
  });
});
