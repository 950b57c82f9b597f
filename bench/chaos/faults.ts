/**
 * The faults of a chaos run, one per trial. Each strikes the cluster while builds stream in and
 * says how to end it and whether it really happened, so that a run cannot pass without faults.
 * A new fault is one more entry in FAULTS.
 */
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BackendName, LockService } from './backends.js';
import { LEASE_TTL_MS, type ChaosAgent, type ChaosCluster, type Member } from './cluster.js';

export interface FaultContext {
  readonly cluster: ChaosCluster;
  readonly backend: BackendName;
  readonly lock: LockService;
  /** The controller that was active when the fault struck. */
  readonly active: Member;
  /** Which of the trials of this fault this is, from 0: spreads a fault over the agents. */
  readonly trial: number;
}

export interface Strike {
  /** Why it is known to have happened, or undefined when it is not. */
  evidence(): Promise<string | undefined>;
  /**
   * Ends the fault, once the outcome it calls for is reached (another controller is active after
   * a failover; at once otherwise).
   */
  heal(): Promise<void>;
}

export interface Fault {
  readonly name: string;
  readonly description: string;
  /** Another controller must become active: the struck one cannot go on. */
  readonly failover: 'always' | 'never' | 'maybe';
  appliesTo(backend: BackendName): boolean;
  strike(ctx: FaultContext): Promise<Strike>;
}

const hasServer = (backend: BackendName): boolean => backend !== 'file';

/** The state letter of a process in /proc (R, S, T for stopped...), or undefined when it is gone. */
function processState(pid: number): string | undefined {
  try {
    return /^\d+ \(.*\) (\S)/.exec(readFileSync(`/proc/${pid}/stat`, 'utf8'))?.[1];
  } catch {
    return undefined;
  }
}

function loggedLoss(m: Member): boolean {
  return m.proc.lines.some((l) => typeof l.msg === 'string' && /^(lost the lease|stepping down)/.test(l.msg));
}

export const FAULTS: readonly Fault[] = [
  {
    name: 'kill',
    description: 'kill -9 of the active controller',
    failover: 'always',
    appliesTo: () => true,
    async strike({ active }) {
      const proc = active.proc;
      proc.child.kill('SIGKILL');
      await proc.exited;
      return {
        evidence: () => Promise.resolve(proc.child.signalCode === 'SIGKILL' ? `controller ${active.index} (pid ${proc.child.pid}) ended by SIGKILL` : undefined),
        heal: () => Promise.resolve(),
      };
    },
  },
  {
    name: 'stop',
    description: 'SIGSTOP of the active controller past the lease TTL, then SIGCONT',
    failover: 'always',
    // A paused holder of a flock keeps it: nobody takes over, by design (docs/operations/ha.md).
    appliesTo: hasServer,
    async strike({ active }) {
      const proc = active.proc;
      const pid = proc.child.pid ?? -1;
      proc.child.kill('SIGSTOP');
      // The signal is delivered asynchronously: the state turns T within a moment.
      let state = processState(pid);
      for (let i = 0; i < 50 && state !== 'T'; i++) {
        await sleep(10);
        state = processState(pid);
      }
      return {
        async evidence() {
          if (state !== 'T') return undefined;
          // Resumed, it finds its lease lost and stops (status 4) without writing.
          const code = await Promise.race([proc.exited, sleep(15_000).then(() => 'still running')]);
          return `controller ${active.index} (pid ${pid}) was stopped (state T) and, resumed, exited with ${code}${loggedLoss(active) ? ' after logging the lost lease' : ''}`;
        },
        heal: () => {
          proc.child.kill('SIGCONT');
          return Promise.resolve();
        },
      };
    },
  },
  {
    name: 'partition',
    description: 'the active controller cut from the lock service (its proxy stops forwarding) while it still sees the home',
    failover: 'always',
    appliesTo: hasServer,
    async strike({ active }) {
      const proxy = active.lockProxy;
      if (proxy === undefined) throw new Error('a partition needs a lock server');
      const proc = active.proc;
      proxy.blackhole();
      return {
        async evidence() {
          const code = await Promise.race([proc.exited, sleep(15_000).then(() => 'still running')]);
          return loggedLoss(active) ? `controller ${active.index} (pid ${proc.child.pid}) logged the lost lease and exited with ${code}` : undefined;
        },
        heal: () => {
          proxy.restore();
          return Promise.resolve();
        },
      };
    },
  },
  {
    name: 'lock-restart',
    description: 'the lock service restarted, down for longer than the lease TTL',
    failover: 'maybe',
    appliesTo: hasServer,
    async strike({ lock, active }) {
      if (lock.restart === undefined) throw new Error('a restart needs a lock server');
      const restart = lock.restart(LEASE_TTL_MS + 1000);
      return {
        async evidence() {
          await restart;
          return `the lock server was down for ${(LEASE_TTL_MS + 1000) / 1000} s${loggedLoss(active) ? `; controller ${active.index} logged the lost lease` : ''}`;
        },
        heal: () => restart,
      };
    },
  },
  {
    name: 'agent-link',
    description: "an agent's links to every controller reset for 3 s while it runs builds",
    failover: 'never',
    appliesTo: () => true,
    async strike({ cluster, trial }) {
      const agent: ChaosAgent = cluster.agents[trial % cluster.agents.length]!;
      const lost = (): number => agent.proc.messages.filter((m) => m.startsWith('lost the connection')).length;
      const before = lost();
      for (const p of agent.proxies) p.reset();
      await sleep(3000);
      for (const p of agent.proxies) p.restore();
      return {
        evidence: () => Promise.resolve(lost() > before ? `agent ${agent.name} lost its connection and the proxies refused it for 3 s` : undefined),
        heal: () => Promise.resolve(),
      };
    },
  },
  {
    name: 'handover-kill',
    description: 'kill -9 of the active controller during a planned handover (POST /manage/ha/handover)',
    failover: 'always',
    appliesTo: () => true,
    async strike({ active, trial }) {
      const proc = active.proc;
      // The request is not awaited: the controller dies under it. The kill falls at another
      // point of the handover in each trial (quieting down, waiting for builds, releasing).
      const asked = proc
        .fetch('manage/ha/handover', { method: 'POST', body: new URLSearchParams({ timeout: '10' }), signal: AbortSignal.timeout(30_000) })
        .then((res) => res.status, () => 'no answer');
      // A handover with builds of a second or so to wait for takes about a second on loopback.
      await sleep(50 + ((trial * 230) % 650));
      const handingOver = (await active.role(500)) !== 'active';
      proc.child.kill('SIGKILL');
      await proc.exited;
      const answer = await asked;
      return {
        evidence: () =>
          Promise.resolve(
            proc.child.signalCode === 'SIGKILL'
              ? `controller ${active.index} (pid ${proc.child.pid}) ended by SIGKILL during its handover (${handingOver ? 'no longer answering as active' : 'still answering as active'}; the request got ${answer})`
              : undefined,
          ),
        heal: () => Promise.resolve(),
      };
    },
  },
];

export const FAULT_NAMES = FAULTS.map((f) => f.name);
