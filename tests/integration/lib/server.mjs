// Starts and stops the real `quiver serve` binary for integration tests.
//
// startServer() spawns QUIVER_BIN (default <repo>/build/quiver) on free ports of 127.0.0.1 with a
// fresh --data-dir, parses the two "listening for ..." lines from stderr, and returns a handle whose
// stop() sends SIGTERM and requires exit code 0 within the shutdown budget (a clean shutdown is part of
// the contract). Every server still alive when the test process exits is SIGKILLed.

import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// Default: build/quiver of the checkout these tests live in.
export const QUIVER_BIN = process.env.QUIVER_BIN ||
  resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'build', 'quiver');
export const SANITIZED = ['1', 'true', 'on', 'yes'].includes(String(process.env.QUIVER_SANITIZED || '').toLowerCase());
// Time scale for deadlines and waits: ASan/UBSan builds are several times slower.
export const SLOW = SANITIZED ? 4 : 1;

const alive = new Set();
process.on('exit', () => {
  for (const child of alive) {
    try { child.kill('SIGKILL'); } catch { /* already gone */ }
  }
});

export function makeDataDir(prefix = 'quiver-it-') {
  return mkdtempSync(join(tmpdir(), prefix));
}

const FLIGHT_RE = /listening for Arrow Flight \(gRPC\) on ([0-9.]+):([0-9]+)/;
const HTTP_RE = /listening for HTTP on ([0-9.]+):([0-9]+)/;
const READY_RE = /data directory .* loaded in [0-9.]+ s/;

// Runs `quiver <args>` to completion (for CLI tests). Resolves {code, signal, stdout, stderr}.
export function runQuiver(args, { timeoutMs = 10000 * SLOW } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(QUIVER_BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`quiver ${args.join(' ')} did not exit within ${timeoutMs} ms\nstdout:\n${stdout}\nstderr:\n${stderr}`));
    }, timeoutMs);
    child.on('error', (e) => { clearTimeout(timer); reject(e); });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      // let the pipes drain
      setImmediate(() => resolve({ code, signal, stdout, stderr }));
    });
  });
}

/**
 * Start a server. Options:
 *   auth: 'user:password' (passed as --auth), abortTimeout: '2s', maxMessageSize: '1MiB', threads: N,
 *   logLevel, dataDir (reuse a directory, e.g. for restart tests; otherwise a fresh temp dir),
 *   flightPort / httpPort (default 0 = pick a free port), extraArgs: [...], startTimeoutMs,
 *   waitRecovery: false to resolve once the ports listen, before start-up recovery has loaded the databases.
 * Resolves {flightPort, httpPort, dataDir, pid, stderr(), stop(), kill(), exited, exitPromise}.
 */
export async function startServer(opts = {}) {
  if (!existsSync(QUIVER_BIN)) throw new Error(`quiver binary not found at ${QUIVER_BIN} (set QUIVER_BIN)`);
  const dataDir = opts.dataDir || makeDataDir();
  const ownDataDir = !opts.dataDir;
  const args = ['serve', '--data-dir', dataDir, '--listen', '127.0.0.1',
    '--flight-port', String(opts.flightPort ?? 0), '--http-port', String(opts.httpPort ?? 0)];
  if (opts.auth) args.push('--auth', opts.auth);
  if (opts.abortTimeout) args.push('--abort-timeout', String(opts.abortTimeout));
  if (opts.maxMessageSize) args.push('--max-message-size', String(opts.maxMessageSize));
  if (opts.threads) args.push('--threads', String(opts.threads));
  if (opts.logLevel) args.push('--log-level', opts.logLevel);
  if (opts.extraArgs) args.push(...opts.extraArgs);

  const child = spawn(QUIVER_BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  alive.add(child);
  let err = '';
  let out = '';
  const MAX_KEEP = 4 << 20;
  child.stderr.on('data', (d) => {
    err += d;
    if (err.length > MAX_KEEP) err = '[...]\n' + err.slice(err.length - MAX_KEEP / 2);
  });
  child.stdout.on('data', (d) => {
    out += d;
    if (out.length > MAX_KEEP) out = '[...]\n' + out.slice(out.length - MAX_KEEP / 2);
  });
  const handle = {
    args,
    dataDir,
    pid: child.pid,
    exited: false,
    exitCode: null,
    exitSignal: null,
    stderr: () => err,
    stdout: () => out,
  };
  handle.exitPromise = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      alive.delete(child);
      handle.exited = true;
      handle.exitCode = code;
      handle.exitSignal = signal;
      resolve({ code, signal });
    });
  });

  const startTimeoutMs = opts.startTimeoutMs ?? 15000 * SLOW;
  await new Promise((resolve, reject) => {
    const check = () => {
      const f = FLIGHT_RE.exec(err);
      const h = HTTP_RE.exec(err);
      // the listeners start before recovery; wait for the databases too unless asked not to
      const ready = opts.waitRecovery === false || READY_RE.test(err);
      if (f && h && ready) {
        handle.flightHost = f[1];
        handle.flightPort = Number(f[2]);
        handle.httpHost = h[1];
        handle.httpPort = Number(h[2]);
        cleanup();
        resolve();
      }
    };
    const onExit = (code, signal) => {
      cleanup();
      if (ownDataDir) rmSync(dataDir, { recursive: true, force: true });
      reject(new Error(`quiver exited (code ${code}, signal ${signal}) before listening\n` +
        `command: ${QUIVER_BIN} ${args.join(' ')}\nstderr:\n${err}\nstdout:\n${out}`));
    };
    const timer = setTimeout(() => {
      cleanup();
      child.kill('SIGKILL');
      reject(new Error(`quiver did not log both listening lines within ${startTimeoutMs} ms\n` +
        `command: ${QUIVER_BIN} ${args.join(' ')}\nstderr:\n${err}\nstdout:\n${out}`));
    }, startTimeoutMs);
    const cleanup = () => {
      clearTimeout(timer);
      child.stderr.off('data', check);
      child.off('exit', onExit);
    };
    child.stderr.on('data', check);
    child.on('exit', onExit);
    check();
  });

  // Stop with a signal and require a clean exit (code 0) within the budget. Idempotent.
  let stopping = null;
  handle.stop = ({ signal = 'SIGTERM', timeoutMs = 10000 * SLOW, keepDataDir = !ownDataDir } = {}) => {
    if (stopping) return stopping;
    stopping = (async () => {
      if (!handle.exited) child.kill(signal);
      let timer;
      const res = await Promise.race([
        handle.exitPromise,
        new Promise((r) => { timer = setTimeout(() => r(null), timeoutMs); }),
      ]);
      clearTimeout(timer);
      if (res === null) {
        child.kill('SIGKILL');
        await handle.exitPromise;
        throw new Error(`quiver did not exit within ${timeoutMs} ms of ${signal}\nstderr tail:\n${tail(err)}`);
      }
      if (!keepDataDir) {
        try { rmSync(dataDir, { recursive: true, force: true }); } catch { /* ignore */ }
      }
      if (res.code !== 0) {
        throw new Error(`quiver exited with code ${res.code} signal ${res.signal} after ${signal} ` +
          `(expected a clean exit 0)\nstderr tail:\n${tail(err)}`);
      }
      return res;
    })();
    return stopping;
  };
  // SIGKILL (for crash tests and cleanup); the data directory is kept unless the server owns it.
  handle.kill = async () => {
    if (!handle.exited) child.kill('SIGKILL');
    await handle.exitPromise;
    if (ownDataDir) rmSync(dataDir, { recursive: true, force: true });
  };
  return handle;
}

export function tail(s, n = 12000) {
  return s.length > n ? '[...]' + s.slice(s.length - n) : s;
}

/** A self-signed P-256 certificate for localhost and 127.0.0.1 in dir (openssl CLI): {cert, key, ca}. */
export function makeSelfSignedCert(dir) {
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { stdio: 'ignore' });
  return { cert, key, ca: readFileSync(cert) };
}
