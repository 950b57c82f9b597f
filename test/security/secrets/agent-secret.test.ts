// The Jenkins key and secrets under fixtures/jenkins-agent-home were made with the JVM by
// fixtures/MakeJenkinsAgentSecret.java, which follows Jenkins' own code (DefaultConfidentialStore,
// HMACConfidentialKey, JnlpAgentReceiver.SLAVE_SECRET): run from the repository root
//   java test/security/secrets/fixtures/MakeJenkinsAgentSecret.java test/security/secrets/fixtures/jenkins-agent-home
import assert from 'node:assert/strict';
import { cp, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { inspect } from 'node:util';
import { describe, test } from 'node:test';
import { isStewardError } from '../../../src/errors/index.js';
import { AGENT_SECRET_KEY_PATH, AgentSecretKey, JENKINS_AGENT_SECRET_KEY_PATH } from '../../../src/security/secrets/index.js';
import { tempDir } from '../../support/steward-process.js';
import { openHome } from './home.js';

const FIXTURE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'jenkins-agent-home');
const jenkinsSecrets = JSON.parse(await readFile(path.join(FIXTURE, 'agent-secrets.json'), 'utf8')) as { name: string; secret: string }[];

describe("agents' secrets", () => {
  test('on a home from Jenkins are the ones Jenkins gave its agents, from its JnlpSlaveAgentProtocol key', async () => {
    await using home = await tempDir();
    await cp(FIXTURE, home.dir, { recursive: true });
    await using h = await openHome(home.dir);
    const key = await AgentSecretKey.load(h.store);
    assert.equal(key.source, JENKINS_AGENT_SECRET_KEY_PATH);
    assert.ok(jenkinsSecrets.length >= 3);
    for (const { name, secret } of jenkinsSecrets) assert.equal(key.mac(name), secret, name);
    assert.equal(await h.store.readText(AGENT_SECRET_KEY_PATH), undefined, "Steward's own key is not made beside Jenkins'");
  });

  test("a Jenkins key that does not decrypt under the home's master.key is refused, naming the file", async () => {
    await using home = await tempDir();
    await cp(FIXTURE, home.dir, { recursive: true });
    await writeFile(path.join(home.dir, 'secrets', 'master.key'), 'a'.repeat(256));
    await using h = await openHome(home.dir);
    await assert.rejects(AgentSecretKey.load(h.store), (e: unknown) => isStewardError(e, 'STW_SECRET_KEY_INVALID') && e.file === JENKINS_AGENT_SECRET_KEY_PATH);
  });

  test("on a home of Steward's own come from a key made once, 0600 in the 0700 secrets folder", async () => {
    await using home = await tempDir();
    let first: string;
    {
      await using h = await openHome(home.dir);
      const key = await AgentSecretKey.load(h.store);
      assert.equal(key.source, AGENT_SECRET_KEY_PATH);
      first = key.mac('linux-1');
      assert.match(first, /^[0-9a-f]{64}$/);
      assert.notEqual(key.mac('linux-2'), first, 'each agent has its own secret');
      const file = path.join(home.dir, AGENT_SECRET_KEY_PATH);
      assert.equal((await stat(file)).mode & 0o777, 0o600);
      assert.equal((await stat(path.dirname(file))).mode & 0o777, 0o700);
    }
    await using again = await openHome(home.dir);
    assert.equal((await AgentSecretKey.load(again.store)).mac('linux-1'), first, 'the same secret after a restart');
  });

  test('a damaged key file is refused and left as it is, never replaced', async () => {
    await using home = await tempDir();
    await mkdir(path.join(home.dir, 'secrets'), { recursive: true });
    await writeFile(path.join(home.dir, AGENT_SECRET_KEY_PATH), 'not a key\n');
    await using h = await openHome(home.dir);
    await assert.rejects(AgentSecretKey.load(h.store), (e: unknown) => isStewardError(e, 'STW_SECRET_KEY_INVALID') && e.file === AGENT_SECRET_KEY_PATH);
    assert.equal(await h.store.readText(AGENT_SECRET_KEY_PATH), 'not a key\n');
  });

  test('printing or serialising the key shows no key material', () => {
    const key = AgentSecretKey.fromBytes(Buffer.alloc(32, 0x41));
    for (const shown of [inspect(key), JSON.stringify({ key }), String(key)]) assert.doesNotMatch(shown, /QUFB|4141|AAAA/);
  });
});
