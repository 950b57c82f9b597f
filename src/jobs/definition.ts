import { StewardError, coerceError } from '../errors/index.js';
import type { ExtensionRegistry } from '../extensions/index.js';
import { parseLabelExpression, type LabelExpression } from '../nodes/index.js';
import { parseFreestyleConfig, type FreestyleJob, type Step } from './config/index.js';
import {
  BUILDER,
  BUILD_WRAPPER,
  PUBLISHER,
  type Builder,
  type BuildWrapper,
  type Publisher,
} from './steps/api.js';
import { TRIGGER, type Trigger, type TriggerContext } from './triggers/index.js';

/** A job as loaded: runnable, or broken with the error that says why (a broken job never stops start-up). */
export type JobDefinition =
  | {
      kind: 'freestyle';
      xml: string;
      parsed: FreestyleJob;
      label: LabelExpression | undefined;
      builders: Builder[];
      wrappers: BuildWrapper[];
      publishers: Publisher[];
      /** Triggers, parsed; the controller starts them. */
      triggers: { type: string; start(ctx: TriggerContext): Trigger }[];
      /** Build steps this controller cannot run (not installed): a build fails and says so. */
      missingBuilders: string[];
      /** Wrappers, publishers and triggers that are not installed: skipped with a warning. */
      skipped: string[];
    }
  | { kind: 'broken'; xml: string | undefined; error: StewardError };

/** Parses a config.xml into a runnable definition; throws StewardError naming file and field. */
export function compileDefinition(xml: string, file: string, extensions: ExtensionRegistry): JobDefinition & { kind: 'freestyle' } {
  const parsed = parseFreestyleConfig(xml, file);
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
  const missingBuilders: string[] = [];
  const skipped: string[] = [];
  const builders: Builder[] = [];
  for (const step of config.builders) {
    const d = extensions.find(BUILDER, step.type);
    if (d === undefined) missingBuilders.push(describe(step));
    else builders.push(d.create(step, file));
  }
  const wrappers: BuildWrapper[] = [];
  for (const step of config.buildWrappers) {
    const d = extensions.find(BUILD_WRAPPER, step.type);
    if (d === undefined) skipped.push(describe(step));
    else wrappers.push(d.create(step, file));
  }
  const publishers: Publisher[] = [];
  for (const step of config.publishers) {
    const d = extensions.find(PUBLISHER, step.type);
    if (d === undefined) skipped.push(describe(step));
    else publishers.push(d.create(step, file));
  }
  const jobName = file.replace(/^jobs\//, '').replace(/\/config\.xml$/, '');
  const triggers: { type: string; start(ctx: TriggerContext): Trigger }[] = [];
  for (const step of config.triggers) {
    const d = extensions.find(TRIGGER, step.type);
    if (d === undefined) skipped.push(describe(step));
    else triggers.push({ type: step.type, ...d.create(step, file, jobName) });
  }
  return { kind: 'freestyle', xml, parsed, label, builders, wrappers, publishers, triggers, missingBuilders, skipped };
}

function describe(step: Step): string {
  return step.plugin === undefined ? step.type : `${step.type} (plugin ${step.plugin})`;
}
