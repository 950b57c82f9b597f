import { randomUUID } from 'node:crypto';
import http from 'node:http';
import os from 'node:os';
import type { Logger } from 'pino';
import { Gauge, Histogram, Registry } from 'prom-client';
import { StewardError, coerceError, isStewardError } from '../errors/index.js';
import { openLease, parseLeaseUrl, redactLeaseUrl, safetyMarginMs, type Lease } from '../ha/index.js';
import { signalGroup, stopGroup, waitGone } from '../process-group/index.js';
import { WatchdogProcess } from './watchdog-process.js';

/** Exit statuses of `steward guard` other than the command's own. */
export const GUARD_EXIT = {
  /** The lease is held by someone else (no wait, or the wait timed out). */
  notAcquired: 3,
  /** The lease was lost while the command ran; the command was stopped. */
  lost: 4,
  /** The lock service could not be reached, the command could not be started, or its watchdog died. */
  failed: 5,
} as const;

export interface GuardOptions {
  lock: string;
  ttlMs: number;
  wait: boolean;
  timeoutMs: number | undefined;
  command: string;
  args: readonly string[];
  /** Longest time between TERM and KILL when the guard stops the command on request. */
  graceMs: number;
  statusPort: number | undefined;
  logger: Logger;
  /** Where `file:` without a path puts its lock (the current directory's `.steward-guard.lock`). */
  defaultLockFile: string;
}

type State = 'waiting' | 'running' | 'stopping' | 'lost' | 'released';

/**
 * Runs a command only while holding the lease: acquire, start the command with
 * STEWARD_LEASE_EPOCH in its environment, forward signals to it, and when the lease is lost stop it
 * (TERM, then KILL) before another holder can acquire; then release and exit with the command's
 * status. Any command can be guarded, a stock Jenkins controller included.
 */
export async function runGuard(o: GuardOptions): Promise<number> {
  const log = o.logger;
  const where = redactLeaseUrl(o.lock);
  let state: State = 'waiting';
  // Read through a function: closures change it, which the compiler's narrowing cannot see.
  const current = (): State => state;
  let lease: Lease | undefined;

  const registry = new Registry();
  const renewLatency = new Histogram({
    name: 'steward_guard_lease_renew_seconds',
    help: 'Round trip of lease renewals',
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
    registers: [registry],
  });
  new Gauge({
    name: 'steward_guard_lease_held',
    help: '1 while this guard holds the lease',
    registers: [registry],
    collect() {
      this.set(lease?.held === true ? 1 : 0);
    },
  });
  new Gauge({
    name: 'steward_guard_lease_epoch',
    help: 'Epoch of the lease this guard holds or held last',
    registers: [registry],
    collect() {
      this.set(lease?.epoch ?? 0);
    },
  });
  const status = o.statusPort === undefined ? undefined : await serveStatus(o.statusPort, registry, () => ({ state, epoch: lease?.epoch ?? null, held: lease?.held === true }));

  const ac = new AbortController();
  // One set of handlers for the guard's whole life, so that no signal ever meets the default
  // action (death) between waiting and running: while waiting a signal ends the wait; while the
  // command runs it is forwarded to it.
  let forward: ((signal: NodeJS.Signals) => void) | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (forward !== undefined) {
      forward(signal);
    } else if (signal === 'SIGTERM' || signal === 'SIGINT' || signal === 'SIGHUP') {
      log.info({ signal }, `received ${signal} while waiting for the lease; giving up`);
      ac.abort(new Error(`stopped by ${signal}`));
    }
  };
  const handled: NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGUSR1', 'SIGUSR2'];
  for (const s of handled) process.on(s, onSignal);
  // The command runs under a watchdog process that stops it if this process dies or stops
  // confirming the lease (watchdog.ts). It is started while waiting, so that starting Node does not
  // eat into a lease with a TTL; for file:, once the flock is ours, since it keeps a copy of the
  // lock's descriptor: the flock then outlives this process until the command is gone.
  const killAfter = Math.max(50, Math.min(o.graceMs, safetyMarginMs(o.ttlMs) * 0.6));
  let pgid: number | undefined;
  let watchdog: WatchdogProcess | undefined;
  const startWatchdog = (lockFd: number | undefined) =>
    new WatchdogProcess({
      killAfterMs: killAfter,
      command: o.command,
      args: o.args,
      lockFd,
      onStarted: (pid) => {
        pgid = pid;
        log.info({ commandPid: pid, watchdog: watchdog?.pid }, `${o.command} runs as pid ${pid} (its own process group) under watchdog pid ${watchdog?.pid}`);
      },
    });
  if (!isFileLease(o.lock)) watchdog = startWatchdog(undefined);
  try {
    try {
      lease = await openLease(o.lock, {
        holder: { host: os.hostname(), pid: process.pid, instanceId: randomUUID(), startedAt: new Date().toISOString() },
        ttlMs: o.ttlMs,
        wait: o.wait || o.timeoutMs !== undefined,
        ...(o.timeoutMs === undefined ? {} : { timeoutMs: o.timeoutMs }),
        signal: ac.signal,
        logger: log,
        defaultLockFile: o.defaultLockFile,
        onRenew: (ms) => renewLatency.observe(ms / 1000),
      });
    } catch (err) {
      if (ac.signal.aborted) {
        log.info({ lease: where }, 'stopped while waiting; the command never ran');
        return GUARD_EXIT.notAcquired;
      }
      if (isStewardError(err, 'STW_HOME_LOCKED')) {
        log.error({ lease: where }, `lease not acquired: ${err.message}`);
        return GUARD_EXIT.notAcquired;
      }
      log.error({ lease: where, err: coerceError(err).toJSON() }, `could not acquire the lease: ${coerceError(err).message}`);
      return GUARD_EXIT.failed;
    }
    log.info({ lease: where, epoch: lease.epoch }, `acquired the lease ${where} with epoch ${lease.epoch}; starting ${o.command}`);

    if (ac.signal.aborted) {
      log.info({ lease: where }, 'stopped just as the lease was acquired; the command never ran');
      return GUARD_EXIT.notAcquired;
    }
    const held = lease;
    const running = (watchdog ??= startWatchdog(held.inheritableFd()));
    running.start(held.epoch, held.remainingMs());
    state = 'running';
    // From a timer of this event loop: when this process is paused, the confirmations stop.
    const heartbeat = held.remainingMs() === Infinity ? undefined : setInterval(() => running.hold(held.remainingMs()), Math.max(20, o.ttlMs / HEARTBEATS_PER_TTL));

    let stopping: { cancel(): void } | undefined;
    forward = (signal: NodeJS.Signals) => {
      if ((state !== 'running' && state !== 'stopping') || pgid === undefined) return;
      log.info({ signal }, `forwarding ${signal} to ${o.command}`);
      if (signal === 'SIGTERM' || signal === 'SIGINT') {
        state = 'stopping';
        stopping ??= stopGroup(pgid, o.graceMs);
      } else {
        signalGroup(pgid, signal);
      }
    };

    held.onLost((reason) => {
      if (state === 'lost' || state === 'released') return;
      state = 'lost';
      // Another holder can acquire no earlier than the safety margin after this moment: the
      // command must be gone by then.
      log.error({ lease: where, reason, killAfterMs: Math.round(killAfter) }, `lost the lease: ${reason}; stopping ${o.command} (TERM, then KILL after ${Math.round(killAfter)} ms)`);
      if (pgid !== undefined) {
        stopping?.cancel();
        stopping = stopGroup(pgid, killAfter);
      }
    });

    const end = await running.outcome;
    forward = () => undefined;
    if (heartbeat !== undefined) clearInterval(heartbeat);
    stopping?.cancel();
    if (end.kind === 'failed') {
      log.error({}, end.message);
      return GUARD_EXIT.failed;
    }
    if (end.kind === 'died') {
      // Nothing watches the command now: it goes before this guard lets the lease go.
      if (pgid === undefined) {
        log.error({ watchdog: running.pid }, `the watchdog (pid ${running.pid}) ended (${end.how}) before ${o.command} started`);
        return GUARD_EXIT.failed;
      }
      log.error({ watchdog: running.pid, how: end.how }, `the watchdog (pid ${running.pid}) ended (${end.how}); stopping ${o.command} (TERM, then KILL after ${Math.round(killAfter)} ms)`);
      stopGroup(pgid, killAfter);
      if (!(await waitGone(pgid, killAfter + 1000))) log.error({ commandPid: pgid }, `${o.command} (pid ${pgid}) is still there after KILL`);
      signalGroup(pgid, 'SIGKILL');
      return GUARD_EXIT.failed;
    }
    if (current() === 'lost' || !held.held || end.stoppedBecause !== null) {
      if (end.stoppedBecause !== null) log.error({ reason: end.stoppedBecause }, `the watchdog stopped ${o.command}: ${end.stoppedBecause}`);
      log.error({ lease: where, code: end.code }, `${o.command} was stopped because the lease was lost`);
      state = 'lost';
      return GUARD_EXIT.lost;
    }
    log.info({ code: end.code }, `${o.command} exited with status ${end.code}`);
    return end.code;
  } finally {
    for (const s of handled) process.off(s, onSignal);
    // A watchdog whose command never ran (the lease was not acquired) goes.
    if (pgid === undefined) await watchdog?.close();
    if (lease !== undefined) {
      await lease.release();
      if (current() !== 'lost') log.info({ lease: where, epoch: lease.epoch }, `released the lease ${where}`);
      state = 'released';
    }
    await status?.close();
  }
}

/**
 * Confirmations of the lease to the watchdog per TTL: the watchdog moves its deadline with each,
 * so a late one costs nothing while the lease is renewed.
 */
const HEARTBEATS_PER_TTL = 10;

/** True for a `file:` lease URL (a bad URL is openLease's to report). */
function isFileLease(url: string): boolean {
  try {
    return parseLeaseUrl(url).kind === 'file';
  } catch {
    return true;
  }
}

async function serveStatus(
  port: number,
  registry: Registry,
  state: () => { state: State; epoch: number | null; held: boolean },
): Promise<{ close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    void (async () => {
      if (req.url === '/metrics') {
        res.writeHead(200, { 'content-type': registry.contentType });
        res.end(await registry.metrics());
      } else if (req.url === '/health') {
        const s = state();
        res.writeHead(s.held ? 200 : 503, { 'content-type': 'application/json' });
        res.end(JSON.stringify(s));
      } else {
        res.writeHead(404).end();
      }
    })().catch(() => res.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => reject(new StewardError('STW_REQUEST_INVALID', `--status-port ${port}: ${err.message}`)));
    server.listen(port, '127.0.0.1', resolve);
  });
  return { close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
