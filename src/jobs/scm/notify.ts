import { extensionPoint, type Descriptor } from '../../extensions/index.js';
import type { Cause } from '../config/index.js';
import type { PollingTrigger } from '../triggers/index.js';
import type { PushedHead, SCM } from './api.js';

/*
 * Push notifications: URLs a plugin answers without a user (Jenkins' UnprotectedRootAction, as the
 * git plugin's /git/notifyCommit and the github plugin's /github-webhook/). The HTTP layer bounds
 * the body, exempts them from the crumb and parses the request; the descriptor decides which jobs
 * the notification matches and asks for their polls (or builds) through the context.
 */

/** A push notification as its descriptor reads it. */
export interface NotifyRequest {
  readonly method: string;
  /** The path after the action's URL name: `/notifyCommit`, `/`, or ``. */
  readonly subPath: string;
  /** The query's parameters, each given once. */
  readonly query: Readonly<Record<string, string | undefined>>;
  /** A request header (lower case name), undefined when absent. */
  header(name: string): string | undefined;
  /** The body as sent, at most the descriptor's `maxBodyBytes`. */
  readonly body: Buffer;
}

/** The answer, as text (the plugins answer text/plain). */
export interface NotifyAnswer {
  readonly status: number;
  readonly text: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/** A job as a push notification matches it. */
export interface NotifiedJob {
  readonly name: string;
  readonly scm: SCM | undefined;
  /** Its SCM polling trigger (SCMTrigger), when it has one. */
  readonly polling: PollingTrigger | undefined;
  /** The classes of its triggers (`com.cloudbees.jenkins.GitHubPushTrigger`...). */
  readonly triggerTypes: readonly string[];
  readonly disabled: boolean;
}

/** What a push notification may do. */
export interface NotifyContext {
  /** Every job that can be built (its configuration read), whoever asks: a hook sees what the system sees. */
  jobs(): readonly NotifiedJob[];
  /** Whether the caller may read the job: an answer names only those. */
  canSee(job: string): boolean;
  /** Whether the caller may build the job (Job/Build): what a notification that builds rather than polls needs. */
  canBuild(job: string): boolean;
  /**
   * Asks for a poll of the job that asks the remote again (polls already asked for are coalesced);
   * `pushed`: a head an authenticated notification vouches for, which the poll may take instead.
   */
  poll(job: string, pushed?: PushedHead): void;
  /** Queues a build of the job; throws a StewardError when it is refused (queue full, not active). */
  schedule(job: string, cause: Cause): void;
  /** The secret of a "Secret text" credential of the global domain; undefined when there is none. */
  secretText(credentialsId: string): Promise<string | undefined>;
  /** A configuration file of the home (a plugin's global configuration, `github-plugin-configuration.xml`); undefined when absent. */
  readHomeFile(name: string): Promise<string | undefined>;
}

/** A URL answered without a user (Jenkins' UnprotectedRootAction): `/<urlName>` and below. */
export interface UnprotectedRootActionDescriptor extends Descriptor {
  /** The first segment of its URL: `git`, `github-webhook`. */
  readonly urlName: string;
  /** The largest body it takes; a larger one is refused with 413 before it is read whole. */
  readonly maxBodyBytes: number;
  handle(req: NotifyRequest, ctx: NotifyContext): Promise<NotifyAnswer>;
}

export const UNPROTECTED_ROOT_ACTION = extensionPoint<UnprotectedRootActionDescriptor>('UnprotectedRootAction');
