import type { XmlElementHandle } from '../../xml/index.js';

/** The element a job's `<triggers>` holds for "Poll SCM" (core Jenkins). */
export const SCM_TRIGGER = 'hudson.triggers.SCMTrigger';

/** `hudson.triggers.SCMTrigger`, as written. */
export interface ScmTriggerStep {
  /** Jenkins cron text: may hold several lines, `#` comments and `H`; empty polls only on push notifications. */
  readonly spec: string;
  /** "Ignore post-commit hooks": push notifications do not poll the job. */
  readonly ignorePostCommitHooks: boolean;
}

export function parseScmTrigger(el: XmlElementHandle): ScmTriggerStep {
  return { spec: el.childText('spec') ?? '', ignorePostCommitHooks: (el.childText('ignorePostCommitHooks') ?? '').trim() === 'true' };
}
