import type { Job } from './job.js';

/**
 * Which jobs start builds of which, after Jenkins' DependencyGraph: an edge from A to B for each
 * step of A that starts B (BuildTrigger, the parameterized trigger) and each trigger of B that
 * listens to A (ReverseBuildTrigger). Only jobs that exist are named, each list sorted by name.
 */
export class DependencyGraph {
  readonly #down = new Map<string, Set<string>>();
  readonly #up = new Map<string, Set<string>>();

  /** The graph of `jobs` as they are configured now. Cost: every job's steps and triggers once. */
  static of(jobs: Iterable<Job>): DependencyGraph {
    const graph = new DependencyGraph();
    const all = [...jobs];
    const names = new Set(all.map((j) => j.name));
    for (const job of all) {
      const def = job.definition;
      if (def.kind !== 'freestyle') continue;
      for (const step of [...def.builders, ...def.publishers]) {
        for (const child of step.downstreamProjects ?? []) if (names.has(child)) graph.#edge(job.name, child);
      }
      for (const trigger of def.triggers) {
        for (const parent of trigger.upstreamProjects ?? []) if (names.has(parent)) graph.#edge(parent, job.name);
      }
    }
    return graph;
  }

  #edge(from: string, to: string): void {
    if (from === to) return;
    let d = this.#down.get(from);
    if (d === undefined) this.#down.set(from, (d = new Set()));
    d.add(to);
    let u = this.#up.get(to);
    if (u === undefined) this.#up.set(to, (u = new Set()));
    u.add(from);
  }

  /** The jobs `job` starts builds of. */
  downstream(job: string): string[] {
    return [...(this.#down.get(job) ?? [])].sort();
  }

  /** Every job downstream of `job`, however far, nearest first (Jenkins' getTransitiveDownstream). */
  transitiveDownstream(job: string): string[] {
    return this.#walk(job, this.#down);
  }

  /** Every job upstream of `job`, however far, nearest first. */
  transitiveUpstream(job: string): string[] {
    return this.#walk(job, this.#up);
  }

  #walk(from: string, edges: ReadonlyMap<string, ReadonlySet<string>>): string[] {
    const seen = new Set<string>([from]);
    const out: string[] = [];
    for (let i = -1; i < out.length; i++) {
      const at = i === -1 ? from : (out[i] ?? from);
      for (const next of [...(edges.get(at) ?? [])].sort()) {
        if (seen.has(next)) continue;
        seen.add(next);
        out.push(next);
      }
    }
    return out;
  }

  /** The jobs that start builds of `job`. */
  upstream(job: string): string[] {
    return [...(this.#up.get(job) ?? [])].sort();
  }
}
