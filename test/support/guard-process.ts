import { spawn } from 'node:child_process';
import { STEWARD_BIN } from './steward-process.js';

/** A real `steward guard` process, with its JSON log lines as they come. */
export interface GuardRun {
  code: Promise<number | null>;
  pid: number;
  log: () => Record<string, unknown>[];
  signal(s: NodeJS.Signals): void;
}

export function guard(args: string[], env: Record<string, string> = {}): GuardRun {
  const child = spawn(process.execPath, [STEWARD_BIN, 'guard', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  return {
    // 'close': after the exit and the last of its output.
    code: new Promise((resolve) => child.once('close', (c, s) => resolve(c ?? (s === null ? null : -1)))),
    pid: child.pid ?? 0,
    log: () =>
      out
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    signal: (s) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(s);
    },
  };
}
