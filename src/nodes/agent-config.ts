import os from 'node:os';
import path from 'node:path';
import { StewardError } from '../errors/index.js';
import { configInvalid, parseXmlOffLoop, readInteger, type XmlDocument, type XmlElementHandle } from '../xml/index.js';
import { parseLabels } from './label/index.js';
import { defineNode, type HostKeyCheck, type Node, type NodeMode, type SshLauncherSettings } from './node.js';

/** The root element of a Jenkins agent's config.xml (XStream's alias of hudson.slaves.DumbSlave). */
export const AGENT_ROOT = 'slave';
/** Agents that connect to the controller themselves (inbound, over WebSocket or TCP). */
export const JNLP_LAUNCHER = 'hudson.slaves.JNLPLauncher';
/** Agents the controller starts over SSH (the ssh-slaves plugin). */
export const SSH_LAUNCHER = 'hudson.plugins.sshslaves.SSHLauncher';

/** The most executors an agent may have: each is an object and a slot the queue looks at. */
export const MAX_AGENT_EXECUTORS = 1000;

/** The config.xml of an agent: the Node it defines, and the document with everything else in it. */
export interface AgentConfig {
  readonly node: Node;
  /** The text as read or posted, kept as it is: a save writes it back byte for byte. */
  readonly xml: string;
  readonly document: XmlDocument;
}

/** Where an agent's config.xml lives in the home. */
export function agentConfigFile(name: string): string {
  return `nodes/${name}/config.xml`;
}

/**
 * Reads an agent's config.xml in Jenkins' DumbSlave shape (`<slave>`: name, description,
 * remoteFS, numExecutors, mode, retentionStrategy, launcher, label, nodeProperties). The elements
 * Steward does not use (the retention strategy, node properties, a plugin's own) are kept in the
 * document. `name` is the node the file belongs to (its folder, or the URL it was posted to):
 * `<name>` must say the same.
 *
 * Malformed XML throws STW_XML_MALFORMED; a wrong or missing field STW_CONFIG_INVALID naming
 * `file:line`, the field and what is wrong.
 */
export async function parseAgentConfig(xml: string, file: string, name: string): Promise<AgentConfig> {
  const document = await parseXmlOffLoop(xml, file);
  const root = document.root;
  if (root.name !== AGENT_ROOT) {
    throw configInvalid(root, root.name, `the root element must be <${AGENT_ROOT}> (a permanent agent, hudson.slaves.DumbSlave); Steward runs no other kind of node`);
  }
  const nameElement = root.child('name');
  const given = nameElement?.text().trim();
  if (nameElement === undefined || given === undefined || given === '') throw configInvalid(nameElement ?? root, 'name', 'is missing; it must be the name of the node, ' + JSON.stringify(name));
  if (given !== name) {
    throw configInvalid(nameElement, 'name', `is ${JSON.stringify(given)}, but this is the configuration of node ${JSON.stringify(name)}; a node is not renamed by its config.xml`);
  }
  const numExecutors = readInteger(root, 'numExecutors', 1);
  if (numExecutors === undefined) throw configInvalid(root, 'numExecutors', 'is missing; an agent has 1 or more executors');
  if (numExecutors > MAX_AGENT_EXECUTORS) {
    throw configInvalid(root.child('numExecutors') ?? root, 'numExecutors', `must be at most ${MAX_AGENT_EXECUTORS}, got ${numExecutors}`);
  }
  const labelString = root.childText('label') ?? '';
  try {
    parseLabels(labelString);
  } catch (err) {
    throw configInvalid(root.child('label') ?? root, 'label', err instanceof Error ? err.message : String(err));
  }
  const launcher = readLauncher(root);
  // Jenkins trims it (Slave's constructor) and its form says "Remote directory is mandatory":
  // builds' workspaces are <remoteFS>/workspace/<job>.
  const remoteFS = (root.childText('remoteFS') ?? '').trim();
  if (remoteFS === '') throw configInvalid(root.child('remoteFS') ?? root, 'remoteFS', "is empty; it is the agent's root folder on its machine, where workspaces go");
  return {
    xml,
    document,
    node: defineNode({
      name,
      description: root.childText('description') ?? '',
      remoteFS,
      numExecutors,
      mode: readMode(root),
      labelString,
      ...launcher,
    }),
  };
}

/** `<mode>`: absent or empty is NORMAL, as in Jenkins; anything but NORMAL or EXCLUSIVE is refused. */
function readMode(root: XmlElementHandle): NodeMode {
  const element = root.child('mode');
  const text = element?.text().trim() ?? '';
  if (text === '') return 'NORMAL';
  if (text === 'NORMAL' || text === 'EXCLUSIVE') return text;
  throw configInvalid(element ?? root, 'mode', `must be NORMAL or EXCLUSIVE, not ${JSON.stringify(text)}`);
}

/**
 * `<launcher class>`: JNLPLauncher (or none, which Jenkins' Slave.readResolve reads as one) is an
 * inbound agent; SSHLauncher needs its host and credentials. Any other launcher is refused: the
 * node could never come online here.
 */
function readLauncher(root: XmlElementHandle): { launcher: 'inbound' } | { launcher: 'ssh'; ssh: SshLauncherSettings } {
  const element = root.child('launcher');
  const cls = element?.attribute('class');
  if (element === undefined || cls === JNLP_LAUNCHER) return { launcher: 'inbound' };
  if (cls !== SSH_LAUNCHER) {
    throw configInvalid(
      element,
      'launcher',
      `${cls === undefined ? 'a launcher without a class' : `the launcher ${cls}`} is not supported: agents connect inbound (${JNLP_LAUNCHER}) or are started over SSH (${SSH_LAUNCHER})`,
    );
  }
  const required = (field: string): string => {
    const text = element.childText(field)?.trim() ?? '';
    if (text === '') throw configInvalid(element.child(field) ?? element, `launcher/${field}`, 'is missing; the SSH launcher needs it');
    return text;
  };
  const host = required('host');
  const port = readInteger(element, 'port', 1) ?? 22;
  if (port > 65535) throw configInvalid(element.child('port') ?? element, 'launcher/port', `must be a TCP port from 1 to 65535, got ${port}`);
  const seconds = (field: string, fallback: number): number => (readInteger(element, field, 0) ?? fallback) * 1000;
  return {
    launcher: 'ssh',
    ssh: {
      host,
      port,
      credentialsId: required('credentialsId'),
      hostKey: readHostKeyCheck(element),
      prefix: element.childText('prefixStartSlaveCmd')?.trim() ?? '',
      suffix: element.childText('suffixStartSlaveCmd')?.trim() ?? '',
      // The ssh-slaves plugin's defaults: 15 s between attempts, 60 s to log in (its 210 s is
      // for a JVM to start as well).
      retryWaitMs: seconds('retryWaitTime', 15),
      launchTimeoutMs: seconds('launchTimeoutSeconds', 60) || 60_000,
    },
  };
}

const VERIFIERS = 'hudson.plugins.sshslaves.verifiers.';

/**
 * `<sshHostKeyVerificationStrategy class>`. Without one, or with ManuallyTrusted (trust on first
 * use, which Jenkins records as a computer action), the key must be in the controller user's
 * ~/.ssh/known_hosts: Steward does not trust a host it has not been told about.
 */
function readHostKeyCheck(launcher: XmlElementHandle): HostKeyCheck {
  const element = launcher.child('sshHostKeyVerificationStrategy');
  const cls = element?.attribute('class');
  const knownHosts: HostKeyCheck = { kind: 'known-hosts', file: path.join(os.homedir(), '.ssh', 'known_hosts') };
  if (element === undefined || cls === undefined) return knownHosts;
  switch (cls) {
    case `${VERIFIERS}NonVerifyingKeyVerificationStrategy`:
      return { kind: 'none' };
    case `${VERIFIERS}KnownHostsFileKeyVerificationStrategy`:
    case `${VERIFIERS}ManuallyTrustedKeyVerificationStrategy`:
      return knownHosts;
    case `${VERIFIERS}ManuallyProvidedKeyVerificationStrategy`: {
      const key = element.child('key');
      const algorithm = key?.childText('algorithm')?.trim() ?? '';
      const value = key?.childText('key')?.replace(/\s+/g, '') ?? '';
      if (algorithm === '' || value === '') {
        throw configInvalid(key ?? element, 'launcher/sshHostKeyVerificationStrategy/key', 'needs an <algorithm> and a <key> (base64, as in known_hosts)');
      }
      return { kind: 'provided', algorithm, key: value };
    }
    default:
      throw configInvalid(element, 'launcher/sshHostKeyVerificationStrategy', `the host key verification strategy ${cls} is not supported`);
  }
}

/** STW_CONFIG_INVALID for something of a config.xml other than a field (the file as a whole). */
export function agentConfigInvalid(file: string, message: string): StewardError {
  return new StewardError('STW_CONFIG_INVALID', `${file}: ${message}`, { file });
}
