import assert from 'node:assert/strict';
import { describe, mock, test } from 'node:test';
import { ExtensionRegistry } from '../../extensions/index.js';
import { BUILD_WRAPPER, parseFreestyleConfig, type BuildContext, type Result } from '../../jobs/index.js';
import { plugin } from './index.js';

function wrapperOf(xml: string) {
  const registry = new ExtensionRegistry();
  plugin.register(registry);
  const { config } = parseFreestyleConfig(`<project><buildWrappers>${xml}</buildWrappers></project>`, 'jobs/w/config.xml');
  const step = config.buildWrappers[0];
  assert.ok(step);
  return registry.get(BUILD_WRAPPER, step.type).create(step, 'jobs/w/config.xml');
}

function fakeContext(env: Record<string, string> = {}) {
  const interrupts: { result: Result; reason: string }[] = [];
  const ctx = {
    env,
    interrupt: (result: Result, reason: string) => interrupts.push({ result, reason }),
  } as unknown as BuildContext;
  return { ctx, interrupts };
}

describe('build timeout wrapper', () => {
  test('the build timeout aborts the build when its minutes have passed, and not after tear-down', async () => {
    mock.timers.enable({ apis: ['setTimeout'] });
    try {
      const wrapper = wrapperOf(`
        <hudson.plugins.build__timeout.BuildTimeoutWrapper plugin="build-timeout@1.32">
          <strategy class="hudson.plugins.build_timeout.impl.AbsoluteTimeOutStrategy"><timeoutMinutes>3</timeoutMinutes></strategy>
          <operationList/>
        </hudson.plugins.build__timeout.BuildTimeoutWrapper>`);
      const { ctx, interrupts } = fakeContext();
      const first = await wrapper.setUp(ctx);
      mock.timers.tick(3 * 60_000 - 1);
      assert.deepEqual(interrupts, []);
      mock.timers.tick(1);
      assert.deepEqual(interrupts, [{ result: 'ABORTED', reason: 'Build timed out (after 3 minutes). Marking the build as aborted.' }]);
      await first.tearDown?.();

      const second = fakeContext();
      const { tearDown } = await wrapper.setUp(second.ctx);
      await tearDown?.();
      mock.timers.tick(10 * 60_000);
      assert.deepEqual(second.interrupts, [], 'a build that ended in time is not interrupted');
    } finally {
      mock.timers.reset();
    }
  });

  test('the fail operation marks a timed-out build as failed', async () => {
    mock.timers.enable({ apis: ['setTimeout'] });
    try {
      const wrapper = wrapperOf(`
        <hudson.plugins.build__timeout.BuildTimeoutWrapper>
          <strategy class="hudson.plugins.build_timeout.impl.AbsoluteTimeOutStrategy"><timeoutMinutes>1</timeoutMinutes></strategy>
          <operationList><hudson.plugins.build__timeout.operations.FailOperation/></operationList>
        </hudson.plugins.build__timeout.BuildTimeoutWrapper>`);
      const { ctx, interrupts } = fakeContext();
      await wrapper.setUp(ctx);
      mock.timers.tick(60_000);
      assert.equal(interrupts[0]?.result, 'FAILURE');
    } finally {
      mock.timers.reset();
    }
  });

  test('a timeout strategy Steward does not run loads, and the build runs without it, saying so', async () => {
    const wrapper = wrapperOf(`
        <hudson.plugins.build__timeout.BuildTimeoutWrapper plugin="build-timeout@1.32">
          <strategy class="hudson.plugins.build_timeout.impl.NoActivityTimeOutStrategy"><timeoutSecondsString>60</timeoutSecondsString></strategy>
        </hudson.plugins.build__timeout.BuildTimeoutWrapper>`);
    const lines: string[] = [];
    const { ctx, interrupts } = fakeContext();
    const setUp = await wrapper.setUp({ ...ctx, log: (text: string) => lines.push(text) } as BuildContext);
    assert.deepEqual(setUp, {});
    assert.deepEqual(lines, [
      'WARNING: build wrapper hudson.plugins.build__timeout.BuildTimeoutWrapper (plugin build-timeout@1.32) with hudson.plugins.build_timeout.impl.NoActivityTimeOutStrategy is not supported by this controller; the build runs without it',
    ]);
    assert.deepEqual(interrupts, []);
  });
});
