/**
 * What a chaos run acts on, for one lock service: two controllers (`steward start`, real
 * processes) on one home, each reaching the lock server through a fault proxy of its own; two
 * agents (`steward agent`) given every controller's URL, each through fault proxies of its own;
 * and the two jobs the build stream builds, one on the built-in node and one on the agents.
 */
import { chmod, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { AgentProcess, stewardCli } from '../../test/support/agent-process.js';
import { StewardProcess, freestyleXml, stringParam } from '../../test/support/steward-process.js';
import { TcpProxy, freePort } from '../../test/support/tcp-proxy.js';
import type { LockService } from './backends.js';

export const LEASE_TTL = '2s';
export const LEASE_TTL_MS = 2000;
/** The label of the agents' nodes, and of the job tied to them. */
export const AGENT_LABEL = 'chaos';
/** The jobs the stream builds: one runs on the built-in node, one on an agent. */
export const JOBS = { builtIn: 'chaos-built-in', agent: 'chaos-agent' } as const;
export type ChaosJob = (typeof JOBS)[keyof typeof JOBS];
/** Lines each build prints, a few ms apart, so that a build is running when a fault strikes. */
export const STEP_LINES = 40;

/** What a build with this token prints, byte for byte, between the shell's own lines. */
export function expectedOutput(token: string): string {
  return Array.from({ length: STEP_LINES }, (_, i) => `chaos ${token} line ${i}\n`).join('');
}

/**
 * The step of both jobs: it appends its build number to a file named for its job and token
 * outside the home (so a run is counted even if its record is lost), then prints the known text.
 */
function stepCommand(marks: string): string {
  return [
    'set +x',
    `echo "$BUILD_NUMBER" >> "${marks}/$JOB_NAME-$TOKEN"`,
    'i=0',
    `while [ $i -lt ${STEP_LINES} ]; do echo "chaos $TOKEN line $i"; i=$((i+1)); sleep 0.02; done`,
  ].join('\n');
}

export type Role = 'active' | 'standby' | 'down';

/** One controller: its fixed port, its proxy to the lock server, and its current process. */
export class Member {
  readonly index: number;
  readonly port: number;
  readonly lockProxy: TcpProxy | undefined;
  proc: StewardProcess;
  /** How many times it was started. */
  starts = 1;
  readonly #start: () => StewardProcess;

  constructor(index: number, port: number, lockProxy: TcpProxy | undefined, start: () => StewardProcess) {
    this.index = index;
    this.port = port;
    this.lockProxy = lockProxy;
    this.#start = start;
    this.proc = start();
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/`;
  }

  get pid(): number {
    return this.proc.child.pid ?? -1;
  }

  get exited(): boolean {
    return this.proc.child.exitCode !== null || this.proc.child.signalCode !== null;
  }

  /** Starts the controller again (it stands by, as another holds the lease). */
  restart(): void {
    this.proc = this.#start();
    this.starts += 1;
  }

  /** What its /health/ready says, within a short timeout (a paused controller answers nothing). */
  async role(timeoutMs = 1000): Promise<Role> {
    if (this.exited) return 'down';
    try {
      const res = await fetch(new URL('health/ready', this.url), { signal: AbortSignal.timeout(timeoutMs) });
      const body = (await res.json()) as { role?: string };
      return res.status === 200 && body.role === 'active' ? 'active' : 'standby';
    } catch {
      return 'down';
    }
  }
}

/** One `steward agent`, reaching each controller through a proxy of its own. */
export class ChaosAgent {
  readonly name: string;
  readonly workDir: string;
  readonly proxies: TcpProxy[];
  readonly proc: AgentProcess;

  constructor(name: string, workDir: string, proxies: TcpProxy[], secret: string) {
    this.name = name;
    this.workDir = workDir;
    this.proxies = proxies;
    const urls = proxies.map((p) => `http://127.0.0.1:${p.port}/`).join(',');
    this.proc = AgentProcess.start(['--url', urls, '--name', name, '--secret', secret, '--work-dir', workDir]);
  }
}

export interface ClusterOptions {
  /** A folder of its own for this run: the home, the marks, the audit, the agents' work dirs. */
  dir: string;
  lock: LockService;
  controllers?: number;
  agents?: number;
}

export class ChaosCluster {
  readonly dir: string;
  readonly home: string;
  readonly marks: string;
  readonly auditFile: string;
  readonly lock: LockService;
  readonly members: Member[] = [];
  readonly agents: ChaosAgent[] = [];
  /** admin's API token, made once on the home and shared by every controller of it. */
  #token: string | undefined;
  /** Should this process end without close() (a test's time ran out), its children go with it. */
  readonly #onExit = (): void => {
    for (const m of this.members) m.proc.child.kill('SIGKILL');
    for (const a of this.agents) a.proc.child.kill('SIGKILL');
  };

  private constructor(opts: ClusterOptions) {
    this.dir = opts.dir;
    this.home = path.join(opts.dir, 'home');
    this.marks = path.join(opts.dir, 'marks');
    this.auditFile = path.join(opts.dir, 'writes.jsonl');
    this.lock = opts.lock;
    process.once('exit', this.#onExit);
  }

  static async start(opts: ClusterOptions): Promise<ChaosCluster> {
    const c = new ChaosCluster(opts);
    try {
      await c.#start(opts.controllers ?? 2, opts.agents ?? 2);
    } catch (err) {
      await c.close();
      throw err;
    }
    return c;
  }

  async #start(controllers: number, agents: number): Promise<void> {
    await mkdir(this.home, { recursive: true });
    // Steps on the built-in node run as the build user, those on agents as this user: both
    // pass through the run's folder and write marks.
    await chmod(this.dir, 0o711);
    await mkdir(this.marks, { recursive: true });
    await chmod(this.marks, 0o1777);
    for (let i = 0; i < controllers; i++) {
      const port = await freePort();
      const proxy = this.lock.target === undefined ? undefined : await TcpProxy.start(this.lock.target);
      const args = [
        '--port', String(port),
        '--lock', this.lock.url(proxy?.port),
        '--lease-ttl', LEASE_TTL,
        '--agent-port', '-1',
        '--executors', '2',
        // `file:` waits as a standby only when asked; a lock service always does.
        ...(this.lock.target === undefined ? ['--standby'] : []),
      ];
      this.members.push(new Member(i, port, proxy, () => StewardProcess.spawn(this.home, args, { STEWARD_WRITE_AUDIT: this.auditFile })));
      // The first one becomes active before the next is started, so the roles are known.
      if (i === 0) await this.members[0]!.proc.ready(60_000);
    }
    const first = this.members[0]!.proc;
    this.#token = first.adminToken;
    for (const m of this.members) this.#adopt(m);
    await first.createJob(JOBS.builtIn, jobXml(this.marks, 'built-in'));
    await first.createJob(JOBS.agent, jobXml(this.marks, AGENT_LABEL));
    for (let i = 0; i < agents; i++) {
      const name = `chaos-${i + 1}`;
      const workDir = path.join(this.dir, name);
      await mkdir(workDir, { recursive: true });
      const created = await stewardCli(first, ['node', 'create', name, '--labels', AGENT_LABEL, '--executors', '2', '--remote-fs', workDir]);
      if (created.code !== 0) throw new Error(`creating node ${name}: ${created.stderr}`);
      const secret = await stewardCli(first, ['node', 'secret', name]);
      if (secret.code !== 0) throw new Error(`the secret of node ${name}: ${secret.stderr}`);
      const proxies = await Promise.all(this.members.map((m) => TcpProxy.start({ host: '127.0.0.1', port: m.port })));
      this.agents.push(new ChaosAgent(name, workDir, proxies, secret.stdout.trim()));
    }
    await this.steady();
  }

  /** Lets the process of `m` send admin's requests once it is known to listen. */
  #adopt(m: Member): void {
    m.proc.port = m.port;
    m.proc.adminToken = this.#token;
    m.proc.authorization = `Basic ${Buffer.from(`admin:${this.#token ?? ''}`).toString('base64')}`;
  }

  /** Starts a controller that exited again, as a standby. */
  restart(m: Member): void {
    m.restart();
    this.#adopt(m);
  }

  async roles(): Promise<Role[]> {
    return Promise.all(this.members.map((m) => m.role()));
  }

  /** The active controller, or undefined when none answers as active now. */
  async active(): Promise<Member | undefined> {
    const roles = await this.roles();
    const actives = this.members.filter((_, i) => roles[i] === 'active');
    return actives.length === 1 ? actives[0] : undefined;
  }

  /**
   * Waits until the cluster is whole again: every controller that exited is started again as a
   * standby, exactly one is active and the others stand by, and every agent is online there.
   */
  async steady(timeoutMs = 90_000): Promise<Member> {
    const deadline = Date.now() + timeoutMs;
    let last: string;
    for (;;) {
      for (const m of this.members) if (m.exited) this.restart(m);
      const roles = await this.roles();
      const actives = this.members.filter((_, i) => roles[i] === 'active');
      const active = actives[0];
      if (actives.length === 1 && active !== undefined && roles.every((r) => r !== 'down')) {
        const offline = await this.#offlineAgents(active);
        if (offline.length === 0) return active;
        last = `agents ${offline.join(', ')} are not online on controller ${active.index}`;
      } else {
        last = `the controllers are ${roles.join(', ')}`;
      }
      if (Date.now() > deadline) throw new Error(`the cluster did not become steady in ${timeoutMs / 1000} s: ${last}`);
      await sleep(200);
    }
  }

  async #offlineAgents(active: Member): Promise<string[]> {
    try {
      const res = await active.proc.fetch('computer/api/json?tree=computer[displayName,offline]', { signal: AbortSignal.timeout(2000) });
      if (res.status !== 200) return this.agents.map((a) => a.name);
      const { computer } = (await res.json()) as { computer: { displayName: string; offline: boolean }[] };
      return this.agents.filter((a) => computer.find((c) => c.displayName === a.name)?.offline !== false).map((a) => a.name);
    } catch {
      return this.agents.map((a) => a.name);
    }
  }

  async close(): Promise<void> {
    process.off('exit', this.#onExit);
    for (const m of this.members) {
      m.proc.child.kill('SIGCONT');
      m.lockProxy?.restore();
    }
    await Promise.all(this.agents.map((a) => a.proc.stop()));
    await Promise.all(this.members.map((m) => m.proc.stop()));
    await Promise.all([...this.members.map((m) => m.lockProxy?.close()), ...this.agents.flatMap((a) => a.proxies.map((p) => p.close()))]);
  }
}

/** A job of the stream: concurrent, with a TOKEN parameter, tied to `label`. */
function jobXml(marks: string, label: string): string {
  return freestyleXml({ command: stepCommand(marks), parameters: stringParam('TOKEN', ''), concurrent: true, assignedNode: label });
}

/** The machine a run was made on, for its report. */
export function machine(): string {
  const cpus = os.cpus();
  return `${cpus[0]?.model.trim() ?? 'unknown cpu'}, ${cpus.length} cores, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, node ${process.version}, load ${os.loadavg()[0]?.toFixed(2)} (1 min)`;
}
