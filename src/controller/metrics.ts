import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { Controller } from './controller.js';

/**
 * Prometheus metrics of one controller, in a registry of its own (no global state, so two
 * controllers can run in one process).
 */
export class ControllerMetrics {
  readonly registry = new Registry();
  readonly #securityEvents: Counter<'event'>;

  constructor(c: Controller) {
    const r = this.registry;
    this.#securityEvents = new Counter({
      name: 'steward_security_events_total',
      help: 'Security events since this controller started, as in logs/audit.log (login.failed, login.throttled, permission.denied, crumb.rejected, user.created, token.created...)',
      labelNames: ['event'],
      registers: [r],
    });
    collectDefaultMetrics({ register: r, prefix: 'steward_' });
    new Gauge({
      name: 'steward_queue_items',
      help: 'Items in the build queue, by state (waiting, blocked, buildable, pending)',
      labelNames: ['state'],
      registers: [r],
      collect() {
        this.reset();
        if (c.queue === undefined) return;
        for (const [state, n] of Object.entries(c.queue.counts())) this.set({ state }, n);
      },
    });
    new Gauge({
      name: 'steward_executors',
      help: 'Executors by node and state (idle, pending, running, terminating, completing)',
      labelNames: ['node', 'state'],
      registers: [r],
      collect() {
        this.reset();
        if (c.builtIn === undefined) return;
        for (const computer of c.computers()) {
          const counts: Record<string, number> = { idle: 0, pending: 0, running: 0, terminating: 0, completing: 0 };
          for (const e of computer.executors) counts[e.state.state] = (counts[e.state.state] ?? 0) + 1;
          for (const [state, n] of Object.entries(counts)) this.set({ node: computer.name, state }, n);
        }
      },
    });
    new Gauge({
      name: 'steward_scm_polling',
      help: 'SCM polling since this controller started: polls run, processes started for them (git ls-remote), answers shared with another poll of the cycle',
      labelNames: ['count'],
      registers: [r],
      collect() {
        this.reset();
        if (c.polling === undefined) return;
        for (const [count, n] of Object.entries(c.polling.counts)) this.set({ count }, n);
      },
    });
    new Gauge({
      name: 'steward_jobs',
      help: 'Jobs in the home, by kind (ok, broken)',
      labelNames: ['kind'],
      registers: [r],
      collect() {
        this.reset();
        if (c.jobs === undefined) return;
        let broken = 0;
        for (const j of c.jobs.all()) if (j.definition.kind === 'broken') broken++;
        this.set({ kind: 'ok' }, c.jobs.size - broken);
        this.set({ kind: 'broken' }, broken);
      },
    });
    new Gauge({
      name: 'steward_builds_running',
      help: 'Builds running now',
      registers: [r],
      collect() {
        this.set(c.scheduler === undefined ? 0 : c.scheduler.runningBuilds().length);
      },
    });
    new Gauge({
      name: 'steward_lease_role',
      help: 'Role of this controller: 1 for the role it has now (active, standby, starting, fenced, handing-over, handed-over, stopping)',
      labelNames: ['role'],
      registers: [r],
      collect() {
        this.reset();
        this.set({ role: c.role().role }, 1);
      },
    });
    new Gauge({
      name: 'steward_lease_epoch',
      help: 'Epoch (fencing token) of the lease this controller holds',
      registers: [r],
      collect() {
        this.set(c.role().epoch ?? 0);
      },
    });
    new Gauge({
      name: 'steward_home_writable',
      help: "1 while the home takes writes, 0 while its disk refuses them (full or failing: builds are held and build requests refused)",
      registers: [r],
      collect() {
        // Before start-up made the home store (a standby's metrics), nothing was refused.
        this.set(c.store === undefined || c.store.health.writable ? 1 : 0);
      },
    });
    new Counter({
      name: 'steward_home_fsyncs_total',
      help: 'fsyncs of home files (records, logs, the journal, folders) made by this controller process',
      registers: [r],
      collect() {
        if (c.store === undefined) return;
        this.reset();
        this.inc(c.store.fsyncs);
      },
    });
    new Counter({
      name: 'steward_home_journal_commits_total',
      help: "Group commits of the home's journal (one fsync each, shared by every build that started or ended meanwhile)",
      registers: [r],
      collect() {
        if (c.store === undefined) return;
        this.reset();
        this.inc(c.store.journalCommits);
      },
    });
    new Counter({
      name: 'steward_builds_started_total',
      help: 'Builds started since this controller started',
      registers: [r],
      collect() {
        if (c.scheduler === undefined) return;
        this.reset();
        this.inc(c.scheduler.counters.started);
      },
    });
    new Counter({
      name: 'steward_builds_completed_total',
      help: 'Builds completed since this controller started, by result',
      labelNames: ['result'],
      registers: [r],
      collect() {
        if (c.scheduler === undefined) return;
        this.reset();
        for (const [result, n] of Object.entries(c.scheduler.counters.completed)) this.inc({ result }, n);
      },
    });
  }

  /** Counts one audit event. */
  securityEvent(type: string): void {
    this.#securityEvents.inc({ event: type });
  }

  async text(): Promise<string> {
    return this.registry.metrics();
  }
}
