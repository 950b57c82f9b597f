import { StewardError, coerceError } from '../errors/index.js';
import type { ExtensionRegistry } from '../extensions/index.js';
import { parseLabelExpression, type LabelExpression } from '../nodes/index.js';
import { readFreestyleJob, type FreestyleJob, type Step } from './config/index.js';
import { parseXmlOffLoop, type XmlDocument } from '../xml/index.js';
import {
  BUILDER,
  BUILD_WRAPPER,
  PUBLISHER,
  type Builder,
  type BuildWrapper,
  type Publisher,
} from './steps/api.js';
import { SCM_POINT, type SCM } from './scm/api.js';
import { unsupportedBuildWrapper, unsupportedPublisher } from './steps/unsupported.js';
import { TRIGGER, type CreatedTrigger } from './triggers/index.js';
import { NOT_RUN_LISTED, countNotRun, projectOptionsNotRun, type NotRunElement, type NotRunKind, type NotRunOption, type NotRunTreatment } from './not-run.js';

/** A job as loaded: runnable, or broken with the error that says why (a broken job never stops start-up). */
export type JobDefinition =
  | {
      kind: 'freestyle';
      xml: string;
      parsed: FreestyleJob;
      label: LabelExpression | undefined;
      /** What builds check out before the wrappers set up; undefined for none (NullSCM). */
      scm: SCM | undefined;
      builders: Builder[];
      wrappers: BuildWrapper[];
      publishers: Publisher[];
      /** Triggers, parsed; the controller starts them. */
      triggers: ({ type: string } & CreatedTrigger)[];
      /**
       * The SCM and builders this controller cannot run (`SCM hudson.plugins.svn.SubversionSCM
       * (plugin subversion@2.17)`, `builder hudson.tasks.Maven`): without them the build means nothing, so it
       * fails and says so.
       */
      missing: string[];
      /**
       * Every element and setting this controller will not run, with how it is treated: the SCM
       * and builders of `missing` (fails-build); wrappers, publishers and settings of a step that
       * runs, such as an SCM extension (skipped: builds run without them and their log says so
       * where each would have run); triggers and job properties (ignored). The job loads and keeps
       * their elements either way, as Jenkins keeps a job whose plugins are missing.
       */
      notRun: NotRunElement[];
      /** How many elements of each treatment will not run, of the whole file (notRun lists at most NOT_RUN_LISTED). */
      notRunCounts: Record<NotRunTreatment, number>;
    }
  | { kind: 'broken'; xml: string | undefined; error: StewardError };

/**
 * Parses a config.xml into a runnable definition, large text on a worker thread; throws
 * StewardError naming file and field.
 */
export async function compileDefinition(xml: string, file: string, extensions: ExtensionRegistry): Promise<JobDefinition & { kind: 'freestyle' }> {
  return compileParsed(xml, await parseXmlOffLoop(xml, file), extensions);
}

/** compileDefinition of a config.xml already parsed. */
export function compileParsed(xml: string, document: XmlDocument, extensions: ExtensionRegistry): JobDefinition & { kind: 'freestyle' } {
  const parsed = readFreestyleJob(document);
  const { file } = document;
  const { config } = parsed;
  let label: LabelExpression | undefined;
  if (config.assignedNode !== undefined && config.assignedNode.trim() !== '' && !config.canRoam) {
    try {
      label = parseLabelExpression(config.assignedNode);
    } catch (err) {
      const e = coerceError(err, 'STW_LABEL_INVALID');
      throw new StewardError('STW_LABEL_INVALID', `${file}: assignedNode: ${e.message}`, {
        file,
        field: 'assignedNode',
        cause: err,
      });
    }
  }
  const missing: string[] = [];
  const notRun: NotRunElement[] = [];
  const notInstalled = (kind: NotRunKind, step: Step, treatment: NotRunElement['treatment'], reason: string) =>
    notRun.push({ kind, name: step.type, plugin: step.plugin, treatment, reason });
  const options = (step: Step, list: readonly NotRunOption[] | undefined) => {
    for (const o of list ?? []) notRun.push({ kind: 'option', name: o.name, plugin: undefined, within: step.type, treatment: o.treatment, reason: o.reason });
  };
  for (const property of document.root.child('properties')?.children() ?? []) {
    if (READ_PROPERTIES.has(property.name)) continue;
    notRun.push({
      kind: 'property',
      name: property.name,
      plugin: property.attribute('plugin'),
      treatment: 'ignored',
      reason: 'this job property is not read here; it stays in config.xml',
    });
  }
  notRun.push(...projectOptionsNotRun(document.root));
  let scm: SCM | undefined;
  if (config.scm !== undefined) {
    const d = extensions.find(SCM_POINT, config.scm.type);
    if (d === undefined) {
      missing.push(`SCM ${describe(config.scm)}`);
      notInstalled('scm', config.scm, 'fails-build', 'this SCM is not installed here: builds fail without checking out');
    } else {
      scm = d.create(config.scm, file);
      options(config.scm, scm.unsupported.map((part) => ({ name: part.replace(/^extension /, ''), treatment: 'skipped', reason: 'the checkout runs without it, and its log says so' })));
    }
  }
  const jobName = file.replace(/^jobs\//, '').replace(/\/config\.xml$/, '');
  const triggers: ({ type: string } & CreatedTrigger)[] = [];
  for (const step of config.triggers) {
    const d = extensions.find(TRIGGER, step.type);
    if (d === undefined) notInstalled('trigger', step, 'ignored', 'this trigger is not installed here: it never starts a build');
    else triggers.push({ type: step.type, ...d.create(step, file, jobName) });
  }
  const builders: Builder[] = [];
  for (const step of config.builders) {
    const d = extensions.find(BUILDER, step.type);
    if (d === undefined) {
      missing.push(`builder ${describe(step)}`);
      notInstalled('builder', step, 'fails-build', 'this build step is not installed here: builds fail before any step runs');
    } else {
      const builder = d.create(step, file);
      options(step, builder.notRun);
      builders.push(builder);
    }
  }
  const wrappers: BuildWrapper[] = [];
  for (const step of config.buildWrappers) {
    const d = extensions.find(BUILD_WRAPPER, step.type);
    if (d !== undefined) {
      const wrapper = d.create(step, file);
      options(step, wrapper.notRun);
      wrappers.push(wrapper);
    } else {
      notInstalled('wrapper', step, 'skipped', 'this build environment is not installed here: builds run without it, and their log says so');
      wrappers.push(unsupportedBuildWrapper(describe(step)));
    }
  }
  let publishers: Publisher[] = [];
  for (const step of config.publishers) {
    const d = extensions.find(PUBLISHER, step.type);
    if (d !== undefined) {
      const publisher = d.create(step, file);
      options(step, publisher.notRun);
      publishers.push(publisher);
    } else {
      notInstalled('publisher', step, 'skipped', 'this post-build action is not installed here: builds do not run it, so their result does not include it; their log says so');
      publishers.push(unsupportedPublisher(describe(step)));
    }
  }
  // Downstream triggers wait for the others' verdict (stable sort: the rest keep their order).
  publishers = [...publishers.filter((p) => p.runsLast !== true), ...publishers.filter((p) => p.runsLast === true)];
  const notRunCounts = countNotRun(notRun);
  if (notRun.length > NOT_RUN_LISTED) notRun.length = NOT_RUN_LISTED;
  return { kind: 'freestyle', xml, parsed, label, scm, builders, wrappers, publishers, triggers, missing, notRun, notRunCounts };
}

/**
 * The job properties something here reads: parameters, the build discarder and PrioritySorter's
 * priority (jobs/config), and the project-based matrix authorization (security).
 */
const READ_PROPERTIES: ReadonlySet<string> = new Set([
  'hudson.model.ParametersDefinitionProperty',
  'jenkins.model.BuildDiscarderProperty',
  'jenkins.advancedqueue.priority.strategy.PriorityJobProperty',
  'hudson.security.AuthorizationMatrixProperty',
  'hudson.plugins.throttleconcurrents.ThrottleJobProperty',
]);

function describe(step: Step): string {
  return step.plugin === undefined ? step.type : `${step.type} (plugin ${step.plugin})`;
}
