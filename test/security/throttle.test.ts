import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { isStewardError } from '../../src/errors/index.js';
import { LoginThrottle, type LoginAttempt, type Reservation } from '../../src/security/index.js';

/** The attempt of a reservation that must have been allowed. */
function attemptOf(r: Reservation | undefined): LoginAttempt {
  assert.ok(r?.allowed === true, 'the attempt was allowed');
  return r.attempt;
}

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
    assert.deepEqual(throttle.check('bob'), { allowed: false, retryAfterMs: 30_000, lockedBy: 'user' });
    assert.throws(() => throttle.assertAllowed('bob'), (e: unknown) => isStewardError(e, 'STW_LOGIN_THROTTLED') && /30 s/.test(e.message));
    assert.deepEqual(throttle.check('alice'), { allowed: true }, 'other users are not affected');
    c.advance(30_000);
    assert.deepEqual(throttle.check('bob'), { allowed: true });
    for (let i = 0; i < 5; i++) throttle.recordFailure('bob');
    assert.deepEqual(throttle.check('bob'), { allowed: false, retryAfterMs: 60_000, lockedBy: 'user' }, 'the second lock is twice as long');
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

  test('attempts being checked count as failures: a sixth attempt at once is refused until they end', () => {
    const c = clock();
    const throttle = new LoginThrottle({ now: c.now });
    const attempts = Array.from({ length: 5 }, (_, i) => throttle.reserve('bob', `10.0.0.${i}`));
    assert.ok(attempts.every((a) => a.allowed));
    assert.deepEqual(throttle.reserve('bob', '10.0.0.99'), { allowed: false, retryAfterMs: 1000, lockedBy: 'user' });
    for (const a of attempts.slice(0, 4)) attemptOf(a).end('failed');
    assert.deepEqual(throttle.check('bob'), { allowed: false, retryAfterMs: 1000, lockedBy: 'user' }, 'four failures and one still being checked');
    attemptOf(attempts[4]).end('failed');
    assert.deepEqual(throttle.check('bob'), { allowed: false, retryAfterMs: 30_000, lockedBy: 'user' }, 'the fifth failure locks');
  });

  test('an attempt that succeeds while others are checked resets the failures but not what is under way', () => {
    const c = clock();
    const throttle = new LoginThrottle({ now: c.now });
    const attempts = Array.from({ length: 5 }, () => throttle.reserve('bob'));
    attemptOf(attempts[0]).end('succeeded');
    assert.equal(throttle.reserve('bob').allowed, true, 'one place is free again');
    assert.equal(throttle.reserve('bob').allowed, false, 'the four still being checked and the new one fill it');
  });

  test('a refusal names the lock of the address when only the address is locked', () => {
    const c = clock();
    const throttle = new LoginThrottle({ now: c.now });
    for (let i = 0; i < 5; i++) throttle.recordFailure(`user${i}`, '10.0.0.9');
    assert.deepEqual(throttle.reserve('someone-new', '10.0.0.9'), { allowed: false, retryAfterMs: 30_000, lockedBy: 'address' });
  });

  test('memory stays bounded under a flood of user ids', () => {
    const throttle = new LoginThrottle({ maxEntries: 100 });
    for (let i = 0; i < 10_000; i++) throttle.recordFailure(`u${i}`, '10.0.0.1');
    assert.ok(throttle.size <= 100);
    assert.equal(throttle.check('anyone', '10.0.0.1').allowed, false, 'the busy address is the most recent entry and stays');
  });

  test('a flood of other user ids does not evict a user id whose attempts are being checked', () => {
    const throttle = new LoginThrottle({ maxEntries: 100 });
    const checking = Array.from({ length: 5 }, () => attemptOf(throttle.reserve('bob')));
    for (let i = 0; i < 10_000; i++) attemptOf(throttle.reserve(`u${i}`)).end('failed');
    assert.equal(throttle.check('bob').allowed, false, 'the five attempts under way still count');
    for (const a of checking) a.end('failed');
    assert.deepEqual(throttle.check('bob'), { allowed: false, retryAfterMs: 30_000, lockedBy: 'user' }, 'and their failures lock bob');
    assert.ok(throttle.size <= 101, `${throttle.size} entries are tracked`);
  });
});
