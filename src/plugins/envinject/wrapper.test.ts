import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ExtensionRegistry } from '../../extensions/index.js';
import { BUILD_WRAPPER, parseFreestyleConfig, type BuildContext } from '../../jobs/index.js';
import { plugin } from './index.js';
import { freestyleXml } from '../../../test/support/steward-process.js';

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

describe('EnvInject wrapper in a build', () => {
  // As EnvInject 2.x writes its wrapper (the test above), with the script and properties file of
  // its `info`: scriptFilePath, scriptContent and propertiesFilePath.
  const job = (info: string) =>
    freestyleXml({
      command: 'echo "from-file=$FROM_FILE both=$BOTH"',
      wrappers: `
    <EnvInjectBuildWrapper plugin="envinject@2.4.0">
      <info>
${info}
        <loadFilesFromMaster>false</loadFilesFromMaster>
      </info>
    </EnvInjectBuildWrapper>`,
    });

  test('its script runs first, then the properties file and the properties content join the environment, the content winning', async () => {
    const { openHome, runOneBuild } = await import('../../../test/jobs/home.js');
    const { tempDir } = await import('../../../test/support/steward-process.js');
    await using dir = await tempDir();
    await using h = await openHome(dir.dir);
    await h.jobs.create('inject', job(`        <scriptContent>printf 'FROM_FILE=made by the script\\nBOTH=from the file\\n' &gt; env.properties</scriptContent>
        <propertiesFilePath>env.properties</propertiesFilePath>
        <propertiesContent>BOTH=from the content</propertiesContent>`));
    const { result, log } = await runOneBuild(h.jobs, dir.dir, 'inject');
    assert.equal(result, 'SUCCESS', log);
    assert.match(log, /^\[EnvInject\] - Executing scripts\.$/m);
    assert.match(log, /^from-file=made by the script both=from the content$/m);
  });

  test('a script that fails fails the build before its builders, and a properties file outside the workspace is not read', async () => {
    const { openHome, runOneBuild } = await import('../../../test/jobs/home.js');
    const { tempDir } = await import('../../../test/support/steward-process.js');
    await using dir = await tempDir();
    await using h = await openHome(dir.dir);
    await h.jobs.create('broken', job('        <scriptContent>exit 3</scriptContent>'));
    const broken = await runOneBuild(h.jobs, dir.dir, 'broken');
    assert.equal(broken.result, 'FAILURE');
    assert.match(broken.log, /the script content exited with status 3/);
    assert.doesNotMatch(broken.log, /^from-file=/m);
    await h.jobs.create('outside', job('        <propertiesFilePath>/etc/passwd</propertiesFilePath>'));
    const outside = await runOneBuild(h.jobs, dir.dir, 'outside');
    assert.equal(outside.result, 'FAILURE');
    assert.match(outside.log, /the properties file \/etc\/passwd is outside the workspace, and is not read/);
  });
});
