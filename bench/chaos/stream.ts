/**
 * A steady stream of builds, as users would send them: POST buildWithParameters to whichever
 * controller is active, alternating between the job on the built-in node and the job on the
 * agents, each with a token of its own. Every 201 with a queue item is an accepted build, which
 * must be built exactly once whatever happens next.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { JOBS, type ChaosCluster, type ChaosJob } from './cluster.js';

export interface AcceptedBuild {
  readonly token: string;
  readonly job: ChaosJob;
  readonly queueId: number;
  /** The controller that answered 201. */
  readonly member: number;
  readonly at: number;
}

export class BuildStream {
  readonly accepted: AcceptedBuild[] = [];
  /** Requests that got no 201 (a standby's 503, a refused connection, a timeout). */
  refused = 0;
  readonly #cluster: ChaosCluster;
  readonly #intervalMs: number;
  #seq = 0;
  #target = 0;
  #running: Promise<void> | undefined;
  #stop = false;

  constructor(cluster: ChaosCluster, intervalMs: number) {
    this.#cluster = cluster;
    this.#intervalMs = intervalMs;
  }

  start(prefix: string): void {
    this.#stop = false;
    this.#running = this.#loop(prefix);
  }

  async stop(): Promise<void> {
    this.#stop = true;
    await this.#running;
    this.#running = undefined;
  }

  async #loop(prefix: string): Promise<void> {
    while (!this.#stop) {
      const started = performance.now();
      await this.#send(prefix);
      await sleep(Math.max(0, this.#intervalMs - (performance.now() - started)));
    }
  }

  async #send(prefix: string): Promise<void> {
    const job = this.#seq % 2 === 0 ? JOBS.builtIn : JOBS.agent;
    const token = `${prefix}-${this.#seq++}`;
    const member = this.#cluster.members[this.#target % this.#cluster.members.length]!;
    try {
      const res = await member.proc.fetch(`job/${job}/buildWithParameters`, {
        method: 'POST',
        body: new URLSearchParams({ TOKEN: token }),
        signal: AbortSignal.timeout(3000),
      });
      const queueId = /\/queue\/item\/(\d+)\/$/.exec(res.headers.get('location') ?? '')?.[1];
      await res.body?.cancel();
      if (res.status === 201 && queueId !== undefined) {
        this.accepted.push({ token, job, queueId: Number(queueId), member: member.index, at: Date.now() });
        return;
      }
    } catch {
      // Refused, reset or timed out: not accepted; the next request goes to another controller.
    }
    this.refused += 1;
    this.#target += 1;
  }
}
