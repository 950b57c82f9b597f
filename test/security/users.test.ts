import assert from 'node:assert/strict';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, test } from 'node:test';

import bcrypt from 'bcryptjs';
import { pino } from 'pino';

import { isStewardError } from '../../src/errors/index.js';
import { ExtensionRegistry } from '../../src/extensions/index.js';
import { parseXml } from '../../src/xml/index.js';
import {
  HudsonPrivateSecurityRealm,
  INITIAL_ADMIN_PASSWORD_FILE,
  UserStore,
  createSecurityRealm,
  ensureInitialAdmin,
  registerBuiltInSecurityRealms,
} from '../../src/security/index.js';
import { MemoryAudit, openHome } from './home.js';

const JENKINS_USERS_XML = `<?xml version='1.1' encoding='UTF-8'?>
<hudson.model.UserIdMapper>
  <version>1</version>
  <idToDirectoryNameMap class="concurrent-hash-map">
    <entry>
      <string>alice</string>
      <string>alice_6381223364155052540</string>
    </entry>
  </idToDirectoryNameMap>
</hudson.model.UserIdMapper>`;

function jenkinsUserXml(passwordHash: string): string {
  return `<?xml version='1.1' encoding='UTF-8'?>
<user>
  <version>10</version>
  <id>Alice</id>
  <fullName>Alice Liddell</fullName>
  <description>from Jenkins</description>
  <properties>
    <jenkins.console.ConsoleUrlProviderUserProperty/>
    <jenkins.security.ApiTokenProperty>
      <tokenStore>
        <tokenList/>
      </tokenStore>
    </jenkins.security.ApiTokenProperty>
    <hudson.tasks.Mailer_-UserProperty plugin="mailer@472.vf7c289a_4b_420">
      <emailAddress>alice@example.com</emailAddress>
    </hudson.tasks.Mailer_-UserProperty>
    <hudson.security.HudsonPrivateSecurityRealm_-Details>
      <passwordHash>${passwordHash}</passwordHash>
    </hudson.security.HudsonPrivateSecurityRealm_-Details>
  </properties>
</user>`;
}

async function importJenkinsUsers(dir: string, password: string): Promise<string> {
  // jBCrypt's format: $2a$, cost 10, behind Jenkins' #jbcrypt: prefix. bcryptjs writes $2b$,
  // which differs from $2a$ only in a length bug of other C implementations.
  const hash = `#jbcrypt:${(await bcrypt.hash(password, 10)).replace(/^\$2b\$/, '$2a$')}`;
  await mkdir(path.join(dir, 'users/alice_6381223364155052540'), { recursive: true });
  await writeFile(path.join(dir, 'users/users.xml'), JENKINS_USERS_XML);
  await writeFile(path.join(dir, 'users/alice_6381223364155052540/config.xml'), jenkinsUserXml(hash));
  return hash;
}

describe('users of the built-in realm', () => {
  test('a jbcrypt hash made in Jenkins format verifies, a wrong password does not', async () => {
    await using home = await openHome();
    const hash = await importJenkinsUsers(home.dir, 'wonderland');
    assert.match(hash, /^#jbcrypt:\$2a\$10\$/);
    const users = await UserStore.load(home.store, { upgradeLegacyHashes: false });
    assert.equal(await users.authenticate('alice', 'looking-glass'), undefined);
    const user = await users.authenticate('alice', 'wonderland');
    assert.equal(user?.id, 'Alice');
    assert.equal(user?.fullName, 'Alice Liddell');
  });

  test('a successful jbcrypt login rehashes the password to argon2id and keeps every other element', async () => {
    await using home = await openHome();
    await importJenkinsUsers(home.dir, 'wonderland');
    const audit = new MemoryAudit();
    const users = await UserStore.load(home.store, { audit });
    assert.ok(await users.authenticate('ALICE', 'wonderland'));
    const text = await readFile(path.join(home.dir, 'users/alice_6381223364155052540/config.xml'), 'utf8');
    assert.match(text, /<passwordHash>#argon2id:\$argon2id\$v=19\$/);
    assert.match(text, /<description>from Jenkins<\/description>/);
    assert.match(text, /<hudson.tasks.Mailer_-UserProperty plugin="mailer@472.vf7c289a_4b_420">\s*<emailAddress>alice@example.com<\/emailAddress>/);
    assert.match(text, /<jenkins.console.ConsoleUrlProviderUserProperty\/>/);
    const reloaded = await UserStore.load(home.store);
    assert.ok(await reloaded.authenticate('alice', 'wonderland'), 'the new hash verifies after a reload');
    assert.deepEqual(audit.events.map((e) => e.type), ['user.password-rehashed']);
  });

  test('a created user is written in Jenkins layout and read back, ids compare without case', async () => {
    await using home = await openHome();
    const users = await UserStore.load(home.store);
    const bob = await users.createUser('Bob', 's3cret', 'Bob Builder');
    assert.match(bob.directory, /^bob_\d{19}$/);
    const map = parseXml(await readFile(path.join(home.dir, 'users/users.xml'), 'utf8'), 'users.xml');
    assert.equal(map.root.name, 'hudson.model.UserIdMapper');
    assert.equal(map.root.childText('version'), '1');
    const entry = map.root.child('idToDirectoryNameMap');
    assert.equal(entry?.attribute('class'), 'concurrent-hash-map');
    assert.deepEqual(entry?.child('entry')?.childrenNamed('string').map((s) => s.text()), ['bob', bob.directory]);
    const config = parseXml(await readFile(path.join(home.dir, `users/${bob.directory}/config.xml`), 'utf8'), 'config.xml');
    assert.equal(config.root.childText('id'), 'Bob');
    assert.equal(config.root.childText('fullName'), 'Bob Builder');
    assert.match(config.root.descendant('properties/hudson.security.HudsonPrivateSecurityRealm_-Details/passwordHash')?.text() ?? '', /^#argon2id:\$argon2id\$/);
    assert.ok(config.root.descendant('properties/jenkins.security.ApiTokenProperty/tokenStore/tokenList'));

    const again = await UserStore.load(home.store);
    assert.equal(again.get('BOB')?.id, 'Bob');
    assert.deepEqual(again.list().map((u) => u.id), ['Bob']);
    assert.ok(await again.authenticate('bob', 's3cret'));
    await assert.rejects(again.createUser('bOB', 'x'), (e: unknown) => isStewardError(e, 'STW_USER_EXISTS'));
  });

  test('ids Jenkins refuses are refused before anything is written', async () => {
    await using home = await openHome();
    const users = await UserStore.load(home.store);
    for (const id of ['', 'a/b', '../x', 'anonymous', 'SYSTEM', 'white space']) {
      await assert.rejects(users.createUser(id, 'pw'), (e: unknown) => isStewardError(e, 'STW_NAME_INVALID'), id);
    }
    await assert.rejects(users.createUser('ok', ''), (e: unknown) => isStewardError(e, 'STW_REQUEST_INVALID'));
    assert.deepEqual(await home.store.listDir('users'), []);
  });

  test('an unknown user and a wrong password both fail, and both are audited without the password', async () => {
    await using home = await openHome();
    const audit = new MemoryAudit();
    const users = await UserStore.load(home.store, { audit });
    await users.createUser('carol', 'right-password');
    assert.equal(await users.authenticate('nobody', 'guess-one', { address: '10.0.0.1' }), undefined);
    assert.equal(await users.authenticate('carol', 'guess-two'), undefined);
    assert.deepEqual(
      audit.events.filter((e) => e.type === 'login.failed'),
      [
        { type: 'login.failed', userId: 'nobody', address: '10.0.0.1' },
        { type: 'login.failed', userId: 'carol' },
      ],
    );
    assert.doesNotMatch(JSON.stringify(audit.events), /guess|right-password/);
  });

  test('a password change takes effect and survives a reload; delete removes the folder and the entry', async () => {
    await using home = await openHome();
    const users = await UserStore.load(home.store);
    const dave = await users.createUser('dave', 'old');
    await users.setPassword('Dave', 'new');
    assert.equal(await users.authenticate('dave', 'old'), undefined);
    assert.ok(await (await UserStore.load(home.store)).authenticate('dave', 'new'));
    await users.delete('DAVE');
    assert.equal(users.get('dave'), undefined);
    assert.deepEqual(await home.store.listDir('users'), ['users.xml']);
    assert.equal((await UserStore.load(home.store)).size, 0);
    assert.ok(!(await home.store.exists(`users/${dave.directory}`)));
    await assert.rejects(users.setPassword('dave', 'x'), (e: unknown) => isStewardError(e, 'STW_USER_NOT_FOUND'));
  });

  test('a home from before users.xml (one folder per id) is read from its folders', async () => {
    await using home = await openHome();
    const hash = `#jbcrypt:${await bcrypt.hash('pw', 4)}`;
    await mkdir(path.join(home.dir, 'users/alice'), { recursive: true });
    await writeFile(path.join(home.dir, 'users/alice/config.xml'), jenkinsUserXml(hash));
    const users = await UserStore.load(home.store, { upgradeLegacyHashes: false });
    assert.equal(users.get('alice')?.directory, 'alice');
    assert.ok(await users.authenticate('alice', 'pw'));
  });

  test('the realm is built from <securityRealm class> and answers an Authentication', async () => {
    await using home = await openHome();
    const registry = new ExtensionRegistry();
    registerBuiltInSecurityRealms(registry);
    const el = parseXml(
      '<hudson><securityRealm class="hudson.security.HudsonPrivateSecurityRealm"><disableSignup>true</disableSignup><enableCaptcha>false</enableCaptcha></securityRealm></hudson>',
      'config.xml',
    ).root.child('securityRealm');
    assert.ok(el);
    const realm = await createSecurityRealm(registry, el, { store: home.store });
    assert.ok(realm instanceof HudsonPrivateSecurityRealm);
    assert.equal(realm.allowsSignup, false);
    await realm.users.createUser('erin', 'pw');
    assert.deepEqual(await realm.authenticate('ERIN', 'pw'), { userId: 'erin', groups: [] });
    const other = parseXml('<hudson><securityRealm class="hudson.security.LDAPSecurityRealm"/></hudson>', 'config.xml').root.child('securityRealm');
    assert.ok(other);
    await assert.rejects(createSecurityRealm(registry, other, { store: home.store }), (e: unknown) => isStewardError(e, 'STW_CONFIG_INVALID'));
  });
});

describe('initial setup', () => {
  test('a home without users gets admin with a random password in a 0600 file, and only the path is logged', async () => {
    await using home = await openHome();
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
    const users = await UserStore.load(home.store);
    const admin = await ensureInitialAdmin(users, home.store, logger);
    assert.equal(admin?.id, 'admin');
    const file = path.join(home.dir, INITIAL_ADMIN_PASSWORD_FILE);
    const password = (await readFile(file, 'utf8')).trim();
    assert.match(password, /^[0-9a-f]{32}$/);
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    assert.ok(await users.authenticate('admin', password));
    assert.equal(lines.length, 1);
    assert.ok(lines[0]?.includes(file), 'the log names the file');
    assert.ok(!lines.join('').includes(password), 'the log never holds the password');

    assert.equal(await ensureInitialAdmin(users, home.store, logger), undefined, 'nothing happens once a user exists');
    assert.equal(lines.length, 1);
    assert.equal((await readFile(file, 'utf8')).trim(), password);
  });
});
