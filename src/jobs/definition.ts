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
import { TRIGGER, type Trigger, type TriggerContext } from './triggers/index.js';

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
      triggers: { type: string; start(ctx: TriggerContext): Trigger }[];
      /**
       * The SCM and builders this controller cannot run (`SCM hudson.plugins.svn.SubversionSCM
       * (plugin subversion@2.17)`, `builder hudson.tasks.Maven`): without them the build means nothing, so it
       * fails and says so.
       */
      missing: string[];
      /**
       * Wrappers, publishers, triggers and SCM extensions no extension is installed for (`publisher
       * hudson.plugins.jacoco.JacocoPublisher (plugin jacoco)`, `SCM extension
       * hudson.plugins.git.extensions.impl.PerBuildTag`). The job loads and keeps their
       * elements; builds run without them and their log says so where each would have run.
       */
      unsupported: string[];
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
  const unsupported: string[] = [];
  let scm: SCM | undefined;
  if (config.scm !== undefined) {
    const d = extensions.find(SCM_POINT, config.scm.type);
    if (d === undefined) {
      missing.push(`SCM ${describe(config.scm)}`);
    } else {
      scm = d.create(config.scm, file);
      for (const part of scm.unsupported) unsupported.push(`SCM ${part}`);
    }
  }
  const builders: Builder[] = [];
  for (const step of config.builders) {
    const d = extensions.find(BUILDER, step.type);
    if (d === undefined) missing.push(`builder ${describe(step)}`);
    else builders.push(d.create(step, file));
  }
  const wrappers: BuildWrapper[] = [];
  for (const step of config.buildWrappers) {
    const d = extensions.find(BUILD_WRAPPER, step.type);
    if (d !== undefined) {
      wrappers.push(d.create(step, file));
    } else {
      unsupported.push(`build wrapper ${describe(step)}`);
      wrappers.push(unsupportedBuildWrapper(describe(step)));
    }
  }
  const publishers: Publisher[] = [];
  for (const step of config.publishers) {
    const d = extensions.find(PUBLISHER, step.type);
    if (d !== undefined) {
      const publisher = d.create(step, file);
      for (const part of publisher.unsupported ?? []) unsupported.push(`publisher ${step.type}: ${part}`);
      publishers.push(publisher);
    } else {
      unsupported.push(`publisher ${describe(step)}`);
      publishers.push(unsupportedPublisher(describe(step)));
    }
  }
  const jobName = file.replace(/^jobs\//, '').replace(/\/config\.xml$/, '');
  const triggers: { type: string; start(ctx: TriggerContext): Trigger }[] = [];
  for (const step of config.triggers) {
    const d = extensions.find(TRIGGER, step.type);
    if (d === undefined) unsupported.push(`trigger ${describe(step)}`);
    else triggers.push({ type: step.type, ...d.create(step, file, jobName) });
  }
  return { kind: 'freestyle', xml, parsed, label, scm, builders, wrappers, publishers, triggers, missing, unsupported };
}

function describe(step: Step): string {
  return step.plugin === undefined ? step.type : `${step.type} (plugin ${step.plugin})`;
}
