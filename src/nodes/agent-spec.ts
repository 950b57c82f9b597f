import { StewardError, excerpt } from '../errors/index.js';
import { JENKINS_XML_DECLARATION, writeXmlSpec, type XmlSpec } from '../xml/index.js';
import { parseLabels } from './label/index.js';
import { AGENT_ROOT, JNLP_LAUNCHER, MAX_AGENT_EXECUTORS, SSH_LAUNCHER } from './agent-config.js';
import type { NodeMode, SshLauncherSettings } from './node.js';

/** What a new agent is made of: the fields of Jenkins' "New node" form for a permanent agent. */
export interface AgentSpec {
  readonly description: string;
  readonly remoteFS: string;
  readonly numExecutors: number;
  readonly mode: NodeMode;
  readonly labelString: string;
  readonly launcher: { readonly kind: 'inbound' } | ({ readonly kind: 'ssh' } & Pick<SshLauncherSettings, 'host' | 'port' | 'credentialsId'>);
}

/** The node type of Jenkins' "Permanent Agent", as the form (`type`) names it. */
export const DUMB_SLAVE_TYPES: ReadonlySet<string> = new Set(['hudson.slaves.DumbSlave', 'hudson.slaves.DumbSlave$DescriptorImpl']);

const RETENTION_ALWAYS = 'hudson.slaves.RetentionStrategy$Always';

/**
 * Reads the `json` field of Jenkins' node form (ComputerSet.doDoCreateItem), as python-jenkins'
 * create_node and Jenkins' own page send it: `{"nodeDescription", "numExecutors", "remoteFS",
 * "labelString", "mode", "retentionStrategy": {"stapler-class"}, "nodeProperties",
 * "launcher": {"stapler-class", ...}}`. A field of the wrong type, a launcher or retention
 * strategy Steward does not run, or node properties (post a config.xml for those) are refused
 * with STW_REQUEST_INVALID naming the field.
 */
export function parseAgentForm(json: string): AgentSpec {
  let form: unknown;
  try {
    form = JSON.parse(json);
  } catch (err) {
    throw invalid('json', `is not JSON: ${(err as Error).message}`);
  }
  if (!isObject(form)) throw invalid('json', 'must be a JSON object of the node\'s fields');
  const launcher = form.launcher ?? { 'stapler-class': JNLP_LAUNCHER };
  if (!isObject(launcher)) throw invalid('launcher', 'must be an object with a "stapler-class"');
  const retention = form.retentionStrategy;
  if (retention !== undefined && retention !== null) {
    const cls = isObject(retention) ? classOf(retention) : undefined;
    if (cls !== RETENTION_ALWAYS) {
      throw invalid('retentionStrategy', `${cls === undefined ? 'must name its class' : `${excerpt(cls)} is not supported`}: agents are kept online (${RETENTION_ALWAYS})`);
    }
  }
  const properties = form.nodeProperties;
  if (properties !== undefined && properties !== null && !(isObject(properties) && Object.keys(properties).every((k) => k === 'stapler-class-bag'))) {
    throw invalid('nodeProperties', 'node properties cannot be given in the form; post the node\'s config.xml to /computer/NAME/config.xml for them');
  }
  const mode = optionalText(form, 'mode') ?? 'NORMAL';
  if (mode !== 'NORMAL' && mode !== 'EXCLUSIVE') throw invalid('mode', `must be NORMAL or EXCLUSIVE, not "${excerpt(mode)}"`);
  const labelString = optionalText(form, 'labelString') ?? '';
  try {
    parseLabels(labelString);
  } catch (err) {
    throw invalid('labelString', (err as Error).message);
  }
  const remoteFS = (optionalText(form, 'remoteFS') ?? '').trim();
  // Jenkins' Slave.Remote_Director_Mandatory.
  if (remoteFS === '') throw invalid('remoteFS', "is required: the agent's root folder on its machine, where workspaces go");
  return {
    description: optionalText(form, 'nodeDescription') ?? '',
    remoteFS,
    numExecutors: executors(form.numExecutors),
    mode,
    labelString,
    launcher: launcherOf(launcher),
  };
}

function launcherOf(launcher: Record<string, unknown>): AgentSpec['launcher'] {
  const cls = classOf(launcher);
  if (cls === JNLP_LAUNCHER) return { kind: 'inbound' };
  if (cls !== SSH_LAUNCHER) {
    throw invalid('launcher', `${cls === undefined ? 'must name its class ("stapler-class")' : `${excerpt(cls)} is not supported`}: agents connect inbound (${JNLP_LAUNCHER}) or are started over SSH (${SSH_LAUNCHER})`);
  }
  const host = optionalText(launcher, 'host', 'launcher.host')?.trim() ?? '';
  const credentialsId = optionalText(launcher, 'credentialsId', 'launcher.credentialsId')?.trim() ?? '';
  if (host === '') throw invalid('launcher.host', 'is required for the SSH launcher');
  if (credentialsId === '') throw invalid('launcher.credentialsId', 'is required for the SSH launcher: the id of an SSH key or password in the credentials store');
  const portValue = launcher.port ?? 22;
  const port = typeof portValue === 'number' ? portValue : typeof portValue === 'string' && /^[0-9]{1,5}$/.test(portValue.trim()) ? Number(portValue.trim()) : Number.NaN;
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw invalid('launcher.port', 'must be a TCP port from 1 to 65535');
  return { kind: 'ssh', host, port, credentialsId };
}

/** `numExecutors`: a number or its text (Jenkins' form sends text); 1 when absent, as the form's default. */
function executors(value: unknown): number {
  if (value === undefined || value === null || value === '') return 1;
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\s*[0-9]{1,7}\s*$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isInteger(n) || n < 1 || n > MAX_AGENT_EXECUTORS) {
    throw invalid('numExecutors', `must be a whole number from 1 to ${MAX_AGENT_EXECUTORS}, not ${excerpt(typeof value === 'string' ? `"${value}"` : JSON.stringify(value) ?? String(value))}`);
  }
  return n;
}

/**
 * The config.xml of a new agent, as Jenkins writes a DumbSlave (XStream's layout, two-space
 * indent), so that Jenkins reads the home's nodes back too.
 */
export function agentConfigXml(name: string, spec: AgentSpec): string {
  const launcher: XmlSpec =
    spec.launcher.kind === 'inbound'
      ? {
          name: 'launcher',
          attributes: { class: JNLP_LAUNCHER },
          children: [
            {
              name: 'workDirSettings',
              children: [
                { name: 'disabled', text: 'false' },
                { name: 'internalDir', text: 'remoting' },
                { name: 'failIfWorkDirIsMissing', text: 'false' },
              ],
            },
            { name: 'webSocket', text: 'false' },
          ],
        }
      : {
          name: 'launcher',
          attributes: { class: SSH_LAUNCHER, plugin: 'ssh-slaves' },
          children: [
            { name: 'host', text: spec.launcher.host },
            { name: 'port', text: String(spec.launcher.port) },
            { name: 'credentialsId', text: spec.launcher.credentialsId },
          ],
        };
  const root: XmlSpec = {
    name: AGENT_ROOT,
    children: [
      { name: 'name', text: name },
      { name: 'description', text: spec.description },
      { name: 'remoteFS', text: spec.remoteFS },
      { name: 'numExecutors', text: String(spec.numExecutors) },
      { name: 'mode', text: spec.mode },
      { name: 'retentionStrategy', attributes: { class: RETENTION_ALWAYS } },
      launcher,
      { name: 'label', text: spec.labelString },
      { name: 'nodeProperties' },
    ],
  };
  return `${JENKINS_XML_DECLARATION}\n${writeXmlSpec(root)}\n`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The class a Stapler form object names: `stapler-class`, or `$class` as newer forms send. */
function classOf(value: Record<string, unknown>): string | undefined {
  const cls = value['stapler-class'] ?? value.$class;
  return typeof cls === 'string' ? cls : undefined;
}

/** A text field; null (python-jenkins sends None for what is not given) and absent are undefined. */
function optionalText(form: Record<string, unknown>, key: string, field = key): string | undefined {
  const value = form[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw invalid(field, 'must be text');
  return value;
}

function invalid(field: string, problem: string): StewardError {
  return new StewardError('STW_REQUEST_INVALID', `the node form's ${field} ${problem}`, { field });
}
