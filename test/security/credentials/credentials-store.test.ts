// The Jenkins credentials.xml under fixtures/jenkins-home was made with the JVM by
// fixtures/MakeJenkinsCredentials.java (Jenkins' Secret and the credentials plugin's SecretBytes,
// step by step), with the keys of test/security/secrets/fixtures/jenkins-home:
//   java test/security/credentials/fixtures/MakeJenkinsCredentials.java \
//     test/security/secrets/fixtures/jenkins-home test/security/credentials/fixtures/jenkins-home
import assert from 'node:assert/strict';
import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, test } from 'node:test';
import { isStewardError } from '../../../src/errors/index.js';
import { CREDENTIALS_FILE, CredentialsStore, type CredentialsInfo } from '../../../src/security/credentials/index.js';
import { credentialsHome, fixtureValues } from '../../support/credentials-home.js';

const values = await fixtureValues();

/** Every clear value of the fixture, to look for where none may be. */
const FIXTURE_SECRETS = [
  values.deploy.password,
  values['api-token'].secret,
  values['git-ssh'].passphrase,
  values['git-ssh'].privateKey.split('\n')[1] as string,
  'kube-t0ken-91',
  values.nexus.password,
  values['agent-login'].password,
  values['github-token'].secret,
];

const NEW_SECRETS = {
  password: 'hunter2-but-longer',
  secret: 'sk_live_0000aaaa',
  privateKey: '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ==\n-----END OPENSSH PRIVATE KEY-----\n',
  passphrase: 'open sesame',
  file: 'machine example.com login ci password n3trc-pass\n',
};

function bytes(text: string): Buffer {
  return Buffer.from(text, 'utf8');
}

describe('the credentials store', () => {
  test('a credentials.xml written by Jenkins is listed without any secret value, and builds get the values Jenkins encrypted', async () => {
    await using home = await credentialsHome({ jenkins: true });
    const list = home.credentials.list();
    assert.deepEqual(
      list.map((c) => [c.id, c.kind, c.scope, c.domain]),
      [
        ['deploy', 'usernamePassword', 'GLOBAL', undefined],
        ['api-token', 'string', 'GLOBAL', undefined],
        ['git-ssh', 'sshPrivateKey', 'GLOBAL', undefined],
        ['kubeconfig', 'file', 'GLOBAL', undefined],
        ['nexus', 'usernamePassword', 'GLOBAL', undefined],
        ['agent-login', 'usernamePassword', 'SYSTEM', undefined],
        ['signing-cert', 'other', 'GLOBAL', undefined],
        ['github-token', 'string', 'GLOBAL', 'github.com'],
      ],
    );
    assert.deepEqual(home.credentials.info('deploy'), {
      id: 'deploy',
      kind: 'usernamePassword',
      className: 'com.cloudbees.plugins.credentials.impl.UsernamePasswordCredentialsImpl',
      description: 'Deploy account',
      scope: 'GLOBAL',
      domain: undefined,
      username: 'deployer',
    } satisfies CredentialsInfo);
    assert.equal(home.credentials.info('kubeconfig')?.fileName, 'config');
    assert.equal(home.credentials.info('git-ssh')?.username, 'git');
    const shown = JSON.stringify(list);
    for (const secret of FIXTURE_SECRETS) assert.ok(!shown.includes(secret), 'the listing holds no secret value');

    const forBuild = (id: string) => home.credentials.forBuild(id, 'app');
    assert.deepEqual(await forBuild('deploy'), { kind: 'usernamePassword', id: 'deploy', username: 'deployer', password: values.deploy.password, usernameSecret: false });
    assert.deepEqual(await forBuild('api-token'), { kind: 'string', id: 'api-token', secret: values['api-token'].secret });
    assert.deepEqual(await forBuild('git-ssh'), {
      kind: 'sshPrivateKey',
      id: 'git-ssh',
      username: 'git',
      usernameSecret: false,
      privateKey: values['git-ssh'].privateKey,
      passphrase: values['git-ssh'].passphrase,
    });
    assert.deepEqual(await forBuild('kubeconfig'), { kind: 'file', id: 'kubeconfig', fileName: 'config', content: bytes(values.kubeconfig.content) });
    assert.equal((await forBuild('github-token'))?.kind, 'string', 'credentials of any domain are found by id');
    assert.deepEqual(await forBuild('nexus'), { kind: 'usernamePassword', id: 'nexus', username: 'ci-bot', password: values.nexus.password, usernameSecret: false }, 'a value left in clear is read as it is');
    assert.equal(await forBuild('agent-login'), undefined, 'SYSTEM credentials are not given to builds');
    assert.equal(await forBuild('nope'), undefined);
    await assert.rejects(forBuild('signing-cert'), (e: unknown) => isStewardError(e, 'STW_CONFIG_INVALID') && /CertificateCredentialsImpl/.test(e.message));
  });

  test('created credentials are written encrypted: the file holds no clear value, and a new store reads them back', async () => {
    await using home = await credentialsHome();
    await home.credentials.create({ kind: 'usernamePassword', id: 'deploy', description: 'Deploy', username: 'deployer', password: NEW_SECRETS.password });
    await home.credentials.create({ kind: 'string', id: 'token', secret: NEW_SECRETS.secret });
    await home.credentials.create({ kind: 'sshPrivateKey', id: 'ssh', username: 'git', privateKey: NEW_SECRETS.privateKey, passphrase: NEW_SECRETS.passphrase });
    const file = await home.credentials.create({ kind: 'file', id: 'netrc', fileName: '.netrc', content: bytes(NEW_SECRETS.file) });
    assert.deepEqual(file, {
      id: 'netrc',
      kind: 'file',
      className: 'org.jenkinsci.plugins.plaincredentials.impl.FileCredentialsImpl',
      description: '',
      scope: 'GLOBAL',
      domain: undefined,
      fileName: '.netrc',
    });
    const generated = await home.credentials.create({ kind: 'string', secret: 'x' });
    assert.match(generated.id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'an id is generated when none is given');

    const text = await readFile(path.join(home.dir, CREDENTIALS_FILE), 'utf8');
    for (const secret of [...Object.values(NEW_SECRETS), 'b3BlbnNzaC1rZXktdjEA', Buffer.from(NEW_SECRETS.file).toString('base64'), 'n3trc-pass']) {
      assert.ok(!text.includes(secret), `credentials.xml does not hold ${secret.slice(0, 12)}...`);
    }
    assert.equal(text.match(/\{STW1:[A-Za-z0-9+/=]+\}/g)?.length, 6, 'password, secret, key, passphrase, file and the generated one are encrypted');
    assert.match(text, /^<\?xml version='1\.1' encoding='UTF-8'\?>\n<com\.cloudbees\.plugins\.credentials\.SystemCredentialsProvider plugin="credentials@/);
    assert.match(text, /\n {8}<com\.cloudbees\.plugins\.credentials\.impl\.UsernamePasswordCredentialsImpl>\n {10}<scope>GLOBAL<\/scope>\n {10}<id>deploy<\/id>/);
    assert.match(text, /<privateKeySource class="com\.cloudbees\.jenkins\.plugins\.sshcredentials\.impl\.BasicSSHUserPrivateKey\$DirectEntryPrivateKeySource">/);
    assert.equal((await stat(path.join(home.dir, CREDENTIALS_FILE))).mode & 0o777, 0o600);

    const again = await home.reload();
    assert.deepEqual(again.list(), home.credentials.list());
    assert.deepEqual(await again.forBuild('deploy', 'app'), { kind: 'usernamePassword', id: 'deploy', username: 'deployer', password: NEW_SECRETS.password, usernameSecret: false });
    assert.deepEqual(await again.forBuild('ssh', 'app'), {
      kind: 'sshPrivateKey',
      id: 'ssh',
      username: 'git',
      usernameSecret: false,
      privateKey: NEW_SECRETS.privateKey,
      passphrase: NEW_SECRETS.passphrase,
    });
    assert.deepEqual(await again.forBuild('netrc', 'app'), { kind: 'file', id: 'netrc', fileName: '.netrc', content: bytes(NEW_SECRETS.file) });
  });

  test('a save re-encrypts what Jenkins wrote, or left in clear, and keeps every element Steward does not know', async () => {
    await using home = await credentialsHome({ jenkins: true });
    const before = await readFile(path.join(home.dir, CREDENTIALS_FILE), 'utf8');
    assert.ok(before.includes(values.nexus.password), 'the fixture has a password in clear');
    await home.credentials.create({ kind: 'string', id: 'sonar', secret: NEW_SECRETS.secret });
    const after = await readFile(path.join(home.dir, CREDENTIALS_FILE), 'utf8');
    for (const secret of [...FIXTURE_SECRETS, NEW_SECRETS.secret]) assert.ok(!after.includes(secret), `no clear ${secret.slice(0, 8)}...`);
    const unknown = /<com\.cloudbees\.plugins\.credentials\.impl\.CertificateCredentialsImpl>[\s\S]*?<\/com\.cloudbees\.plugins\.credentials\.impl\.CertificateCredentialsImpl>/;
    assert.equal(after.match(unknown)?.[0], before.match(unknown)?.[0], 'a class Steward does not know is kept byte for byte');
    assert.match(after, /<name>github\.com<\/name>[\s\S]*<com\.cloudbees\.plugins\.credentials\.domains\.HostnameSpecification>/, 'other domains are kept');
    assert.match(after, /<com\.cloudbees\.jenkins\.plugins\.sshcredentials\.impl\.BasicSSHUserPrivateKey plugin="ssh-credentials@308\.ve4497b_ccd8f4">/);
    // The new one went to the global domain, after the ones Jenkins wrote there.
    assert.ok(after.indexOf('<id>sonar</id>') > after.indexOf('<id>signing-cert</id>'));
    assert.ok(after.indexOf('<id>sonar</id>') < after.indexOf('<name>github.com</name>'));

    // Read without the Jenkins keys: everything Steward re-encrypted is still there.
    const again = await home.reload();
    const steward = await CredentialsStore.load(home.store, { keys: { master: home.keys.master } });
    for (const store of [again, steward]) {
      assert.deepEqual(await store.forBuild('nexus', 'app'), { kind: 'usernamePassword', id: 'nexus', username: 'ci-bot', password: values.nexus.password, usernameSecret: false });
      assert.deepEqual(await store.forBuild('kubeconfig', 'app'), { kind: 'file', id: 'kubeconfig', fileName: 'config', content: bytes(values.kubeconfig.content) });
      assert.equal((await store.forBuild('git-ssh', 'app'))?.kind, 'sshPrivateKey');
      assert.deepEqual(await store.forBuild('sonar', 'app'), { kind: 'string', id: 'sonar', secret: NEW_SECRETS.secret });
    }
  });

  test('a taken id and input Jenkins refuses are refused, and the file stays as it was', async () => {
    await using home = await credentialsHome({ jenkins: true });
    const file = path.join(home.dir, CREDENTIALS_FILE);
    const before = await readFile(file, 'utf8');
    await assert.rejects(
      home.credentials.create({ kind: 'string', id: 'github-token', secret: 'x' }),
      (e: unknown) => isStewardError(e, 'STW_CREDENTIALS_EXISTS') && e.message === "credentials with the id 'github-token' already exist",
      'an id of another domain is taken too',
    );
    const refused = [
      { kind: 'string', id: 'has space', secret: 'x' },
      { kind: 'string', id: 'a/b', secret: 'x' },
      { kind: 'string', id: 'empty', secret: '' },
      { kind: 'sshPrivateKey', id: 'ssh', username: 'git', privateKey: '  \n' },
      { kind: 'file', id: 'f', fileName: '../../etc/passwd', content: bytes('x') },
      { kind: 'file', id: 'f', fileName: '', content: bytes('x') },
    ] as const;
    for (const input of refused) {
      await assert.rejects(home.credentials.create(input), (e: unknown) => isStewardError(e, 'STW_REQUEST_INVALID'), JSON.stringify(input.id));
    }
    await assert.rejects(home.credentials.update('api-token', { kind: 'usernamePassword', password: 'x' }), (e: unknown) => isStewardError(e, 'STW_REQUEST_INVALID') && /kind string/.test(e.message));
    await assert.rejects(home.credentials.update('signing-cert', { kind: 'string', secret: 'x' }), (e: unknown) => isStewardError(e, 'STW_REQUEST_INVALID'));
    await assert.rejects(home.credentials.update('nope', { kind: 'string', secret: 'x' }), (e: unknown) => isStewardError(e, 'STW_CREDENTIALS_NOT_FOUND'));
    await assert.rejects(home.credentials.delete('nope'), (e: unknown) => isStewardError(e, 'STW_CREDENTIALS_NOT_FOUND'));
    assert.equal(await readFile(file, 'utf8'), before);
    assert.deepEqual(home.audit.events, []);
  });

  test('an update changes what is given and keeps the secrets that are not; create, update and delete are audited without values', async () => {
    await using home = await credentialsHome({ jenkins: true });
    await home.credentials.update('deploy', { kind: 'usernamePassword', description: 'Deploy (rotated)', password: NEW_SECRETS.password }, 'alice');
    await home.credentials.update('git-ssh', { kind: 'sshPrivateKey', username: 'deploy-bot', usernameSecret: true }, 'alice');
    await home.credentials.create({ kind: 'string', id: 'sonar', secret: NEW_SECRETS.secret }, 'alice');
    await home.credentials.delete('kubeconfig', 'bob');

    const again = await home.reload();
    assert.equal(again.info('deploy')?.description, 'Deploy (rotated)');
    assert.deepEqual(await again.forBuild('deploy', 'app'), { kind: 'usernamePassword', id: 'deploy', username: 'deployer', password: NEW_SECRETS.password, usernameSecret: false });
    const ssh = await again.forBuild('git-ssh', 'app');
    assert.ok(ssh?.kind === 'sshPrivateKey');
    assert.equal(ssh.username, 'deploy-bot');
    assert.equal(ssh.usernameSecret, true);
    assert.equal(ssh.privateKey, values['git-ssh'].privateKey, 'the key that was not given is kept');
    assert.equal(ssh.passphrase, values['git-ssh'].passphrase);
    assert.equal(again.info('git-ssh')?.username, undefined, 'a secret username is not listed');
    assert.equal(again.info('kubeconfig'), undefined);
    assert.equal(await again.forBuild('kubeconfig', 'app'), undefined);

    assert.deepEqual(home.audit.events, [
      { type: 'credentials.updated', credentialsId: 'deploy', kind: 'com.cloudbees.plugins.credentials.impl.UsernamePasswordCredentialsImpl', actor: 'alice' },
      { type: 'credentials.updated', credentialsId: 'git-ssh', kind: 'com.cloudbees.jenkins.plugins.sshcredentials.impl.BasicSSHUserPrivateKey', actor: 'alice' },
      { type: 'credentials.created', credentialsId: 'sonar', kind: 'org.jenkinsci.plugins.plaincredentials.impl.StringCredentialsImpl', actor: 'alice' },
      { type: 'credentials.deleted', credentialsId: 'kubeconfig', kind: 'org.jenkinsci.plugins.plaincredentials.impl.FileCredentialsImpl', actor: 'bob' },
    ]);
  });

  test('a tampered value is refused naming credentials.xml and the credential id, never the value', async () => {
    await using home = await credentialsHome({ jenkins: true });
    const file = path.join(home.dir, CREDENTIALS_FILE);
    const flip = (b64: string, at: number): string => b64.slice(0, at) + (b64[at] === 'A' ? 'B' : 'A') + b64.slice(at + 1);
    // Jenkins' value of github-token, with its data length changed.
    const imported = await readFile(file, 'utf8');
    const github = /<id>github-token<\/id>\s*<description><\/description>\s*<secret>\{(AQAAAB[A-Za-z0-9+/=]+)\}<\/secret>/.exec(imported)?.[1];
    assert.ok(github !== undefined);
    await writeFile(file, imported.replace(github, flip(github, 10)));
    // A save keeps the value it cannot read as it is; then Steward's value of sonar is changed too.
    await (await home.reload()).create({ kind: 'string', id: 'sonar', secret: NEW_SECRETS.secret });
    const saved = await readFile(file, 'utf8');
    assert.ok(saved.includes(flip(github, 10)), 'the damaged Jenkins value is kept as it was');
    const sonar = /<id>sonar<\/id>\s*<description><\/description>\s*<secret>\{STW1:([A-Za-z0-9+/=]+)\}<\/secret>/.exec(saved)?.[1];
    assert.ok(sonar !== undefined);
    await writeFile(file, saved.replace(sonar, flip(sonar, 30)));

    const again = await home.reload();
    assert.deepEqual(again.list().map((c) => c.id).sort(), [...home.credentials.list().map((c) => c.id), 'sonar'].sort(), 'listing decrypts nothing, so it is unaffected');
    for (const [id, value] of [['sonar', NEW_SECRETS.secret], ['github-token', values['github-token'].secret]] as const) {
      await assert.rejects(again.forBuild(id, 'app'), (e: unknown) => {
        assert.ok(isStewardError(e, 'STW_SECRET_INVALID'), String(e));
        assert.equal(e.file, CREDENTIALS_FILE);
        assert.equal(e.field, `${id}/secret`);
        assert.equal(typeof e.line, 'number');
        assert.match(e.message, new RegExp(`^credentials '${id}' cannot be used by job app: .*\\(credentials\\.xml, line \\d+, ${id}/secret\\)$`));
        assert.ok(!JSON.stringify(e).includes(value) && !e.message.includes(value));
        return true;
      });
    }
    assert.deepEqual(await again.forBuild('api-token', 'app'), { kind: 'string', id: 'api-token', secret: values['api-token'].secret }, 'the others still work');
  });

  test('changes made at the same time are applied one after another, and none is lost', async () => {
    await using home = await credentialsHome({ jenkins: true });
    const ids = Array.from({ length: 12 }, (_, i) => `parallel-${i}`);
    const results = await Promise.allSettled([
      ...ids.map((id) => home.credentials.create({ kind: 'string', id, secret: `value-${id}` })),
      home.credentials.create({ kind: 'string', id: 'parallel-3', secret: 'twice' }),
      home.credentials.delete('deploy'),
    ]);
    assert.equal(results.filter((r) => r.status === 'rejected').length, 1, 'the second parallel-3 is refused');
    const again = await home.reload();
    for (const id of ids) assert.deepEqual(await again.forBuild(id, 'app'), { kind: 'string', id, secret: `value-${id}` });
    assert.equal(again.info('deploy'), undefined);
    assert.equal(again.list().length, 8 - 1 + ids.length);
  });

  test('a credentials.xml that is not one is refused at load, so it is never overwritten', async () => {
    await using home = await credentialsHome();
    const file = path.join(home.dir, CREDENTIALS_FILE);
    await writeFile(file, "<?xml version='1.1' encoding='UTF-8'?>\n<hudson/>\n");
    await assert.rejects(home.reload(), (e: unknown) => isStewardError(e, 'STW_CONFIG_INVALID') && e.file === CREDENTIALS_FILE);
    await writeFile(file, '<com.cloudbees.plugins.credentials.SystemCredentialsProvider>\n  <domainCredentialsMap>\n');
    await assert.rejects(home.reload(), (e: unknown) => isStewardError(e, 'STW_XML_MALFORMED') && e.file === CREDENTIALS_FILE);
  });
});
