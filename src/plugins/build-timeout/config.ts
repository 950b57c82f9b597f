import { configInvalid, readBoolean, readInteger, type XmlElementHandle } from '../../xml/index.js';

/** The element a job's `<buildWrappers>` holds for "Abort the build if it is stuck". */
export const BUILD_TIMEOUT_WRAPPER = 'hudson.plugins.build__timeout.BuildTimeoutWrapper';

/** `hudson.plugins.build__timeout.BuildTimeoutWrapper` with an absolute timeout. */
export interface BuildTimeout {
  readonly timeoutMinutes: number;
  /** On timeout, mark the build FAILURE. */
  readonly failBuild: boolean;
  /** On timeout, abort the build (ABORTED); what the plugin does when no operation is set. */
  readonly abortBuild: boolean;
}

const ABSOLUTE = 'hudson.plugins.build_timeout.impl.AbsoluteTimeOutStrategy';
const FAIL_OPERATION = 'hudson.plugins.build__timeout.operations.FailOperation';
const ABORT_OPERATION = 'hudson.plugins.build__timeout.operations.AbortOperation';

/**
 * Reads the current form (`<strategy class="...AbsoluteTimeOutStrategy">` and `<operationList>`)
 * and the pre-1.12 form (`<timeoutMinutes>`, `<failBuild>`, `<timeoutType>` in the wrapper).
 * Returns undefined for strategies Steward does not implement (no activity, elastic, likely
 * stuck, deadline); the caller decides whether that refuses the job.
 */
export function parseBuildTimeoutWrapper(el: XmlElementHandle): BuildTimeout | undefined {
  const strategy = el.child('strategy');
  if (strategy === undefined) {
    const type = el.childText('timeoutType')?.trim() ?? 'absolute';
    if (type !== 'absolute') return undefined;
    const failBuild = readBoolean(el, 'failBuild', false);
    return { timeoutMinutes: readMinutes(el), failBuild, abortBuild: !failBuild };
  }
  if (strategy.attribute('class') !== ABSOLUTE) return undefined;
  const operations = el.child('operationList')?.children().map((op) => op.name) ?? [];
  const failBuild = operations.includes(FAIL_OPERATION);
  const abortBuild = operations.includes(ABORT_OPERATION) || !failBuild;
  return { timeoutMinutes: readMinutes(strategy), failBuild, abortBuild };
}

function readMinutes(el: XmlElementHandle): number {
  const minutes = readInteger(el, 'timeoutMinutes', 1);
  if (minutes === undefined) throw configInvalid(el, el.childPath('timeoutMinutes'), 'is missing');
  return minutes;
}
