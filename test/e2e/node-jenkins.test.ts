import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import Jenkins from 'jenkins';
import { adminPassword, eventually, freestyleXml, stringParam, useController } from '../support/steward-process.js';

type Obj = Record<string, unknown>;

/**
 * A real client: the `jenkins` npm package (1.x), with the user and password in the base URL, as
 * its README shows. It asks for a crumb before each POST, as it does against Jenkins.
 */
describe('the jenkins npm client against a real controller', () => {
  const ctl = useController();
  let jenkins: Jenkins;
  const client = async (): Promise<Jenkins> => {
    jenkins ??= new Jenkins({ baseUrl: `http://admin:${await adminPassword(ctl.home)}@127.0.0.1:${ctl.s.port}`, crumbIssuer: true });
    return jenkins;
  };

  test('jobs: create, read, reconfigure, copy, disable, enable, list, destroy', async () => {
    const j = await client();
    assert.equal(((await j.info()) as Obj)._class, 'hudson.model.Hudson');
    await j.job.create('nj-echo', freestyleXml({ command: 'echo "hi $WHO"', parameters: stringParam('WHO', 'there') }));
    assert.equal(await j.job.exists('nj-echo'), true);
    assert.equal(await j.job.exists('nj-nothing'), false);
    assert.equal(((await j.job.get('nj-echo')) as Obj).name, 'nj-echo');
    const xml = (await j.job.config('nj-echo')) as string;
    assert.match(xml, /echo "hi \$WHO"/);
    await j.job.config('nj-echo', xml.replace('hi $WHO', 'hello $WHO'));
    assert.match((await j.job.config('nj-echo')) as string, /hello \$WHO/);
    await j.job.copy('nj-echo', 'nj-copy');
    await j.job.disable('nj-copy');
    assert.equal(((await j.job.get('nj-copy')) as Obj).disabled, true);
    await j.job.enable('nj-copy');
    assert.deepEqual(((await j.job.list()) as Obj[]).map((x) => x.name), ['nj-copy', 'nj-echo']);
    await j.job.destroy('nj-copy');
    assert.equal(await j.job.exists('nj-copy'), false);
  });

  test('builds: build with parameters, follow the queue item, read the build and its log, stop one', async () => {
    const j = await client();
    const queueId = await j.job.build({ name: 'nj-echo', parameters: { WHO: 'node' } });
    assert.ok(Number.isInteger(queueId), `a queue id, not ${String(queueId)}`);
    const number = await eventually(async () => (((await j.queue.item(queueId)) as { executable?: { number: number } }).executable?.number), 'the build to start');
    const build = await eventually(async () => {
      const b = (await j.build.get('nj-echo', number)) as { building: boolean; result: string };
      return b.building ? undefined : b;
    }, 'the build to end');
    assert.equal(build.result, 'SUCCESS');
    assert.match(await j.build.log('nj-echo', number), /hello node/);

    await j.job.create('nj-long', freestyleXml({ command: 'sleep 60' }));
    const longId = await j.job.build({ name: 'nj-long' });
    const longNumber = await eventually(async () => (((await j.queue.item(longId)) as { executable?: { number: number } }).executable?.number), 'the long build to start');
    await j.build.stop('nj-long', longNumber);
    const stopped = await eventually(async () => {
      const b = (await j.build.get('nj-long', longNumber)) as { building: boolean; result: string };
      return b.building ? undefined : b;
    }, 'the long build to stop');
    assert.equal(stopped.result, 'ABORTED');
  });

  test('the queue: list and cancel an item', async () => {
    const j = await client();
    await j.job.create('nj-quiet', freestyleXml({ command: 'true', quietPeriod: 60 }));
    const id = await j.job.build({ name: 'nj-quiet' });
    assert.ok(((await j.queue.list()) as Obj[]).some((i) => i.id === id));
    await j.queue.cancel(id);
    assert.equal(((await j.queue.item(id)) as Obj).cancelled, true);
  });

  test('nodes, plugins, crumbs and system credentials', async () => {
    const j = await client();
    assert.deepEqual(((await j.node.list()) as Obj[]).map((n) => n.displayName), ['Built-In Node']);
    assert.equal(((await j.node.get('(built-in)')) as Obj).displayName, 'Built-In Node');
    assert.deepEqual(await j.plugin.list(), []);
    assert.equal(((await j.crumbIssuer.get()) as Obj).crumbRequestField, 'Jenkins-Crumb');
    const xml = '<org.jenkinsci.plugins.plaincredentials.impl.StringCredentialsImpl><id>nj-secret</id><secret>from-node</secret></org.jenkinsci.plugins.plaincredentials.impl.StringCredentialsImpl>';
    await j.credentials.create('manage', 'system', '_', xml);
    assert.equal(await j.credentials.exists('nj-secret', 'manage', 'system', '_'), true);
    const listed = JSON.stringify(await j.credentials.list('manage', 'system', '_'));
    assert.match(listed, /nj-secret/);
    assert.ok(!listed.includes('from-node'));
    await j.credentials.destroy('nj-secret', 'manage', 'system', '_');
    assert.equal(await j.credentials.exists('nj-secret', 'manage', 'system', '_'), false);
  });

  test('wrong credentials are an error the client reports', async () => {
    const bad = new Jenkins({ baseUrl: `http://admin:wrong@127.0.0.1:${ctl.s.port}` });
    await assert.rejects(bad.info(), (err: Error & { statusCode?: number }) => err.statusCode === 401);
  });
});
