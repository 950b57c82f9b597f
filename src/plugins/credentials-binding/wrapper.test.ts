import assert from 'node:assert/strict';
import { access, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, test } from 'node:test';
import { pino } from 'pino';
import { ExtensionRegistry } from '../../extensions/index.js';
import { Jobs } from '../../jobs/index.js';
import { CREDENTIALS_FILE, buildSecrets } from '../../security/credentials/index.js';
import { credentialsHome, fixtureValues } from '../../../test/support/credentials-home.js';
import { freestyleXml } from '../../../test/support/steward-process.js';
import { runOneBuild } from '../../../test/jobs/home.js';
import { registerBuiltInPlugins } from '../index.js';

const values = await fixtureValues();

const IMPL = 'org.jenkinsci.plugins.credentialsbinding.impl';

/** A SecretBuildWrapper as Jenkins writes it, with bindings given as [class, fields]. */
function secretWrapper(bindings: [string, Record<string, string>][]): string {
  const body = bindings
    .map(([kind, fields]) => {
      const children = Object.entries(fields).map(([k, v]) => `\n          <${k}>${v}</${k}>`).join('');
      return `\n        <${IMPL}.${kind}>${children}\n        </${IMPL}.${kind}>`;
    })
    .join('');
  return `
    <${IMPL}.SecretBuildWrapper plugin="credentials-binding@728.v902a_273b_8947">
      <bindings>${body}
      </bindings>
    </${IMPL}.SecretBuildWrapper>
  `;
}

/** A home from Jenkins (keys and credentials.xml of the fixtures) with Jobs wired to its credentials, as the controller wires them. */
async function buildHome() {
  const home = await credentialsHome({ jenkins: true });
  const extensions = new ExtensionRegistry();
  registerBuiltInPlugins(extensions);
  const jobsFor = (credentials = home.credentials) =>
    new Jobs({ store: home.store, extensions, logger: pino({ level: 'silent' }), secrets: buildSecrets(home.keys, credentials) });
  return Object.assign(home, { jobs: jobsFor(), jobsFor });
}

const exists = (file: string) => access(file).then(() => true, () => false);

describe('credentials binding', () => {
  test("a build's bindings put each credential in its environment, and its log shows **** in their place", async () => {
    await using home = await buildHome();
    const wrappers = secretWrapper([
      ['UsernamePasswordMultiBinding', { credentialsId: 'deploy', usernameVariable: 'DEPLOY_USER', passwordVariable: 'DEPLOY_PASS' }],
      ['UsernamePasswordBinding', { credentialsId: 'nexus', variable: 'NEXUS_AUTH' }],
      ['StringBinding', { credentialsId: 'api-token', variable: 'API_TOKEN' }],
      ['FileBinding', { credentialsId: 'kubeconfig', variable: 'KUBECONFIG' }],
      ['SSHUserPrivateKeyBinding', { credentialsId: 'git-ssh', keyFileVariable: 'SSH_KEY', usernameVariable: 'SSH_USER', passphraseVariable: 'SSH_PASS' }],
    ]);
    const command = [
      'echo "user=$DEPLOY_USER pass=$DEPLOY_PASS"',
      'echo "nexus=$NEXUS_AUTH token=$API_TOKEN ssh=$SSH_USER/$SSH_PASS"',
      'cat "$KUBECONFIG" "$SSH_KEY"',
      'mkdir -p seen',
      'printf %s "$DEPLOY_PASS" > seen/deploy-pass',
      'printf %s "$NEXUS_AUTH" > seen/nexus',
      'printf %s "$API_TOKEN" > seen/token',
      'printf %s "$SSH_PASS" > seen/ssh-pass',
      'cp "$KUBECONFIG" seen/kubeconfig',
      'cp "$SSH_KEY" seen/ssh-key',
      'basename "$KUBECONFIG" > seen/file-name',
      'printf "%s\\n" "$KUBECONFIG" "$SSH_KEY" > seen/paths',
      'stat -c %a "$KUBECONFIG" "$SSH_KEY" "$(dirname "$KUBECONFIG")" > seen/modes',
    ].join('\n');
    await home.jobs.create('app', freestyleXml({ command, wrappers }));
    const { result, log, workspace } = await runOneBuild(home.jobs, home.dir, 'app');
    assert.equal(result, 'SUCCESS', log);

    const seen = async (name: string) => readFile(path.join(workspace, 'seen', name), 'utf8');
    assert.equal(await seen('deploy-pass'), values.deploy.password);
    assert.equal(await seen('nexus'), `${values.nexus.username}:${values.nexus.password}`);
    assert.equal(await seen('token'), values['api-token'].secret);
    assert.equal(await seen('ssh-pass'), values['git-ssh'].passphrase);
    assert.equal(await seen('kubeconfig'), values.kubeconfig.content);
    assert.equal(await seen('ssh-key'), values['git-ssh'].privateKey);
    assert.equal((await seen('file-name')).trim(), 'config', "a secret file has the credential's file name");
    assert.deepEqual((await seen('modes')).trim().split('\n'), ['400', '400', '700']);
    for (const file of (await seen('paths')).trim().split('\n')) {
      assert.ok(!file.startsWith(home.dir), 'secret files are written outside the home');
      assert.equal(await exists(file), false, `${file} is removed when the build ends`);
    }

    assert.match(log, /^user=deployer pass=\*\*\*\*$/m);
    assert.match(log, /^nexus=\*\*\*\* token=\*\*\*\* ssh=git\/\*\*\*\*$/m);
    assert.match(log, /^\+ echo user=deployer pass=\*\*\*\*$/m, 'the shell trace is masked too');
    for (const secret of [values.deploy.password, values.nexus.password, values['api-token'].secret, values['git-ssh'].passphrase, 'kube-t0ken-91', values['git-ssh'].privateKey.split('\n')[1] as string]) {
      assert.ok(!log.includes(secret), `the log does not show ${secret.slice(0, 10)}...`);
    }
  });

  test('a secret the step writes in two pieces, some time apart, is still masked', async () => {
    await using home = await buildHome();
    const wrappers = secretWrapper([['StringBinding', { credentialsId: 'api-token', variable: 'API_TOKEN' }]]);
    // A #! script runs without the shell's -x trace, whose lines on stderr could land between the pieces.
    const command = ['#!/bin/sh', 'printf %s "$API_TOKEN" | head -c 8', 'sleep 0.4', 'printf %s "$API_TOKEN" | tail -c +9', "echo ' <- the token'"].join('\n');
    await home.jobs.create('split', freestyleXml({ command, wrappers }));
    const { result, log } = await runOneBuild(home.jobs, home.dir, 'split');
    assert.equal(result, 'SUCCESS', log);
    assert.match(log, /^\*\*\*\* <- the token$/m);
    assert.ok(!log.includes(values['api-token'].secret.slice(0, 8)), log);
  });

  test('a missing or unusable credential fails the build before its steps, naming the id and the job', async () => {
    await using home = await buildHome();
    const command = 'echo the builder ran';
    await home.jobs.create('app', freestyleXml({ command, wrappers: secretWrapper([['StringBinding', { credentialsId: 'nope', variable: 'X' }]]) }));
    await home.jobs.create('system', freestyleXml({ command, wrappers: secretWrapper([['StringBinding', { credentialsId: 'agent-login', variable: 'X' }]]) }));
    await home.jobs.create('kind', freestyleXml({ command, wrappers: secretWrapper([['StringBinding', { credentialsId: 'deploy', variable: 'X' }]]) }));
    await home.jobs.create('zip', freestyleXml({ command, wrappers: secretWrapper([['ZipFileBinding', { credentialsId: 'kubeconfig', variable: 'X' }]]) }));
    const cases = [
      ['app', "ERROR: Could not find credentials entry with ID 'nope' for job app"],
      ['system', "ERROR: Could not find credentials entry with ID 'agent-login' for job system"],
      ['kind', "ERROR: Credentials 'deploy' is of type 'Username with password' where 'Secret text' was expected (job kind)"],
      ['zip', `ERROR: the credentials binding ${IMPL}.ZipFileBinding (credentials 'kubeconfig') is not supported by this controller`],
    ] as const;
    for (const [name, line] of cases) {
      const { result, log } = await runOneBuild(home.jobs, home.dir, name);
      assert.equal(result, 'FAILURE');
      assert.ok(log.split('\n').includes(line), log);
      assert.ok(!log.includes('the builder ran'), 'no builder ran');
      assert.match(log, /Finished: FAILURE\n$/);
    }
  });

  test('a binding without its credentialsId or a variable loads, and its builds fail naming the field', async () => {
    await using home = await buildHome();
    const wrappers = secretWrapper([['UsernamePasswordMultiBinding', { credentialsId: 'deploy', usernameVariable: 'U', passwordVariable: ' ' }]]);
    await home.jobs.create('bad', freestyleXml({ command: 'echo the builder ran', wrappers }));
    const { result, log } = await runOneBuild(home.jobs, home.dir, 'bad');
    assert.equal(result, 'FAILURE');
    const field = `buildWrappers/${IMPL}.SecretBuildWrapper[1]/bindings/${IMPL}.UsernamePasswordMultiBinding[1]/passwordVariable`;
    assert.match(log, new RegExp(`^ERROR: jobs/bad/config\\.xml:\\d+:\\d+: ${field.replace(/[.[\]]/g, '\\$&')}: is missing or empty$`, 'm'));
    assert.ok(!log.includes('the builder ran'));
  });

  test('a tampered credential fails the build naming credentials.xml and the id, not the value', async () => {
    await using home = await buildHome();
    const file = path.join(home.dir, CREDENTIALS_FILE);
    const text = await readFile(file, 'utf8');
    const value = /<id>api-token<\/id>[\s\S]*?<secret>\{(AQAAAB[A-Za-z0-9+/=]+)\}<\/secret>/.exec(text)?.[1];
    assert.ok(value !== undefined);
    await writeFile(file, text.replace(value, `${value.slice(0, 10)}${value[10] === 'A' ? 'B' : 'A'}${value.slice(11)}`));
    const jobs = home.jobsFor(await home.reload());
    await jobs.create('app', freestyleXml({ command: 'echo the builder ran', wrappers: secretWrapper([['StringBinding', { credentialsId: 'api-token', variable: 'T' }]]) }));
    const { result, log } = await runOneBuild(jobs, home.dir, 'app');
    assert.equal(result, 'FAILURE');
    assert.match(log, /^ERROR: credentials 'api-token' cannot be used by job app: .*\(credentials\.xml, line \d+, api-token\/secret\)$/m);
    assert.ok(!log.includes('the builder ran'));
    assert.ok(!log.includes(value.slice(12, 30)) && !log.includes(values['api-token'].secret));
  });
});
