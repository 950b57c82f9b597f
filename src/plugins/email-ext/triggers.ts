import type { Result } from '../../jobs/index.js';

/** What a trigger looks at: this build's result and the results before it. */
export interface TriggerFacts {
  readonly result: Result;
  /** The result of the build just before (getPreviousBuild), if any. */
  readonly previous: Result | undefined;
  /** The result of the newest earlier build that was not ABORTED or NOT_BUILT. */
  readonly previousCompleted: Result | undefined;
}

export interface TriggerKind {
  /** Its name in the build's log ("Email was triggered for: Failure - Any"). */
  readonly name: string;
  /** Triggers it stands in for when both fire, so that one mail goes out. */
  readonly replaces: readonly string[];
  fires(f: TriggerFacts): boolean;
}

const P = 'hudson.plugins.emailext.plugins.trigger.';

/** The triggers Steward evaluates, by element name, with email-ext's names and rules. */
export const TRIGGERS: ReadonlyMap<string, TriggerKind> = new Map<string, TriggerKind>([
  [`${P}FailureTrigger`, { name: 'Failure - Any', replaces: [], fires: (f) => f.result === 'FAILURE' }],
  [`${P}StillFailingTrigger`, { name: 'Failure - Still', replaces: ['Failure - Any'], fires: (f) => f.result === 'FAILURE' && f.previous === 'FAILURE' }],
  [`${P}FixedTrigger`, { name: 'Fixed', replaces: ['Success'], fires: (f) => f.result === 'SUCCESS' && (f.previousCompleted === 'FAILURE' || f.previousCompleted === 'UNSTABLE') }],
  [`${P}AlwaysTrigger`, { name: 'Always', replaces: [], fires: () => true }],
  [`${P}SuccessTrigger`, { name: 'Success', replaces: [], fires: (f) => f.result === 'SUCCESS' }],
  [`${P}UnstableTrigger`, { name: 'Unstable (Test Failures)', replaces: [], fires: (f) => f.result === 'UNSTABLE' }],
]);

/** email-ext's $BUILD_STATUS words for a build's result, after the one before it. */
export function buildStatus(f: TriggerFacts): string {
  switch (f.result) {
    case 'FAILURE':
      return f.previous === 'FAILURE' ? 'Still Failing' : 'Failure';
    case 'UNSTABLE':
      return f.previous === 'UNSTABLE' ? 'Still Unstable' : 'Unstable';
    case 'SUCCESS':
      return f.previous === 'FAILURE' || f.previous === 'UNSTABLE' ? 'Fixed' : 'Successful';
    case 'NOT_BUILT':
      return 'Not Built';
    case 'ABORTED':
      return 'Aborted';
  }
}
