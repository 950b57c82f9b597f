import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { request } from 'node:http';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { STEWARD_BIN, adminPassword, freestyleXml, stringParam, useController, type StewardProcess } from '../support/steward-process.js';

type ErrorBody = { error: { code: string; message: string; field?: string } };

async function errorOf(res: Response): Promise<{ status: number; code: string; message: string; field: string | undefined; xError: string | null }> {
  const body = (await res.json()) as ErrorBody;
  return { status: res.status, code: body.error.code, message: body.error.message, field: body.error.field, xError: res.headers.get('x-error') };
}

function post(s: StewardProcess, p: string, form?: string): Promise<Response> {
  return s.fetch(p, { method: 'POST', ...(form === undefined ? {} : { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form }) });
}

/** A POST with Node's own HTTP client, which refuses answers whose headers pass its 16 KiB limit. */
function nodePost(url: URL, authorization: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { authorization } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** A login form post as a browser sends it; `from` is where it asks to go after. */
function login(s: StewardProcess, password: string, from: string): Promise<Response> {
  return s.fetchAnonymous('j_spring_security_check', { method: 'POST', body: new URLSearchParams({ j_username: 'admin', j_password: password, from }) });
}

describe('request parameters', () => {
  const ctl = useController();

  describe('a parameter given more than once is refused with 400 naming it', () => {
    const repeated = (name: string, times = 2) => `parameter "${name}" is given ${times} times; give it once`;

    test('createItem?name=a&name=b creates no job', async () => {
      const res = await ctl.s.fetch('createItem?name=a&name=b', { method: 'POST', headers: { 'content-type': 'application/xml' }, body: freestyleXml({ command: 'true' }) });
      const e = await errorOf(res);
      assert.deepEqual([e.status, e.code, e.message, e.field], [400, 'STW_REQUEST_INVALID', repeated('name'), 'name']);
      assert.equal((await ctl.s.fetch('job/a/api/json')).status, 404);
    });

    test('build?delay=0&delay=1 and a rename with newName twice, in the query or the form, change nothing', async () => {
      await ctl.s.createJob('twice', freestyleXml({ command: 'true' }));
      const build = await errorOf(await post(ctl.s, 'job/twice/build?delay=0&delay=1'));
      assert.deepEqual([build.status, build.code, build.message], [400, 'STW_REQUEST_INVALID', repeated('delay')]);
      const renameQuery = await errorOf(await post(ctl.s, 'job/twice/doRename?newName=a&newName=b'));
      assert.deepEqual([renameQuery.status, renameQuery.message], [400, repeated('newName')]);
      const renameForm = await errorOf(await post(ctl.s, 'job/twice/doRename', 'newName=a&newName=b&newName=c'));
      assert.deepEqual([renameForm.status, renameForm.message], [400, repeated('newName', 3)]);
      const job = await ctl.s.json<{ name: string; builds: unknown[]; inQueue: boolean }>('job/twice/api/json');
      assert.deepEqual([job.name, job.builds, job.inQueue], ['twice', [], false]);
    });

    test('buildWithParameters with WHO twice starts no build', async () => {
      await ctl.s.createJob('who', freestyleXml({ command: 'echo "$WHO"', parameters: stringParam('WHO', 'nobody') }));
      const query = await errorOf(await post(ctl.s, 'job/who/buildWithParameters?WHO=a&WHO=b'));
      assert.deepEqual([query.status, query.code, query.message, query.field], [400, 'STW_REQUEST_INVALID', repeated('WHO'), 'WHO']);
      const form = await errorOf(await post(ctl.s, 'job/who/buildWithParameters', 'WHO=a&WHO=b'));
      assert.deepEqual([form.status, form.message], [400, repeated('WHO')]);
      const job = await ctl.s.json<{ builds: unknown[]; inQueue: boolean }>('job/who/api/json');
      assert.deepEqual([job.builds, job.inQueue], [[], false]);
    });

    test('GET /login?from=/a&from=/b answers 400 to anonymous', async () => {
      const e = await errorOf(await ctl.s.fetchAnonymous('login?from=/a&from=/b'));
      assert.deepEqual([e.status, e.code, e.message], [400, 'STW_REQUEST_INVALID', repeated('from')]);
    });

    test("a password given twice is refused, and neither password reaches the controller's log", async () => {
      const first = 'first-secret-7f3a9c';
      const second = 'second-secret-2b8e1d';
      const res = await post(ctl.s, `user/admin/password?password=${first}&password=${second}`);
      const e = await errorOf(res);
      assert.deepEqual([e.status, e.code, e.message], [400, 'STW_REQUEST_INVALID', repeated('password')]);
      const form = await errorOf(await post(ctl.s, 'user/admin/password', `password=${first}&password=${second}`));
      assert.equal(form.status, 400);
      await sleep(300); // the log is written asynchronously
      const logged = JSON.stringify(ctl.s.lines) + ctl.s.stderr.join('\n');
      assert.ok(!logged.includes(first) && !logged.includes(second), 'no password in the log');
      assert.equal((await login(ctl.s, await adminPassword(ctl.home), '/')).status, 302, "admin's password is unchanged");
    });
  });

  describe('the login redirect goes only to a path of this controller', () => {
    test('a from that a browser could read as another site, or that a header cannot hold, goes to / with the session set', async () => {
      const password = await adminPassword(ctl.home);
      const foreign = [
        '/\t/evil.example',
        '/\r/evil.example',
        '/\n/evil.example',
        '/\v/evil.example',
        '/\u3002/evil.example',
        '//evil.example',
        '/\\evil.example',
        ' //evil.example',
        'https://evil.example/',
        '/%2F/evil.example',
        '/%5Cevil.example',
        '/%09/evil.example',
        '/%252F/evil.example',
        '/job/x/\u0000',
        '',
      ];
      for (const from of foreign) {
        const res = await login(ctl.s, password, from);
        assert.equal(res.status, 302, `from ${JSON.stringify(from)}: ${await res.clone().text()}`);
        assert.equal(res.headers.get('location'), '/', `from ${JSON.stringify(from)}`);
        assert.ok(res.headers.getSetCookie().some((c) => c.startsWith('steward-session=')), `a session for from ${JSON.stringify(from)}`);
      }
      const own = await login(ctl.s, password, '/job/x/?tab=builds');
      assert.equal(own.headers.get('location'), '/job/x/?tab=builds');
    });

    test("the login page's form carries only a same-origin from", async () => {
      const evil = await (await ctl.s.fetchAnonymous(`login?from=${encodeURIComponent('/\t/evil.example')}`)).text();
      assert.match(evil, /name="from" value="\/"/);
      const own = await (await ctl.s.fetchAnonymous(`login?from=${encodeURIComponent('/job/x/')}`)).text();
      assert.match(own, /name="from" value="\/job\/x\/"/);
    });
  });

  describe('error answers carry a short X-Error', () => {
    test("an unknown parameter on a job with 5,000 parameters answers a 400 that Node's HTTP client reads", async () => {
      const parameters = Array.from({ length: 5000 }, (_, i) => stringParam(`PARAMETER_${i}`, '')).join('');
      await ctl.s.createJob('wide', freestyleXml({ command: 'true', parameters }));
      const res = await nodePost(new URL('job/wide/buildWithParameters?NOPE=1', ctl.s.url), ctl.s.authorization ?? '');
      assert.equal(res.status, 400);
      const xError = String(res.headers['x-error']);
      assert.ok(xError.length <= 200, `X-Error is ${xError.length} characters`);
      assert.match(xError, /^job defines no parameter named NOPE; it has: PARAMETER_0, /);
      const body = JSON.parse(res.body) as ErrorBody;
      assert.equal(body.error.code, 'STW_PARAMETER_INVALID');
      assert.ok(res.body.length < 4096, `the body is ${res.body.length} bytes`);
      assert.match(body.error.message, /and 4,9\d\d more$/);
    });

    test('the steward command prints the whole message that X-Error cuts', async () => {
      const stderr = await new Promise<string>((resolve) => {
        const args = [STEWARD_BIN, 'build', 'start', 'wide', '-p', 'NOPE=1', '--url', ctl.s.url, '--auth', `admin:${ctl.s.adminToken ?? ''}`];
        execFile(process.execPath, args, (_err, _stdout, err) => resolve(err));
      });
      assert.match(stderr, /job defines no parameter named NOPE; it has: PARAMETER_0, .* and 4,980 more/);
    });

    test('a URL that matches no route answers 404 with X-Error, and one with a bad escape 400 with X-Error', async () => {
      const res = await ctl.s.fetch('no/such/thing?x=1');
      const e = await errorOf(res);
      assert.deepEqual([e.status, e.code, e.xError], [404, 'STW_NOT_FOUND', 'nothing at GET /no/such/thing']);
      const bad = await errorOf(await ctl.s.fetch('job/%zz/api/json'));
      assert.deepEqual([bad.status, bad.code], [400, 'STW_REQUEST_INVALID']);
      assert.match(bad.xError ?? '', /^the URL is not valid: '\/job\/%zz\/api\/json' is not a valid url component$/);
    });
  });

  describe('numbers from requests are whole numbers in decimal digits', () => {
    test('progressiveText refuses a start that is hex, exponent, signed or empty', async () => {
      await ctl.s.createJob('logged', freestyleXml({ command: 'echo hello-log' }));
      const id = await ctl.s.queueBuild('logged');
      const n = await ctl.s.buildNumberOf(id);
      assert.equal(await ctl.s.waitForResult('logged', n), 'SUCCESS');
      for (const start of ['0x10', '1e3', '', '+1', ' 1', '1.0', '99999999999999999999']) {
        const e = await errorOf(await ctl.s.fetch(`job/logged/${n}/logText/progressiveText?start=${encodeURIComponent(start)}`));
        assert.deepEqual([e.status, e.code, e.field], [400, 'STW_REQUEST_INVALID', 'start'], `start=${JSON.stringify(start)}`);
      }
      const ok = await ctl.s.fetch(`job/logged/${n}/logText/progressiveText?start=0`);
      assert.equal(ok.status, 200);
      assert.match(await ok.text(), /hello-log/);
    });

    test('a queue id, a delay, a next build number and an executor count in another notation are refused', async () => {
      const id = await ctl.s.queueBuild('logged');
      assert.equal((await ctl.s.fetch(`queue/item/${id}/api/json`)).status, 200);
      assert.equal((await ctl.s.fetch(`queue/item/0x${id.toString(16)}/api/json`)).status, 404);
      assert.equal((await ctl.s.fetch(`queue/item/${id}.0/api/json`)).status, 404);
      for (const delay of ['0x10', '1e3', '-1']) {
        const e = await errorOf(await post(ctl.s, `job/logged/build?delay=${delay}`));
        assert.deepEqual([e.status, e.field], [400, 'delay'], `delay=${delay}`);
      }
      for (const next of ['0x10', '1e3', ' 7']) {
        const e = await errorOf(await post(ctl.s, 'job/logged/nextbuildnumber/submit', `nextBuildNumber=${encodeURIComponent(next)}`));
        assert.deepEqual([e.status, e.field], [400, 'nextBuildNumber'], `nextBuildNumber=${next}`);
      }
      for (const count of ['0x2', '2e0', '']) {
        const e = await errorOf(await post(ctl.s, 'computer/(built-in)/setNumExecutors', `numExecutors=${count}`));
        assert.deepEqual([e.status, e.field], [400, 'numExecutors'], `numExecutors=${count}`);
      }
    });
  });

  describe('an error shows at most 100 characters of a value from the request', () => {
    /** The answer to a request carrying one long value: a 4xx whose body is small and shows the value's start only. */
    async function assertShort(res: { status: number; body: string }, what: string): Promise<void> {
      assert.ok(res.status >= 400 && res.status < 500, `${what}: status ${res.status}`);
      assert.ok(res.body.length < 2048, `${what}: the body is ${res.body.length} bytes`);
      const message = (JSON.parse(res.body) as ErrorBody).error.message;
      assert.doesNotMatch(message, /x{101}/, `${what}: ${message}`);
    }
    const answer = async (res: Response) => ({ status: res.status, body: await res.text() });
    const value = 'x'.repeat(16 * 1024);
    // A URL and its headers must fit Node's 16 KiB header limit.
    const inUrl = 'x'.repeat(10 * 1024);

    test('a wrong password for a user id of 11,000 characters answers 401 with a body under 2 KiB', async () => {
      const res = await nodePost(new URL('api/json', ctl.s.url), `Basic ${Buffer.from(`${'x'.repeat(11_000)}:wrong`).toString('base64')}`);
      await assertShort(res, 'HTTP Basic');
      assert.equal(res.status, 401);
      assert.match((JSON.parse(res.body) as ErrorBody).error.message, /^Invalid password\/token for user: x{100}… \(11000 characters\)$/);
    });

    test('a start, next build number or executor count of 16 KiB answers 400 with a body under 2 KiB', async () => {
      await ctl.s.createJob('echoed', freestyleXml({ command: 'echo hi' }));
      const n = await ctl.s.buildNumberOf(await ctl.s.queueBuild('echoed'));
      assert.equal(await ctl.s.waitForResult('echoed', n), 'SUCCESS');
      await assertShort(await answer(await post(ctl.s, `job/echoed/${n}/logText/progressiveText`, `start=${value}`)), 'start');
      await assertShort(await answer(await post(ctl.s, 'job/echoed/nextbuildnumber/submit', `nextBuildNumber=${value}`)), 'nextBuildNumber');
      await assertShort(await answer(await post(ctl.s, 'computer/(built-in)/setNumExecutors', `numExecutors=${value}`)), 'numExecutors');
    });

    test('a delay, tree, createItem mode or source, path or artifact of 10 KiB answers 4xx with a body under 2 KiB', async () => {
      await assertShort(await answer(await post(ctl.s, `job/echoed/build?delay=${inUrl}`)), 'delay');
      await assertShort(await answer(await ctl.s.fetch(`api/json?tree=jobs[${inUrl}`)), 'tree');
      await assertShort(await answer(await post(ctl.s, `createItem?name=copy&mode=${inUrl}`)), 'mode');
      await assertShort(await answer(await post(ctl.s, `createItem?name=copy&mode=copy&from=${inUrl}`)), 'from');
      await assertShort(await answer(await ctl.s.fetch(`no/${inUrl}`)), 'path');
      await assertShort(await answer(await ctl.s.fetch(`job/echoed/1/artifact/${inUrl}`)), 'artifact');
      await assertShort(await answer(await ctl.s.fetch(`job/${inUrl}/api/json`)), 'job name');
      await assertShort(await answer(await ctl.s.fetch(`job/%zz${inUrl}/api/json`)), 'bad escape');
    });
  });
});
