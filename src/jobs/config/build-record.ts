import { causeActionSpec, parametersActionSpec, readCauseAction, readParametersAction, type Cause } from './actions.js';
import type { ParameterValue } from './parameters.js';
import { configInvalid, readBoolean, readIntegerOr, requireInteger, createXmlDocument, parseXml, serializeXml, type XmlElementHandle, type XmlSpec } from '../../xml/index.js';

export type BuildResult = 'SUCCESS' | 'UNSTABLE' | 'FAILURE' | 'NOT_BUILT' | 'ABORTED';

const RESULTS: ReadonlySet<string> = new Set<BuildResult>(['SUCCESS', 'UNSTABLE', 'FAILURE', 'NOT_BUILT', 'ABORTED']);

/** A build as recorded in `jobs/<job>/builds/<n>/build.xml`. */
export interface BuildRecord {
  /** From the folder name; Jenkins does not write it into build.xml. */
  number: number;
  queueId: number;
  /** When the build was scheduled to start, ms since the epoch. */
  timestamp: number;
  /** When it actually started, ms since the epoch. */
  startTime: number;
  /** Undefined while the build runs. */
  result: BuildResult | undefined;
  /** Milliseconds. */
  duration: number;
  /** The node name; '' for the built-in node. */
  builtOn: string;
  workspace: string | undefined;
  causes: Cause[];
  /** Sensitive values are stored as given: the caller encrypts them before, and never logs them. */
  parameters: ParameterValue[];
  /** The user who stopped the build (Jenkins' InterruptedBuildAction, UserInterruption). */
  abortedBy?: string;
  description?: string;
  keepLog: boolean;
  displayName?: string;
  /**
   * The record's other actions (`<actions>` but causes, parameters and the interruption), as
   * their elements: those plugins add (`hudson.tasks.junit.TestResultAction`) and those a home
   * from Jenkins holds, written again as they were read. In the order they were added.
   */
  actions?: XmlSpec[];
}

const INTERRUPTED = 'jenkins.model.InterruptedBuildAction';
const USER_INTERRUPTION = 'jenkins.model.CauseOfInterruption_-UserInterruption';
/** The actions the record reads into its own fields; the others are kept as they are (`actions`). */
const READ_ACTIONS: ReadonlySet<string> = new Set(['hudson.model.CauseAction', 'hudson.model.ParametersAction', INTERRUPTED]);

/** Writes build.xml the way Jenkins lays it out, so Jenkins tooling can read it too. */
export function serializeBuildRecord(r: BuildRecord): string {
  const actions: XmlSpec[] = [causeActionSpec(r.causes)];
  if (r.parameters.length > 0) actions.push(parametersActionSpec(r.parameters));
  if (r.abortedBy !== undefined) {
    actions.push({
      name: INTERRUPTED,
      children: [{ name: 'causes', children: [{ name: USER_INTERRUPTION, children: [{ name: 'user', text: r.abortedBy }] }] }],
    });
  }
  if (r.actions !== undefined) actions.push(...r.actions);
  const fields: XmlSpec[] = [
    { name: 'actions', children: actions },
    { name: 'queueId', text: String(r.queueId) },
    { name: 'timestamp', text: String(r.timestamp) },
    { name: 'startTime', text: String(r.startTime) },
  ];
  if (r.result !== undefined) fields.push({ name: 'result', text: r.result });
  if (r.description !== undefined) fields.push({ name: 'description', text: r.description });
  if (r.displayName !== undefined) fields.push({ name: 'displayName', text: r.displayName });
  fields.push(
    { name: 'duration', text: String(r.duration) },
    { name: 'charset', text: 'UTF-8' },
    { name: 'keepLog', text: String(r.keepLog) },
    { name: 'builtOn', text: r.builtOn },
  );
  if (r.workspace !== undefined) fields.push({ name: 'workspace', text: r.workspace });
  return serializeXml(createXmlDocument({ name: 'build', children: fields }, `build #${r.number}`));
}

/**
 * Reads a build.xml written by Steward or by Jenkins (any Run root: `build`, `flow-build`...).
 * Elements Steward does not know are ignored; missing optional ones take Jenkins' defaults.
 * `number` comes from the build's folder name.
 */
export function parseBuildRecord(text: string, file: string, number: number): BuildRecord {
  const { root } = parseXml(text, file);
  const actions = root.child('actions')?.children() ?? [];
  const causes = actions.filter((a) => a.name === 'hudson.model.CauseAction').flatMap(readCauseAction);
  const parameters = actions.filter((a) => a.name === 'hudson.model.ParametersAction').flatMap(readParametersAction);
  const abortedBy = actions
    .filter((a) => a.name === INTERRUPTED)
    .flatMap((a) => userInterruptions(a.child('causes')))
    .map((c) => c.childText('user'))
    .find((user) => user !== undefined);
  const others = actions.filter((a) => !READ_ACTIONS.has(a.name)).map((a) => a.toSpec());

  const resultEl = root.child('result');
  const resultText = resultEl?.text().trim();
  if (resultEl !== undefined && resultText !== undefined && !RESULTS.has(resultText)) {
    throw configInvalid(resultEl, resultEl.path, `unknown build result ${JSON.stringify(resultText)}`);
  }
  const timestamp = requireInteger(root, 'timestamp', 0);
  const description = root.childText('description');
  const displayName = root.childText('displayName');
  return {
    number,
    queueId: readIntegerOr(root, 'queueId', -1, -1),
    timestamp,
    startTime: readIntegerOr(root, 'startTime', timestamp, 0),
    result: resultText === undefined ? undefined : (resultText as BuildResult),
    duration: readIntegerOr(root, 'duration', 0, 0),
    builtOn: root.childText('builtOn') ?? '',
    workspace: root.childText('workspace'),
    causes,
    parameters,
    ...(abortedBy === undefined ? {} : { abortedBy }),
    ...(description === undefined ? {} : { description }),
    keepLog: readBoolean(root, 'keepLog', false),
    ...(displayName === undefined ? {} : { displayName }),
    ...(others.length === 0 ? {} : { actions: others }),
  };
}

/**
 * The UserInterruptions of an InterruptedBuildAction. Depending on the list class XStream saw,
 * they sit directly in `<causes>` or one level down (`<causes class="...UnmodifiableRandomAccessList">
 * <c class="list">`).
 */
function userInterruptions(causes: XmlElementHandle | undefined): XmlElementHandle[] {
  if (causes === undefined) return [];
  return [...causes.childrenNamed(USER_INTERRUPTION), ...causes.children().flatMap((c) => c.childrenNamed(USER_INTERRUPTION))];
}
