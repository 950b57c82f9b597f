import type { Result } from '../../jobs/index.js';
import { configInvalid, readBoolean, type XmlElementHandle } from '../../xml/index.js';
import { readProjectList, readResult, renameInProjectList } from '../build-trigger/index.js';

/** "Trigger parameterized build on other projects" (parameterized-trigger plugin, a publisher). */
export const PARAMETERIZED_BUILD_TRIGGER = 'hudson.plugins.parameterizedtrigger.BuildTrigger';
/** "Trigger/call builds on other projects" (parameterized-trigger plugin, a builder). */
export const TRIGGER_BUILDER = 'hudson.plugins.parameterizedtrigger.TriggerBuilder';

const PREFIX = 'hudson.plugins.parameterizedtrigger.';

/**
 * When a BuildTriggerConfig triggers, by the triggering build's result and its previous build's
 * (the plugin's ResultCondition).
 */
export const CONDITIONS = {
  SUCCESS: (r: Result) => r === 'SUCCESS',
  UNSTABLE: (r: Result) => r === 'UNSTABLE',
  UNSTABLE_OR_BETTER: (r: Result) => r === 'SUCCESS' || r === 'UNSTABLE',
  UNSTABLE_OR_WORSE: (r: Result) => r !== 'SUCCESS',
  FAILED_OR_BETTER: (r: Result) => r === 'SUCCESS' || r === 'UNSTABLE' || r === 'FAILURE',
  FAILED: (r: Result) => r === 'FAILURE',
  /** Stable now, unstable or failed the build before. */
  FIXED: (r: Result, previous: Result | undefined) => r === 'SUCCESS' && (previous === 'UNSTABLE' || previous === 'FAILURE'),
  ALWAYS: () => true,
} as const satisfies Record<string, (r: Result, previous: Result | undefined) => boolean>;
export type Condition = keyof typeof CONDITIONS;

/** Where a triggered build's parameters come from (the plugin's AbstractBuildParameters). */
export type ParameterSource =
  /** `PredefinedBuildParameters`: Java properties text, the build's variables expanded first. */
  | { kind: 'predefined'; properties: string }
  /** `CurrentBuildParameters`: this build's own parameters. */
  | { kind: 'current' }
  /** `BooleanParameters`: named booleans. */
  | { kind: 'boolean'; values: readonly { name: string; value: string }[] }
  /** A source Steward does not run (a properties file, a node, a Git revision...): its trigger does not run either. */
  | { kind: 'unsupported'; description: string };

/** What a blocking trigger makes of the triggered builds' results (the plugin's BlockingBehaviour). */
export interface Blocking {
  /** At or worse than this, the step fails. */
  readonly buildStepFailureThreshold: Result | undefined;
  /** At or worse than this, the build is UNSTABLE. */
  readonly unstableThreshold: Result | undefined;
  /** At or worse than this, the build is FAILURE. */
  readonly failureThreshold: Result | undefined;
}

/** One `BuildTriggerConfig` (or `BlockableBuildTriggerConfig` of the builder). */
export interface TriggerConfig {
  readonly projects: readonly string[];
  readonly condition: Condition;
  readonly sources: readonly ParameterSource[];
  /** Parameter factories (`<configFactories>`): none is run, so a trigger with one does not run. */
  readonly factories: readonly string[];
  readonly triggerWithNoParameters: boolean;
  /** The builder's `<block>`: wait for the builds and take their results. Absent: do not wait. */
  readonly block: Blocking | undefined;
}

function describeElement(el: XmlElementHandle): string {
  const plugin = el.attribute('plugin');
  return plugin === undefined ? el.name : `${el.name} (plugin ${plugin})`;
}

function readSource(el: XmlElementHandle): ParameterSource {
  switch (el.name) {
    case `${PREFIX}PredefinedBuildParameters`:
      return { kind: 'predefined', properties: el.childText('properties') ?? '' };
    case `${PREFIX}CurrentBuildParameters`:
      return { kind: 'current' };
    case `${PREFIX}BooleanParameters`:
      return {
        kind: 'boolean',
        values: (el.child('configs')?.children() ?? []).flatMap((c) => {
          const name = c.childText('name')?.trim();
          return name === undefined || name === '' ? [] : [{ name, value: String(readBoolean(c, 'value', false)) }];
        }),
      };
    default:
      return { kind: 'unsupported', description: describeElement(el) };
  }
}

function readBlocking(el: XmlElementHandle | undefined): Blocking | undefined {
  if (el === undefined) return undefined;
  // A threshold left out ("never") is absent; readResult's fallback is never used then.
  const threshold = (name: string): Result | undefined => {
    const t = el.child(name);
    return t === undefined ? undefined : readResult(t, 'FAILURE');
  };
  return {
    buildStepFailureThreshold: threshold('buildStepFailureThreshold'),
    unstableThreshold: threshold('unstableThreshold'),
    failureThreshold: threshold('failureThreshold'),
  };
}

export function readTriggerConfig(el: XmlElementHandle): TriggerConfig {
  const text = el.childText('condition')?.trim() ?? 'ALWAYS';
  if (!Object.hasOwn(CONDITIONS, text)) {
    throw configInvalid(el.child('condition') ?? el, `${el.path}/condition`, `expected one of ${Object.keys(CONDITIONS).join(', ')}, got ${JSON.stringify(text)}`);
  }
  return {
    projects: readProjectList(el.childText('projects')),
    condition: text as Condition,
    sources: (el.child('configs')?.children() ?? []).map(readSource),
    factories: (el.child('configFactories')?.children() ?? []).map(describeElement),
    triggerWithNoParameters: readBoolean(el, 'triggerWithNoParameters', false),
    block: readBlocking(el.child('block')),
  };
}

/** The trigger configs of a parameterized BuildTrigger or TriggerBuilder. */
export function parseTriggerConfigs(el: XmlElementHandle): TriggerConfig[] {
  return (el.child('configs')?.children() ?? []).map(readTriggerConfig);
}

/** Renames job `from` to `to` in the `projects` of every trigger config; whether it changed any. */
export function renameInTriggerConfigs(el: XmlElementHandle, from: string, to: string): boolean {
  let changed = false;
  for (const config of el.child('configs')?.children() ?? []) {
    if (renameInProjectList(config, 'projects', from, to)) changed = true;
  }
  return changed;
}
