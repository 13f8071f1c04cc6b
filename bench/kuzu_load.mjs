// kuzu_load.mjs — the peer side of the import benchmark: loads the CSV files that qv_bench_flight_load
// --write-csv wrote (nodes.csv: one int64 id per line; edges.csv: src,dst) into Kuzu (npm `kuzu`) with
// COPY FROM, times the node COPY and the relationship COPY, checks the counts, and prints one JSON line
// with the same fields as qv_bench_flight_load. With --export FILE.parquet it then exports the same edges
// (COPY (MATCH (a)-[e]->(b) RETURN a.id, b.id) TO FILE.parquet), times that, checks the row count and
// reports the file size, then removes the file. Owns nothing else: the database lives in memory
// (":memory:") unless --db DIR is given (the directory is removed first).
//
// usage: node bench/kuzu_load.mjs --dir DIR [--label NAME] [--threads N] [--db DIR]
//                                 [--buffer-pool BYTES] [--export FILE.parquet]

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import kuzu from 'kuzu';

function parseArgs(argv) {
  const a = { dir: null, label: null, threads: 0, db: ':memory:', bufferPool: 0, exportFile: null };
  for (let i = 2; i < argv.length; i++) {
    const k = argv[i];
    const v = () => {
      if (i + 1 >= argv.length) throw new Error(`${k} needs a value`);
      return argv[++i];
    };
    if (k === '--dir') a.dir = v();
    else if (k === '--label') a.label = v();
    else if (k === '--threads') a.threads = Number(v());
    else if (k === '--db') a.db = v();
    else if (k === '--buffer-pool') a.bufferPool = Number(v());
    else if (k === '--export') a.exportFile = path.resolve(v());
    else throw new Error(`unknown argument ${k}`);
  }
  if (!a.dir) throw new Error('usage: kuzu_load.mjs --dir DIR [--label NAME] [--threads N] [--db DIR]');
  return a;
}

async function one(conn, q) {
  const r = await conn.query(q);
  const res = Array.isArray(r) ? r[r.length - 1] : r;
  const rows = await res.getAll();
  for (const x of Array.isArray(r) ? r : [r]) x.close();
  return rows;
}

function lineCount(file) {
  // Counts newlines in a (possibly multi-GiB) file, 16 MiB at a time, before any timing starts.
  const fd = fs.openSync(file, 'r');
  const buf = Buffer.allocUnsafe(16 << 20);
  let n = 0;
  try {
    for (;;) {
      const got = fs.readSync(fd, buf, 0, buf.length, null);
      if (got === 0) break;
      for (let i = buf.indexOf(10, 0); i !== -1 && i < got; i = buf.indexOf(10, i + 1)) n++;
    }
  } finally {
    fs.closeSync(fd);
  }
  return n;
}

async function main() {
  const args = parseArgs(process.argv);
  const nodesCsv = path.resolve(args.dir, 'nodes.csv');
  const edgesCsv = path.resolve(args.dir, 'edges.csv');
  const nodes = lineCount(nodesCsv);
  const rels = lineCount(edgesCsv);
  // A third column (qv_bench_flight_load --types K) becomes a STRING property of the one rel table.
  const head = Buffer.alloc(4096);
  const hfd = fs.openSync(edgesCsv, 'r');
  const hn = fs.readSync(hfd, head, 0, head.length, 0);
  fs.closeSync(hfd);
  const firstLine = head.subarray(0, hn).toString('latin1').split('\n')[0];
  const withType = firstLine.split(',').length === 3;

  if (args.db !== ':memory:') fs.rmSync(args.db, { recursive: true, force: true });
  const db = args.bufferPool > 0 ? new kuzu.Database(args.db, args.bufferPool) : new kuzu.Database(args.db);
  const conn = args.threads > 0 ? new kuzu.Connection(db, args.threads) : new kuzu.Connection(db);
  const threads = Number((await one(conn, "CALL current_setting('threads') RETURN *"))[0].threads);

  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await one(conn, 'CREATE NODE TABLE N(id INT64, PRIMARY KEY (id))');
  await one(conn, withType ? 'CREATE REL TABLE E(FROM N TO N, type STRING)' : 'CREATE REL TABLE E(FROM N TO N)');
  const tn = performance.now();
  await one(conn, `COPY N FROM '${nodesCsv}' (header=false)`);
  const tr = performance.now();
  await one(conn, `COPY E FROM '${edgesCsv}' (header=false)`);
  const tEnd = performance.now();
  const cpu = process.cpuUsage(cpu0);

  const nc = Number((await one(conn, 'MATCH (n:N) RETURN count(n) AS c'))[0].c);
  const rc = Number((await one(conn, 'MATCH ()-[e:E]->() RETURN count(e) AS c'))[0].c);
  const countsOk = nc === nodes && rc === rels;

  // Export: the same edges (source id, target id) to a Parquet file, as quiver's DoGet streams them.
  let exp = null;
  if (args.exportFile && countsOk) {
    fs.rmSync(args.exportFile, { force: true });
    const ecpu0 = process.cpuUsage();
    const te0 = performance.now();
    await one(conn, `COPY (MATCH (a:N)-[e:E]->(b:N) RETURN a.id AS src, b.id AS dst) TO '${args.exportFile}'`);
    const te = (performance.now() - te0) / 1000;
    const ecpu = process.cpuUsage(ecpu0);
    const bytes = fs.statSync(args.exportFile).size;
    const q = args.exportFile.replace(/'/g, "\\'");
    const erows = Number((await one(conn, `LOAD FROM '${q}' RETURN count(*) AS c`))[0].c);
    fs.rmSync(args.exportFile, { force: true });
    if (erows !== rels) throw new Error(`Kuzu exported ${erows} rows, expected ${rels}`);
    exp = {
      export_format: 'parquet',
      export_seconds: +te.toFixed(4),
      export_rows: erows,
      export_rows_per_s: Math.round(erows / te),
      export_bytes: bytes,
      export_MB_per_s: +(bytes / 1e6 / te).toFixed(1),
      export_raw_MB_per_s: +((erows * 16) / 1e6 / te).toFixed(1),
      export_cpu_seconds: +((ecpu.user + ecpu.system) / 1e6).toFixed(3),
    };
  }

  const nodeS = (tr - tn) / 1000, relS = (tEnd - tr) / 1000, totalS = (tEnd - t0) / 1000;
  let dbBytes = null;
  if (args.db !== ':memory:') {
    dbBytes = 0;
    const walk = (p) => {
      const st = fs.statSync(p);
      if (st.isDirectory()) for (const e of fs.readdirSync(p)) walk(path.join(p, e));
      else dbBytes += st.size;
    };
    walk(args.db);
  }
  const out = {
    system: 'kuzu',
    dataset: args.label ?? path.basename(args.dir),
    kuzu_version: kuzu.VERSION,
    db: args.db === ':memory:' ? 'in-memory' : 'on-disk',
    threads,
    nodes,
    rels,
    node_seconds: +nodeS.toFixed(4),
    rel_seconds: +relS.toFixed(4),
    total_seconds: +totalS.toFixed(4),
    nodes_per_s: Math.round(nodes / nodeS),
    rels_per_s: Math.round(rels / relS),
    rels_per_s_total: Math.round(rels / totalS),
    csv_bytes: fs.statSync(nodesCsv).size + fs.statSync(edgesCsv).size,
    db_bytes: dbBytes,
    max_rss_bytes: process.resourceUsage().maxRSS * 1024,
    cpu_seconds: +((cpu.user + cpu.system) / 1e6).toFixed(3),
    server_node_count: nc,
    server_relationship_count: rc,
    counts_ok: countsOk,
    with_type_column: withType,
    cpus: os.cpus().length,
    ...(exp ?? {}),
  };
  console.log(JSON.stringify(out));
  await conn.close();
  await db.close();
  if (!countsOk) {
    console.error(`kuzu_load: Kuzu counted ${nc} nodes and ${rc} relationships, expected ${nodes} and ${rels}`);
    process.exit(3);
  }
}

main().catch((e) => {
  console.error(`kuzu_load: ${e.stack || e}`);
  process.exit(1);
});
