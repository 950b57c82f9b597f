/**
 * "Publish JUnit test result report" (the junit plugin's `hudson.tasks.junit.JUnitResultArchiver`):
 * a publisher that records the workspace's JUnit XML reports in the build's junitResult.xml, and
 * the build's test report (`hudson.tasks.junit.TestResultAction`, /job/NAME/N/testReport/api/json).
 */
import type { BuiltInPlugin } from '../../extensions/index.js';
import { PUBLISHER, RUN_ACTION } from '../../jobs/index.js';
import { junitResultArchiver } from './publisher.js';
import { TestResultCache } from './result-cache.js';
import { testResultAction } from './test-result-action.js';

export { JUNIT_RESULT_ARCHIVER, parseJUnitResultArchiver, type JUnitResultArchiverStep, type StdioRetention } from './config.js';
export { TEST_RESULT_ACTION } from './test-result-action.js';

export const plugin: BuiltInPlugin = {
  name: 'junit',
  register(registry) {
    // One cache per registry, so per controller: the publisher fills it, the test report reads it.
    const cache = new TestResultCache();
    registry.register(PUBLISHER, junitResultArchiver(cache));
    registry.register(RUN_ACTION, testResultAction(cache));
  },
};
