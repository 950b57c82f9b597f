import { StewardError } from '../errors/index.js';
import { parseLabels } from './label/index.js';

/**
 * NORMAL: the node takes any build its labels allow. EXCLUSIVE: only builds whose job has a label
 * expression that matches it (Jenkins' Node.Mode, "Only build jobs with label expressions matching
 * this node").
 */
export type NodeMode = 'NORMAL' | 'EXCLUSIVE';

/**
 * How the controller reaches the node: `local` is the built-in node (steps started by the launcher
 * process over IPC); `inbound` agents connect to the controller (WebSocket or TCP); `ssh` agents are
 * started by the controller over SSH.
 */
export type LauncherKind = 'local' | 'inbound' | 'ssh';

/**
 * Where the controller reaches an `ssh` node, after the ssh-slaves plugin's SSHLauncher: the host,
 * its SSH port, the id of the credentials (an SSH key or a password) it logs in with, how the
 * host's key is checked, what goes before and after the agent's command line
 * (prefixStartSlaveCmd, suffixStartSlaveCmd), the wait between attempts (retryWaitTime) and how
 * long logging in may take (launchTimeoutSeconds).
 */
export interface SshLauncherSettings {
  readonly host: string;
  readonly port: number;
  readonly credentialsId: string;
  readonly hostKey: HostKeyCheck;
  readonly prefix: string;
  readonly suffix: string;
  readonly retryWaitMs: number;
  readonly launchTimeoutMs: number;
}

/**
 * How the SSH launcher checks the host it connects to, after the ssh-slaves plugin's
 * sshHostKeyVerificationStrategy: `known-hosts` (KnownHostsFileKeyVerificationStrategy, and
 * ManuallyTrustedKeyVerificationStrategy or no strategy at all: the controller user's
 * ~/.ssh/known_hosts), `provided` (ManuallyProvidedKeyVerificationStrategy: the key in the node's
 * configuration) or `none` (NonVerifyingKeyVerificationStrategy, warned about at each connection).
 */
export type HostKeyCheck =
  | { readonly kind: 'known-hosts'; readonly file: string }
  | { readonly kind: 'provided'; readonly algorithm: string; readonly key: string }
  | { readonly kind: 'none' };

/** The built-in node's name since Jenkins 2.307 (formerly "master"). */
export const BUILT_IN_NODE = 'built-in';

/**
 * The label the built-in node answered to before Jenkins 2.307 renamed it. Jenkins keeps it as the
 * node's self label on a home upgraded from before (Jenkins#getSelfLabel answers `master` until
 * the administrator runs BuiltInNodeMigration), so jobs from real homes say
 * `<assignedNode>master</assignedNode>`. Steward's built-in node answers to both names.
 */
export const LEGACY_BUILT_IN_LABEL = 'master';

/**
 * A node's configuration, after Jenkins' hudson.model.Node: what the home says about it, not how it
 * is doing (that is its Computer). A value: a change of configuration makes a new Node, which the
 * Computer is given.
 */
export interface Node {
  readonly name: string;
  readonly labelString: string;
  /**
   * Labels including the node's self labels (its own name, and `master` for the built-in node), as
   * Jenkins' Node.getAssignedLabels() does.
   */
  readonly labels: ReadonlySet<string>;
  readonly mode: NodeMode;
  readonly numExecutors: number;
  readonly launcher: LauncherKind;
  /** The node's root folder, where its workspaces are (Jenkins' remoteFS; the home for the built-in node). */
  readonly remoteFS: string;
  /** What the node is for, in its owner's words (Jenkins' nodeDescription); '' when none. */
  readonly description: string;
  /** How to reach an `ssh` node; undefined for the other launchers. */
  readonly ssh: SshLauncherSettings | undefined;
}

export type NodeFields = Omit<Node, 'labels' | 'labelString' | 'mode' | 'description' | 'ssh'> & {
  labelString?: string;
  mode?: NodeMode;
  description?: string;
  ssh?: SshLauncherSettings;
  /** The labels the node answers to besides its label string (Jenkins' self label); its name when not given. */
  selfLabels?: readonly string[];
};

/**
 * Makes a Node from its fields; the label string is split once here. An `ssh` node without its
 * SSH settings, or another with them, is a bug (STW_INTERNAL).
 */
export function defineNode(fields: NodeFields): Node {
  if ((fields.launcher === 'ssh') !== (fields.ssh !== undefined)) {
    throw new StewardError('STW_INTERNAL', `node ${fields.name}: SSH settings go with the ssh launcher only, not with ${fields.launcher}`);
  }
  const labelString = fields.labelString ?? '';
  const labels = parseLabels(labelString);
  for (const self of fields.selfLabels ?? [fields.name]) labels.add(self);
  return Object.freeze({
    name: fields.name,
    labelString,
    labels,
    mode: fields.mode ?? 'NORMAL',
    numExecutors: fields.numExecutors,
    launcher: fields.launcher,
    remoteFS: fields.remoteFS,
    description: fields.description ?? '',
    ssh: fields.ssh === undefined ? undefined : Object.freeze({ ...fields.ssh }),
  });
}

/**
 * Reads `<mode>` of a node's configuration: absent or empty is NORMAL, as in Jenkins; anything but
 * NORMAL or EXCLUSIVE is refused, since a misspelt EXCLUSIVE would otherwise run every build there.
 */
export function parseNodeMode(value: unknown, file: string): NodeMode {
  if (value === undefined || value === '') return 'NORMAL';
  if (value === 'NORMAL' || value === 'EXCLUSIVE') return value;
  const shown = typeof value === 'string' ? `"${value}"` : 'an element';
  throw new StewardError('STW_CONFIG_INVALID', `${file}: <mode> must be NORMAL or EXCLUSIVE, not ${shown}`, { file, field: 'mode' });
}
