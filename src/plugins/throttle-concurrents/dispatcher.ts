import { coerceError } from '../../errors/index.js';
import type { DispatcherContext, Job, QueueTaskDispatcherDescriptor } from '../../jobs/index.js';
import { parseXml } from '../../xml/index.js';
import { THROTTLE_GLOBAL_FILE, THROTTLE_JOB_PROPERTY, parseThrottleCategories, parseThrottleProperty, type ThrottleCategory, type ThrottleSettings } from './config.js';

/** The global configuration is a list of categories: more than this is not a configuration. */
const MAX_GLOBAL_FILE_BYTES = 1024 * 1024;

/** The job's enabled throttle, read once per configuration. */
const settingsCache = new WeakMap<object, ThrottleSettings | null>();

function throttleOf(job: Job | undefined): ThrottleSettings | undefined {
  const def = job?.definition;
  if (def?.kind !== 'freestyle') return undefined;
  let s = settingsCache.get(def.parsed);
  if (s === undefined) {
    const el = def.parsed.document.root.child('properties')?.child(THROTTLE_JOB_PROPERTY);
    s = el === undefined ? null : parseThrottleProperty(el);
    settingsCache.set(def.parsed, s);
  }
  return s === null || !s.throttleEnabled ? undefined : s;
}

async function readCategories(ctx: DispatcherContext): Promise<Map<string, ThrottleCategory>> {
  const size = await ctx.store.size(THROTTLE_GLOBAL_FILE);
  if (size === undefined) return new Map();
  if (size > MAX_GLOBAL_FILE_BYTES) throw new Error(`${THROTTLE_GLOBAL_FILE} is larger than 1 MiB`);
  const text = await ctx.store.readText(THROTTLE_GLOBAL_FILE);
  return text === undefined ? new Map() : parseThrottleCategories(parseXml(text, THROTTLE_GLOBAL_FILE).root);
}

/**
 * The throttle-concurrents plugin's ThrottleQueueTaskDispatcher: a job with an enabled
 * ThrottleJobProperty waits while the builds of the job (`project`), or of every job in one of its
 * categories (`category`, limits from the plugin's global configuration in the home, read at
 * start), reach maxConcurrentTotal across all nodes ("Already running 1 builds across all nodes")
 * or maxConcurrentPerNode on a node, which is then not offered the build ("Already running 1
 * builds on node"). Builds being started count.
 */
export const throttleDispatcher: QueueTaskDispatcherDescriptor = {
  id: 'hudson.plugins.throttleconcurrents.ThrottleQueueTaskDispatcher',
  displayName: 'Throttle Concurrent Builds',
  async create(ctx) {
    let categories = new Map<string, ThrottleCategory>();
    try {
      categories = await readCategories(ctx);
    } catch (err) {
      // The controller starts all the same: a category it does not know limits nothing.
      const e = coerceError(err);
      ctx.logger.error({ file: THROTTLE_GLOBAL_FILE, err: e.toJSON() }, `the throttle categories in ${THROTTLE_GLOBAL_FILE} cannot be read, so jobs throttled by category run unthrottled: ${e.message}`);
    }
    /** Jobs by category, made again when a job changes. */
    let members: { generation: number; byCategory: Map<string, string[]> } | undefined;
    const jobsIn = (category: string): readonly string[] => {
      if (members?.generation !== ctx.jobs.generation) {
        const byCategory = new Map<string, string[]>();
        for (const job of ctx.jobs.all()) {
          for (const c of throttleOf(job)?.categories ?? []) byCategory.set(c, [...(byCategory.get(c) ?? []), job.name]);
        }
        members = { generation: ctx.jobs.generation, byCategory };
      }
      return members.byCategory.get(category) ?? [];
    };
    /** Builds of `jobs`, in all or on `node`. */
    const count = (jobs: ReadonlySet<string>, node?: string): number => {
      let n = 0;
      for (const b of ctx.building()) if (jobs.has(b.job) && (node === undefined || b.node === node)) n++;
      return n;
    };
    /** The limits that apply to the job: its own, or each of its categories' with the jobs sharing it. */
    const limits = (s: ThrottleSettings, job: string): { perNode: number; total: number; jobs: ReadonlySet<string> }[] => {
      if (s.throttleOption === 'project') return [{ perNode: s.maxConcurrentPerNode, total: s.maxConcurrentTotal, jobs: new Set([job]) }];
      return s.categories.flatMap((name) => {
        const c = categories.get(name);
        return c === undefined ? [] : [{ perNode: c.maxConcurrentPerNode, total: c.maxConcurrentTotal, jobs: new Set(jobsIn(name)) }];
      });
    };
    return {
      canRun(item) {
        const s = throttleOf(ctx.jobs.get(item.task.name));
        if (s === undefined) return undefined;
        for (const l of limits(s, item.task.name)) {
          if (l.total <= 0) continue;
          const n = count(l.jobs);
          if (n >= l.total) return `Already running ${n} builds across all nodes`;
        }
        return undefined;
      },
      canTake(node, item) {
        const s = throttleOf(ctx.jobs.get(item.task.name));
        if (s === undefined) return undefined;
        for (const l of limits(s, item.task.name)) {
          if (l.perNode <= 0) continue;
          const n = count(l.jobs, node.name);
          if (n >= l.perNode) return `Already running ${n} builds on node`;
        }
        return undefined;
      },
    };
  },
};
