import { Executor } from './executor.js';
import { parseLabels } from './label/index.js';

export type NodeMode = 'NORMAL' | 'EXCLUSIVE';

/** The built-in node's name since Jenkins 2.307 (formerly "master"). */
export const BUILT_IN_NODE = 'built-in';

/**
 * A node that runs builds: the built-in node now, agents later. Holds its executors; the count can
 * change at run time (busy executors above the new count retire when their build ends).
 */
export class Node {
  readonly name: string;
  #labelString: string;
  #labels: ReadonlySet<string>;
  mode: NodeMode;
  online = true;
  readonly executors: Executor[] = [];
  #nextExecutorNumber = 0;

  constructor(opts: { name: string; numExecutors: number; labelString?: string; mode?: NodeMode }) {
    this.name = opts.name;
    this.mode = opts.mode ?? 'NORMAL';
    this.#labelString = opts.labelString ?? '';
    this.#labels = this.#computeLabels();
    this.setNumExecutors(opts.numExecutors);
  }

  get labelString(): string {
    return this.#labelString;
  }

  set labelString(text: string) {
    this.#labelString = text;
    this.#labels = this.#computeLabels();
  }

  /** Labels including the node's own name, as Jenkins' Node.getAssignedLabels() does. */
  get labels(): ReadonlySet<string> {
    return this.#labels;
  }

  get numExecutors(): number {
    return this.executors.filter((e) => !e.retiring).length;
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

  /** Changes the executor count. Idle executors above the count go at once, busy ones when done. */
  setNumExecutors(count: number): void {
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
        this.#nextExecutorNumber = Math.max(this.#nextExecutorNumber, n + 1);
      }
    } else {
      // Retire from the highest number down, idle ones first leave at once.
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

  /** Drops retiring executors that are idle; call after a build ends. */
  removeRetiredIdle(): void {
    for (let i = this.executors.length - 1; i >= 0; i--) {
      const e = this.executors[i];
      if (e !== undefined && e.retiring && e.idle) this.executors.splice(i, 1);
    }
  }

  #computeLabels(): ReadonlySet<string> {
    const set = parseLabels(this.#labelString);
    set.add(this.name);
    return set;
  }
}
