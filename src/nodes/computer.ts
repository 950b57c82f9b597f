import { StewardError } from '../errors/index.js';
import type { NodeChannel } from './channel.js';
import { Executor } from './executor.js';
import type { Node, NodeMode } from './node.js';

/**
 * Why a computer is offline. `temporary`: someone took it offline on purpose (Jenkins'
 * temporarilyOffline with an OfflineCause.UserCause); `disconnected`: the controller has no channel
 * to it (an agent not connected yet, or whose connection ended).
 */
export type OfflineCause =
  | { readonly kind: 'temporary'; readonly reason: string; readonly by: string; readonly since: number }
  | { readonly kind: 'disconnected'; readonly reason: string; readonly since: number };

export type ComputerState = { readonly state: 'online' } | { readonly state: 'offline'; readonly cause: OfflineCause };

export type ComputerStateName = ComputerState['state'];

const ALLOWED: Record<ComputerStateName, readonly ComputerStateName[]> = {
  online: ['offline'],
  offline: ['online'],
};

/**
 * The running side of a node, after Jenkins' hudson.model.Computer: whether it is online (and why
 * not), its executors, and its channel (how builds reach the machine; none while disconnected).
 * Its Node (the configuration) can be replaced at run time; executors follow the new count (busy
 * executors above it retire when their build ends).
 */
export class Computer {
  #node: Node;
  #state: ComputerState;
  #channel: NodeChannel | undefined;
  readonly executors: Executor[] = [];

  constructor(node: Node, state: ComputerState = { state: 'online' }, channel?: NodeChannel) {
    this.#node = node;
    this.#state = state;
    this.#channel = channel;
    this.#setExecutorCount(node.numExecutors);
  }

  /** How builds reach the node's machine; undefined while it is not connected. */
  get channel(): NodeChannel | undefined {
    return this.#channel;
  }

  /** Gives the computer the channel of a node that connected (or undefined when it went away). */
  setChannel(channel: NodeChannel | undefined): void {
    this.#channel = channel;
  }

  get node(): Node {
    return this.#node;
  }

  get name(): string {
    return this.#node.name;
  }

  get labels(): ReadonlySet<string> {
    return this.#node.labels;
  }

  get mode(): NodeMode {
    return this.#node.mode;
  }

  /** The configured count; executors retiring after a decrease are not counted. */
  get numExecutors(): number {
    return this.#node.numExecutors;
  }

  get state(): ComputerState {
    return this.#state;
  }

  get online(): boolean {
    return this.#state.state === 'online';
  }

  /** Taken offline on purpose, as Jenkins' Computer.isTemporarilyOffline. */
  get temporarilyOffline(): boolean {
    return this.#state.state === 'offline' && this.#state.cause.kind === 'temporary';
  }

  /** Jenkins' offlineCauseReason: the reason given, '' when online. */
  get offlineCauseReason(): string {
    return this.#state.state === 'offline' ? this.#state.cause.reason : '';
  }

  /**
   * Whether the controller can reach the node's machine: always for the built-in node, for an
   * agent while it has a channel.
   */
  get connected(): boolean {
    return this.#node.launcher === 'local' || this.#channel !== undefined;
  }

  /**
   * Takes the computer offline on purpose, with why and by whom (Jenkins' setTemporarilyOffline
   * with an OfflineCause.UserCause), or, given undefined, brings it back: online when it is
   * connected, else offline as disconnected. Its running builds go on either way; it takes no new
   * ones while offline. Asking for what already holds throws STW_COMPUTER_STATE.
   */
  setTemporarilyOffline(cause: { readonly reason: string; readonly by: string } | undefined, now = Date.now()): void {
    if (cause !== undefined) {
      if (this.temporarilyOffline) throw new StewardError('STW_COMPUTER_STATE', `the computer of node ${this.name} is already offline on purpose`);
      this.#state = { state: 'offline', cause: { kind: 'temporary', reason: cause.reason, by: cause.by, since: now } };
      return;
    }
    if (!this.temporarilyOffline) throw new StewardError('STW_COMPUTER_STATE', `the computer of node ${this.name} was not taken offline on purpose`);
    this.#state = this.connected ? { state: 'online' } : { state: 'offline', cause: { kind: 'disconnected', reason: 'the agent is not connected', since: now } };
  }

  /**
   * Why the controller could not start the node's agent (the SSH launcher's last failure): the
   * reason a disconnected computer shows. Nothing changes while it is connected or offline on
   * purpose.
   */
  setLaunchFailure(reason: string, now = Date.now()): void {
    if (this.#state.state === 'offline' && this.#state.cause.kind === 'disconnected') {
      this.#state = { state: 'offline', cause: { kind: 'disconnected', reason, since: this.#state.cause.since ?? now } };
    }
  }

  transition(next: ComputerState): void {
    const from = this.#state.state;
    if (!ALLOWED[from].includes(next.state)) {
      throw new StewardError('STW_COMPUTER_STATE', `the computer of node ${this.name} cannot go from ${from} to ${next.state}`);
    }
    this.#state = next;
  }

  /** Gives the computer its node's new configuration. Idle executors above the count go at once, busy ones when done. */
  setNode(node: Node): void {
    if (node.name !== this.#node.name) {
      throw new StewardError('STW_INTERNAL', `the computer of node ${this.#node.name} cannot take the configuration of node ${node.name}`);
    }
    this.#node = node;
    this.#setExecutorCount(node.numExecutors);
  }

  idleExecutors(): number {
    if (!this.online) return 0;
    let n = 0;
    for (const e of this.executors) if (e.idle && !e.retiring) n++;
    return n;
  }

  takeIdleExecutor(): Executor | undefined {
    if (!this.online) return undefined;
    return this.executors.find((e) => e.idle && !e.retiring);
  }

  /** Drops retiring executors that are idle; call after a build ends. */
  removeRetiredIdle(): void {
    for (let i = this.executors.length - 1; i >= 0; i--) {
      const e = this.executors[i];
      if (e !== undefined && e.retiring && e.idle) this.executors.splice(i, 1);
    }
  }

  #setExecutorCount(count: number): void {
    const active = this.executors.filter((e) => !e.retiring);
    if (active.length < count) {
      // Reuse retiring executors first, then add new ones with the lowest free numbers.
      for (const e of this.executors) {
        if (active.length >= count) break;
        if (e.retiring) {
          e.retiring = false;
          active.push(e);
        }
      }
      while (active.length < count) {
        const used = new Set(this.executors.map((e) => e.number));
        let n = 0;
        while (used.has(n)) n++;
        const e = new Executor(n);
        this.executors.push(e);
        active.push(e);
      }
    } else {
      // Retire from the highest number down; idle ones leave at once.
      const sorted = [...active].sort((a, b) => b.number - a.number);
      let excess = active.length - count;
      for (const e of sorted.filter((x) => x.idle)) {
        if (excess === 0) break;
        e.retiring = true;
        excess--;
      }
      for (const e of sorted.filter((x) => !x.idle)) {
        if (excess === 0) break;
        e.retiring = true;
        excess--;
      }
      this.removeRetiredIdle();
    }
    this.executors.sort((a, b) => a.number - b.number);
  }
}
