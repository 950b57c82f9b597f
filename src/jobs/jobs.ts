import type { Readable } from 'node:stream';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { StewardError, coerceError, excerpt, isStewardError } from '../errors/index.js';
import type { ExtensionRegistry } from '../extensions/index.js';
import type { AppendLog, FileRange, HomeStore } from '../home/index.js';
import type { LabelExpression } from '../nodes/index.js';
import {
  parseBuildRecord,
  readFreestyleJob,
  serializeBuildRecord,
  setDisabled,
  type BuildRecord,
  type Cause,
  type FreestyleJob,
  type ParameterValue,
  type Step,
} from './config/index.js';
import { escapeText, parseXmlOffLoop, serializeXml, type XmlSpec } from '../xml/index.js';
import { BUILDER, PUBLISHER, type RenameJobReferences } from './steps/api.js';
import { TRIGGER } from './triggers/index.js';
import { Build } from './build.js';
import { checkBuildFileName, runView } from './build-files.js';
import { RUN_ACTION, type RunActionDescriptor, type RunView } from './run-actions.js';
import { AGENT_STEP_FILE, parseAgentStepRecord, type AgentStepRecord } from './agent-step.js';
import type { BuildSecrets } from './build-secrets.js';
import { compileDefinition, type JobDefinition } from './definition.js';
import { describeNotRun, summarizeNotRun, totalNotRun, type NotRunElement, type NotRunTreatment } from './not-run.js';
import { Job } from './job.js';
import { UnrecordedEnds } from './unrecorded-ends.js';
import { DependencyGraph } from './dependency-graph.js';
import type { CompletedBuild } from './triggers/index.js';
import { checkJobName, folderNameProblem } from './names.js';
import { PEEPHOLE_PERMALINKS, PERMALINK_IDS, Permalinks, type PermalinkId } from './permalinks.js';
import type { Result } from './result.js';

export interface JobsOptions {
  store: HomeStore;
  extensions: ExtensionRegistry;
  logger: Logger;
  now?: () => number;
  /**
   * Credentials, Secret values and log masking for builds (security/credentials' `buildSecrets`).
   * Without it, password parameter values are not written to build.xml at all, logs are not
   * masked, and a credentials binding fails the build.
   */
  secrets?: BuildSecrets;
  /**
   * What another part refuses in a job's configuration (security: a job's matrix granting a
   * permission that is not the job's), each as a StewardError saying where. A config posted,
   * copied or renamed with one is refused with the first; a job loaded from the home with one
   * still loads (a job is never lost), each is logged, and the part that objects ignores it.
   */
  objections?: (config: FreestyleJob) => readonly StewardError[];
  /**
   * Why the job's label expression leaves its builds nowhere to run (no node has the label), asked
   * each time, since nodes come and go; undefined when a node has it. A job with such a label is
   * still created, saved and loaded; the warning is logged, and `labelWarning` gives it to callers.
   */
  labelWarning?: (job: string, label: LabelExpression) => string | undefined;
  /**
   * Definitions compiled before the lease (a standby's, see `preloadJobDefinitions`): `load`
   * takes a job's from here when its config.xml still holds the same text, instead of compiling
   * it again.
   */
  preloaded?: PreloadedJobs;
}

/** Job definitions compiled ahead of `Jobs.load`, by job name, each with the text it came from. */
export type PreloadedJobs = ReadonlyMap<string, { readonly xml: string; readonly definition: JobDefinition }>;

/** How many config.xml files start-up reads at once. */
const LOAD_CONCURRENCY = 64;

/** The job folders under jobs/ that can be jobs, and those that cannot, with why. */
async function jobFolders(store: HomeStore): Promise<{ names: string[]; refused: { folder: string; problem: string }[] }> {
  const names: string[] = [];
  const refused: { folder: string; problem: string }[] = [];
  for (const folder of await store.listDir('jobs')) {
    const problem = folderNameProblem(folder);
    if (problem === undefined) names.push(folder);
    else refused.push({ folder, problem });
  }
  return { names, refused };
}

/** Calls `each` with every item, 64 at a time (start-up's reading of the home). */
async function forEachConcurrently<T>(items: readonly T[], each: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await each(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(LOAD_CONCURRENCY, items.length) }, worker));
}

/** Calls `each` with every job's config.xml text (folders without one are skipped). */
async function readConfigs(store: HomeStore, names: readonly string[], each: (name: string, xml: string, file: string) => Promise<void>): Promise<void> {
  await forEachConcurrently(names, async (name) => {
    const file = `jobs/${name}/config.xml`;
    const xml = await store.readText(file);
    if (xml !== undefined) await each(name, xml, file);
  });
}

async function define(xml: string, file: string, extensions: ExtensionRegistry): Promise<JobDefinition> {
  try {
    return await compileDefinition(xml, file, extensions);
  } catch (err) {
    return { kind: 'broken', xml, error: coerceError(err, 'STW_CONFIG_INVALID') };
  }
}

/**
 * Reads and compiles every job's config.xml without writing anything: what a standby does while it
 * waits for the lease, so that once it has it, start-up compiles only the configs changed since
 * (most of the time of loading a large home goes to parsing), and a failover takes less than a
 * cold start. Nothing is logged: `load` says what it finds.
 */
export async function preloadJobDefinitions(store: HomeStore, extensions: ExtensionRegistry): Promise<PreloadedJobs> {
  const preloaded = new Map<string, { xml: string; definition: JobDefinition }>();
  const { names } = await jobFolders(store);
  await readConfigs(store, names, async (name, xml, file) => {
    preloaded.set(name, { xml, definition: await define(xml, file, extensions) });
  });
  return preloaded;
}

/**
 * The jobs of the home (Jenkins' top-level ItemGroup): loading, creating, reconfiguring, and the
 * records of their builds. All reading and writing goes through the home store.
 */
export class Jobs {
  #awaitAgentsUntil = 0;
  readonly #store: HomeStore;

  /** The home store the jobs are written through. */
  get store(): HomeStore {
    return this.#store;
  }
  readonly #extensions: ExtensionRegistry;
  readonly #log: Logger;
  readonly #now: () => number;
  readonly #secrets: BuildSecrets | undefined;
  readonly #objections: (config: FreestyleJob) => readonly StewardError[];
  readonly #labelWarning: (job: string, label: LabelExpression) => string | undefined;
  /** The jobs by name; any change drops the dependency graph, made again when next asked for. */
  readonly #jobs = new JobMap(() => this.#changed());
  #graph: DependencyGraph | undefined;
  #generation = 0;
  #preloaded: PreloadedJobs | undefined;
  readonly #listeners = new Set<(job: Job, change: 'loaded' | 'created' | 'updated') => void>();
  readonly #completedListeners = new Set<(build: CompletedBuild) => void>();
  /**
   * Per-job chain of what follows a build's end (builds/permalinks, then the build discarder), so
   * that two of one job never interleave.
   */
  readonly #housekeeping = new Map<string, Promise<void>>();
  /** What of builds' ends the home's disk refused: written once it takes writes again. */
  readonly #unrecorded: UnrecordedEnds;

  constructor(opts: JobsOptions) {
    this.#store = opts.store;
    this.#extensions = opts.extensions;
    this.#log = opts.logger;
    this.#now = opts.now ?? Date.now;
    this.#secrets = opts.secrets;
    this.#objections = opts.objections ?? (() => []);
    this.#labelWarning = opts.labelWarning ?? (() => undefined);
    this.#preloaded = opts.preloaded;
    this.#unrecorded = new UnrecordedEnds(this.#store, this.#log);
    this.#store.onHealthChange((health) => {
      // A build deleted meanwhile, or its job, is not made again.
      if (health.writable) void this.#unrecorded.write((job, n) => this.#jobs.get(job.name) === job && (job.buildNumbers ?? []).includes(n));
    });
  }

  /** What builds use for credentials, Secret values and log masking; see JobsOptions.secrets. */
  get secrets(): BuildSecrets | undefined {
    return this.#secrets;
  }

  /**
   * `values` with each password parameter value sealed (`{STW1:...}`), for keeping them where they
   * are written down before the build, such as a queue item saved to queue.xml, and given the
   * digest by which the queue recognises an identical request. Without secrets the values are
   * returned as they are.
   */
  sealParameters(values: readonly ParameterValue[]): ParameterValue[] {
    const secrets = this.#secrets;
    if (secrets === undefined) return [...values];
    return values.map((p) => (p.sensitive ? withDigest({ ...p, value: secrets.seal(p.value) }, secrets.digest(p.value)) : p));
  }

  /**
   * Sealed values (read back from queue.xml) with the digests the queue compares them by, which
   * are never written. A value that does not decrypt gets none: it fails its build when it runs.
   */
  digestParameters(values: readonly ParameterValue[]): ParameterValue[] {
    const secrets = this.#secrets;
    if (secrets === undefined) return [...values];
    return values.map((p) => (p.sensitive ? withDigest(p, secrets.digest(p.value)) : p));
  }

  /** Reads every jobs/NAME/config.xml; a job that cannot be read is kept as broken, with its error. */
  async load(): Promise<void> {
    const { names, refused } = await jobFolders(this.#store);
    // A folder no job could have been created under: loading it would make a job that cannot be
    // named in a URL, or be confused with the home's own files. Said once, at start.
    for (const { folder, problem } of refused) {
      this.#log.warn({ folder: `jobs/${folder}`, reason: problem }, `the folder jobs/${folder} is not loaded: ${problem}`);
    }
    const preloaded = this.#preloaded;
    this.#preloaded = undefined;
    let reused = 0;
    await readConfigs(this.#store, names, async (name, xml, file) => {
      const early = preloaded?.get(name);
      const unchanged = early?.xml === xml ? early.definition : undefined;
      if (unchanged !== undefined) reused++;
      this.#jobs.set(name, new Job(name, unchanged ?? (await this.#define(xml, file))));
    });
    if (preloaded !== undefined) this.#log.debug({ jobs: this.#jobs.size, reused }, `${reused} of ${this.#jobs.size} job configurations were unchanged since the standby read them`);
    const broken = [...this.#jobs.values()].filter((j) => j.definition.kind === 'broken');
    for (const job of broken) {
      if (job.definition.kind === 'broken') {
        this.#log.warn({ job: job.name, err: job.definition.error.toJSON() }, `job ${job.name} could not be loaded: ${job.definition.error.message}`);
      }
    }
    for (const job of this.#jobs.values()) {
      if (job.definition.kind !== 'freestyle') continue;
      for (const e of this.#objections(job.definition.parsed)) {
        this.#log.warn({ job: job.name, err: e.toJSON() }, `job ${job.name}: ${e.message}; the job is loaded and this is ignored`);
      }
    }
    this.#summarizeNotRun();
    for (const job of this.#jobs.values()) this.#warnLabel(job);
    for (const job of this.#jobs.values()) this.#emit(job, 'loaded');
    this.#log.info({ jobs: this.#jobs.size, broken: broken.length }, `loaded ${this.#jobs.size} jobs (${broken.length} broken)`);
  }

  /** Tells `listener` about every job loaded, created or reconfigured; returns the unsubscribe. */
  onChange(listener: (job: Job, change: 'loaded' | 'created' | 'updated') => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Tells `listener` about every build that ends, once its final record was asked written (Jenkins'
   * RunListener.onCompleted); returns the unsubscribe. A listener that throws is logged.
   */
  onCompleted(listener: (build: CompletedBuild) => void): () => void {
    this.#completedListeners.add(listener);
    return () => this.#completedListeners.delete(listener);
  }

  /**
   * A number that changes whenever a job is added, removed, renamed or reconfigured: what is
   * computed from every job's configuration can be kept until it does.
   */
  get generation(): number {
    return this.#generation;
  }

  #changed(): void {
    this.#graph = undefined;
    this.#generation++;
  }

  /** Which jobs start builds of which, as they are configured now. */
  dependencyGraph(): DependencyGraph {
    return (this.#graph ??= DependencyGraph.of(this.#jobs.values()));
  }

  #emit(job: Job, change: 'loaded' | 'created' | 'updated'): void {
    for (const l of this.#listeners) l(job, change);
  }

  #define(xml: string, file: string): Promise<JobDefinition> {
    return define(xml, file, this.#extensions);
  }

  /** Throws the first objection to a config about to be saved under a name. */
  #refuseObjected(definition: JobDefinition): void {
    if (definition.kind !== 'freestyle') return;
    const [first] = this.#objections(definition.parsed);
    if (first !== undefined) throw first;
  }

  get(name: string): Job | undefined {
    return this.#jobs.get(name);
  }

  require(name: string): Job {
    const job = this.#jobs.get(name);
    if (job === undefined) throw new StewardError('STW_JOB_NOT_FOUND', `no job named "${name}"`);
    return job;
  }

  all(): Job[] {
    return [...this.#jobs.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  get size(): number {
    return this.#jobs.size;
  }

  /** Creates a job from config.xml. Invalid XML or a taken name changes nothing. */
  async create(rawName: string, xml: string): Promise<Job> {
    const name = checkJobName(rawName);
    const taken = () => new StewardError('STW_JOB_EXISTS', `a job already exists with the name "${name}"`);
    if (this.#jobs.has(name)) throw taken();
    const file = `jobs/${name}/config.xml`;
    const definition = await compileDefinition(xml, file, this.#extensions);
    this.#refuseObjected(definition);
    // A folder that is not a loaded job (a job's leftovers, or one not loaded at start) is not
    // taken over: its builds and files would become the new job's.
    if (await this.#store.exists(`jobs/${name}`)) {
      throw new StewardError('STW_JOB_EXISTS', `the folder jobs/${name} already exists but holds no loaded job; remove it or choose another name`);
    }
    if (this.#jobs.has(name)) throw taken();
    // Reserve the name before the write so that two concurrent creates cannot both succeed.
    const job = new Job(name, definition);
    job.buildNumbers = [];
    job.nextBuildNumber = 1;
    job.permalinks = Permalinks.none();
    this.#jobs.set(name, job);
    try {
      await this.#store.writeAtomic(file, xml);
    } catch (err) {
      // The folder the write made (the file could not be: a full disk) would block the name.
      await this.#store.remove(`jobs/${name}`).catch(() => undefined);
      this.#jobs.delete(name);
      throw err;
    }
    this.#log.info({ job: name }, `created job ${name}`);
    this.#warnUnsupported(name, definition);
    this.#warnLabel(job);
    this.#emit(job, 'created');
    return job;
  }

  /** Replaces a job's config.xml. A config that does not parse leaves the job as it was. */
  async updateConfig(name: string, xml: string): Promise<Job> {
    const job = this.require(name);
    const file = `jobs/${name}/config.xml`;
    const definition = await compileDefinition(xml, file, this.#extensions);
    this.#refuseObjected(definition);
    await this.#store.writeAtomic(file, xml);
    job.definition = definition;
    this.#changed();
    this.#log.info({ job: name }, `updated the configuration of job ${name}`);
    this.#warnUnsupported(name, definition);
    this.#warnLabel(job);
    this.#emit(job, 'updated');
    return job;
  }

  /**
   * Tells the operator that parts of a posted config will not run here. The job is saved either
   * way, as Jenkins keeps a job whose plugins are missing; its builds' logs say the same, and the
   * poster is answered the list (see notRun in JobDefinition).
   */
  #warnUnsupported(name: string, definition: JobDefinition & { kind: 'freestyle' }): void {
    const { notRun, notRunCounts: counts } = definition;
    if (notRun.length === 0) return;
    const list = notRun.map(describeNotRun);
    const more = totalNotRun(counts) - notRun.length;
    const named = `${list.join(', ')}${more > 0 ? ` and ${more} more` : ''}`;
    const message =
      counts['fails-build'] > 0
        ? `builds of job ${name} will fail: this controller does not run ${named}`
        : `job ${name} runs without what this controller does not run: ${named}`;
    this.#log.warn({ job: name, notRun: list, ...counts }, message);
  }

  /**
   * One line across the home for what its jobs use and this controller will not run, with the
   * most common elements; each job's list at debug. Jenkins' own homes are the usual source, so a
   * line a job would drown the rest of start-up.
   */
  #summarizeNotRun(): void {
    const jobs: { name: string; notRun: readonly NotRunElement[]; counts: Record<NotRunTreatment, number> }[] = [];
    for (const job of this.#jobs.values()) {
      const def = job.definition;
      if (def.kind !== 'freestyle' || def.notRun.length === 0) continue;
      jobs.push({ name: job.name, notRun: def.notRun, counts: def.notRunCounts });
      const list = def.notRun.map(describeNotRun);
      this.#log.debug({ job: job.name, notRun: list }, `job ${job.name}: this controller does not run ${list.join(', ')}`);
    }
    const summary = summarizeNotRun(jobs, this.#jobs.size);
    if (summary !== undefined) this.#log.warn(summary.fields, summary.message);
  }


  /**
   * Why no node can run the job's builds (see JobsOptions.labelWarning), as of now; undefined when
   * a node has its label, or it has none.
   */
  labelWarning(job: Job): string | undefined {
    const def = job.definition;
    return def.kind === 'freestyle' && def.label !== undefined ? this.#labelWarning(job.name, def.label) : undefined;
  }

  /** Logs that no node has the job's label, when so: one line naming the job and the label. */
  #warnLabel(job: Job): void {
    const warning = this.labelWarning(job);
    if (warning === undefined || job.definition.kind !== 'freestyle') return;
    this.#log.warn({ job: job.name, label: job.definition.label?.text }, warning);
  }

  /**
   * Enables or disables a job (Jenkins' enable/disable): only `<disabled>` changes in config.xml,
   * every other byte is kept. Listeners hear 'updated' (the queue re-checks blocked items).
   */
  async setDisabled(name: string, disabled: boolean): Promise<Job> {
    const job = this.require(name);
    const def = job.definition;
    if (def.kind !== 'freestyle') {
      throw new StewardError('STW_JOB_BROKEN', `job ${name} cannot be ${disabled ? 'disabled' : 'enabled'}: its configuration cannot be read (${def.error.message})`);
    }
    if (def.parsed.config.disabled === disabled) return job;
    const file = `${job.dir}/config.xml`;
    // Edit a fresh parse, so that a failed write leaves the loaded definition untouched.
    const xml = setDisabled(readFreestyleJob(await parseXmlOffLoop(def.xml, file)), disabled);
    const definition = await compileDefinition(xml, file, this.#extensions);
    await this.#store.writeAtomic(file, xml);
    job.definition = definition;
    this.#changed();
    this.#log.info({ job: name, disabled }, `${disabled ? 'disabled' : 'enabled'} job ${name}`);
    this.#emit(job, 'updated');
    return job;
  }

  #refuseRunning(job: Job, doing: string): void {
    if (job.running.size > 0) {
      const numbers = [...job.running.keys()].map((n) => `#${n}`).join(', ');
      throw new StewardError('STW_JOB_BUSY', `job ${job.name} cannot be ${doing} while a build of it runs (${numbers}); stop it first`);
    }
  }

  /** Stops the triggers of a job that left the map: listeners see it as broken and start nothing. */
  #retire(job: Job, why: string): void {
    job.definition = { kind: 'broken', xml: job.definition.xml, error: new StewardError('STW_JOB_NOT_FOUND', why) };
    this.#changed();
    this.#emit(job, 'updated');
  }

  /**
   * Deletes a job and its folder (builds included). Refused while a build runs; the caller cancels
   * its queue items. The name is free at once, so no new build can be asked for meanwhile.
   */
  async delete(name: string): Promise<void> {
    const job = this.require(name);
    this.#refuseRunning(job, 'deleted');
    this.#jobs.delete(name);
    try {
      // What follows the last build's end writes in the job's folder: it ends first.
      await this.#housekeeping.get(name);
      await this.#store.remove(job.dir);
    } catch (err) {
      if (!this.#jobs.has(name)) this.#jobs.set(name, job);
      throw err;
    }
    this.#log.info({ job: name }, `deleted job ${name}`);
    this.#retire(job, `job ${name} was deleted`);
  }

  /** Renames a job with its folder and builds (Jenkins' doRename). Refused while a build runs. */
  async rename(oldName: string, rawNewName: string): Promise<Job> {
    const job = this.require(oldName);
    const newName = checkJobName(rawNewName);
    if (newName === oldName) return job;
    const taken = () => new StewardError('STW_JOB_EXISTS', `a job already exists with the name "${newName}"`, { field: 'newName' });
    if (this.#jobs.has(newName) || (await this.#store.exists(`jobs/${newName}`))) throw taken();
    const file = `jobs/${newName}/config.xml`;
    const def = job.definition;
    const definition: JobDefinition = def.xml === undefined ? def : await this.#define(def.xml, file);
    // Checked again after the awaits: nothing below awaits before the names are swapped.
    if (this.#jobs.get(oldName) !== job) throw new StewardError('STW_JOB_NOT_FOUND', `no job named "${oldName}"`);
    if (this.#jobs.has(newName)) throw taken();
    if (job.definition !== def) throw new StewardError('STW_JOB_BUSY', `job ${oldName} was reconfigured while it was being renamed; try again`);
    this.#refuseRunning(job, 'renamed');
    // Named in the job's present file, which is where it is to be corrected.
    this.#refuseObjected(job.definition);
    const renamed = new Job(newName, definition);
    this.#jobs.delete(oldName);
    this.#jobs.set(newName, renamed);
    try {
      await this.#housekeeping.get(oldName);
      await this.#store.rename(job.dir, renamed.dir);
    } catch (err) {
      this.#jobs.delete(newName);
      this.#jobs.set(oldName, job);
      throw err;
    }
    this.#log.info({ job: newName, from: oldName }, `renamed job ${oldName} to ${newName}`);
    this.#retire(job, `job ${oldName} was renamed to ${newName}`);
    this.#emit(renamed, 'created');
    await this.#renameReferences(oldName, newName, renamed);
    return renamed;
  }

  /**
   * Rewrites the other jobs' steps and triggers that name `from` to name `to` (Jenkins'
   * ItemListener.onLocationChanged, as BuildTrigger and ReverseBuildTrigger implement it): each
   * such job gets a config.xml changed only there. A job whose file cannot be rewritten keeps its
   * old one, with a warning naming it.
   */
  async #renameReferences(from: string, to: string, renamed: Job): Promise<void> {
    const escaped = escapeText(from);
    for (const other of [...this.#jobs.values()]) {
      const def = other.definition;
      if (other === renamed || def.kind !== 'freestyle' || !def.xml.includes(escaped)) continue;
      try {
        const file = `jobs/${other.name}/config.xml`;
        const copy = readFreestyleJob(await parseXmlOffLoop(def.xml, file));
        const c = copy.config;
        const renamers: (readonly [Step, RenameJobReferences | undefined])[] = [
          ...c.builders.map((st) => [st, this.#extensions.find(BUILDER, st.type)?.renameJob] as const),
          ...c.publishers.map((st) => [st, this.#extensions.find(PUBLISHER, st.type)?.renameJob] as const),
          ...c.triggers.map((st) => [st, this.#extensions.find(TRIGGER, st.type)?.renameJob] as const),
        ];
        let changed = false;
        for (const [step, rename] of renamers) {
          if (rename?.(step.element, from, to) === true) changed = true;
        }
        // Unless the job changed meanwhile: its new configuration is the one to keep.
        if (changed && this.#jobs.get(other.name) === other && other.definition === def) {
          await this.updateConfig(other.name, serializeXml(copy.document));
          this.#log.info({ job: other.name, from, to }, `job ${other.name} now names ${to} where it named ${from}`);
        }
      } catch (err) {
        this.#warn(other, err, `job ${other.name} still names ${from}, renamed to ${to}: its configuration could not be rewritten`);
      }
    }
  }

  /** The job's build numbers, listed from its builds folder the first time. */
  async #listBuilds(job: Job): Promise<number[]> {
    if (job.buildNumbers === undefined) {
      const names = await this.#store.listDir(`${job.dir}/builds`);
      const numbers = names.filter((n) => /^[1-9][0-9]*$/.test(n)).map(Number).sort((a, b) => a - b);
      if (job.buildNumbers === undefined) job.buildNumbers = numbers;
    }
    return job.buildNumbers;
  }

  async #ensureNumbers(job: Job): Promise<{ numbers: number[]; next: number }> {
    const listed = await this.#listBuilds(job);
    if (job.nextBuildNumber === undefined) {
      const file = `${job.dir}/nextBuildNumber`;
      const text = await this.#store.readText(file);
      const fromFile = text === undefined ? 1 : readBuildNumber(text);
      const last = (job.buildNumbers ?? listed).at(-1) ?? 0;
      if (fromFile === undefined) {
        // As Jenkins does (Job#onLoad), the number is taken from the builds there are.
        this.#log.warn({ job: job.name, file }, `${file} does not hold a build number (${JSON.stringify(excerpt(text ?? '', 40))}); the next build of ${job.name} is #${last + 1}, after the last build in builds/`);
      }
      // Never reuse a number: a crash after a build folder appeared but before nextBuildNumber was
      // written must not hand the number out again.
      const next = Math.max(fromFile ?? 1, last + 1);
      if (job.nextBuildNumber === undefined) job.nextBuildNumber = next;
    }
    return { numbers: job.buildNumbers ?? listed, next: job.nextBuildNumber };
  }

  async buildNumbers(job: Job): Promise<readonly number[]> {
    return this.#listBuilds(job);
  }

  async nextBuildNumber(job: Job): Promise<number> {
    return (await this.#ensureNumbers(job)).next;
  }

  /** Sets the next build number (Jenkins' set_next_build_number); it may not go below an existing build. */
  async setNextBuildNumber(job: Job, next: number): Promise<void> {
    const { numbers } = await this.#ensureNumbers(job);
    const last = Math.max(numbers.at(-1) ?? 0, ...[...job.running.keys()]);
    if (!Number.isInteger(next) || next <= last) {
      throw new StewardError('STW_REQUEST_INVALID', `the next build number must be a whole number above ${last}`, {
        field: 'nextBuildNumber',
      });
    }
    await this.#store.commit([{ path: `${job.dir}/nextBuildNumber`, content: `${next}\n` }]);
    job.nextBuildNumber = next;
  }

  /**
   * Gives a build its number and folder, durably, before any step runs: the number is written to
   * nextBuildNumber first, so it is never handed out again even after a crash.
   */
  async allocate(
    job: Job,
    opts: { queueId: number; parameters: ParameterValue[]; causes: Cause[]; builtOn: string; workspace: string; scheduledAt: number },
  ): Promise<Build> {
    await this.#ensureNumbers(job);
    const number = job.nextBuildNumber as number;
    job.nextBuildNumber = number + 1;
    const dir = job.buildDir(number);
    const now = this.#now();
    const record: BuildRecord = {
      number,
      queueId: opts.queueId,
      timestamp: now,
      startTime: now,
      result: undefined,
      duration: 0,
      builtOn: opts.builtOn,
      workspace: opts.workspace,
      causes: opts.causes,
      parameters: opts.parameters.map((p) => this.#recordedParameter(p)),
      keepLog: false,
    };
    // Both durable before any step runs: the number is never handed out again, and the record
    // names the queue item, so a restart after a crash does not run that item a second time.
    // Both go in one commit of the home's journal, shared with every build that starts or ends in
    // the same moment, asked for first, in this turn of the event loop: a build request's own note
    // of its queue item (its 201) then goes out in the same one. The build is handed back once
    // its log is open, and runs up to its first step while the commit is made durable
    // (`Build.setUp`; see Scheduler). Meanwhile a reader must not take the half-made folder for a
    // build that was left running.
    job.allocating.add(number);
    const setUp = this.#store.commit([
      { path: `${job.dir}/nextBuildNumber`, content: `${number + 1}\n` },
      { path: `${dir}/build.xml`, content: serializeBuildRecord(record) },
    ]);
    // Its rejection is the scheduler's to handle (abandon), once the build got as far as it could.
    setUp.catch(() => undefined);
    let log: AppendLog;
    try {
      log = await this.#store.openAppend(`${dir}/log`);
    } catch (err) {
      await setUp.catch(() => undefined);
      await this.#unmake(job, number);
      throw err;
    }
    const build = new Build({ job: job.name, number, record, log, cookie: randomUUID(), setUp });
    job.running.set(number, build);
    job.allocating.delete(number);
    job.buildNumbers?.push(number);
    return build;
  }

  /**
   * Undoes a build whose set-up could not be made durable (Build.setUp rejected): none of its steps
   * ran. Its folder goes, and its number is given to the next build unless another took one since.
   */
  async abandon(job: Job, build: Build): Promise<void> {
    job.running.delete(build.number);
    const numbers = job.buildNumbers;
    if (numbers !== undefined && numbers.at(-1) === build.number) numbers.pop();
    else if (numbers !== undefined && numbers.includes(build.number)) numbers.splice(numbers.indexOf(build.number), 1);
    await build.log.close({ sync: false }).catch(() => undefined);
    await this.#unmake(job, build.number);
  }

  /** A folder left half made would read back as an aborted build that never ran. */
  async #unmake(job: Job, number: number): Promise<void> {
    job.allocating.add(number);
    await this.#store.remove(job.buildDir(number)).catch(() => undefined);
    job.allocating.delete(number);
    if (job.nextBuildNumber === number + 1) job.nextBuildNumber = number;
  }

  /**
   * Until `until` (ms since the epoch), a build left without a result whose step runs on an agent
   * reads as still building: its agent may reconnect and this controller adopt it.
   */
  awaitAgents(until: number): void {
    this.#awaitAgentsUntil = until;
  }

  /** Records the step a build is about to start on an agent (see agent-step.ts). */
  async saveAgentStep(job: Job, number: number, step: AgentStepRecord): Promise<void> {
    await this.#store.commit([{ path: `${job.buildDir(number)}/${AGENT_STEP_FILE}`, content: `${JSON.stringify(step)}\n` }]);
  }

  /**
   * Takes back build N of the job, which an earlier controller left running on agent `node` with
   * step `stepId`: its record has no result, it was built on that node, and the step it recorded
   * is that one. Returns the build (running again, its log open for appending) and the step's
   * record, or undefined when it is not such a build.
   */
  async resumeBuild(job: Job, number: number, node: string, stepId: string): Promise<{ build: Build; step: AgentStepRecord } | undefined> {
    if (job.running.has(number)) return undefined;
    const dir = job.buildDir(number);
    const [text, stepText] = await Promise.all([this.#store.readText(`${dir}/build.xml`), this.#store.readText(`${dir}/${AGENT_STEP_FILE}`)]);
    if (text === undefined || stepText === undefined) return undefined;
    const record = parseBuildRecord(text, `${dir}/build.xml`, number);
    const step = parseAgentStepRecord(stepText);
    if (record.result !== undefined || record.builtOn !== node || step === undefined || step.id !== stepId || step.node !== node) return undefined;
    const log = await this.#store.openAppend(`${dir}/log`);
    const build = new Build({ job: job.name, number, record, log, cookie: step.cookie });
    // Read as ABORTED (no result) while nobody ran it: running again now.
    job.records.delete(number);
    job.running.set(number, build);
    return { build, step };
  }

  /**
   * A parameter as build.xml keeps it. A password parameter's value is sealed, as Jenkins keeps a
   * PasswordParameterValue as a Secret; with no secrets it is not kept at all, never in clear.
   */
  #recordedParameter(p: ParameterValue): ParameterValue {
    if (!p.sensitive) return p;
    return { name: p.name, value: this.#secrets === undefined ? '' : this.#secrets.seal(p.value), sensitive: true, ...(p.type === undefined ? {} : { type: p.type }) };
  }

  /**
   * Queue item ids that already became builds among the newest `depth` builds of the job: after a
   * crash, queue.xml may still list an item whose build had started.
   */
  async startedQueueIds(job: Job, depth: number): Promise<Set<number>> {
    const numbers = await this.buildNumbers(job);
    const ids = new Set<number>();
    for (const n of numbers.slice(-depth)) {
      const r = await this.record(job, n);
      if (r !== undefined && r.queueId > 0) ids.add(r.queueId);
    }
    return ids;
  }

  /**
   * The highest queue item id named by the newest builds of any job (0 without builds): where item
   * ids go on from when queue.xml, which keeps the next id, is missing or unreadable, so that a
   * new item does not take the id of a build's item and be taken for started after a crash.
   */
  async highestQueueId(): Promise<number> {
    let highest = 0;
    await forEachConcurrently([...this.#jobs.values()], async (job) => {
      // The newest few, since a queue sorter may start a job's items out of order.
      for (const id of await this.startedQueueIds(job, 3)) highest = Math.max(highest, id);
    });
    return highest;
  }

  /** Writes the record of a build (at start and at the end). */
  async saveRecord(job: Job, record: BuildRecord): Promise<void> {
    await this.#store.commit([{ path: `${job.buildDir(record.number)}/build.xml`, content: serializeBuildRecord(record) }]);
  }

  /** Ends a build: writes its final record, closes its log, applies the build discarder. */
  async complete(job: Job, build: Build, result: Result): Promise<void> {
    const duration = Math.max(0, this.#now() - build.record.startTime);
    try {
      // The log is complete on disk before the build stops counting as building, so a reader
      // told "no more data" has every byte. The final record is written meanwhile, and the
      // permalinks are read if they were not yet, so that the build's end can update them.
      // The log is not fsynced (as Jenkins does not): its bytes are in the file for every reader,
      // and reach the disk with the journal's next checkpoint.
      const [closed, saved] = await Promise.allSettled([
        build.log.close({ sync: false }),
        this.saveRecord(job, { ...build.record, result, duration }),
        this.#permalinks(job),
      ]);
      build.record.result = result;
      build.record.duration = duration;
      this.#unrecorded.keep(job, build.number, {
        ...(saved.status === 'rejected' ? { record: { value: { ...build.record }, err: saved.reason } } : {}),
        // A log that failed did not get its last lines: they say why the build ended.
        ...(closed.status === 'rejected' ? { logEnd: { text: `${build.interruption?.reason ?? `ERROR: ${coerceError(closed.reason).message}`}\nFinished: ${result}\n`, err: closed.reason } } : {}),
      });
      if (closed.status === 'rejected') throw closed.reason;
      if (saved.status === 'rejected') throw saved.reason;
    } finally {
      job.running.delete(build.number);
      job.records.set(build.number, build.record);
      const links = job.permalinks;
      const numbers = job.buildNumbers;
      links?.completed(build.number, result, numbers !== undefined && links.agrees(newestCompleted(job, numbers, build.number)));
      build.finished(result);
      for (const l of this.#completedListeners) {
        try {
          l({ job: job.name, number: build.number, result, causes: build.record.causes });
        } catch (err) {
          this.#warn(job, err, `a listener to the end of ${job.name} #${build.number} failed`);
        }
      }
    }
    // Only once the final record is durable: a permalinks file naming a build whose record still
    // says it is running would be believed.
    this.#afterCompletion(job);
  }

  /** The record of build N: live for a running build, else read (once) from build.xml. */
  async record(job: Job, number: number): Promise<BuildRecord | undefined> {
    const live = job.running.get(number);
    if (live !== undefined) return live.record;
    // Being set up: there is no build to show yet (its queue item has no executable either).
    if (job.allocating.has(number)) return undefined;
    const cached = job.records.get(number);
    if (cached !== undefined) return cached;
    if (job.unreadableRecords.has(number)) return undefined;
    const file = `${job.buildDir(number)}/build.xml`;
    const text = await this.#store.readText(file);
    if (text === undefined) {
      const numbers = await this.buildNumbers(job);
      if (!numbers.includes(number)) return undefined;
      // Set up since this began: the folder is a new build's, not one left behind.
      if (job.allocating.has(number) || job.running.has(number)) return job.running.get(number)?.record;
      // The folder exists but no record was written: the controller stopped while setting it up.
      const record = interruptedRecord(number);
      job.records.set(number, record);
      return record;
    }
    let record: BuildRecord;
    try {
      record = parseBuildRecord(text, file, number);
    } catch (err) {
      // Jenkins leaves such a build out of the job (RunMap logs it); so does Steward, once, saying where.
      const e = coerceError(err, 'STW_CONFIG_INVALID');
      job.unreadableRecords.set(number, e);
      this.#log.warn({ job: job.name, build: number, file, line: e.line, column: e.column, err: e.toJSON() }, `build #${number} of ${job.name} is left out: its record cannot be read: ${e.message}`);
      return undefined;
    }
    if (record.result === undefined) {
      if (job.allocating.has(number) || job.running.has(number)) return job.running.get(number)?.record;
      // A step on an agent outlives the controller: until the agents had their time to reconnect,
      // the build may yet be adopted (resumeBuild), and reads as still building.
      if (Date.now() < this.#awaitAgentsUntil && (await this.#store.readText(`${job.buildDir(number)}/${AGENT_STEP_FILE}`)) !== undefined) return record;
      // It was running when the controller stopped and no controller finished it.
      record = { ...record, result: 'ABORTED' };
    }
    job.records.set(number, record);
    return record;
  }

  /** The newest build (running or complete) whose record satisfies `pred`, going through the records. */
  async lastBuild(job: Job, pred: (r: BuildRecord) => boolean = () => true): Promise<BuildRecord | undefined> {
    const numbers = await this.buildNumbers(job);
    for (let i = numbers.length - 1; i >= 0; i--) {
      const r = await this.record(job, numbers[i] as number);
      if (r !== undefined && pred(r)) return r;
    }
    return undefined;
  }

  /**
   * The build a peephole permalink names (Jenkins' PeepholePermalink.resolve): the number kept in
   * builds/permalinks when the file agrees with the builds and the build is still there, else the
   * newest completed build whose record passes, found going through the records (and kept).
   */
  async permalink(job: Job, id: PermalinkId): Promise<number | undefined> {
    const links = await this.#currentPermalinks(job);
    const cached = links.get(id);
    if (cached === null) return undefined;
    if (cached !== undefined && this.#stillNamed(job, cached, id)) return cached;
    const generation = links.generation;
    const passes = PEEPHOLE_PERMALINKS[id];
    const found = (await this.lastBuild(job, (r) => r.result !== undefined && passes(r.result)))?.number;
    // A build that completed or was deleted meanwhile may change the answer: only the next search keeps it.
    if (links.generation === generation) links.set(id, found);
    return found;
  }

  /**
   * The result of the newest completed build (what a job's colour shows). The permalinks tell it
   * when that build is also the last stable, unstable or failed one; its record is read otherwise.
   */
  async lastResult(job: Job): Promise<Result | undefined> {
    const n = await this.permalink(job, 'lastCompletedBuild');
    if (n === undefined) return undefined;
    const told = job.records.get(n)?.result ?? job.permalinks?.resultOf(n);
    if (told !== undefined) return told;
    const record = await this.record(job, n);
    return record?.result ?? (await this.lastBuild(job, (r) => r.result !== undefined))?.result;
  }

  /** The job's permalinks, read from builds/permalinks the first time they are needed. */
  async #permalinks(job: Job): Promise<Permalinks> {
    if (job.permalinks === undefined) {
      const text = await this.#store.readText(`${job.dir}/builds/permalinks`);
      job.permalinks ??= text === undefined ? new Permalinks() : Permalinks.parse(text);
    }
    return job.permalinks;
  }

  /**
   * The job's permalinks, reset to what can be trusted: when `lastCompletedBuild` is not the newest
   * build that is not running (no file, a build whose end the file missed), only that one is kept.
   */
  async #currentPermalinks(job: Job): Promise<Permalinks> {
    const [, links] = await Promise.all([this.#listBuilds(job), this.#permalinks(job)]);
    const newest = newestCompleted(job, job.buildNumbers ?? []);
    if (!links.agrees(newest)) links.reset(newest);
    return links;
  }

  /** Whether build `n` is there and, when its record is known, passes the permalink's test. */
  #stillNamed(job: Job, n: number, id: PermalinkId): boolean {
    if (job.running.has(n) || !hasBuild(job.buildNumbers ?? [], n)) return false;
    const known = job.records.get(n);
    return known === undefined || (known.result !== undefined && PEEPHOLE_PERMALINKS[id](known.result));
  }

  /**
   * Writes builds/permalinks, through the home store, when what it should say changed. Not while a
   * build older than the newest completed one still runs: should the controller stop before that
   * build ends, its record would have no result, and a file that agrees with the builds around it
   * would be believed; a file left behind is noticed instead, and the records are read.
   */
  async #savePermalinks(job: Job): Promise<void> {
    let links: Permalinks;
    let generation: number;
    do {
      links = await this.#currentPermalinks(job);
      generation = links.generation;
      for (const id of PERMALINK_IDS) await this.permalink(job, id);
    } while (links.generation !== generation);
    const newest = newestCompleted(job, job.buildNumbers ?? []);
    if (newest !== undefined && [...job.running.keys()].some((n) => n < newest)) return;
    const text = links.serialize();
    // Nor into the folder of a job deleted or renamed meanwhile: the write would create it again.
    if (text === links.saved || this.#jobs.get(job.name) !== job) return;
    links.saved = text;
    try {
      // A cache of what the records say (see Permalinks): written without fsync, checked on reading.
      await this.#store.writeLazy(`${job.dir}/builds/permalinks`, text);
    } catch (err) {
      if (links.saved === text) links.saved = undefined;
      throw err;
    }
  }

  /**
   * Copies `source` (a workspace file the caller opened) into builds/N/archive/<relativePath>,
   * atomically, through the home store.
   */
  async archiveArtifact(job: Job, number: number, relativePath: string, source: Readable): Promise<void> {
    const clean = path.posix.normalize(relativePath.split(path.sep).join('/'));
    if (clean.startsWith('../') || clean === '..' || path.posix.isAbsolute(clean)) {
      throw new StewardError('STW_REQUEST_INVALID', `artifact path ${relativePath} is outside the workspace`);
    }
    await this.#store.writeAtomic(`${job.buildDir(number)}/archive/${clean}`, source);
  }

  /** Writes build N's changelog.xml (what its SCM found changed since the build before). */
  async writeChangelog(job: Job, number: number, text: string): Promise<void> {
    await this.#store.writeAtomic(`${job.buildDir(number)}/changelog.xml`, text);
  }

  /** Build N's changelog.xml; undefined when it has none. */
  async changelog(job: Job, number: number): Promise<string | undefined> {
    return this.#store.readText(`${job.buildDir(number)}/changelog.xml`);
  }

  /** Writes a file of a build's folder (`builds/N/<name>`, a plain file name) for a plugin, atomically. */
  async writeBuildFile(job: Job, number: number, name: string, content: string | Buffer): Promise<void> {
    checkBuildFileName(name);
    await this.#store.writeAtomic(`${job.buildDir(number)}/${name}`, content);
  }

  /** The build as plugins read it: its record, its files, the builds before it. */
  runView(job: Job, record: BuildRecord): RunView {
    return runView(this, this.#store, job, record);
  }

  /** The record's actions a plugin installed here answers for (RUN_ACTION), in the record's order. */
  runActions(record: BuildRecord): { descriptor: RunActionDescriptor; action: XmlSpec }[] {
    const out: { descriptor: RunActionDescriptor; action: XmlSpec }[] = [];
    for (const action of record.actions ?? []) {
      const descriptor = this.#extensions.find(RUN_ACTION, action.name);
      if (descriptor !== undefined) out.push({ descriptor, action });
    }
    return out;
  }

  /** Archived artifacts of a build, as paths relative to its archive folder, sorted. */
  async artifacts(job: Job, number: number): Promise<string[]> {
    const root = `${job.buildDir(number)}/archive`;
    const out: string[] = [];
    const walk = async (rel: string): Promise<void> => {
      for (const name of await this.#store.listDir(rel === '' ? root : `${root}/${rel}`)) {
        const child = rel === '' ? name : `${rel}/${name}`;
        if (await this.#store.isDirectory(`${root}/${child}`)) await walk(child);
        else out.push(child);
      }
    };
    await walk('');
    return out.sort();
  }

  /** An archived artifact as a stream (see HomeStore.openRange); undefined when there is none. */
  async openArtifact(job: Job, number: number, relativePath: string): Promise<FileRange | undefined> {
    return this.#store.openRange(`${job.buildDir(number)}/archive/${relativePath}`);
  }

  /**
   * The console log from byte `start` to its end as it is now, as a stream. A running build's log
   * grows meanwhile; what it writes after this is for the next read. The log is masked as it is
   * written, so what it holds can be served as it is.
   */
  async openLog(job: Job, number: number, start: number): Promise<FileRange | undefined> {
    return this.#store.openRange(`${job.buildDir(number)}/log`, start);
  }

  /**
   * Deletes a completed build, and moves the permalinks that named it to the newest older build
   * that passes them (Jenkins' PeepholePermalink `onDeleted`).
   */
  async deleteBuild(job: Job, number: number): Promise<void> {
    if (job.running.has(number)) {
      throw new StewardError('STW_REQUEST_INVALID', `build #${number} of ${job.name} is running; stop it first`);
    }
    await this.#store.remove(job.buildDir(number));
    job.unreadableRecords.delete(number);
    const links = job.permalinks;
    const numbers = job.buildNumbers;
    const agreed = links !== undefined && numbers !== undefined && links.agrees(newestCompleted(job, numbers));
    job.records.delete(number);
    if (numbers !== undefined) job.buildNumbers = numbers.filter((n) => n !== number);
    links?.deleted(number, newestCompleted(job, job.buildNumbers ?? []), agreed);
    // The build is gone either way; a file left naming it is noticed when read.
    await this.#savePermalinks(job).catch((err: unknown) => this.#warn(job, err, `could not update the permalinks of ${job.name}`));
  }

  #afterCompletion(job: Job): void {
    const prev = this.#housekeeping.get(job.name) ?? Promise.resolve();
    const next = prev
      .then(async () => {
        await this.#savePermalinks(job).catch((err: unknown) => this.#warn(job, err, `could not update the permalinks of ${job.name}`));
        await this.#discard(job).catch((err: unknown) => this.#warn(job, err, `discarding old builds of ${job.name} failed`));
      })
      .finally(() => {
        if (this.#housekeeping.get(job.name) === next) this.#housekeeping.delete(job.name);
      });
    this.#housekeeping.set(job.name, next);
  }

  /** Logs a failure of housekeeping; not when this controller may no longer write the home. */
  #warn(job: Job, err: unknown, message: string): void {
    if (!isStewardError(err, 'STW_HOME_FENCED') && !isStewardError(err, 'STW_LEASE_LOST')) {
      this.#log.warn({ job: job.name, err: coerceError(err).toJSON() }, message);
    }
  }

  /** Waits for what follows the builds that ended (permalinks, discards): tests, shutdown. */
  async idle(): Promise<void> {
    await Promise.all([...this.#housekeeping.values()]);
  }

  /**
   * Jenkins' LogRotator: keep the newest numToKeep builds and those younger than daysToKeep, but
   * never the last successful or last stable build, a build marked keep-forever, or a running one.
   */
  async #discard(job: Job): Promise<void> {
    if (job.definition.kind !== 'freestyle') return;
    const rotator = job.definition.parsed.config.logRotator;
    if (rotator === undefined) return;
    const numbers = [...(await this.buildNumbers(job))].reverse();
    const protect = new Set([await this.permalink(job, 'lastSuccessfulBuild'), await this.permalink(job, 'lastStableBuild')]);
    const cutoff = rotator.daysToKeep >= 0 ? this.#now() - rotator.daysToKeep * 86_400_000 : undefined;
    let kept = 0;
    for (const n of numbers) {
      if (job.running.has(n)) continue;
      const record = await this.record(job, n);
      const tooMany = rotator.numToKeep >= 0 && kept >= rotator.numToKeep;
      const tooOld = cutoff !== undefined && record !== undefined && record.timestamp < cutoff;
      if ((tooMany || tooOld) && !protect.has(n) && record?.keepLog !== true) {
        await this.deleteBuild(job, n);
        this.#log.info({ job: job.name, build: n }, `discarded build #${n} of ${job.name} (build discarder)`);
      } else {
        kept++;
      }
    }
  }
}

/** The newest build in `numbers` (ascending) that is not running, leaving out `except`. */
function newestCompleted(job: Job, numbers: readonly number[], except?: number): number | undefined {
  for (let i = numbers.length - 1; i >= 0; i--) {
    const n = numbers[i] as number;
    if (n !== except && !job.running.has(n)) return n;
  }
  return undefined;
}

/** Whether `n` is in `numbers` (ascending). */
function hasBuild(numbers: readonly number[], n: number): boolean {
  let lo = 0;
  let hi = numbers.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const m = numbers[mid] as number;
    if (m === n) return true;
    if (m < n) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

/** The number in a nextBuildNumber file (digits, blanks around them), or undefined. */
function readBuildNumber(text: string): number | undefined {
  const t = text.trim();
  if (!/^[0-9]{1,15}$/.test(t)) return undefined;
  const n = Number(t);
  return n > 0 ? n : undefined;
}

function interruptedRecord(number: number): BuildRecord {
  return {
    number,
    queueId: 0,
    timestamp: 0,
    startTime: 0,
    result: 'ABORTED',
    duration: 0,
    builtOn: '',
    workspace: undefined,
    causes: [],
    parameters: [],
    keepLog: false,
  };
}

/** `p` with `digest`, or without one when there is none. */
function withDigest(p: ParameterValue, digest: string | undefined): ParameterValue {
  const { digest: _old, ...rest } = p;
  return digest === undefined ? rest : { ...rest, digest };
}

/** A Map that says when it changes (the jobs by name, for the dependency graph's cache). */
class JobMap extends Map<string, Job> {
  readonly #changed: () => void;
  constructor(changed: () => void) {
    super();
    this.#changed = changed;
  }
  override set(name: string, job: Job): this {
    this.#changed();
    return super.set(name, job);
  }
  override delete(name: string): boolean {
    this.#changed();
    return super.delete(name);
  }
  override clear(): void {
    this.#changed();
    super.clear();
  }
}
