import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  StewardProcess,
  adminPassword,
  basic,
  createApiToken,
  freestyleXml,
  jobWithMatrix,
  projectMatrixConfig,
  tempDir,
  useController,
} from '../support/steward-process.js';
import { postExpectingContinue } from '../support/expect-continue.js';

type ErrorBody = { error: { code: string; message: string } };

async function errorOf(res: Response): Promise<{ status: number; code: string; message: string; text: string }> {
  const text = await res.text();
  const body = JSON.parse(text) as ErrorBody;
  return { status: res.status, code: body.error.code, message: body.error.message, text };
}

/** The session cookie (name=value) a login answer sets. */
function sessionCookieOf(res: Response): string {
  const set = res.headers.getSetCookie().find((c) => c.startsWith('steward-session='));
  assert.ok(set !== undefined, `a session cookie in ${JSON.stringify(res.headers.getSetCookie())}`);
  return set.split(';')[0]!;
}

async function login(s: StewardProcess, user: string, password: string): Promise<Response> {
  return s.fetchAnonymous('j_spring_security_check', { method: 'POST', body: new URLSearchParams({ j_username: user, j_password: password, from: '/job/x/' }) });
}

async function createUser(s: StewardProcess, id: string, password: string): Promise<void> {
  const res = await s.fetch('securityRealm/createAccountByAdmin', {
    method: 'POST',
    body: new URLSearchParams({ username: id, password1: password, password2: password, fullname: `${id} user` }),
  });
  assert.equal(res.status, 302, await res.text());
}

describe('a new home is secured from its first start', () => {
  const ctl = useController();

  test('admin gets a random password in secrets/initialAdminPassword (0600); the log names the file, never the password', async () => {
    const file = path.join(ctl.home, 'secrets', 'initialAdminPassword');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const password = await adminPassword(ctl.home);
    assert.match(password, /^[0-9a-f]{32}$/);
    const logged = JSON.stringify(ctl.s.lines) + ctl.s.stderr.join('\n');
    assert.ok(logged.includes(file), 'the log says where the password is');
    assert.ok(!logged.includes(password), 'the password is not in the log');
    const config = readFileSync(path.join(ctl.home, 'users', (await readdir(path.join(ctl.home, 'users'))).find((d) => d.startsWith('admin_'))!, 'config.xml'), 'utf8');
    assert.ok(!config.includes(password));
    assert.match(config, /#argon2id:/);
  });

  test('anonymous requests get 401 with nothing about jobs, whether they exist or not', async () => {
    await ctl.s.createJob('secret-project', freestyleXml({ command: 'true' }));
    for (const p of ['api/json', 'job/secret-project/api/json', 'job/no-such-job/api/json', 'job/secret-project/config.xml', 'queue/api/json', 'computer/api/json']) {
      const res = await ctl.s.fetchAnonymous(p);
      const e = await errorOf(res);
      assert.equal(e.status, 401, p);
      assert.equal(e.code, 'STW_AUTH_REQUIRED', p);
      assert.equal(res.headers.get('www-authenticate'), 'Basic realm="Steward"');
      assert.ok(!e.text.includes('secret-project'), `${p} leaks the job name: ${e.text}`);
    }
    const build = await ctl.s.fetchAnonymous('job/secret-project/build', { method: 'POST' });
    assert.equal(build.status, 401);
    assert.equal((await ctl.s.json<{ items: unknown[] }>('queue/api/json')).items.length, 0, 'nothing was queued');
    // A browser is sent to the login page, and comes back where it was going.
    const page = await ctl.s.fetchAnonymous('job/secret-project/', { headers: { accept: 'text/html' } });
    assert.equal(page.status, 302);
    assert.equal(page.headers.get('location'), `/login?from=${encodeURIComponent('/job/secret-project/')}`);
    // Requests before a login are not security events: they do not fill the audit log.
    assert.doesNotMatch(await readFile(path.join(ctl.home, 'logs', 'audit.log'), 'utf8'), /permission\.denied/);
    // What a client asks before logging in stays open.
    assert.equal((await ctl.s.fetchAnonymous('whoAmI/api/json').then((r) => r.json()) as { anonymous: boolean }).anonymous, true);
    assert.equal((await ctl.s.fetchAnonymous('health/ready')).status, 200);
  });

  test('API tokens: made once with the password and a crumb, used without a crumb, listed without value, revoked', async () => {
    const password = await adminPassword(ctl.home);
    const token = await createApiToken(ctl.s.url, 'admin', password, 'deploy script');
    assert.match(token, /^11[0-9a-f]{32}$/);
    const asToken = basic('admin', token);
    const built = await ctl.s.fetch('job/secret-project/build', { method: 'POST', headers: { authorization: asToken } });
    assert.equal(built.status, 201, 'a token needs no crumb');
    const list = await ctl.s.json<{ tokens: { uuid: string; name: string }[] }>('me/apiTokens/api/json');
    const mine = list.tokens.find((t) => t.name === 'deploy script');
    assert.ok(mine !== undefined);
    assert.ok(!JSON.stringify(list).includes(token), 'the list does not hold token values');
    const usersDir = path.join(ctl.home, 'users');
    for (const d of await readdir(usersDir)) {
      if (d.endsWith('.xml')) continue;
      assert.ok(!readFileSync(path.join(usersDir, d, 'config.xml'), 'utf8').includes(token), 'tokens are stored hashed');
    }
    const revoked = await ctl.s.fetch('me/descriptorByName/jenkins.security.ApiTokenProperty/revoke', {
      method: 'POST',
      headers: { authorization: asToken },
      body: new URLSearchParams({ tokenUuid: mine.uuid }),
    });
    assert.equal(revoked.status, 200);
    const after = await errorOf(await ctl.s.fetch('api/json', { headers: { authorization: asToken } }));
    assert.equal(after.status, 401);
    assert.equal(after.code, 'STW_AUTH_INVALID');
    const missing = await ctl.s.fetch('me/descriptorByName/jenkins.security.ApiTokenProperty/revoke', { method: 'POST', body: new URLSearchParams({ tokenUuid: mine.uuid }) });
    assert.equal((await errorOf(missing)).code, 'STW_TOKEN_NOT_FOUND');
  });

  test('a password over HTTP Basic needs a crumb to change anything, as in Jenkins', async () => {
    const authorization = basic('admin', await adminPassword(ctl.home));
    const without = await errorOf(await ctl.s.fetch('job/secret-project/disable', { method: 'POST', headers: { authorization } }));
    assert.equal(without.status, 403);
    assert.equal(without.code, 'STW_CRUMB_INVALID');
    const crumb = (await (await ctl.s.fetch('crumbIssuer/api/json', { headers: { authorization } })).json()) as { crumb: string; crumbRequestField: string };
    assert.equal(crumb.crumbRequestField, 'Jenkins-Crumb');
    const withCrumb = await ctl.s.fetch('job/secret-project/disable', { method: 'POST', headers: { authorization, 'Jenkins-Crumb': crumb.crumb } });
    assert.equal(withCrumb.status, 302);
    assert.match(readFileSync(path.join(ctl.home, 'jobs', 'secret-project', 'config.xml'), 'utf8'), /<disabled>true<\/disabled>/);
  });

  test('browser sessions: an HttpOnly SameSite cookie, crumbs required on POST, logout ends the session', async () => {
    const bad = await errorOf(await login(ctl.s, 'admin', 'nope'));
    assert.deepEqual([bad.status, bad.code], [401, 'STW_AUTH_INVALID']);
    const res = await login(ctl.s, 'admin', await adminPassword(ctl.home));
    assert.equal(res.status, 302);
    assert.equal(res.headers.get('location'), '/job/x/');
    const setCookie = res.headers.getSetCookie().join('\n');
    assert.match(setCookie, /HttpOnly/);
    assert.match(setCookie, /SameSite=Lax/);
    const cookie = sessionCookieOf(res);
    const me = (await (await ctl.s.fetchAnonymous('me/api/json', { headers: { cookie } })).json()) as { id: string };
    assert.equal(me.id, 'admin');

    const forged = await errorOf(await ctl.s.fetchAnonymous('job/secret-project/enable', { method: 'POST', headers: { cookie } }));
    assert.deepEqual([forged.status, forged.code], [403, 'STW_CRUMB_INVALID']);
    const other = (await (await ctl.s.fetchAnonymous('crumbIssuer/api/json')).json()) as { crumb: string };
    const wrongSession = await ctl.s.fetchAnonymous('job/secret-project/enable', { method: 'POST', headers: { cookie, 'Jenkins-Crumb': other.crumb } });
    assert.equal(wrongSession.status, 403, "anonymous's crumb is not the session's");
    assert.match(readFileSync(path.join(ctl.home, 'jobs', 'secret-project', 'config.xml'), 'utf8'), /<disabled>true<\/disabled>/, 'unchanged');

    const crumb = (await (await ctl.s.fetchAnonymous('crumbIssuer/api/json', { headers: { cookie } })).json()) as { crumb: string };
    const ok = await ctl.s.fetchAnonymous('job/secret-project/enable', { method: 'POST', headers: { cookie, 'Jenkins-Crumb': crumb.crumb } });
    assert.equal(ok.status, 302);
    // A form may carry the crumb as a field instead of a header.
    const form = await ctl.s.fetchAnonymous('job/secret-project/disable', { method: 'POST', headers: { cookie }, body: new URLSearchParams({ 'Jenkins-Crumb': crumb.crumb }) });
    assert.equal(form.status, 302);

    const tampered = cookie.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'));
    assert.equal((await ctl.s.fetchAnonymous('api/json', { headers: { cookie: tampered } })).status, 401);

    const out = await ctl.s.fetchAnonymous('logout', { method: 'POST', headers: { cookie } });
    assert.equal(out.status, 302);
    assert.match(out.headers.getSetCookie().join('\n'), /steward-session=;/);
    assert.equal((await ctl.s.fetchAnonymous('api/json', { headers: { cookie } })).status, 401, 'the logged-out cookie is refused');
  });

  test('bodies over the limit get 413 and change nothing', async () => {
    const before = readFileSync(path.join(ctl.home, 'jobs', 'secret-project', 'config.xml'), 'utf8');
    const huge = freestyleXml({ command: 'true', description: 'x'.repeat(17 * 1024 * 1024) });
    for (const p of ['createItem?name=huge', 'job/secret-project/config.xml']) {
      const res = await postExpectingContinue(new URL(p, ctl.s.url), { authorization: ctl.s.authorization!, 'content-type': 'application/xml' }, huge);
      const body = JSON.parse(res.body) as ErrorBody;
      assert.deepEqual([res.status, body.error.code], [413, 'STW_REQUEST_TOO_LARGE'], p);
      assert.match(body.error.message, /nothing was changed/);
    }
    assert.equal(readFileSync(path.join(ctl.home, 'jobs', 'secret-project', 'config.xml'), 'utf8'), before);
    const jobs = await ctl.s.json<{ jobs: { name: string }[] }>('api/json?tree=jobs[name]');
    assert.ok(!jobs.jobs.some((j) => j.name === 'huge'));
  });
});

describe('bad credentials', () => {
  const ctl = useController();

  test('bad credentials and malformed headers get 401 STW_AUTH_INVALID, the same for unknown users, and change nothing', async () => {
    const password = await adminPassword(ctl.home);
    const cases: [string, string][] = [
      [basic('admin', 'wrong-password'), 'Invalid password/token for user: admin'],
      [basic('nobody', 'wrong-password'), 'Invalid password/token for user: nobody'],
      [basic('admin', '11' + '0'.repeat(32)), 'Invalid password/token for user: admin'],
      ['Basic !!!not-base64', 'the Authorization header must be HTTP Basic'],
      [`Basic ${Buffer.from('no-colon').toString('base64')}`, 'must hold base64 of user:password'],
      ['Bearer abc', 'the Authorization header must be HTTP Basic'],
    ];
    for (const [authorization, message] of cases) {
      const res = await ctl.s.fetch('createItem?name=by-bad-credentials', {
        method: 'POST',
        headers: { authorization, 'content-type': 'application/xml' },
        body: freestyleXml({ command: 'true' }),
      });
      const e = await errorOf(res);
      assert.equal(e.status, 401, authorization);
      assert.equal(e.code, 'STW_AUTH_INVALID');
      assert.ok(e.message.includes(message), `${e.message} includes ${message}`);
      assert.ok(!e.text.includes(password));
    }
    const jobs = await ctl.s.json<{ jobs: { name: string }[] }>('api/json?tree=jobs[name]');
    assert.ok(!jobs.jobs.some((j) => j.name === 'by-bad-credentials'));
    const audit = await readFile(path.join(ctl.home, 'logs', 'audit.log'), 'utf8');
    assert.match(audit, /"event":"login.failed","userId":"nobody"/);
    assert.ok(!audit.includes('wrong-password'), 'the audit log holds no password');
  });
});

/** A job whose own project matrix grants the given Job permissions to a user. */
function jobFor(user: string, permissions: string[]): string {
  return jobWithMatrix(permissions.map((p) => `USER:hudson.model.Item.${p}:${user}`));
}

describe('project-based matrix authorization from config.xml', () => {
  let home: Awaited<ReturnType<typeof tempDir>>;
  let s: StewardProcess;
  const as: Record<string, string> = {};
  before(async () => {
    home = await tempDir();
    writeFileSync(path.join(home.dir, 'config.xml'), projectMatrixConfig(['USER:hudson.model.Item.Read:reader']));
    mkdirSync(path.join(home.dir, 'jobs'));
    s = await StewardProcess.start(home.dir);
    for (const id of ['alice', 'reader', 'nobody']) {
      await createUser(s, id, `${id}-password-1`);
      as[id] = basic(id, await createApiToken(s.url, id, `${id}-password-1`));
    }
    await s.createJob('alice-job', jobFor('alice', ['Read', 'Build']));
    await s.createJob('team-job', freestyleXml({ command: 'true' }));
  });
  after(async () => {
    await s.stop();
    await home[Symbol.asyncDispose]();
  });

  test('a user with project grants sees only their jobs in /api/json', async () => {
    const names = async (who: string) =>
      ((await (await s.fetch('api/json?tree=jobs[name]', { headers: { authorization: as[who]! } })).json()) as { jobs: { name: string }[] }).jobs.map((j) => j.name);
    assert.deepEqual(await names('alice'), ['alice-job']);
    assert.deepEqual(await names('reader'), ['alice-job', 'team-job']);
    assert.deepEqual(await names('nobody'), []);
    assert.deepEqual((await s.json<{ jobs: { name: string }[] }>('api/json?tree=jobs[name]')).jobs.map((j) => j.name), ['alice-job', 'team-job']);
    // A job one may not read answers as if it did not exist.
    const hidden = await errorOf(await s.fetch('job/team-job/api/json', { headers: { authorization: as.alice! } }));
    const missing = await errorOf(await s.fetch('job/no-such/api/json', { headers: { authorization: as.alice! } }));
    assert.deepEqual([hidden.status, hidden.code], [404, 'STW_JOB_NOT_FOUND']);
    assert.equal(hidden.message, 'no job named "team-job"');
    assert.equal(missing.status, 404);
  });

  test('a user without Job/Build cannot build, and nothing is queued', async () => {
    const refused = await errorOf(await s.fetch('job/alice-job/build', { method: 'POST', headers: { authorization: as.reader! } }));
    assert.deepEqual([refused.status, refused.code], [403, 'STW_FORBIDDEN']);
    assert.equal(refused.message, 'reader is missing the Job/Build permission');
    assert.equal((await s.json<{ items: unknown[] }>('queue/api/json')).items.length, 0);
    const byAlice = await s.fetch('job/alice-job/build', { method: 'POST', headers: { authorization: as.alice! } });
    assert.equal(byAlice.status, 201);
    const n = await s.buildNumberOf(Number(/\/queue\/item\/(\d+)\//.exec(byAlice.headers.get('location') ?? '')?.[1]));
    assert.equal(await s.waitForResult('alice-job', n), 'SUCCESS');
    const build = await s.json<{ actions: { causes?: { userId: string; shortDescription: string }[] }[] }>(`job/alice-job/${n}/api/json`);
    const cause = build.actions.flatMap((a) => a.causes ?? [])[0];
    assert.equal(cause?.userId, 'alice');
    assert.equal(cause?.shortDescription, 'Started by user alice user');
  });

  test('configure, delete and administer need their permissions', async () => {
    const xml = freestyleXml({ command: 'echo changed' });
    const cases: [string, string, RequestInit][] = [
      ['job/alice-job/config.xml', 'alice is missing the Job/Configure permission', { method: 'POST', headers: { 'content-type': 'application/xml' }, body: xml }],
      ['job/alice-job/config.xml', 'alice is missing the Job/ExtendedRead permission', {}],
      ['job/alice-job/doDelete', 'alice is missing the Job/Delete permission', { method: 'POST' }],
      ['createItem?name=by-alice', 'alice is missing the Job/Create permission', { method: 'POST', headers: { 'content-type': 'application/xml' }, body: xml }],
      ['computer/(built-in)/setNumExecutors?numExecutors=5', 'alice is missing the Overall/Administer permission', { method: 'POST' }],
      ['securityRealm/createAccountByAdmin', 'alice is missing the Overall/Administer permission', { method: 'POST', body: new URLSearchParams({ username: 'mallory', password1: 'mallory-pass-1' }) }],
    ];
    for (const [p, message, init] of cases) {
      const headers = new Headers(init.headers);
      headers.set('authorization', as.alice!);
      const e = await errorOf(await s.fetch(p, { ...init, headers }));
      assert.deepEqual([e.status, e.code, e.message], [403, 'STW_FORBIDDEN', message], p);
    }
    assert.doesNotMatch(readFileSync(path.join(home.dir, 'jobs', 'alice-job', 'config.xml'), 'utf8'), /echo changed/);
    const audit = await readFile(path.join(home.dir, 'logs', 'audit.log'), 'utf8');
    assert.match(audit, /"event":"permission.denied","userId":"alice","permission":"hudson.model.Item.Configure","target":"alice-job"/);
    const users = await s.json<{ id: string }>('user/mallory/api/json').catch((e: unknown) => e);
    assert.ok(users instanceof Error, 'mallory was not created');
  });

  test('the session of a browser survives a restart of the controller (the cookie is signed, not stored)', async () => {
    const res = await login(s, 'alice', 'alice-password-1');
    const cookie = sessionCookieOf(res);
    await s.stop();
    s = await StewardProcess.start(home.dir);
    const me = (await (await s.fetchAnonymous('me/api/json', { headers: { cookie } })).json()) as { id: string };
    assert.equal(me.id, 'alice');
    // A new password ends the sessions made with the old one.
    const changed = await s.fetch('user/alice/password', { method: 'POST', body: new URLSearchParams({ password: 'alice-password-2' }) });
    assert.equal(changed.status, 204);
    assert.equal((await s.fetchAnonymous('api/json', { headers: { cookie } })).status, 401);
    assert.equal((await login(s, 'alice', 'alice-password-2')).status, 302);
  });
});

describe('login throttling', () => {
  const ctl = useController();

  test('after five failures the user id is locked: 429, even with the right password, and audited', async () => {
    const password = await adminPassword(ctl.home);
    for (let i = 0; i < 5; i++) {
      const e = await errorOf(await login(ctl.s, 'admin', `guess-${i}`));
      assert.equal(e.status, 401);
    }
    const lockedRes = await login(ctl.s, 'admin', password);
    const retryAfter = Number(lockedRes.headers.get('retry-after'));
    const locked = await errorOf(lockedRes);
    assert.deepEqual([locked.status, locked.code], [429, 'STW_LOGIN_THROTTLED']);
    assert.equal(locked.message, `too many failed logins; try again in ${retryAfter} s`);
    assert.ok(retryAfter > 0 && retryAfter <= 30, `Retry-After: ${retryAfter}`);
    const basicToo = await errorOf(await ctl.s.fetch('api/json', { headers: { authorization: basic('admin', password) } }));
    assert.equal(basicToo.status, 429);
    // An API token is not a guessable password: scripts keep working.
    assert.equal((await ctl.s.fetch('api/json')).status, 200);
    const audit = await readFile(path.join(ctl.home, 'logs', 'audit.log'), 'utf8');
    assert.match(audit, /"event":"login.throttled","userId":"admin"/);
    assert.ok(!audit.includes(password));
    // The same events are counted for monitoring.
    const metrics = await (await ctl.s.fetchAnonymous('metrics')).text();
    assert.match(metrics, /^steward_security_events_total\{event="login\.failed"\} 5$/m);
    assert.match(metrics, /^steward_security_events_total\{event="login\.throttled"\} 2$/m);
  });
});

describe("a home with Jenkins' location configuration (the Jenkins URL)", () => {
  const LOCATION = 'jenkins.model.JenkinsLocationConfiguration.xml';
  const location = (url: string) => `<?xml version='1.1' encoding='UTF-8'?>
<jenkins.model.JenkinsLocationConfiguration>
  <adminAddress>address not configured yet &lt;nobody@nowhere&gt;</adminAddress>
  <jenkinsUrl>${url}</jenkinsUrl>
</jenkins.model.JenkinsLocationConfiguration>
`;

  test('answers, builds and cookies use the configured URL, as behind a TLS proxy', async () => {
    await using home = await tempDir();
    writeFileSync(path.join(home.dir, LOCATION), location('https://ci.example.com/steward'));
    const s = await StewardProcess.start(home.dir);
    try {
      assert.equal((await s.json<{ url: string }>('api/json?tree=url')).url, 'https://ci.example.com/steward/');
      await s.createJob('where', freestyleXml({ command: 'echo "build=$BUILD_URL jenkins=$JENKINS_URL"' }));
      const n = await s.buildNumberOf(await s.queueBuild('where'));
      assert.equal(await s.waitForResult('where', n), 'SUCCESS');
      const log = await (await s.fetch(`job/where/${n}/consoleText`)).text();
      assert.match(log, /^build=https:\/\/ci\.example\.com\/steward\/job\/where\/1\/ jenkins=https:\/\/ci\.example\.com\/steward\/$/m);
      const res = await login(s, 'admin', await adminPassword(home.dir));
      assert.match(res.headers.getSetCookie().join('\n'), /steward-session=[^;]+;.*Secure/);
    } finally {
      await s.stop();
    }
  });

  test('a Jenkins URL that is not an http or https URL stops the start, naming the file and field', async () => {
    await using home = await tempDir();
    writeFileSync(path.join(home.dir, LOCATION), location('ci.example.com:8080'));
    const s = StewardProcess.spawn(home.dir);
    assert.equal(await s.exited, 1);
    assert.match(s.stderr.join('\n'), /jenkins\.model\.JenkinsLocationConfiguration\.xml: <jenkinsUrl> must be an http or https URL such as https:\/\/ci\.example\.com\/, not "ci\.example\.com:8080"/);
  });
});

describe('a home whose config.xml names a security realm Steward does not have', () => {
  test('does not start (rather than start open), naming the file, the class and what is installed', async () => {
    await using home = await tempDir();
    writeFileSync(
      path.join(home.dir, 'config.xml'),
      `<?xml version='1.1' encoding='UTF-8'?>
<hudson>
  <useSecurity>true</useSecurity>
  <securityRealm class="hudson.security.LDAPSecurityRealm" plugin="ldap@711.vb_d1a_491714dc">
    <server>ldap://ldap.example.com</server>
  </securityRealm>
</hudson>
`,
    );
    const s = StewardProcess.spawn(home.dir);
    assert.equal(await s.exited, 1);
    assert.match(s.stderr.join('\n'), /config\.xml: security realm "hudson\.security\.LDAPSecurityRealm" is not installed; Steward has hudson\.security\.HudsonPrivateSecurityRealm/);
  });
});
