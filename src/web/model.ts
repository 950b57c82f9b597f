import {
  PERMALINK_IDS,
  VALUE_TYPES,
  valueClassOf,
  colorOf,
  EMPTY_CHANGE_SET,
  notRunJson,
  totalNotRun,
  type BuildRecord,
  type Cause,
  type Job,
  type Jobs,
  type ParameterDefinition,
  type ParameterValue,
} from '../jobs/index.js';
import { BUILT_IN_NODE, type Computer, type OfflineCause } from '../nodes/index.js';
import type { QueueItem } from '../queue/index.js';
import { lazy } from './tree.js';

/**
 * The JSON shapes of Jenkins' remote API (`/api/json`), with the same `_class` names, built with lazy
 * fields so that `tree` decides what is computed.
 */

export function jobUrl(root: string, name: string): string {
  return `${root}job/${encodeURIComponent(name)}/`;
}

export async function jobColor(jobs: Jobs, job: Job): Promise<string> {
  if (job.definition.kind === 'broken' || job.disabled) return 'disabled';
  const base = colorOf(await jobs.lastResult(job));
  return [...job.running.values()].some((b) => b.building) ? `${base}_anime` : base;
}

export function jobSummary(root: string, jobs: Jobs, job: Job): Record<string, unknown> {
  const out: Record<string, unknown> = {
    _class: 'hudson.model.FreeStyleProject',
    name: job.name,
    url: jobUrl(root, job.name),
    color: lazy(() => jobColor(jobs, job)),
  };
  if (job.definition.kind === 'broken') {
    // Steward's own fields: a job whose config.xml cannot be read stays listed, with the reason.
    out.broken = true;
    out.brokenReason = job.definition.error.message;
  }
  return out;
}

function buildRef(root: string, job: string, n: number | undefined): Record<string, unknown> | null {
  if (n === undefined) return null;
  return { _class: 'hudson.model.FreeStyleBuild', number: n, url: `${jobUrl(root, job)}${n}/` };
}

/** Whether the caller may read the job of this name; answers name no other job. */
export type CanSeeJob = (job: string) => boolean;

/** A cause as Jenkins shows it; an upstream job the caller may not read is not named. */
export function causeJson(c: Cause, canSee: CanSeeJob): Record<string, unknown> {
  const cls: Record<Cause['kind'], string> = {
    user: 'hudson.model.Cause$UserIdCause',
    timer: 'hudson.triggers.TimerTrigger$TimerTriggerCause',
    scm: 'hudson.triggers.SCMTrigger$SCMTriggerCause',
    remote: 'hudson.model.Cause$RemoteCause',
    upstream: 'hudson.model.Cause$UpstreamCause',
    other: 'hudson.model.Cause',
  };
  const hidden = c.kind === 'upstream' && (c.upstreamProject === undefined || !canSee(c.upstreamProject));
  const out: Record<string, unknown> = { _class: cls[c.kind], shortDescription: hidden ? 'Started by an upstream project' : c.shortDescription };
  if (c.kind === 'user') {
    out.userId = c.userId ?? null;
    out.userName = c.userName ?? c.userId ?? 'anonymous';
  }
  if (c.kind === 'upstream' && !hidden) {
    out.upstreamBuild = c.upstreamBuild ?? null;
    out.upstreamProject = c.upstreamProject ?? null;
    out.upstreamUrl = c.upstreamUrl ?? null;
  }
  if (c.kind === 'remote') {
    out.addr = c.addr ?? null;
    out.note = c.note ?? null;
  }
  return out;
}

/** A value as Jenkins shows it: a boolean as a JSON boolean, a password without its value. */
export function parameterValueJson(p: ParameterValue): Record<string, unknown> {
  const type = valueClassOf(p);
  if (p.sensitive) return { _class: type, name: p.name };
  return { _class: type, name: p.name, value: type === VALUE_TYPES.boolean ? p.value === 'true' : p.value };
}

export function actionsJson(parameters: readonly ParameterValue[], causes: readonly Cause[], canSee: CanSeeJob): unknown[] {
  const actions: unknown[] = [];
  if (parameters.length > 0) {
    actions.push({ _class: 'hudson.model.ParametersAction', parameters: parameters.map(parameterValueJson) });
  }
  actions.push({ _class: 'hudson.model.CauseAction', causes: causes.map((c) => causeJson(c, canSee)) });
  return actions;
}

/** What the job's SCM recorded in the build (the git plugin's BuildData), as Jenkins shows it. */
function scmActionsJson(job: Job, r: BuildRecord): Record<string, unknown>[] {
  const def = job.definition;
  if (def.kind !== 'freestyle' || def.scm === undefined || r.actions === undefined) return [];
  return def.scm.actionsJson(r.actions);
}

const DEF_CLASS: Record<string, string> = {
  string: 'hudson.model.StringParameterDefinition',
  boolean: 'hudson.model.BooleanParameterDefinition',
  choice: 'hudson.model.ChoiceParameterDefinition',
  text: 'hudson.model.TextParameterDefinition',
  password: 'hudson.model.PasswordParameterDefinition',
};

export function parameterDefinitionJson(d: ParameterDefinition): Record<string, unknown> {
  const cls = DEF_CLASS[d.kind] ?? ('type' in d ? String(d.type) : 'hudson.model.ParameterDefinition');
  const type = cls.slice(cls.lastIndexOf('.') + 1);
  let defaultValue: unknown = null;
  if (d.kind === 'string' || d.kind === 'text') defaultValue = d.defaultValue;
  else if (d.kind === 'boolean') defaultValue = d.defaultValue;
  else if (d.kind === 'choice') defaultValue = d.choices[0] ?? '';
  const out: Record<string, unknown> = {
    _class: cls,
    defaultParameterValue:
      d.kind === 'password'
        ? { _class: VALUE_TYPES.password, name: d.name }
        : { _class: d.kind === 'unknown' ? VALUE_TYPES.string : VALUE_TYPES[d.kind], name: d.name, value: defaultValue },
    description: 'description' in d ? d.description : '',
    name: d.name,
    type,
  };
  if (d.kind === 'choice') out.choices = d.choices;
  return out;
}

/**
 * Jenkins' permalinks of a job (`job/NAME/lastSuccessfulBuild/`), each with how to find the build it
 * names now: lastBuild may be running; the others are peephole permalinks (Jobs.permalink).
 */
export const PERMALINKS: Readonly<Record<string, (jobs: Jobs, job: Job) => Promise<number | undefined>>> = {
  lastBuild: async (jobs, job) => (await jobs.lastBuild(job))?.number,
  ...Object.fromEntries(PERMALINK_IDS.map((id) => [id, (jobs: Jobs, job: Job) => jobs.permalink(job, id)])),
};

/** The build a permalink names (also `firstBuild`); undefined when there is none, or no such permalink. */
export async function permalinkTarget(jobs: Jobs, job: Job, name: string): Promise<number | undefined> {
  if (name === 'firstBuild') return (await jobs.buildNumbers(job))[0];
  const find = Object.hasOwn(PERMALINKS, name) ? PERMALINKS[name] : undefined;
  return find === undefined ? undefined : find(jobs, job);
}

export function jobJson(root: string, jobs: Jobs, job: Job, queueItem: () => QueueItem | undefined, canSee: CanSeeJob): Record<string, unknown> {
  const url = jobUrl(root, job.name);
  const def = job.definition;
  const config = def.kind === 'freestyle' ? def.parsed.config : undefined;
  const property: unknown[] = [];
  if (config !== undefined && config.parameters.length > 0) {
    property.push({ _class: 'hudson.model.ParametersDefinitionProperty', parameterDefinitions: config.parameters.map(parameterDefinitionJson) });
  }
  return {
    ...jobSummary(root, jobs, job),
    actions: property.length > 0 ? [{ _class: 'hudson.model.ParametersDefinitionProperty', parameterDefinitions: config?.parameters.map(parameterDefinitionJson) }] : [],
    description: config?.description ?? null,
    displayName: job.name,
    displayNameOrNull: null,
    fullDisplayName: job.name,
    fullName: job.name,
    buildable: job.buildable,
    builds: lazy(async () => {
      const numbers = await jobs.buildNumbers(job);
      return numbers
        .slice(-100)
        .reverse()
        .map((n) => ({ _class: 'hudson.model.FreeStyleBuild', number: n, url: `${url}${n}/` }));
    }),
    firstBuild: lazy(async () => {
      const n = (await jobs.buildNumbers(job))[0];
      return n === undefined ? null : buildRef(root, job.name, (await jobs.record(job, n))?.number);
    }),
    healthReport: [],
    inQueue: lazy(() => queueItem() !== undefined),
    keepDependencies: false,
    ...Object.fromEntries(Object.entries(PERMALINKS).map(([name, find]) => [name, lazy(async () => buildRef(root, job.name, await find(jobs, job)))])),
    nextBuildNumber: lazy(() => jobs.nextBuildNumber(job)),
    property,
    queueItem: lazy(() => {
      const item = queueItem();
      return item === undefined ? null : queueItemJson(root, item, jobs, canSee);
    }),
    concurrentBuild: config?.concurrentBuild ?? false,
    disabled: job.disabled,
    downstreamProjects: lazy(() => relatedJobs(root, jobs, jobs.dependencyGraph().downstream(job.name), canSee)),
    labelExpression: def.kind === 'freestyle' ? (def.label?.text ?? null) : null,
    // Steward's own: why no node can run the job's builds now (no node has its label), else null.
    labelWarning: lazy(() => jobs.labelWarning(job) ?? null),
    scm: { _class: def.kind === 'freestyle' ? (def.parsed.config.scm?.type ?? 'hudson.scm.NullSCM') : 'hudson.scm.NullSCM' },
    upstreamProjects: lazy(() => relatedJobs(root, jobs, jobs.dependencyGraph().upstream(job.name), canSee)),
    // Steward's own: what of config.xml this controller will not run, and how each is treated.
    notRun: notRunOf(job),
  };
}

/** Jobs named in a job's answer (its upstream and downstream jobs): only those the caller may read. */
function relatedJobs(root: string, jobs: Jobs, names: readonly string[], canSee: CanSeeJob): Record<string, unknown>[] {
  return names.flatMap((name) => {
    const j = jobs.get(name);
    return j === undefined || !canSee(name) ? [] : [jobSummary(root, jobs, j)];
  });
}

/**
 * A job's notRun as api/json and the answers to createItem and config.xml show it (at most
 * NOT_RUN_LISTED elements); [] for a broken job.
 */
export function notRunOf(job: Job): Record<string, unknown>[] {
  return job.definition.kind === 'freestyle' ? job.definition.notRun.map(notRunJson) : [];
}

/** How many elements of a job will not run, listed or not; 0 for a broken job. */
export function notRunCount(job: Job): number {
  return job.definition.kind === 'freestyle' ? totalNotRun(job.definition.notRunCounts) : 0;
}

export function buildJson(root: string, jobs: Jobs, job: Job, r: BuildRecord, executor: { number: number } | undefined, canSee: CanSeeJob): Record<string, unknown> {
  const url = `${jobUrl(root, job.name)}${r.number}/`;
  const building = r.result === undefined;
  return {
    _class: 'hudson.model.FreeStyleBuild',
    // Then the SCM's actions (the git plugin's BuildData) and those plugins added (the test results' TestResultAction), as Jenkins lists them.
    actions: [...actionsJson(r.parameters, r.causes, canSee), ...scmActionsJson(job, r), ...jobs.runActions(r).map((a) => a.descriptor.summary(a.action))],
    artifacts: lazy(async () =>
      (await jobs.artifacts(job, r.number)).map((p) => ({ displayPath: p.slice(p.lastIndexOf('/') + 1), fileName: p.slice(p.lastIndexOf('/') + 1), relativePath: p })),
    ),
    building,
    description: r.description ?? null,
    displayName: r.displayName ?? `#${r.number}`,
    duration: building ? 0 : r.duration,
    estimatedDuration: -1,
    executor: building && executor !== undefined ? { _class: 'hudson.model.Executor', number: executor.number } : null,
    fullDisplayName: `${job.name} #${r.number}`,
    id: String(r.number),
    keepLog: r.keepLog,
    number: r.number,
    queueId: r.queueId,
    result: r.result ?? null,
    timestamp: r.timestamp,
    url,
    builtOn: r.builtOn,
    changeSet: lazy(async () => {
      const def = job.definition;
      if (def.kind !== 'freestyle' || def.scm === undefined) return EMPTY_CHANGE_SET;
      return def.scm.changeSet(await jobs.changelog(job, r.number));
    }),
    culprits: [],
  };
}

const ITEM_CLASS: Record<QueueItem['state'], string> = {
  waiting: 'hudson.model.Queue$WaitingItem',
  blocked: 'hudson.model.Queue$BlockedItem',
  buildable: 'hudson.model.Queue$BuildableItem',
  pending: 'hudson.model.Queue$BuildableItem',
  left: 'hudson.model.Queue$LeftItem',
};

export function queueItemJson(root: string, item: QueueItem, jobs: Jobs, canSee: CanSeeJob): Record<string, unknown> {
  const job = jobs.get(item.task);
  const out: Record<string, unknown> = {
    _class: ITEM_CLASS[item.state],
    actions: actionsJson(item.parameters, item.causes, canSee),
    blocked: item.state === 'blocked',
    buildable: item.state === 'buildable' || item.state === 'pending',
    id: item.id,
    inQueueSince: item.inQueueSince,
    params: item.parameters.map((p) => `\n${p.name}=${p.sensitive ? '****' : p.value}`).join(''),
    stuck: false,
    task: {
      _class: 'hudson.model.FreeStyleProject',
      name: item.task,
      url: jobUrl(root, item.task),
      color: job === undefined ? 'notbuilt' : lazy(() => jobColor(jobs, job)),
    },
    url: `queue/item/${item.id}/`,
    why: 'why' in item ? item.why : item.state === 'pending' ? `Waiting for the build to start on ${item.node}` : null,
  };
  if (item.state === 'waiting') out.timestamp = item.dueAt;
  if (item.state === 'buildable' || item.state === 'pending') out.pending = item.state === 'pending';
  if (item.state === 'left') {
    out.cancelled = item.cancelled;
    out.executable =
      item.executable === undefined
        ? null
        : { _class: 'hudson.model.FreeStyleBuild', number: item.executable.number, url: `${jobUrl(root, item.task)}${item.executable.number}/` };
    delete out.why;
  }
  return out;
}

/**
 * A computer as /computer/NAME/api/json shows it (Jenkins' hudson.model.Computer). A busy executor's build is shown only when
 * `canSee(job)`, as Jenkins' Executor#getCurrentExecutableForApi does: otherwise the executor is
 * busy with `currentExecutable: null`, so a job the caller may not read is not named.
 */
export function computerJson(root: string, computer: Computer, canSee: CanSeeJob): Record<string, unknown> {
  const builtIn = computer.name === BUILT_IN_NODE;
  const state = computer.state;
  return {
    _class: builtIn ? 'hudson.model.Hudson$MasterComputer' : 'hudson.slaves.SlaveComputer',
    actions: [],
    assignedLabels: [...computer.labels].map((name) => ({ name })),
    description: builtIn ? "the Steward controller's built-in node" : computer.node.description,
    displayName: builtIn ? 'Built-In Node' : computer.name,
    executors: computer.executors.map((e) => {
      const s = e.state;
      return {
        _class: 'hudson.model.Executor',
        number: e.number,
        idle: s.state === 'idle',
        currentExecutable:
          'buildNumber' in s && canSee(s.job)
            ? { _class: 'hudson.model.FreeStyleBuild', number: s.buildNumber, fullDisplayName: `${s.job} #${s.buildNumber}`, url: `${jobUrl(root, s.job)}${s.buildNumber}/` }
            : null,
        state: s.state,
      };
    }),
    icon: 'symbol-computer',
    idle: computer.executors.every((e) => e.idle),
    jnlpAgent: computer.node.launcher === 'inbound',
    // Jenkins' JNLPLauncher cannot launch its agent: the agent connects.
    launchSupported: computer.node.launcher !== 'inbound',
    manualLaunchAllowed: true,
    monitorData: {},
    numExecutors: computer.numExecutors,
    offline: !computer.online,
    offlineCause: state.state === 'offline' ? offlineCauseJson(state.cause) : null,
    offlineCauseReason: computer.offlineCauseReason,
    oneOffExecutors: [],
    temporarilyOffline: computer.temporarilyOffline,
  };
}

/** Jenkins' OfflineCause classes: UserCause for a computer taken offline on purpose. */
function offlineCauseJson(cause: OfflineCause): Record<string, unknown> {
  return cause.kind === 'temporary'
    ? { _class: 'hudson.slaves.OfflineCause$UserCause', timestamp: cause.since }
    : { _class: 'hudson.slaves.OfflineCause$ChannelTermination', timestamp: cause.since };
}
