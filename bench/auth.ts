/**
 * What authentication costs a request made with an API token (HTTP Basic user:token), the way
 * scripts and CI tools call the API.
 *
 * 1. In the controller's own code: `authenticate` (decode the header, check the token: a cache
 *    hit is one SHA-256 and a map lookup) plus the Overall/Read check, timed call by call on a
 *    real home with 200 users of 3 tokens each. Also the first, uncached, check of a token.
 * 2. Over HTTP against a real controller: GET /whoAmI/api/json with the token against the same
 *    request anonymous (the one path that answers both), interleaved, one at a time on a
 *    keep-alive connection. The difference of the medians is what the token costs end to end.
 *
 *   node --import tsx bench/auth.ts            # 200,000 calls, 5,000 requests of each kind
 *   BENCH_QUICK=1 node --import tsx bench/auth.ts
 *
 * Goal: under 0.2 ms per request at p50.
 */
import path from 'node:path';
import { pino } from 'pino';

import { ExtensionRegistry } from '../src/extensions/index.js';
import { Permissions, Security, DEFAULT_SECURITY_XML } from '../src/security/index.js';
import { parseXml } from '../src/xml/index.js';
import { authenticate } from '../src/web/auth.js';
import { openHome } from '../test/security/home.js';
import { basic } from '../test/support/steward-process.js';
import { Controller, QUICK, machineLine, scratchDir, summary } from './lib.js';

const CALLS = QUICK ? 20_000 : 200_000;
const USERS = QUICK ? 50 : 200;
const REQUESTS = QUICK ? 500 : 5000;
const GOAL_MS = 0.2;

const us = (ms: number): string => `${(ms * 1000).toFixed(2)} µs`;

console.log(machineLine());

// --- 1. in process -------------------------------------------------------------------------------
await using home = await openHome();
const security = await Security.load({
  store: home.store,
  extensions: new ExtensionRegistry(),
  logger: pino({ level: 'silent' }),
  config: parseXml(DEFAULT_SECURITY_XML, 'config.xml').root,
});
const users = security.users!;
const t0 = performance.now();
const tokens: string[] = [];
for (let i = 0; i < USERS; i++) {
  const id = `user${i}`;
  // One password hash per user is most of the set-up time.
  await users.createUser(id, `password-of-${id}`);
  for (let k = 0; k < 3; k++) {
    const made = await users.createToken(id, `token ${k}`);
    if (k === 0) tokens.push(basic(id, made.token));
  }
}
console.log(`set up ${USERS} users with 3 tokens each in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

const uncached: number[] = [];
for (const header of tokens) {
  const a = performance.now();
  const who = await authenticate(security, header, undefined, '127.0.0.1');
  if (!security.strategy.hasPermission(who.auth, Permissions.READ)) throw new Error('not allowed');
  uncached.push(performance.now() - a);
}
const cached: number[] = [];
for (let i = 0; i < CALLS; i++) {
  const header = tokens[i % tokens.length]!;
  const a = performance.now();
  const who = await authenticate(security, header, undefined, '127.0.0.1');
  if (who.via !== 'token' || !security.strategy.hasPermission(who.auth, Permissions.READ)) throw new Error('not allowed');
  cached.push(performance.now() - a);
}
await security.close();
const c = summary(cached);
const u = summary(uncached);
console.log(`token check + Overall/Read, cached (${c.n} calls): p50 ${us(c.p50)}, p90 ${us(c.p90)}, p99 ${us(c.p99)}, mean ${us(c.mean)}`);
console.log(`token check + Overall/Read, first time per token (${u.n} calls): p50 ${us(u.p50)}, p99 ${us(u.p99)}`);

// --- 2. over HTTP --------------------------------------------------------------------------------
const dir = scratchDir('auth');
const controller = await Controller.start(path.join(dir, 'home'), { logFile: path.join(dir, 'controller.log') });
try {
  const url = new URL('whoAmI/api/json', controller.url);
  const get = async (headers: Record<string, string>): Promise<number> => {
    const a = performance.now();
    const res = await fetch(url, { headers });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`GET ${url.pathname}: ${res.status}`);
    return performance.now() - a;
  };
  const withToken = { authorization: controller.authorization! };
  for (let i = 0; i < 200; i++) {
    await get(withToken);
    await get({});
  }
  const authed: number[] = [];
  const anonymous: number[] = [];
  for (let i = 0; i < REQUESTS; i++) {
    authed.push(await get(withToken));
    anonymous.push(await get({}));
  }
  const a = summary(authed);
  const n = summary(anonymous);
  const overhead = a.p50 - n.p50;
  console.log(`GET /whoAmI/api/json with a token (${a.n}): p50 ${a.p50.toFixed(3)} ms, p99 ${a.p99.toFixed(3)} ms`);
  console.log(`GET /whoAmI/api/json anonymous    (${n.n}): p50 ${n.p50.toFixed(3)} ms, p99 ${n.p99.toFixed(3)} ms`);
  console.log(`token authentication over HTTP: +${overhead.toFixed(3)} ms at p50`);
  const worst = Math.max(c.p50, overhead);
  console.log(`goal: authenticated request overhead under ${GOAL_MS} ms at p50: ${worst < GOAL_MS ? 'met' : 'MISSED'} (in process ${us(c.p50)}, over HTTP ${overhead.toFixed(3)} ms)`);
} finally {
  await controller.stop();
}
