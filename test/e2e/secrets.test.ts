import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { StewardProcess, eventually, freestyleXml, useController } from '../support/steward-process.js';

const IMPL = 'org.jenkinsci.plugins.credentialsbinding.impl';
const STORE = 'credentials/store/system/domain/_';
const PASSWORD = 'hunter2-Very-S3cret';
const API_KEY = 'ak-0123456789abcdef';
const TYPED = 'typed-by-a-user-Xy9';

type ErrorBody = { error: { code: string; message: string } };

function bindingsWrapper(bindings: string): string {
  return `
    <${IMPL}.SecretBuildWrapper plugin="credentials-binding@728.v902a_273b_8947">
      <bindings>${bindings}
      </bindings>
    </${IMPL}.SecretBuildWrapper>`;
}

const USER_PASS_BINDING = `
        <${IMPL}.UsernamePasswordMultiBinding>
          <credentialsId>deploy</credentialsId>
          <usernameVariable>DEPLOY_USER</usernameVariable>
          <passwordVariable>DEPLOY_PASS</passwordVariable>
        </${IMPL}.UsernamePasswordMultiBinding>`;

const STRING_BINDING = (id: string) => `
        <${IMPL}.StringBinding>
          <credentialsId>${id}</credentialsId>
          <variable>API_KEY</variable>
        </${IMPL}.StringBinding>`;

async function postCredentials(s: StewardProcess, xml: string): Promise<Response> {
  return s.fetch(`${STORE}/createCredentials`, { method: 'POST', headers: { 'content-type': 'application/xml' }, body: xml });
}

async function buildAndLog(s: StewardProcess, job: string, params?: Record<string, string>): Promise<{ result: string; log: string; n: number }> {
  const n = await s.buildNumberOf(await s.queueBuild(job, params));
  const result = await s.waitForResult(job, n);
  const log = await (await s.fetch(`job/${job}/${n}/consoleText`)).text();
  return { result, log, n };
}

describe('secrets: credentials, bindings and password parameters through a real controller', () => {
  const ctl = useController();

  test('credentials posted as the credentials plugin takes them are listed without values and stored encrypted', async () => {
    const created = await postCredentials(
      ctl.s,
      `<com.cloudbees.plugins.credentials.impl.UsernamePasswordCredentialsImpl>
  <scope>GLOBAL</scope>
  <id>deploy</id>
  <description>deploys</description>
  <username>deployer</username>
  <password>${PASSWORD}</password>
</com.cloudbees.plugins.credentials.impl.UsernamePasswordCredentialsImpl>`,
    );
    assert.equal(created.status, 200, await created.text());
    const key = await postCredentials(
      ctl.s,
      `<org.jenkinsci.plugins.plaincredentials.impl.StringCredentialsImpl><id>api-key</id><secret>${API_KEY}</secret></org.jenkinsci.plugins.plaincredentials.impl.StringCredentialsImpl>`,
    );
    assert.equal(key.status, 200);
    const again = (await (await postCredentials(ctl.s, `<org.jenkinsci.plugins.plaincredentials.impl.StringCredentialsImpl><id>api-key</id><secret>x</secret></org.jenkinsci.plugins.plaincredentials.impl.StringCredentialsImpl>`)).json()) as ErrorBody;
    assert.equal(again.error.code, 'STW_CREDENTIALS_EXISTS');

    const listText = await (await ctl.s.fetch(`${STORE}/api/json`)).text();
    const list = JSON.parse(listText) as { credentials: { id: string; username?: string; typeName: string }[] };
    assert.deepEqual(
      list.credentials.map((c) => [c.id, c.typeName, c.username]),
      [
        ['deploy', 'Username with password', 'deployer'],
        ['api-key', 'Secret text', undefined],
      ],
    );
    const one = await (await ctl.s.fetch(`${STORE}/credential/deploy/api/json`)).text();
    const stored = readFileSync(path.join(ctl.home, 'credentials.xml'), 'utf8');
    for (const text of [listText, one, stored]) {
      assert.ok(!text.includes(PASSWORD) && !text.includes(API_KEY), 'no value in clear');
    }
    assert.match(stored, /<password>\{STW1:/);
    // Only an administrator sees the store at all.
    assert.equal((await ctl.s.fetchAnonymous(`${STORE}/api/json`)).status, 401);
  });

  test('a build binds them into its environment and its log shows **** for every value', async () => {
    const command = [
      'test "$DEPLOY_USER" = deployer',
      `test "$DEPLOY_PASS" = '${PASSWORD}'`,
      `test "$API_KEY" = '${API_KEY}'`,
      'echo "user=$DEPLOY_USER pass=$DEPLOY_PASS key=$API_KEY"',
      // Written in two pieces, as a program might flush it (without the shell's trace, which
      // would print each piece on a line of its own).
      'set +x',
      `printf '%s' "$(printf '%s' "$DEPLOY_PASS" | cut -c1-6)"; printf '%s\\n' "$(printf '%s' "$DEPLOY_PASS" | cut -c7-)"`,
    ].join('\n');
    await ctl.s.createJob('deploy', freestyleXml({ command, wrappers: bindingsWrapper(USER_PASS_BINDING + STRING_BINDING('api-key')) }));
    const { result, log } = await buildAndLog(ctl.s, 'deploy');
    assert.equal(result, 'SUCCESS', log);
    assert.match(log, /user=deployer pass=\*\*\*\* key=\*\*\*\*/);
    assert.ok(!log.includes(PASSWORD) && !log.includes(API_KEY), log);
    assert.ok(!log.includes('hunter'), 'the value split across two writes is masked too');
  });

  test('a password parameter is masked in the log and stored only encrypted, in the queue and in build.xml', async () => {
    const parameters = `
        <hudson.model.PasswordParameterDefinition>
          <name>PASS</name>
          <description></description>
          <defaultValueAsSecret></defaultValueAsSecret>
        </hudson.model.PasswordParameterDefinition>`;
    await ctl.s.createJob('with-password', freestyleXml({ command: `test "$PASS" = '${TYPED}' && echo "pass is $PASS"`, parameters, quietPeriod: 2 }));
    const queueId = await ctl.s.queueBuild('with-password', { PASS: TYPED });
    const queued = await ctl.s.fetch('queue/api/json').then((r) => r.text());
    assert.ok(!queued.includes(TYPED), 'the queue API does not show the value');
    const queueXml = await eventually(() => {
      try {
        const text = readFileSync(path.join(ctl.home, 'queue.xml'), 'utf8');
        return text.includes('with-password') ? text : undefined;
      } catch {
        return undefined;
      }
    }, 'queue.xml to hold the waiting item');
    assert.ok(!queueXml.includes(TYPED), 'queue.xml does not hold the value');
    const n = await ctl.s.buildNumberOf(queueId);
    assert.equal(await ctl.s.waitForResult('with-password', n), 'SUCCESS');
    const log = await (await ctl.s.fetch(`job/with-password/${n}/consoleText`)).text();
    assert.match(log, /pass is \*\*\*\*/);
    assert.ok(!log.includes(TYPED));
    const buildXml = readFileSync(path.join(ctl.home, 'jobs', 'with-password', 'builds', String(n), 'build.xml'), 'utf8');
    assert.ok(!buildXml.includes(TYPED), 'build.xml does not hold the value');
    assert.match(buildXml, /\{STW1:/);
    const json = await (await ctl.s.fetch(`job/with-password/${n}/api/json`)).text();
    assert.ok(!json.includes(TYPED) && !json.includes('{STW1:'), 'the API shows neither the value nor its encrypted form');
    assert.match(json, /hudson.model.PasswordParameterValue/);
  });

  test('a missing credential fails the build naming the id and the job', async () => {
    await ctl.s.createJob('missing', freestyleXml({ command: 'echo should not run', wrappers: bindingsWrapper(STRING_BINDING('no-such-id')) }));
    const { result, log } = await buildAndLog(ctl.s, 'missing');
    assert.equal(result, 'FAILURE');
    assert.match(log, /Could not find credentials entry with ID 'no-such-id' for job missing/);
    assert.ok(!log.includes('should not run\n+') && !/^should not run$/m.test(log));
  });

  test('a tampered value is refused, naming the field and not the value, and nothing changes', async () => {
    const stored = readFileSync(path.join(ctl.home, 'credentials.xml'), 'utf8');
    const encrypted = /<secret>(\{STW1:[^<]+\})<\/secret>/.exec(stored)?.[1];
    assert.ok(encrypted !== undefined);
    const tampered = encrypted.slice(0, 20) + (encrypted[20] === 'A' ? 'B' : 'A') + encrypted.slice(21);
    const res = await postCredentials(ctl.s, `<org.jenkinsci.plugins.plaincredentials.impl.StringCredentialsImpl><id>copy</id><secret>${tampered}</secret></org.jenkinsci.plugins.plaincredentials.impl.StringCredentialsImpl>`);
    const body = (await res.json()) as ErrorBody;
    assert.deepEqual([res.status, body.error.code], [400, 'STW_SECRET_INVALID']);
    assert.ok(!body.error.message.includes(tampered) && !body.error.message.includes(API_KEY));
    assert.equal(readFileSync(path.join(ctl.home, 'credentials.xml'), 'utf8'), stored);

    // The same change made to the file: builds that bind it fail and say which credential.
    writeFileSync(path.join(ctl.home, 'credentials.xml'), stored.replace(encrypted, tampered));
    await ctl.s.stop();
    const s = await StewardProcess.start(ctl.home);
    try {
      const n = await s.buildNumberOf(await s.queueBuild('deploy'));
      assert.equal(await s.waitForResult('deploy', n), 'FAILURE');
      const log = await (await s.fetch(`job/deploy/${n}/consoleText`)).text();
      assert.match(log, /credentials 'api-key' cannot be used by job deploy/);
      assert.ok(!log.includes(tampered));
    } finally {
      await s.stop();
    }
  });
});
