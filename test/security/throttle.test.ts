import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { isStewardError } from '../../src/errors/index.js';
import { LoginThrottle } from '../../src/security/index.js';

function clock(): { now: () => number; advance: (ms: number) => void } {
  let t = 1_000_000;
  return { now: () => t, advance: (ms) => (t += ms) };
}

describe('login throttling', () => {
  test('five failures lock the user id, for longer each time', () => {
    const c = clock();
    const throttle = new LoginThrottle({ now: c.now, baseDelayMs: 30_000 });
    for (let i = 0; i < 4; i++) throttle.recordFailure('bob');
    assert.deepEqual(throttle.check('bob'), { allowed: true });
    throttle.recordFailure('BOB');
    assert.deepEqual(throttle.check('bob'), { allowed: false, retryAfterMs: 30_000 });
    assert.throws(() => throttle.assertAllowed('bob'), (e: unknown) => isStewardError(e, 'STW_LOGIN_THROTTLED') && /30 s/.test(e.message));
    assert.deepEqual(throttle.check('alice'), { allowed: true }, 'other users are not affected');
    c.advance(30_000);
    assert.deepEqual(throttle.check('bob'), { allowed: true });
    for (let i = 0; i < 5; i++) throttle.recordFailure('bob');
    assert.deepEqual(throttle.check('bob'), { allowed: false, retryAfterMs: 60_000 }, 'the second lock is twice as long');
  });

  test('failures from one address lock that address for every user id', () => {
    const c = clock();
    const throttle = new LoginThrottle({ now: c.now });
    for (let i = 0; i < 5; i++) throttle.recordFailure(`user${i}`, '10.0.0.9');
    assert.equal(throttle.check('someone-else', '10.0.0.9').allowed, false);
    assert.equal(throttle.check('someone-else', '10.0.0.10').allowed, true);
  });

  test('a successful login resets the user id but not the address', () => {
    const c = clock();
    const throttle = new LoginThrottle({ now: c.now });
    for (let i = 0; i < 4; i++) throttle.recordFailure('bob', '10.0.0.9');
    throttle.recordSuccess('bob');
    throttle.recordFailure('bob', '10.0.0.8');
    assert.equal(throttle.check('bob').allowed, true, 'the user count started again');
    throttle.recordFailure('carol', '10.0.0.9');
    assert.equal(throttle.check('dave', '10.0.0.9').allowed, false, 'the address count did not');
  });

  test('failures older than the window are forgotten', () => {
    const c = clock();
    const throttle = new LoginThrottle({ now: c.now, windowMs: 60_000 });
    for (let i = 0; i < 4; i++) throttle.recordFailure('bob');
    c.advance(60_001);
    throttle.recordFailure('bob');
    assert.equal(throttle.check('bob').allowed, true);
  });

  test('memory stays bounded under a flood of user ids', () => {
    const throttle = new LoginThrottle({ maxEntries: 100 });
    for (let i = 0; i < 10_000; i++) throttle.recordFailure(`u${i}`, '10.0.0.1');
    assert.ok(throttle.size <= 100);
    assert.equal(throttle.check('anyone', '10.0.0.1').allowed, false, 'the busy address is the most recent entry and stays');
  });
});
