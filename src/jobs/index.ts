/**
 * Jobs and builds: freestyle jobs read from Jenkins' config.xml, their build records and console
 * logs, and the running of a build's steps. Builders, wrappers, publishers and triggers are
 * extensions (the points below); the built-in plugins (src/plugins) implement them, registered by
 * the composition root. Jobs never imports a plugin.
 */
export { Jobs, preloadJobDefinitions, type JobsOptions, type PreloadedJobs } from './jobs.js';
export { Job } from './job.js';
export { Build } from './build.js';
/**
 * What builds need of the security part (credentials by id, sealing and opening password
 * parameter values, log masking), implemented there and passed to {@link Jobs} as `secrets`.
 */
export type { BuildSecrets, BuildCredential, LogMasker, SecretOrigin } from './build-secrets.js';
export { runBuild, buildEnvironment, type RunOptions, type ResumedStep } from './run-build.js';
export type { AgentStepRecord } from './agent-step.js';
export { combine, colorOf, isWorseOrEqualTo, type Result } from './result.js';
/**
 * Jenkins' peephole permalinks (lastCompletedBuild, lastSuccessfulBuild...) and their cache file,
 * `builds/permalinks`, in Jenkins' format; see {@link Jobs.permalink}.
 */
export { PEEPHOLE_PERMALINKS, PERMALINK_IDS, Permalinks, type PermalinkId } from './permalinks.js';
export { checkJobName } from './names.js';
/**
 * Actions plugins add to builds (build.xml's `<actions>`, with a URL of their own under the
 * build's) and the view of a build they read them with.
 */
export { RUN_ACTION, type RunActionDescriptor, type RunView } from './run-actions.js';
export type { JobDefinition } from './definition.js';
/** Compiles a config.xml as a job would load, without a home: what `steward job check` reads. */
export { compileDefinition } from './definition.js';
export {
  BUILDER,
  BUILD_WRAPPER,
  PUBLISHER,
  type Builder,
  type BuildWrapper,
  type Publisher,
  type BuildContext,
  type BuilderDescriptor,
  type BuildWrapperDescriptor,
  type PublisherDescriptor,
  type LaunchStepOptions,
  type WorkspaceFile,
  type DownstreamBuild,
  type DownstreamHost,
  type DownstreamRequest,
  type RenameJobReferences,
} from './steps/api.js';
/** Which jobs start builds of which (Jenkins' DependencyGraph), from their triggers and steps. */
export { DependencyGraph } from './dependency-graph.js';
/** Jenkins' UpstreamCause of a build started by another, its nesting trimmed as Jenkins trims it, and how a log prints a cause. */
export { upstreamCause, causeLines } from './upstream-cause.js';
/**
 * The QueueTaskDispatcher extension point: vetoes on starting queue items that look at jobs (their
 * properties, the dependency graph, what builds where), and core Jenkins' own, "Block build when
 * upstream/downstream project is building".
 */
export { QUEUE_TASK_DISPATCHER, type DispatcherContext, type QueueTaskDispatcherDescriptor } from './dispatchers/api.js';
export { registerCoreQueueTaskDispatchers } from './dispatchers/upstream-blocking.js';
/**
 * The SCM extension point (Jenkins' SCM): what a job's `<scm class="...">` checks out before its
 * wrappers and builders, and the change set its builds show.
 */
export { SCM_POINT, EMPTY_CHANGE_SET, type SCM, type PollContext, type PollResult, type PushedHead, type ScmContext, type ScmDescriptor, type CheckoutResult } from './scm/api.js';
/**
 * Stand-ins for a wrapper or publisher that is not installed, or a setting Steward does not run:
 * the build runs without it and its log says so where it would have run.
 */
export { unsupportedBuildWrapper, unsupportedPublisher } from './steps/unsupported.js';
/** What of a job will not run here, and how each element is treated. */
export {
  NOT_RUN_TREATMENTS,
  countNotRun,
  describeNotRun,
  notRunJson,
  totalNotRun,
  NOT_RUN_LISTED,
  summarizeNotRun,
  type NotRunElement,
  type NotRunKind,
  type NotRunOption,
  type NotRunTreatment,
} from './not-run.js';
export * from './config/index.js';
export { TRIGGER, parseJenkinsCron, type CompletedBuild, type Trigger, type CreatedTrigger, type PollingTrigger, type TriggerContext, type TriggerDescriptor, type CronLine } from './triggers/index.js';
/**
 * Polling a job's SCM (Jenkins' SCMTrigger runner): polls asked by triggers and push
 * notifications, coalesced per job, their remote answers shared within a cycle.
 */
export { ScmPolling, SCM_POLLING_LOG, SCM_TRIGGER_CAUSE, MAX_POLL_OUTPUT_BYTES, type ScmPollingOptions, type PollingCounts } from './scm/polling.js';
/**
 * Push notifications (Jenkins' UnprotectedRootAction): URLs a plugin answers without a user,
 * which poll or build the jobs they match.
 */
export { UNPROTECTED_ROOT_ACTION, type UnprotectedRootActionDescriptor, type NotifyContext, type NotifyRequest, type NotifyAnswer, type NotifiedJob } from './scm/notify.js';
