import os from 'node:os';
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { isStewardError } from '../../src/errors/index.js';
import { agentConfigXml, parseAgentConfig, parseAgentForm } from '../../src/nodes/index.js';
import { serializeXml } from '../../src/xml/index.js';
import { tempDir } from '../support/steward-process.js';
import { openNodes } from './home.js';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
const fixture = (name: string) => readFile(path.join(FIXTURES, name), 'utf8');

async function putNode(home: string, name: string, xml: string): Promise<void> {
  await mkdir(path.join(home, 'nodes', name), { recursive: true });
  await writeFile(path.join(home, 'nodes', name, 'config.xml'), xml);
}

describe("an agent's config.xml", () => {
  test("Jenkins' inbound agent is read with its fields, and written back byte for byte", async () => {
    const xml = await fixture('inbound-agent.xml');
    const config = await parseAgentConfig(xml, 'nodes/linux-1/config.xml', 'linux-1');
    const n = config.node;
    assert.deepEqual(
      { name: n.name, description: n.description, remoteFS: n.remoteFS, numExecutors: n.numExecutors, mode: n.mode, launcher: n.launcher, ssh: n.ssh },
      { name: 'linux-1', description: 'Debian 12 & Docker, rack B', remoteFS: '/home/jenkins/agent', numExecutors: 4, mode: 'EXCLUSIVE', launcher: 'inbound', ssh: undefined },
    );
    assert.deepEqual([...n.labels].sort(), ['docker', 'linux', 'linux-1', 'x64']);
    assert.equal(serializeXml(config.document), xml);
  });

  test("Jenkins' SSH agent is read with host, port and credentials, and written back byte for byte", async () => {
    const xml = await fixture('ssh-agent.xml');
    const config = await parseAgentConfig(xml, 'nodes/build-ssh/config.xml', 'build-ssh');
    assert.equal(config.node.launcher, 'ssh');
    assert.deepEqual(config.node.ssh, {
      host: '10.0.4.17',
      port: 2222,
      credentialsId: '8d634b46-c867-4a6f-8018-406056dbd31b',
      hostKey: { kind: 'known-hosts', file: path.join(os.homedir(), '.ssh', 'known_hosts') },
      prefix: '',
      suffix: '',
      retryWaitMs: 15_000,
      launchTimeoutMs: 60_000,
    });
    assert.equal(config.node.mode, 'NORMAL');
    assert.deepEqual([...config.node.labels], ['build-ssh']);
    assert.equal(serializeXml(config.document), xml);
  });

  test("the SSH launcher's host key strategies, command prefix and suffix are read as the ssh-slaves plugin writes them", async () => {
    const xml = await fixture('ssh-agent.xml');
    const read = async (strategy: string, extra = '') => {
      const text = xml.replace(
        '<sshHostKeyVerificationStrategy class="hudson.plugins.sshslaves.verifiers.KnownHostsFileKeyVerificationStrategy"/>',
        `${strategy}${extra}`,
      );
      return (await parseAgentConfig(text, 'nodes/build-ssh/config.xml', 'build-ssh')).node.ssh;
    };
    const v = 'hudson.plugins.sshslaves.verifiers';
    const provided = `<sshHostKeyVerificationStrategy class="${v}.ManuallyProvidedKeyVerificationStrategy"><key><algorithm>ssh-ed25519</algorithm><key>AAAAC3Nza\n C1lZDI1</key></key></sshHostKeyVerificationStrategy>`;
    assert.deepEqual((await read(provided))?.hostKey, { kind: 'provided', algorithm: 'ssh-ed25519', key: 'AAAAC3NzaC1lZDI1' });
    assert.deepEqual((await read(`<sshHostKeyVerificationStrategy class="${v}.NonVerifyingKeyVerificationStrategy"/>`))?.hostKey, { kind: 'none' });
    assert.equal((await read(`<sshHostKeyVerificationStrategy class="${v}.ManuallyTrustedKeyVerificationStrategy"/>`))?.hostKey.kind, 'known-hosts');
    assert.equal((await read(''))?.hostKey.kind, 'known-hosts', 'no strategy: known_hosts, not trust');
    const cmd = await read('', '<prefixStartSlaveCmd>sudo -u ci</prefixStartSlaveCmd><suffixStartSlaveCmd> &gt;&gt; agent.log</suffixStartSlaveCmd>');
    assert.deepEqual([cmd?.prefix, cmd?.suffix], ['sudo -u ci', '>> agent.log']);
    await assert.rejects(
      read(`<sshHostKeyVerificationStrategy class="${v}.ManuallyProvidedKeyVerificationStrategy"><key><algorithm>ssh-ed25519</algorithm></key></sshHostKeyVerificationStrategy>`),
      (e: unknown) => isStewardError(e, 'STW_CONFIG_INVALID') && e.field === 'launcher/sshHostKeyVerificationStrategy/key' && e.line !== undefined,
    );
    await assert.rejects(
      read('<sshHostKeyVerificationStrategy class="com.example.TrustEverything"/>'),
      (e: unknown) => isStewardError(e, 'STW_CONFIG_INVALID') && /com\.example\.TrustEverything is not supported/.test(e.message),
    );
  });

  test('a node made from the form is written as Jenkins writes a permanent agent, and reads back the same', async () => {
    const spec = parseAgentForm(
      JSON.stringify({
        nodeDescription: null,
        numExecutors: 3,
        remoteFS: '/srv/agent',
        labelString: 'linux "big disk"',
        mode: 'NORMAL',
        retentionStrategy: { 'stapler-class': 'hudson.slaves.RetentionStrategy$Always' },
        nodeProperties: { 'stapler-class-bag': 'true' },
        launcher: { 'stapler-class': 'hudson.slaves.JNLPLauncher' },
      }),
    );
    const xml = agentConfigXml('a&b', spec);
    assert.equal(
      xml,
      `<?xml version='1.1' encoding='UTF-8'?>
<slave>
  <name>a&amp;b</name>
  <description></description>
  <remoteFS>/srv/agent</remoteFS>
  <numExecutors>3</numExecutors>
  <mode>NORMAL</mode>
  <retentionStrategy class="hudson.slaves.RetentionStrategy$Always"/>
  <launcher class="hudson.slaves.JNLPLauncher">
    <workDirSettings>
      <disabled>false</disabled>
      <internalDir>remoting</internalDir>
      <failIfWorkDirIsMissing>false</failIfWorkDirIsMissing>
    </workDirSettings>
    <webSocket>false</webSocket>
  </launcher>
  <label>linux &quot;big disk&quot;</label>
  <nodeProperties/>
</slave>
`,
    );
    const back = (await parseAgentConfig(xml, 'nodes/x/config.xml', 'a&b')).node;
    assert.deepEqual([...back.labels].sort(), ['a&b', 'big disk', 'linux']);
    assert.equal(back.numExecutors, 3);
  });

  test('the form refuses what Steward does not run, naming the field', () => {
    const form = (launcher: unknown, more: Record<string, unknown> = {}) => JSON.stringify({ numExecutors: 1, remoteFS: '/a', launcher, ...more });
    const refused = (json: string, field: string, message: RegExp) =>
      assert.throws(() => parseAgentForm(json), (e: unknown) => isStewardError(e, 'STW_REQUEST_INVALID') && e.field === field && message.test(e.message));
    refused(form({ 'stapler-class': 'hudson.slaves.CommandLauncher', command: 'ssh x java -jar agent.jar' }), 'launcher', /hudson\.slaves\.CommandLauncher is not supported/);
    refused(form({ 'stapler-class': 'hudson.plugins.sshslaves.SSHLauncher', host: 'h' }), 'launcher.credentialsId', /is required/);
    refused(form({ 'stapler-class': 'hudson.plugins.sshslaves.SSHLauncher', host: 'h', credentialsId: 'k', port: 70000 }), 'launcher.port', /1 to 65535/);
    refused(form(undefined, { numExecutors: 0 }), 'numExecutors', /from 1 to 1000/);
    refused(form(undefined, { numExecutors: 'many' }), 'numExecutors', /not "many"/);
    refused(form(undefined, { mode: 'SOMETIMES' }), 'mode', /NORMAL or EXCLUSIVE/);
    refused(form(undefined, { retentionStrategy: { 'stapler-class': 'hudson.slaves.RetentionStrategy$Demand' } }), 'retentionStrategy', /not supported/);
    refused('{"numExecutors": ', 'json', /is not JSON/);
    refused(form(undefined, { remoteFS: ' ' }), 'remoteFS', /is required/);
    const ssh = parseAgentForm(form({ $class: 'hudson.plugins.sshslaves.SSHLauncher', host: 'h', credentialsId: 'k', port: '2222' }));
    assert.deepEqual(ssh.launcher, { kind: 'ssh', host: 'h', port: 2222, credentialsId: 'k' });
  });

  test('a field that is wrong is refused naming the file, its line and the field', async () => {
    const xml = (await fixture('inbound-agent.xml')).replace('<mode>EXCLUSIVE</mode>', '<mode>SOMETIMES</mode>');
    await assert.rejects(
      parseAgentConfig(xml, 'nodes/linux-1/config.xml', 'linux-1'),
      (e: unknown) =>
        isStewardError(e, 'STW_CONFIG_INVALID') &&
        e.file === 'nodes/linux-1/config.xml' &&
        e.line === 7 &&
        e.field === 'mode' &&
        e.message === 'nodes/linux-1/config.xml:7:3: mode: must be NORMAL or EXCLUSIVE, not "SOMETIMES"',
    );
    const cases: [string, string, string, RegExp][] = [
      ['<numExecutors>4</numExecutors>', '<numExecutors>0</numExecutors>', 'numExecutors', /must be 1 or more/],
      ['<numExecutors>4</numExecutors>', '<numExecutors>four</numExecutors>', 'numExecutors', /expected a whole number/],
      ['<name>linux-1</name>', '<name>linux-2</name>', 'name', /is "linux-2", but this is the configuration of node "linux-1"/],
      ['<launcher class="hudson.slaves.JNLPLauncher">', '<launcher class="hudson.slaves.CommandLauncher">', 'launcher', /hudson\.slaves\.CommandLauncher is not supported/],
      ['<label>linux docker x64</label>', '<label>"linux</label>', 'label', /labels/],
      ['<remoteFS>/home/jenkins/agent</remoteFS>', '<remoteFS> </remoteFS>', 'remoteFS', /is empty; it is the agent's root folder/],
    ];
    for (const [from, to, field, message] of cases) {
      await assert.rejects(
        parseAgentConfig((await fixture('inbound-agent.xml')).replace(from, to), 'nodes/linux-1/config.xml', 'linux-1'),
        (e: unknown) => isStewardError(e, 'STW_CONFIG_INVALID') && e.field === field && e.line !== undefined && message.test(e.message),
        `${to} is refused`,
      );
    }
    await assert.rejects(
      parseAgentConfig('<slave><name>x</name>', 'nodes/x/config.xml', 'x'),
      (e: unknown) => isStewardError(e, 'STW_XML_MALFORMED') && e.file === 'nodes/x/config.xml' && e.line === 1,
    );
    await assert.rejects(
      parseAgentConfig('<hudson.plugins.ec2.EC2OndemandSlave><name>x</name></hudson.plugins.ec2.EC2OndemandSlave>', 'nodes/x/config.xml', 'x'),
      (e: unknown) => isStewardError(e, 'STW_CONFIG_INVALID') && /the root element must be <slave>/.test(e.message),
    );
  });

  test('at start a bad node file is reported and skipped, and the others load', async () => {
    await using home = await tempDir();
    await putNode(home.dir, 'linux-1', await fixture('inbound-agent.xml'));
    await putNode(home.dir, 'broken', '<?xml version="1.1"?>\n<slave>\n  <name>broken</name>\n  <numExecutors>2\n</slave>\n');
    await putNode(home.dir, 'odd-mode', (await fixture('ssh-agent.xml')).replace('build-ssh', 'odd-mode').replace('<mode>NORMAL</mode>', '<mode>SOMETIMES</mode>'));
    await mkdir(path.join(home.dir, 'nodes', '.hidden'), { recursive: true });
    await using h = await openNodes(home.dir);
    assert.deepEqual(h.nodes.computers().map((c) => c.name), ['linux-1']);
    const errors = h.lines.filter((l) => l.level === 50);
    assert.deepEqual(errors.map((l) => l.node).sort(), ['broken', 'odd-mode']);
    const broken = errors.find((l) => l.node === 'broken') as { msg: string; err: { code: string; file: string; line: number } };
    assert.equal(broken.err.code, 'STW_XML_MALFORMED');
    assert.equal(broken.err.file, 'nodes/broken/config.xml');
    assert.ok(broken.err.line >= 4, `line ${broken.err.line}`);
    const odd = errors.find((l) => l.node === 'odd-mode') as { msg: string; err: { field: string; line: number } };
    assert.equal(odd.msg, 'node odd-mode is not loaded: nodes/odd-mode/config.xml:7:3: mode: must be NORMAL or EXCLUSIVE, not "SOMETIMES"');
    assert.deepEqual([odd.err.field, odd.err.line], ['mode', 7]);
    assert.ok(h.lines.some((l) => l.level === 40 && l.folder === 'nodes/.hidden'), 'the folder no node could be named after is named in a warning');
    // The files are left as they were, for someone to mend.
    assert.match(await readFile(path.join(home.dir, 'nodes', 'odd-mode', 'config.xml'), 'utf8'), /SOMETIMES/);
  });

  test('unknown elements survive a load, a reconfiguration and a restart', async () => {
    await using home = await tempDir();
    const xml = await fixture('inbound-agent.xml');
    await putNode(home.dir, 'linux-1', xml);
    {
      await using h = await openNodes(home.dir);
      assert.equal(h.nodes.configXml('linux-1'), xml);
      const changed = xml.replace('<numExecutors>4</numExecutors>', '<numExecutors>6</numExecutors>');
      const computer = h.nodes.get('linux-1');
      assert.ok(computer !== undefined);
      assert.equal(await h.nodes.update('linux-1', changed, 'admin'), computer, 'the node keeps its Computer');
      assert.equal(computer.numExecutors, 6);
      assert.equal(computer.executors.length, 6);
      assert.equal(await readFile(path.join(home.dir, 'nodes', 'linux-1', 'config.xml'), 'utf8'), changed);
    }
    await using again = await openNodes(home.dir);
    const config = again.nodes.configXml('linux-1');
    assert.match(config, /<hudson\.slaves\.EnvironmentVariablesNodeProperty>[\s\S]*<string>PATH\+DOCKER<\/string>/);
    assert.match(config, /<hudson\.tools\.ToolLocationNodeProperty_-ToolLocation>/);
    assert.equal(again.nodes.get('linux-1')?.numExecutors, 6);
  });
});
