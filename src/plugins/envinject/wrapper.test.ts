import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ExtensionRegistry } from '../../extensions/index.js';
import { BUILD_WRAPPER, parseFreestyleConfig, type BuildContext } from '../../jobs/index.js';
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
  return { ctx: { env } as unknown as BuildContext };
}

describe('EnvInject wrapper', () => {
  test('EnvInject adds its properties to the environment, expanding references', async () => {
    const wrapper = wrapperOf(`
      <EnvInjectBuildWrapper plugin="envinject@2.4.0">
        <info>
          <propertiesContent>GREETING=hello
# a comment
TARGET=\${WORKSPACE}/out
BOTH=$GREETING-$TARGET</propertiesContent>
          <secureGroovyScript plugin="script-security@1.78"><script></script><sandbox>false</sandbox></secureGroovyScript>
          <loadFilesFromMaster>false</loadFilesFromMaster>
        </info>
      </EnvInjectBuildWrapper>`);
    const { env } = await wrapper.setUp(fakeContext({ WORKSPACE: '/w' }).ctx);
    assert.deepEqual(env, { GREETING: 'hello', TARGET: '/w/out', BOTH: 'hello-/w/out' });
  });
});
