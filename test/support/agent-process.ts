import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { STEWARD_BIN } from './steward-process.js';
import { eventually } from './eventually.js';

/** A real `steward agent` process; its log lines (pino JSON) are kept for assertions. */
export class AgentProcess {
  readonly child: ChildProcess;
  readonly lines: Record<string, unknown>[] = [];
  readonly stderr: string[] = [];
  readonly exited: Promise<number | null>;

  private constructor(child: ChildProcess) {
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      try {
        this.lines.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        this.stderr.push(line);
      }
    });
    createInterface({ input: child.stderr! }).on('line', (line) => this.stderr.push(line));
  }

  /** Starts `steward agent` with these options (`--url`, `--name`, `--secret`, `--work-dir`...). */
  static start(args: string[], env: Record<string, string> = {}): AgentProcess {
    const child = spawn(process.execPath, [STEWARD_BIN, 'agent', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, STEWARD_LOG_LEVEL: 'info', ...env },
    });
    return new AgentProcess(child);
  }

  /** The log messages so far, one string each. */
  get messages(): string[] {
    return this.lines.map((l) => String(l.msg));
  }

  /** Waits for a log message matching `pattern` and returns it. */
  async logged(pattern: RegExp, timeoutMs = 20_000): Promise<string> {
    return eventually(() => {
      const found = this.messages.find((m) => pattern.test(m));
      if (found === undefined && this.child.exitCode !== null) throw new Error(`the agent exited with ${this.child.exitCode}: ${this.messages.join('\n')} ${this.stderr.join('\n')}`);
      return found;
    }, `the agent to log ${pattern}`, timeoutMs);
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    return this.exited;
  }
}
