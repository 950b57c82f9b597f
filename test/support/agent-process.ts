import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { STEWARD_BIN, type StewardProcess } from './steward-process.js';
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

/** Runs the steward command against the controller as `admin` with its token. */
export function stewardCli(s: StewardProcess, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const env = { ...process.env, STEWARD_USER: 'admin', STEWARD_TOKEN: s.adminToken ?? '' };
    const child = spawn(process.execPath, [STEWARD_BIN, ...args, '--url', s.url], { stdio: ['ignore', 'pipe', 'pipe'], env });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The secret `/computer/NAME/jenkins-agent.jnlp` gives the agent of node `name`. */
export async function jnlpSecret(s: StewardProcess, name: string): Promise<string> {
  const jnlp = await (await s.fetch(`computer/${name}/jenkins-agent.jnlp`)).text();
  const secret = /<argument>([0-9a-f]{64})<\/argument>/.exec(jnlp)?.[1];
  if (secret === undefined) throw new Error(`no secret in the jnlp of ${name}: ${jnlp}`);
  return secret;
}

/** Creates an inbound agent node through python-jenkins' /computer/doCreateItem form; its secret. */
export async function createInboundNode(s: StewardProcess, name: string, fields: Record<string, string>): Promise<string> {
  const created = await s.fetch('computer/doCreateItem', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      name,
      type: 'hudson.slaves.DumbSlave',
      json: JSON.stringify({ name, launcher: { 'stapler-class': 'hudson.slaves.JNLPLauncher' }, ...fields }),
    }).toString(),
  });
  if (created.status >= 400) throw new Error(`creating node ${name}: ${created.status} ${await created.text()}`);
  return jnlpSecret(s, name);
}
