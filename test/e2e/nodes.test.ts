import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { XML_LIMITS } from '../../src/xml/index.js';
import { stewardCli } from '../support/agent-process.js';
import { postExpectingContinue } from '../support/expect-continue.js';
import { StewardProcess, basic, createApiToken, freestyleXml, projectMatrixConfig, tempDir } from '../support/steward-process.js';

type Obj = Record<string, unknown>;


/** The form python-jenkins' create_node posts to /computer/doCreateItem. */
function createForm(name: string, fields: Obj = {}): URLSearchParams {
  const json = {
    nodeDescription: null,
    numExecutors: 2,
    remoteFS: '/var/lib/agent',
    labelString: 'linux',
    mode: 'NORMAL',
    retentionStrategy: { 'stapler-class': 'hudson.slaves.RetentionStrategy$Always' },
    nodeProperties: { 'stapler-class-bag': 'true' },
    launcher: { 'stapler-class': 'hudson.slaves.JNLPLauncher' },
    ...fields,
  };
  return new URLSearchParams({ name, type: 'hudson.slaves.DumbSlave$DescriptorImpl', json: JSON.stringify(json) });
}

const GOOD_AGENT = `<?xml version='1.1' encoding='UTF-8'?>
<slave>
  <name>from-home</name>
  <description>put in the home by hand</description>
  <remoteFS>/srv/a</remoteFS>
  <numExecutors>1</numExecutors>
  <mode>NORMAL</mode>
  <retentionStrategy class="hudson.slaves.RetentionStrategy$Always"/>
  <launcher class="hudson.slaves.JNLPLauncher"/>
  <label>old</label>
  <nodeProperties/>
  <somePlugin.NodeThing plugin="some@1.0"><kept>yes</kept></somePlugin.NodeThing>
</slave>
`;

describe('agent nodes over HTTP, with the CLI, across a restart', () => {
  let home: Awaited<ReturnType<typeof tempDir>>;
  let s: StewardProcess;
  before(async () => {
    home = await tempDir();
    mkdirSync(path.join(home.dir, 'nodes', 'from-home'), { recursive: true });
    writeFileSync(path.join(home.dir, 'nodes', 'from-home', 'config.xml'), GOOD_AGENT);
    mkdirSync(path.join(home.dir, 'nodes', 'bad'), { recursive: true });
    writeFileSync(path.join(home.dir, 'nodes', 'bad', 'config.xml'), GOOD_AGENT.replace('<name>from-home</name>', '<name>bad</name>').replace('<numExecutors>1</numExecutors>', '<numExecutors>lots</numExecutors>'));
    s = await StewardProcess.start(home.dir);
  });
  after(async () => {
    await s.stop();
    await home[Symbol.asyncDispose]();
  });

  test('a bad node file is reported at start naming file, line and field, and the controller starts with the others', async () => {
    const line = s.lines.find((l) => l.node === 'bad' && l.level === 50) as { msg: string; err: { file: string; line: number; field: string } } | undefined;
    assert.ok(line, 'the bad node is reported');
    assert.equal(line.msg, 'node bad is not loaded: nodes/bad/config.xml:6:3: numExecutors: expected a whole number, got "lots"');
    assert.deepEqual([line.err.file, line.err.line, line.err.field], ['nodes/bad/config.xml', 6, 'numExecutors']);
    const list = await s.json<{ computer: Obj[] }>('computer/api/json');
    assert.deepEqual(list.computer.map((c) => c.displayName), ['Built-In Node', 'from-home']);
  });

  test('a node is created from the form, listed after the built-in node, and offline until its agent connects', async () => {
    const res = await s.fetch('computer/doCreateItem', { method: 'POST', body: createForm('linux-1', { nodeDescription: 'rack B', numExecutors: '3' }) });
    assert.equal(res.status, 302, await res.text());
    assert.equal(res.headers.get('location'), `${s.url}computer/`);
    assert.equal((await s.fetch('computer/')).status, 200, 'the node list page the client is sent to');
    const again = await s.fetch('computer/doCreateItem', { method: 'POST', body: createForm('linux-1') });
    assert.equal(again.status, 400);
    assert.equal(((await again.json()) as { error: { message: string } }).error.message, 'Agent called ‘linux-1’ already exists');

    const list = await s.json<{ busyExecutors: number; totalExecutors: number; computer: Obj[] }>('computer/api/json');
    assert.deepEqual(list.computer.map((c) => [c._class, c.displayName, c.offline]), [
      ['hudson.model.Hudson$MasterComputer', 'Built-In Node', false],
      ['hudson.slaves.SlaveComputer', 'from-home', true],
      ['hudson.slaves.SlaveComputer', 'linux-1', true],
    ]);
    assert.equal(list.totalExecutors, 2, 'only online computers count, as in Jenkins');
    const node = await s.json<Obj>('computer/linux-1/api/json');
    assert.equal(node.description, 'rack B');
    assert.equal(node.numExecutors, 3);
    assert.equal((node.executors as Obj[]).length, 3);
    assert.equal(node.offlineCauseReason, 'the agent has not connected');
    assert.equal(node.temporarilyOffline, false);
    assert.equal(node.jnlpAgent, true);
    assert.deepEqual((node.assignedLabels as Obj[]).map((l) => l.name).sort(), ['linux', 'linux-1']);

    const xml = await (await s.fetch('computer/linux-1/config.xml')).text();
    assert.match(xml, /^<\?xml version='1\.1' encoding='UTF-8'\?>\n<slave>\n {2}<name>linux-1<\/name>\n {2}<description>rack B<\/description>/);
    assert.equal(xml, await readFile(path.join(home.dir, 'nodes', 'linux-1', 'config.xml'), 'utf8'));
  });

  test("a node's config.xml is replaced as posted, unknown elements kept, and a bad one is refused with where", async () => {
    const before = await (await s.fetch('computer/from-home/config.xml')).text();
    assert.equal(before, GOOD_AGENT);
    const changed = before.replace('<numExecutors>1</numExecutors>', '<numExecutors>4</numExecutors>').replace('<label>old</label>', '<label>new docker</label>');
    const res = await s.fetch('computer/from-home/config.xml', { method: 'POST', headers: { 'content-type': 'application/xml' }, body: changed });
    assert.equal(res.status, 200, await res.text());
    assert.equal(await readFile(path.join(home.dir, 'nodes', 'from-home', 'config.xml'), 'utf8'), changed);
    const node = await s.json<{ numExecutors: number; assignedLabels: { name: string }[] }>('computer/from-home/api/json');
    assert.equal(node.numExecutors, 4);
    assert.deepEqual(node.assignedLabels.map((l) => l.name).sort(), ['docker', 'from-home', 'new']);

    const bad = await s.fetch('computer/from-home/config.xml', { method: 'POST', headers: { 'content-type': 'application/xml' }, body: changed.replace('<mode>NORMAL</mode>', '<mode>OFTEN</mode>') });
    assert.equal(bad.status, 400);
    const e = ((await bad.json()) as { error: Obj }).error;
    assert.deepEqual([e.code, e.file, e.line, e.field], ['STW_CONFIG_INVALID', 'nodes/from-home/config.xml', 7, 'mode']);
    const renamed = await s.fetch('computer/from-home/config.xml', { method: 'POST', headers: { 'content-type': 'application/xml' }, body: changed.replace('<name>from-home</name>', '<name>other</name>') });
    assert.equal(renamed.status, 400);
    const malformed = await s.fetch('computer/from-home/config.xml', { method: 'POST', headers: { 'content-type': 'application/xml' }, body: '<slave><name>from-home' });
    assert.equal(malformed.status, 400);
    assert.equal(((await malformed.json()) as { error: Obj }).error.code, 'STW_XML_MALFORMED');
    const huge = await s.fetch('computer/from-home/config.xml', { method: 'POST', headers: { 'content-type': 'application/xml' }, body: `<slave>${'x'.repeat(XML_LIMITS.maxBytes)}</slave>` });
    assert.equal(huge.status, 413);
    assert.match(((await huge.json()) as { error: { message: string } }).error.message, /at most 4 MiB/);
    assert.equal(await readFile(path.join(home.dir, 'nodes', 'from-home', 'config.xml'), 'utf8'), changed, 'nothing refused was written');
    assert.equal((await s.fetch('computer/(built-in)/config.xml')).status, 400, 'the built-in node has no config.xml, as in Jenkins');
    assert.equal((await s.fetch('computer/nope/config.xml')).status, 404);
  });

  test("the agent's JNLP file holds its secret and name as its first arguments", async () => {
    const res = await s.fetch('computer/linux-1/jenkins-agent.jnlp');
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/x-java-jnlp-file');
    assert.equal(res.headers.get('cache-control'), 'no-store');
    const jnlp = await res.text();
    const args = [...jnlp.matchAll(/<argument>([^<]*)<\/argument>/g)].map((m) => m[1]);
    assert.match(args[0] ?? '', /^[0-9a-f]{64}$/);
    assert.deepEqual(args.slice(1), ['linux-1', '-workDir', '/var/lib/agent', '-internalDir', 'remoting', '-url', s.url]);
    // The one-line shape the scripts that cut the secret out with sed rely on.
    assert.match(jnlp, /<application-desc main-class="hudson\.remoting\.jnlp\.Main"><argument>[0-9a-f]{64}<\/argument>/);
    assert.equal((await s.fetch('computer/linux-1/slave-agent.jnlp').then((r) => r.text())), jnlp);
    assert.equal((await s.fetch('computer/(built-in)/jenkins-agent.jnlp')).status, 404);
    const cli = await stewardCli(s, ['node', 'secret', 'linux-1']);
    assert.equal(cli.code, 0, cli.stderr);
    assert.equal(cli.stdout, `${args[0]}\n`);
    const logged = s.lines.map((l) => JSON.stringify(l)).join('\n') + s.stderr.join('\n');
    assert.ok(!logged.includes(args[0] ?? '-'), 'the secret is in no log line');
    assert.ok(s.lines.some((l) => l.msg === 'gave admin the agent file of node linux-1, with its secret'));
  });

  test('a node taken offline with a message says so and why, and comes back waiting for its agent', async () => {
    const off = await s.fetch(`computer/linux-1/toggleOffline?offlineMessage=${encodeURIComponent('disk full')}`, { method: 'POST' });
    assert.equal(off.status, 302);
    assert.equal(off.headers.get('location'), `${s.url}computer/linux-1/`);
    assert.equal((await s.fetch('computer/linux-1/')).status, 200);
    const node = await s.json<Obj>('computer/linux-1/api/json');
    assert.deepEqual([node.offline, node.temporarilyOffline, node.offlineCauseReason, (node.offlineCause as Obj)._class], [true, true, 'disk full', 'hudson.slaves.OfflineCause$UserCause']);
    assert.equal((await s.fetch('computer/linux-1/toggleOffline', { method: 'POST' })).status, 302);
    const back = await s.json<Obj>('computer/linux-1/api/json');
    assert.deepEqual([back.offline, back.temporarilyOffline], [true, false]);

    // The built-in node too: a build waits while it is offline and runs once it is back.
    assert.equal((await s.fetch('computer/(built-in)/toggleOffline?offlineMessage=maintenance', { method: 'POST' })).status, 302);
    await s.createJob('waits', freestyleXml({ command: 'echo ran' }));
    const queued = await s.queueBuild('waits');
    await new Promise((r) => setTimeout(r, 300));
    const item = await s.json<{ executable?: unknown; why: string | null }>(`queue/item/${queued}/api/json`);
    assert.equal(item.executable ?? null, null, 'nothing runs on an offline node');
    assert.equal((await s.fetch('computer/(built-in)/toggleOffline', { method: 'POST' })).status, 302);
    assert.equal(await s.waitForResult('waits', await s.buildNumberOf(queued)), 'SUCCESS');
  });

  test('steward node create, list and delete', async () => {
    const created = await stewardCli(s, ['node', 'create', 'cli-node', '--labels', 'arm64 big', '--executors', '2', '--remote-fs', '/home/agent', '--mode', 'exclusive']);
    assert.equal(created.code, 0, created.stderr);
    const node = await s.json<Obj>('computer/cli-node/api/json');
    assert.equal(node.numExecutors, 2);
    assert.match(await readFile(path.join(home.dir, 'nodes', 'cli-node', 'config.xml'), 'utf8'), /<mode>EXCLUSIVE<\/mode>[\s\S]*<label>arm64 big<\/label>/);
    const list = await stewardCli(s, ['node', 'list']);
    assert.equal(list.code, 0, list.stderr);
    const [builtIn, ...agents] = list.stdout.trim().split('\n');
    assert.match(builtIn ?? '', /^built-in\tonline\t2\t/);
    assert.deepEqual(agents, [
      'cli-node\toffline (the agent has not connected)\t2\tarm64 big',
      'from-home\toffline (the agent has not connected)\t4\tnew docker',
      'linux-1\toffline (the agent is not connected)\t3\tlinux',
    ]);
    const bad = await stewardCli(s, ['node', 'create', 'a/b']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /'\/' is an unsafe character in the node name "a\/b"/);
    const deleted = await stewardCli(s, ['node', 'delete', 'cli-node']);
    assert.equal(deleted.code, 0, deleted.stderr);
    await assert.rejects(stat(path.join(home.dir, 'nodes', 'cli-node')), { code: 'ENOENT' });
    assert.equal((await s.fetch('computer/cli-node/api/json')).status, 404);
    const missing = await stewardCli(s, ['node', 'secret', 'cli-node']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /404 no agent named "cli-node"/);
    assert.equal((await s.fetch('computer/(built-in)/doDelete', { method: 'POST' })).status, 400, 'the built-in node cannot be deleted');
  });

  test('malformed node forms are refused with 400 and name the field', async () => {
    const refused = async (body: URLSearchParams, field: string) => {
      const res = await s.fetch('computer/doCreateItem', { method: 'POST', body });
      assert.equal(res.status, 400, field);
      assert.equal(((await res.json()) as { error: { field?: string } }).error.field, field);
    };
    await refused(new URLSearchParams({ type: 'hudson.slaves.DumbSlave', json: '{}' }), 'name');
    await refused(new URLSearchParams({ name: 'x', type: 'hudson.slaves.OtherSlave', json: '{}' }), 'type');
    await refused(new URLSearchParams({ name: 'x', type: 'hudson.slaves.DumbSlave' }), 'json');
    await refused(new URLSearchParams({ name: 'x', type: 'hudson.slaves.DumbSlave', json: '[1' }), 'json');
    await refused(createForm('x', { launcher: { 'stapler-class': 'hudson.slaves.CommandLauncher' } }), 'launcher');
    await refused(createForm('x', { numExecutors: -1 }), 'numExecutors');
    const big = await postExpectingContinue(new URL('computer/doCreateItem', s.url), { authorization: s.authorization ?? '', 'content-type': 'application/x-www-form-urlencoded' }, createForm('x', { nodeDescription: 'd'.repeat(300 * 1024) }).toString());
    assert.equal(big.status, 413);
    assert.match(big.body, /larger than the limit of 256 KiB/);
    await assert.rejects(stat(path.join(home.dir, 'nodes', 'x')), { code: 'ENOENT' });
  });

  test('after a restart the nodes are there with their settings', async () => {
    await s.stop();
    s = await StewardProcess.start(home.dir);
    const list = await s.json<{ computer: { displayName: string; numExecutors: number; offline: boolean }[] }>('computer/api/json');
    assert.deepEqual(list.computer.map((c) => [c.displayName, c.numExecutors, c.offline]), [
      ['Built-In Node', 2, false],
      ['from-home', 4, true],
      ['linux-1', 3, true],
    ]);
    assert.match(await (await s.fetch('computer/from-home/config.xml')).text(), /<somePlugin\.NodeThing plugin="some@1\.0"><kept>yes<\/kept><\/somePlugin\.NodeThing>/);
  });
});

describe("who may see and change agents' nodes", () => {
  let home: Awaited<ReturnType<typeof tempDir>>;
  let s: StewardProcess;
  const users: Record<string, string> = {};
  const as = (user: string, p: string, init: RequestInit = {}) => s.fetch(p, { ...init, headers: { ...(init.headers as Record<string, string>), authorization: users[user] ?? '' } });
  before(async () => {
    home = await tempDir();
    writeFileSync(
      path.join(home.dir, 'config.xml'),
      projectMatrixConfig(['USER:hudson.model.Computer.Connect:connector', 'USER:hudson.model.Computer.Create:maker', 'USER:hudson.model.Computer.Configure:maker']),
    );
    s = await StewardProcess.start(home.dir);
    for (const user of ['reader', 'connector', 'maker']) {
      const res = await s.fetch('securityRealm/createAccountByAdmin', { method: 'POST', body: new URLSearchParams({ username: user, password1: `${user}-password-1`, password2: `${user}-password-1` }) });
      assert.equal(res.status, 302, await res.text());
      users[user] = basic(user, await createApiToken(s.url, user, `${user}-password-1`));
    }
    assert.equal((await s.fetch('computer/doCreateItem', { method: 'POST', body: createForm('guarded') })).status, 302);
  });
  after(async () => {
    await s.stop();
    await home[Symbol.asyncDispose]();
  });

  test('the JNLP file and its secret: Agent/Connect only; anonymous gets nothing', async () => {
    const reader = await as('reader', 'computer/guarded/jenkins-agent.jnlp');
    assert.equal(reader.status, 403);
    const body = await reader.text();
    assert.match(body, /reader is missing the Agent\/Connect permission/);
    assert.doesNotMatch(body, /[0-9a-f]{64}/);
    const anonymous = await s.fetchAnonymous('computer/guarded/jenkins-agent.jnlp');
    assert.equal(anonymous.status, 401);
    assert.doesNotMatch(await anonymous.text(), /[0-9a-f]{64}/);
    const connector = await as('connector', 'computer/guarded/jenkins-agent.jnlp');
    assert.equal(connector.status, 200);
    assert.match(await connector.text(), /<argument>[0-9a-f]{64}<\/argument><argument>guarded<\/argument>/);
  });

  test('creating, configuring, taking offline and deleting need their Agent permissions', async () => {
    assert.equal((await as('reader', 'computer/api/json')).status, 200, 'any reader sees the list');
    assert.equal((await as('reader', 'computer/doCreateItem', { method: 'POST', body: createForm('r') })).status, 403);
    assert.equal((await as('maker', 'computer/doCreateItem', { method: 'POST', body: createForm('m') })).status, 302);
    assert.equal((await as('reader', 'computer/m/config.xml')).status, 403);
    assert.equal((await as('maker', 'computer/m/config.xml')).status, 200, 'Agent/Configure implies Agent/ExtendedRead');
    assert.equal((await as('maker', 'computer/m/doDelete', { method: 'POST' })).status, 403, 'Agent/Delete is not granted');
    assert.equal((await as('connector', 'computer/m/toggleOffline', { method: 'POST' })).status, 403, 'taking offline needs Agent/Disconnect');
    assert.equal((await s.fetch('computer/m/toggleOffline', { method: 'POST' })).status, 302);
    assert.equal((await as('connector', 'computer/m/toggleOffline', { method: 'POST' })).status, 302, 'bringing back needs Agent/Connect');
    assert.equal((await s.fetchAnonymous('computer/m/doDelete', { method: 'POST' })).status, 401);
    assert.equal((await s.fetch('computer/m/doDelete', { method: 'POST' })).status, 302);
  });
});
