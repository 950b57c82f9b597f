import assert from 'node:assert/strict';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { StewardProcess, adminPassword, freestyleXml, tempDir, useController } from '../support/steward-process.js';

type ErrorBody = { error: { code: string; message: string } };

/**
 * A form login over node:http. A body over the controller's limit is refused from its
 * Content-Length and the connection closed, which fetch reports as a failure; here the answer
 * counts and a broken upload after it does not.
 */
function postLogin(s: StewardProcess, fields: Record<string, string>, headers: Record<string, string> = {}): Promise<{ status: number; retryAfter: string | undefined; body: string }> {
  const body = new URLSearchParams(fields).toString();
  return new Promise((resolve, reject) => {
    const req = request(new URL('j_spring_security_check', s.url), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(Buffer.byteLength(body)), ...headers },
    });
    let answered = false;
    req.on('response', (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'], body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', (err) => {
      if (!answered) reject(err);
    });
    req.end(body);
  });
}

async function auditSize(home: string): Promise<number> {
  return (await stat(path.join(home, 'logs', 'audit.log')).catch(() => ({ size: 0 }))).size;
}

async function auditEvents(home: string): Promise<Record<string, unknown>[]> {
  const text = await readFile(path.join(home, 'logs', 'audit.log'), 'utf8').catch(() => '');
  return text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
}

function tally(statuses: number[]): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const s of statuses) counts[s] = (counts[s] ?? 0) + 1;
  return counts;
}

describe('anonymous logins cannot fill the disk', () => {
  const ctl = useController();

  test('twenty logins with a 1 MiB user id are refused with 413 and write nothing to the audit log', async () => {
    const before = await auditSize(ctl.home);
    const huge = 'u'.repeat(1024 * 1024);
    const answers = await Promise.all(Array.from({ length: 20 }, () => postLogin(ctl.s, { j_username: huge, j_password: 'x' })));
    for (const a of answers) {
      const e = JSON.parse(a.body) as ErrorBody;
      assert.deepEqual([a.status, e.error.code], [413, 'STW_REQUEST_TOO_LARGE']);
      assert.match(e.error.message, /larger than the limit of 64 KiB/);
    }
    assert.equal(await auditSize(ctl.home), before);
  });

  test('twenty logins with a user id just under the limit answer 401 then 429 and add under 4 KiB to the audit log', async () => {
    const before = await auditSize(ctl.home);
    const long = 'v'.repeat(60 * 1024);
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => postLogin(ctl.s, { j_username: long, j_password: `guess-${i}` })));
    assert.deepEqual(tally(answers.map((a) => a.status)), { 401: 5, 429: 15 });
    const grown = (await auditSize(ctl.home)) - before;
    assert.ok(grown < 4096, `the audit log grew by ${grown} bytes`);
    const events = await auditEvents(ctl.home);
    const failed = events.filter((e) => e.event === 'login.failed');
    assert.equal(failed.length, 5);
    for (const e of failed) assert.ok(String(e.userId).length <= 160, `a user id of ${String(e.userId).length} characters`);
    // Fifteen refusals of one locked user id make one event that counts them.
    const throttled = events.filter((e) => e.event === 'login.throttled');
    assert.equal(throttled.length, 1);
    assert.equal(throttled[0]?.count, 1, 'the first refusal is written at once');
    const metrics = await (await ctl.s.fetchAnonymous('metrics')).text();
    assert.match(metrics, /^steward_security_events_total\{event="login\.throttled"\} 15$/m, 'every refusal is counted for monitoring');
  });
});

describe('simultaneous logins for one user id', () => {
  const ctl = useController();

  test('thirty at once, one with the right password, get at most five passwords checked and the rest 429', async () => {
    const password = await adminPassword(ctl.home);
    const attempts = Array.from({ length: 30 }, (_, i) => (i === 29 ? password : `wrong-${i}`));
    const answers = await Promise.all(attempts.map((p) => postLogin(ctl.s, { j_username: 'admin', j_password: p })));
    const counts = tally(answers.map((a) => a.status));
    const checked = (counts[401] ?? 0) + (counts[302] ?? 0);
    assert.ok(checked <= 5, `${checked} passwords were checked: ${JSON.stringify(counts)}`);
    assert.equal(counts[429], 30 - checked);
    for (const a of answers.filter((x) => x.status === 429)) assert.ok(Number(a.retryAfter) >= 1, `Retry-After: ${a.retryAfter}`);
    // The right password logs in only if it was among the five checked; else it is refused.
    const right = answers[29]!;
    if (right.status === 302) assert.ok((counts[401] ?? 0) <= 4);
    else assert.equal(right.status, 429);
    const failed = (await auditEvents(ctl.home)).filter((e) => e.event === 'login.failed');
    assert.equal(failed.length, counts[401] ?? 0);
  });
});

/** Five wrong passwords for five different user ids, as sent through a proxy for `client`. */
async function fiveFailuresFrom(s: StewardProcess, client: string): Promise<void> {
  for (let i = 0; i < 5; i++) {
    const a = await postLogin(s, { j_username: `nobody-${client}-${i}`, j_password: 'wrong' }, { 'x-forwarded-for': client });
    assert.equal(a.status, 401);
  }
}

describe('behind a trusted proxy', () => {
  const ctl = useController(['--trusted-proxy', '192.0.2.1,127.0.0.1/32']);

  test('X-Forwarded-For from the listed proxy is the client address: the throttle locks only the forged client', async () => {
    await fiveFailuresFrom(ctl.s, '203.0.113.5');
    const locked = await postLogin(ctl.s, { j_username: 'someone', j_password: 'wrong' }, { 'x-forwarded-for': '203.0.113.5' });
    assert.equal(locked.status, 429);
    const other = await postLogin(ctl.s, { j_username: 'admin', j_password: await adminPassword(ctl.home) }, { 'x-forwarded-for': '203.0.113.6' });
    assert.equal(other.status, 302, 'another client behind the same proxy still logs in');
    const failed = (await auditEvents(ctl.home)).filter((e) => e.event === 'login.failed');
    assert.deepEqual(new Set(failed.map((e) => e.address)), new Set(['203.0.113.5']));
  });
});

describe('without a trusted proxy', () => {
  const ctl = useController(['--trusted-proxy', '192.0.2.1']);

  test('X-Forwarded-For from a peer that is not listed is ignored: the peer address is locked', async () => {
    await fiveFailuresFrom(ctl.s, '203.0.113.5');
    const forged = await postLogin(ctl.s, { j_username: 'admin', j_password: await adminPassword(ctl.home) }, { 'x-forwarded-for': '203.0.113.6' });
    assert.equal(forged.status, 429, 'a forged header does not escape the lock of the real address');
    const failed = (await auditEvents(ctl.home)).filter((e) => e.event === 'login.failed');
    assert.deepEqual(new Set(failed.map((e) => e.address)), new Set(['127.0.0.1']));
  });
});

describe('a controller started with a small audit log size', () => {
  const ctl = useController(['--audit-log-size', '1KiB', '--audit-log-files', '2']);

  test('rotates logs/audit.log past that size and keeps no more files than asked', async () => {
    // Five failures of 200-character user ids: five lines of about 230 bytes.
    for (let i = 0; i < 5; i++) assert.equal((await postLogin(ctl.s, { j_username: `nobody-${i}-${'x'.repeat(190)}`, j_password: 'wrong' })).status, 401);
    const names = (await readdir(path.join(ctl.home, 'logs'))).filter((n) => n.startsWith('audit.log')).sort();
    assert.deepEqual(names, ['audit.log', 'audit.log.1']);
    for (const name of names) assert.ok((await stat(path.join(ctl.home, 'logs', name))).size <= 1024, name);
    const events = [...(await auditEvents(ctl.home)), ...(await readFile(path.join(ctl.home, 'logs', 'audit.log.1'), 'utf8')).split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>)];
    assert.ok(events.some((e) => e.event === 'login.failed' && String(e.userId).startsWith('nobody-4-')), 'the newest event is kept');
  });
});

describe('a controller that lets anonymous users read', () => {
  const CONFIG = `<?xml version='1.1' encoding='UTF-8'?>
<hudson>
  <quietPeriod>0</quietPeriod>
  <authorizationStrategy class="hudson.security.FullControlOnceLoggedInAuthorizationStrategy">
    <denyAnonymousReadAccess>false</denyAnonymousReadAccess>
  </authorizationStrategy>
  <securityRealm class="hudson.security.HudsonPrivateSecurityRealm">
    <disableSignup>true</disableSignup>
  </securityRealm>
</hudson>
`;
  let home: Awaited<ReturnType<typeof tempDir>>;
  let s: StewardProcess;
  before(async () => {
    home = await tempDir();
    await writeFile(path.join(home.dir, 'config.xml'), CONFIG);
    s = await StewardProcess.start(home.dir);
    await s.createJob('open', freestyleXml({ command: 'true' }));
  });
  after(async () => {
    await s.stop();
    await home[Symbol.asyncDispose]();
  });

  /** `count` POSTs at once, 50 at a time, answered with `status`. */
  async function flood(count: number, p: string, headers: Record<string, string>, status: number): Promise<void> {
    for (let sent = 0; sent < count; sent += 50) {
      const answers = await Promise.all(Array.from({ length: 50 }, () => s.fetchAnonymous(p, { method: 'POST', headers }).then(async (r) => (await r.arrayBuffer(), r.status))));
      assert.deepEqual(tally(answers), { [status]: 50 });
    }
  }

  test('500 crumbless anonymous POSTs and 500 refused anonymous builds write a few counted lines to the audit log', async () => {
    const before = (await auditEvents(home.dir)).length;
    await flood(500, 'job/open/build', {}, 403);
    const { crumbRequestField, crumb } = (await (await s.fetchAnonymous('crumbIssuer/api/json')).json()) as { crumbRequestField: string; crumb: string };
    await flood(500, 'job/open/build', { [crumbRequestField]: crumb }, 401);
    const written = (await auditEvents(home.dir)).slice(before);
    assert.ok(written.length <= 4, `${written.length} lines were written`);
    await s.stop();
    // The counts not yet written are written when the controller stops.
    const events = (await auditEvents(home.dir)).slice(before);
    assert.ok(events.length <= 4, `${events.length} lines in all`);
    const sum = (type: string) => events.filter((e) => e.event === type).reduce((n, e) => n + Number(e.count ?? 1), 0);
    assert.equal(sum('crumb.rejected'), 500);
    assert.equal(sum('permission.denied'), 500);
    const denied = events.find((e) => e.event === 'permission.denied');
    assert.deepEqual([denied?.permission, denied?.target, denied?.address], ['hudson.model.Item.Build', 'open', '127.0.0.1']);
  });
});
