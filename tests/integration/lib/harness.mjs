// Test harness helpers: print the server's stderr when a test fails, assert gRPC status codes, talk HTTP.

import assert from 'node:assert/strict';
import http from 'node:http';
import { test } from 'node:test';

import { grpcError, StatusName, FlightClient } from './flight.mjs';
import { tail, SLOW } from './server.mjs';
import { parseJSON } from './json.mjs';

export { SLOW };

// Codes a deterministic error must never use: the GDS client retries them (reference §1.8).
export const RETRIED_CODES = [4, 13, 14];

/**
 * Returns a `test`-like function whose failures print the stderr of the servers returned by
 * getServers() (a function, so servers started in before() are seen).
 */
export function serverTest(getServers) {
  return (name, opts, fn) => {
    if (typeof opts === 'function') { fn = opts; opts = {}; }
    const o = { timeout: 60000 * SLOW, ...opts };
    return test(name, o, async (t) => {
      try {
        await fn(t);
      } catch (e) {
        for (const s of [].concat(getServers() || [])) {
          if (!s) continue;
          const state = s.exited ? `EXITED code=${s.exitCode} signal=${s.exitSignal}` : 'running';
          console.error(`\n----- quiver stderr (pid ${s.pid}, ${state}) for failed test "${name}" -----\n` +
            tail(s.stderr(), 16000) + '\n----- end of quiver stderr -----');
        }
        throw e;
      }
    });
  };
}

/** Awaits a call that must fail with one of `codes` (number or array) and, if given, details matching re. */
export async function expectGrpcError(promiseOrFn, codes, re, what = '') {
  let e;
  try {
    e = await grpcError(promiseOrFn);
  } catch (err) {
    if (err.succeeded) assert.fail(`${what ? what + ': ' : ''}${err.message}; expected ${fmtCodes(codes)}`);
    throw err;
  }
  const list = [].concat(codes);
  assert.ok(list.includes(e.code),
    `${what ? what + ': ' : ''}expected ${fmtCodes(codes)} but got ${e.name} (${e.code}): ${e.details}`);
  if (re) {
    for (const r of [].concat(re)) {
      assert.match(e.details, r, `${what ? what + ': ' : ''}${e.name} details do not match ${r}: ${e.details}`);
    }
  }
  return e;
}

function fmtCodes(codes) {
  return [].concat(codes).map((c) => `${StatusName[c]} (${c})`).join(' or ');
}

/** The server process is alive and a brand-new connection gets ListActions answered. */
export async function assertServerServes(server, clientOpts = {}) {
  assert.equal(server.exited, false, `quiver exited (code ${server.exitCode}, signal ${server.exitSignal})`);
  const c = new FlightClient(server.flightPort, { deadlineMs: 10000 * SLOW, ...clientOpts });
  try {
    const actions = await c.listActions();
    assert.ok(actions.length > 0, 'ListActions returned nothing');
  } finally {
    c.close();
  }
}

export function httpRequest(port, path, { method = 'GET', headers = {}, body = null, timeoutMs = 10000 * SLOW } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method, headers, timeout: timeoutMs }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json;
        try { json = parseJSON(text); } catch { json = undefined; }
        resolve({ status: res.statusCode, headers: res.headers, text, json });
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`HTTP ${method} ${path} timed out after ${timeoutMs} ms`)));
    req.on('error', reject);
    if (body) req.write(body);
    req.end();
  });
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Deterministic pseudo-random generator (tests are reproducible).
export function rng(seed = 42) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    return s / 4294967296;
  };
}
