import { StewardError } from '../errors/index.js';

/**
 * An executor is a slot on a node that runs one build at a time. Its life is a checked state machine:
 *
 *   idle -> pending -> running -> completing -> idle
 *                        \-> terminating -> completing
 *   pending -> idle (the build could not start)
 *
 * `pending`: a queue item was handed over and the build is being set up (number, folders, log).
 * `completing`: the steps ended; the record is being written and publishers run.
 * `terminating`: an abort was asked for; the step processes are being stopped.
 */
export type ExecutorState =
  | { state: 'idle' }
  | { state: 'pending'; queueId: number; job: string }
  | { state: 'running'; queueId: number; job: string; buildNumber: number; since: number }
  | { state: 'terminating'; queueId: number; job: string; buildNumber: number; since: number; by: string }
  | { state: 'completing'; queueId: number; job: string; buildNumber: number; since: number };

export type ExecutorStateName = ExecutorState['state'];

const ALLOWED: Record<ExecutorStateName, readonly ExecutorStateName[]> = {
  idle: ['pending'],
  pending: ['running', 'idle'],
  running: ['terminating', 'completing'],
  terminating: ['completing'],
  completing: ['idle'],
};

export class Executor {
  readonly number: number;
  #state: ExecutorState = { state: 'idle' };
  /** Set when the node's executor count shrank while this one was busy: it goes away once idle. */
  retiring = false;

  constructor(number: number) {
    this.number = number;
  }

  get state(): ExecutorState {
    return this.#state;
  }

  get idle(): boolean {
    return this.#state.state === 'idle';
  }

  transition(next: ExecutorState): void {
    const from = this.#state.state;
    if (!ALLOWED[from].includes(next.state)) {
      throw new StewardError(
        'STW_EXECUTOR_STATE',
        `executor #${this.number} cannot go from ${from} to ${next.state}`,
      );
    }
    this.#state = next;
  }
}
