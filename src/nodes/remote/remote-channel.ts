import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import {
  PROTOCOL_VERSION,
  type Adoption,
  type AgentMessage,
  type ControllerMessage,
  type HeldStep,
  type Unversioned,
} from '../../agent-protocol/index.js';
import { StewardError } from '../../errors/index.js';
import type { LaunchOptions, NodeChannel, RefusedFile, StepOwner, StepProcess, TempFile } from '../channel.js';
import { AgentRequests, type RequestBody } from './agent-requests.js';
import { PreparedWorkspaces } from '../prepared-workspaces.js';

/** One connection to the agent, as the channel uses it. */
export interface AgentLink {
  send(m: Unversioned<ControllerMessage>): void;
}

/** The largest temporary file sent in one message (base64 grows it by a third; frames are 4 MiB). */
const MAX_TEMP_FILE_BYTES = 2 * 1024 * 1024;

interface RemoteStep {
  readonly id: string;
  readonly owner: StepOwner;
  readonly launch: Unversioned<Extract<ControllerMessage, { type: 'launch' }>>;
  readonly onOutput: LaunchOptions['onOutput'];
  /** Sent to the agent (on this connection or an earlier one). */
  launched: boolean;
  /** Bytes given to onOutput. */
  received: number;
  /** Bytes in the build's log. */
  written: number;
  /** The last offset acknowledged to the agent. */
  acked: number;
  ackScheduled: boolean;
  exit: { code: number; produced: number } | undefined;
  ended: boolean;
  resolvePid: (pid: number | undefined) => void;
  resolveExit: (code: number) => void;
}

/** What a new connection continues: held steps adopted from their offsets, the others dropped. */
export interface Reattachment {
  adopt: Adoption[];
  drop: string[];
}

export interface RemoteChannelOptions {
  node: string;
  logger: Logger;
  /** A build whose step the agent no longer holds ends, with the reason. */
  abortBuild: (owner: StepOwner, reason: string) => void;
}

/**
 * A node's channel to its agent (`steward agent`), over whichever connection the agent has now.
 * It outlives connections: while the agent is away, its steps wait (their output resumes from the
 * controller's offset when it is back) and what builds ask of the node waits for it, until the
 * node's grace period ends (see AgentConnections).
 *
 * Output is taken in order by offset: a chunk that repeats bytes already given to the build is
 * cut to what is new; one that starts past them breaks the protocol. Offsets are acknowledged once
 * the build's log has them; the step's end is told to the build once all its output was given.
 */
export class RemoteChannel implements NodeChannel {
  readonly keepsSteps = true;
  readonly #o: RemoteChannelOptions;
  #link: AgentLink | undefined;
  readonly #steps = new Map<string, RemoteStep>();
  readonly #requests: AgentRequests;
  /** Operations waiting for the agent to be connected. */
  #waiting: { resolve: (link: AgentLink) => void; reject: (err: Error) => void }[] = [];
  /** Set when the grace period ended with the agent away: operations fail until it is back. */
  #expired: string | undefined;

  constructor(o: RemoteChannelOptions) {
    this.#o = o;
    this.#requests = new AgentRequests(o.node, () => this.#link);
  }

  get connected(): boolean {
    return this.#link !== undefined;
  }

  /** Steps the controller waits for on this node. */
  get steps(): number {
    return this.#steps.size;
  }

  // --- Connections --------------------------------------------------------------------------

  /**
   * A connection from the agent was accepted, which holds `holds`. Steps the channel waits for
   * are adopted from what the build has; held steps it does not know are dropped; steps it sent
   * that the agent does not hold end their builds (the agent was restarted: a step is never
   * started twice). Call `resume` once the welcome is sent.
   */
  attach(link: AgentLink, holds: readonly HeldStep[]): { reattachment: Reattachment; resume: () => void } {
    this.#link = link;
    this.#expired = undefined;
    const held = new Set(holds.map((h) => h.id));
    const adopt: Adoption[] = [];
    const drop: string[] = [];
    for (const h of holds) {
      const step = this.#steps.get(h.id);
      if (step !== undefined && step.launched) adopt.push({ id: h.id, offset: step.received });
      else drop.push(h.id);
    }
    for (const step of [...this.#steps.values()]) {
      if (!step.launched || held.has(step.id)) continue;
      const reason = `Aborted: agent ${this.#o.node} no longer has the step of ${step.owner.job} #${step.owner.number} it was running (the agent was restarted); it is not started again`;
      this.#o.logger.error({ node: this.#o.node, job: step.owner.job, build: step.owner.number }, reason);
      this.#o.abortBuild(step.owner, reason);
      this.#end(step, 143);
    }
    const resume = (): void => {
      for (const step of this.#steps.values()) {
        if (!step.launched) {
          step.launched = true;
          link.send(step.launch);
        } else {
          // Acknowledgements sent on the old connection may be lost.
          step.acked = -1;
          this.#scheduleAck(step);
        }
      }
      const waiting = this.#waiting;
      this.#waiting = [];
      for (const w of waiting) w.resolve(link);
    };
    return { reattachment: { adopt, drop }, resume };
  }

  /** The connection ended: requests under way fail; steps and new operations wait for the agent. */
  detach(reason: string): void {
    this.#link = undefined;
    this.#requests.failAll(reason);
  }

  /** The agent did not come back in time: everything waiting for it fails with `reason`. */
  expire(reason: string): void {
    this.#expired = reason;
    const waiting = this.#waiting;
    this.#waiting = [];
    for (const w of waiting) w.reject(new StewardError('STW_AGENT_DISCONNECTED', reason));
    for (const step of [...this.#steps.values()]) {
      void step.onOutput(Buffer.from(`ERROR: ${reason}\n`));
      this.#end(step, 143);
    }
    this.#steps.clear();
  }

  // --- From the agent ---------------------------------------------------------------------------

  /**
   * Output of step `id` from `offset`. Returns why it breaks the protocol, or undefined when taken.
   */
  output(id: string, offset: number, payload: Buffer): string | undefined {
    const step = this.#steps.get(id);
    if (step === undefined) return `output for step ${id}, which this controller did not give to agent ${this.#o.node} or has finished`;
    if (offset > step.received) return `output of step ${id} from offset ${offset}, past the ${step.received} bytes received`;
    if (step.exit !== undefined && offset + payload.length > step.exit.produced) return `output of step ${id} past the ${step.exit.produced} bytes its exit counted`;
    const skip = step.received - offset;
    if (skip >= payload.length) return undefined;
    const bytes = skip === 0 ? payload : payload.subarray(skip);
    step.received += bytes.length;
    const end = step.received;
    const written = step.onOutput(bytes);
    if (written === undefined) this.#written(step, end);
    else written.then(() => this.#written(step, end), () => undefined);
    this.#maybeEnd(step);
    return undefined;
  }

  /** Bytes of a file being read. Returns why it breaks the protocol, or undefined when taken. */
  fileData(req: number, offset: number, payload: Buffer): string | undefined {
    return this.#requests.fileData(req, offset, payload);
  }

  /** A message from the agent. Returns why it breaks the protocol, or undefined when taken. */
  receive(m: AgentMessage): string | undefined {
    switch (m.type) {
      case 'started': {
        const step = this.#steps.get(m.id);
        if (step === undefined) return `started for step ${m.id}, which this controller did not give to agent ${this.#o.node}`;
        step.resolvePid(m.pid ?? undefined);
        return undefined;
      }
      case 'exit': {
        const step = this.#steps.get(m.id);
        if (step === undefined) return `exit for step ${m.id}, which this controller did not give to agent ${this.#o.node}`;
        if (m.produced < step.received) return `exit of step ${m.id} after ${m.produced} bytes, fewer than the ${step.received} received`;
        step.exit = { code: m.code, produced: m.produced };
        this.#maybeEnd(step);
        this.#maybeRelease(step);
        return undefined;
      }
      case 'launchRefused':
        this.#o.logger.error({ node: this.#o.node, step: m.id }, `agent ${this.#o.node} refused to start step ${m.id} again: ${m.reason}`);
        return undefined;
      case 'reply':
        return this.#requests.reply(m);
    }
  }

  // --- NodeChannel -------------------------------------------------------------------------------

  workspace(job: string): Promise<string> {
    return this.#prepared.take(job);
  }

  readonly #prepared = new PreparedWorkspaces((job) => this.#makeWorkspace(job));

  /** Asks the agent for the workspace while the build's set-up is made durable: one round trip less before its step. */
  prepareWorkspace(job: string): void {
    this.#prepared.prepare(job);
  }

  async #makeWorkspace(job: string): Promise<string> {
    const value = await this.#send({ type: 'workspace', job }, 'make the workspace');
    return text(value, 'path');
  }

  /** Whether the channel waits for step `id`. */
  knows(id: string): boolean {
    return this.#steps.has(id);
  }

  /**
   * Takes over a step the agent holds that an earlier controller started (see docs/agents.md):
   * the build's log has `offset` bytes of its output. Output that arrives before `bind` is kept
   * (at most the agent's window).
   */
  adopt(held: HeldStep, offset: number): { process: StepProcess; bind: (onOutput: LaunchOptions['onOutput']) => void } {
    let target: LaunchOptions['onOutput'] | undefined;
    const early: { chunk: Buffer; done: () => void }[] = [];
    const onOutput: LaunchOptions['onOutput'] = (chunk) => {
      if (target !== undefined) return target(chunk);
      return new Promise<void>((done) => early.push({ chunk, done }));
    };
    const process = this.#newStep(
      held.id,
      { job: held.job, number: held.number, cookie: held.cookie },
      { command: '', args: [], cwd: '', env: {}, mask: [] },
      onOutput,
    );
    const step = this.#steps.get(held.id) as RemoteStep;
    step.launched = true;
    step.received = offset;
    step.written = offset;
    step.acked = offset;
    const bind = (fn: LaunchOptions['onOutput']): void => {
      target = fn;
      for (const e of early.splice(0)) {
        const w = fn(e.chunk);
        if (w === undefined) e.done();
        else void w.then(e.done);
      }
    };
    return { process, bind };
  }

  launch(opts: LaunchOptions): StepProcess {
    if (this.#expired !== undefined) throw new StewardError('STW_AGENT_DISCONNECTED', this.#expired);
    const id = opts.stepId ?? `s-${randomBytes(12).toString('base64url')}`;
    const process = this.#newStep(id, opts.build, opts, opts.onOutput);
    const step = this.#steps.get(id) as RemoteStep;
    const link = this.#link;
    if (link !== undefined) {
      step.launched = true;
      link.send(step.launch);
    }
    return process;
  }

  #newStep(id: string, owner: StepOwner, opts: Pick<LaunchOptions, 'command' | 'args' | 'cwd' | 'env' | 'mask'>, onOutput: LaunchOptions['onOutput']): StepProcess {
    let resolvePid!: (pid: number | undefined) => void;
    let resolveExit!: (code: number) => void;
    const pid = new Promise<number | undefined>((r) => (resolvePid = r));
    const exited = new Promise<number>((r) => (resolveExit = r));
    const step: RemoteStep = {
      id,
      owner,
      launch: {
        type: 'launch',
        id,
        job: owner.job,
        number: owner.number,
        command: opts.command,
        args: [...opts.args],
        cwd: opts.cwd,
        env: opts.env,
        cookie: owner.cookie,
        mask: [...opts.mask],
      },
      onOutput,
      launched: false,
      received: 0,
      written: 0,
      acked: 0,
      ackScheduled: false,
      exit: undefined,
      ended: false,
      resolvePid,
      resolveExit,
    };
    this.#steps.set(id, step);
    const stop = async (graceMs: number): Promise<void> => {
      if (!step.ended) {
        const now = this.#link;
        if (now !== undefined && step.launched) now.send({ type: 'stop', id, graceMs });
        // Away: the step ends here now; when the agent is back, it is dropped (stopped) there.
        else this.#end(step, 143);
      }
      await exited;
    };
    return { pid, exited, stop };
  }

  async writeTempFile(name: string, content: string | Uint8Array, mode = 0o400): Promise<TempFile> {
    const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : Buffer.from(content);
    if (bytes.length > MAX_TEMP_FILE_BYTES) {
      throw new StewardError('STW_REQUEST_TOO_LARGE', `a temporary file for agent ${this.#o.node} is at most ${MAX_TEMP_FILE_BYTES} bytes; ${name} has ${bytes.length}`);
    }
    const value = await this.#send({ type: 'writeTemp', name, content: bytes.toString('base64'), mode }, `write the temporary file ${name}`);
    const path = text(value, 'path');
    return { path, remove: async () => void (await this.#send({ type: 'removeTemp', path }, `remove the temporary file ${name}`)) };
  }

  async listFiles(root: string, include: readonly string[], exclude: readonly string[]): Promise<string[]> {
    const value = await this.#send({ type: 'listFiles', root, include: [...include], exclude: [...exclude] }, 'list the workspace files');
    const files = value.files;
    if (!Array.isArray(files) || !files.every((f) => typeof f === 'string')) {
      throw new StewardError('STW_AGENT_FAILED', `agent ${this.#o.node} answered a file listing without value.files as a list of paths`);
    }
    return files as string[];
  }

  async readFile(root: string, relativePath: string, consume: (bytes: Readable) => Promise<void>): Promise<{ read: true } | { read: false; refused: RefusedFile }> {
    return this.#requests.readFile(await this.#whenLinked(), root, relativePath, consume);
  }

  // --- Inside ------------------------------------------------------------------------------------

  async #send(m: RequestBody, kind: string): Promise<Record<string, unknown>> {
    return this.#requests.send(await this.#whenLinked(), m, kind);
  }

  #whenLinked(): Promise<AgentLink> {
    if (this.#link !== undefined) return Promise.resolve(this.#link);
    if (this.#expired !== undefined) return Promise.reject(new StewardError('STW_AGENT_DISCONNECTED', this.#expired));
    return new Promise((resolve, reject) => this.#waiting.push({ resolve, reject }));
  }

  #written(step: RemoteStep, end: number): void {
    if (end <= step.written) return;
    step.written = end;
    this.#scheduleAck(step);
    this.#maybeRelease(step);
  }

  /** One ack per step per turn of the event loop, for all the writes that ended in it. */
  #scheduleAck(step: RemoteStep): void {
    if (step.ackScheduled) return;
    step.ackScheduled = true;
    setImmediate(() => {
      step.ackScheduled = false;
      if (step.written > step.acked) {
        step.acked = step.written;
        this.#link?.send({ type: 'ack', id: step.id, offset: step.written });
      }
    });
  }

  #maybeEnd(step: RemoteStep): void {
    if (step.exit !== undefined && step.received === step.exit.produced) this.#end(step, step.exit.code);
  }

  /** Everything of the step is in the build's log: the agent may forget it. */
  #maybeRelease(step: RemoteStep): void {
    if (step.exit === undefined || step.written < step.exit.produced || this.#steps.get(step.id) !== step) return;
    this.#steps.delete(step.id);
    this.#link?.send({ type: 'release', id: step.id });
  }

  #end(step: RemoteStep, code: number): void {
    if (step.ended) return;
    step.ended = true;
    // A step ended here without its exit (stopped while away, lost) is not waited for any more.
    if (step.exit === undefined) this.#steps.delete(step.id);
    step.resolvePid(undefined);
    step.resolveExit(code);
  }
}

function text(value: Record<string, unknown>, field: string): string {
  const v = value[field];
  if (typeof v !== 'string') throw new StewardError('STW_AGENT_FAILED', `the agent's reply has no value.${field} (a string)`);
  return v;
}

/** A network message of the controller with the protocol version added. */
export function versionedToAgent(m: Unversioned<ControllerMessage>): ControllerMessage {
  return { v: PROTOCOL_VERSION, ...m } as ControllerMessage;
}
