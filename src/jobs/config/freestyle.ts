import { StewardError } from '../../errors/index.js';
import { parseParameterDefinitions, type ParameterDefinition } from './parameters.js';
import { readBoolean, readInteger, parseXml, serializeXml, type XmlDocument, type XmlElementHandle } from '../../xml/index.js';

/** One entry of `<builders>`, `<buildWrappers>`, `<publishers>` or `<triggers>`, or the `<scm>`, unparsed. */
export interface Step {
  /**
   * The element name, which is the Jenkins class (`hudson.tasks.Shell`) or its XStream alias; for
   * the `<scm>`, its `class` attribute (`hudson.plugins.git.GitSCM`).
   */
  readonly type: string;
  /** The `plugin` attribute as written, e.g. `build-timeout@1.32`; undefined for core classes. */
  readonly plugin: string | undefined;
  /** The element itself, for the step's own parser (see steps.ts). */
  readonly element: XmlElementHandle;
}

/** Jenkins' LogRotator; -1 means unlimited, as in Jenkins. */
export interface LogRotator {
  readonly daysToKeep: number;
  readonly numToKeep: number;
  readonly artifactDaysToKeep: number;
  readonly artifactNumToKeep: number;
}

/** What Steward reads from a freestyle job's config.xml. */
export interface FreestyleConfig {
  /** `project`, or `hudson.model.FreeStyleProject` as some exports write it. */
  readonly rootElement: string;
  readonly description: string;
  readonly disabled: boolean;
  readonly concurrentBuild: boolean;
  /** "Block build when upstream project is building": its items wait while a job upstream builds or is about to. */
  readonly blockBuildWhenUpstreamBuilding: boolean;
  /** "Block build when downstream project is building". */
  readonly blockBuildWhenDownstreamBuilding: boolean;
  /**
   * The label expression (`linux && docker`). Undefined when the job may roam: `canRoam` true
   * (Jenkins then ignores `assignedNode`) or no expression. `canRoam` false with no expression
   * means the built-in node, as in Jenkins' AbstractProject.getAssignedLabel.
   */
  readonly assignedNode: string | undefined;
  readonly canRoam: boolean;
  /** `<quietPeriod>` in seconds; undefined means the controller-wide default. */
  readonly quietPeriodSeconds: number | undefined;
  /** The PrioritySorter plugin's job priority, when the job sets one. */
  readonly priority: number | undefined;
  readonly parameters: readonly ParameterDefinition[];
  readonly logRotator: LogRotator | undefined;
  /**
   * `<scm class="...">`. Undefined when the job checks nothing out: `hudson.scm.NullSCM` ("None",
   * what Jenkins and JJB write then), no `<scm>`, or one without a class.
   */
  readonly scm: Step | undefined;
  readonly builders: readonly Step[];
  readonly buildWrappers: readonly Step[];
  readonly publishers: readonly Step[];
  readonly triggers: readonly Step[];
  /**
   * "Trigger builds remotely": the `<authToken>` that lets `/job/NAME/build?token=...` (and
   * `/buildByToken/build?job=NAME&token=...`) start a build without the Job/Build permission.
   * Undefined when not set or empty.
   */
  readonly authToken: string | undefined;
}

/** A parsed freestyle job: the lossless document (for edits) and the typed config (for use). */
export interface FreestyleJob {
  readonly document: XmlDocument;
  config: FreestyleConfig;
}

const FREESTYLE_ROOTS = new Set(['project', 'hudson.model.FreeStyleProject']);
const PARAMETERS = 'hudson.model.ParametersDefinitionProperty';
const PRIORITY = 'jenkins.advancedqueue.priority.strategy.PriorityJobProperty';
const DISCARDER = 'jenkins.model.BuildDiscarderProperty';
const LOG_ROTATOR = 'hudson.tasks.LogRotator';
const NULL_SCM = 'hudson.scm.NullSCM';

/**
 * The order in which Jenkins writes a freestyle project's fields; a field Steward adds goes
 * after the last of its predecessors that is present.
 */
const FIELD_ORDER = [
  'actions', 'description', 'logRotator', 'keepDependencies', 'properties', 'scm', 'quietPeriod',
  'assignedNode', 'canRoam', 'disabled', 'blockBuildWhenDownstreamBuilding',
  'blockBuildWhenUpstreamBuilding', 'triggers', 'concurrentBuild', 'builders', 'publishers', 'buildWrappers',
];

/** Parses a freestyle job's config.xml. `file` names it in errors (`jobs/foo/config.xml`). */
export function parseFreestyleConfig(text: string, file: string): FreestyleJob {
  return readFreestyleJob(parseXml(text, file));
}

/** Reads a freestyle job from its parsed config.xml (parseXmlOffLoop's, for large text). */
export function readFreestyleJob(document: XmlDocument): FreestyleJob {
  return { document, config: readFreestyleConfig(document) };
}

function readFreestyleConfig(document: XmlDocument): FreestyleConfig {
  const { root } = document;
  if (!FREESTYLE_ROOTS.has(root.name)) {
    throw new StewardError(
      'STW_CONFIG_INVALID',
      `${document.file}: <${root.name}> jobs are not supported; Steward runs freestyle <project> jobs`,
      { file: document.file, field: root.name, ...(root.line === undefined ? {} : { line: root.line }) },
    );
  }
  const label = root.childText('assignedNode')?.trim() ?? '';
  const canRoam = readBoolean(root, 'canRoam', label === '');
  const properties = root.child('properties');
  const parameterList = properties?.child(PARAMETERS)?.child('parameterDefinitions');
  return {
    rootElement: root.name,
    description: root.childText('description') ?? '',
    disabled: readBoolean(root, 'disabled', false),
    concurrentBuild: readBoolean(root, 'concurrentBuild', false),
    blockBuildWhenUpstreamBuilding: readBoolean(root, 'blockBuildWhenUpstreamBuilding', false),
    blockBuildWhenDownstreamBuilding: readBoolean(root, 'blockBuildWhenDownstreamBuilding', false),
    assignedNode: canRoam || label === '' ? undefined : label,
    canRoam,
    quietPeriodSeconds: readInteger(root, 'quietPeriod', 0),
    priority: readPriority(properties?.child(PRIORITY)),
    parameters: parameterList === undefined ? [] : parseParameterDefinitions(parameterList),
    logRotator: readLogRotator(root),
    scm: readScm(root),
    builders: readSteps(root, 'builders'),
    buildWrappers: readSteps(root, 'buildWrappers'),
    publishers: readSteps(root, 'publishers'),
    triggers: readSteps(root, 'triggers'),
    authToken: root.childText('authToken')?.trim() || undefined,
  };
}

/** PrioritySorter: `useJobPriority` false, or priority -1, means "use the global strategy". */
function readPriority(property: XmlElementHandle | undefined): number | undefined {
  if (property === undefined || !readBoolean(property, 'useJobPriority', true)) return undefined;
  const priority = readInteger(property, 'priority', -1);
  return priority === -1 ? undefined : priority;
}

/**
 * The old top-level `<logRotator class="hudson.tasks.LogRotator">` or the current
 * `properties/jenkins.model.BuildDiscarderProperty/strategy`. Other discarder strategies are
 * not understood and read as undefined (keep everything).
 */
function readLogRotator(root: XmlElementHandle): LogRotator | undefined {
  const strategy = root.descendant(`properties/${DISCARDER}/strategy`) ?? root.child('logRotator');
  if (strategy === undefined || (strategy.attribute('class') ?? LOG_ROTATOR) !== LOG_ROTATOR) return undefined;
  const field = (name: string): number => readInteger(strategy, name, -1) ?? -1;
  return {
    daysToKeep: field('daysToKeep'),
    numToKeep: field('numToKeep'),
    artifactDaysToKeep: field('artifactDaysToKeep'),
    artifactNumToKeep: field('artifactNumToKeep'),
  };
}

function readScm(root: XmlElementHandle): Step | undefined {
  const element = root.child('scm');
  const type = element?.attribute('class');
  if (element === undefined || type === undefined || type === NULL_SCM) return undefined;
  return { type, plugin: element.attribute('plugin'), element };
}

function readSteps(root: XmlElementHandle, listName: string): Step[] {
  const list = root.child(listName);
  if (list === undefined) return [];
  return list.children().map((element) => ({ type: element.name, plugin: element.attribute('plugin'), element }));
}

/**
 * Disables or enables the job: edits `<disabled>` in the document (adding it in Jenkins' place
 * when missing) and the config, and returns the text to save. Every other byte stays as it was.
 */
export function setDisabled(job: FreestyleJob, disabled: boolean): string {
  const { root } = job.document;
  const at = FIELD_ORDER.indexOf('disabled');
  root.setChildText('disabled', String(disabled), FIELD_ORDER.slice(0, at));
  job.config = { ...job.config, disabled };
  return serializeXml(job.document);
}
