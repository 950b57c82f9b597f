import { readFileSync } from 'node:fs';
import assert from 'node:assert/strict';
import { isStewardError, type ErrorCode, type StewardError } from '../../../src/errors/index.js';
import type { Step } from '../../../src/jobs/index.js';

export function fixture(name: string): string {
  return readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
}

/** Runs `fn`, asserts it throws a StewardError with `code`, and returns the error. */
export function catchSteward(code: ErrorCode, fn: () => unknown): StewardError {
  try {
    fn();
  } catch (err) {
    assert.ok(isStewardError(err, code), `expected ${code}, got ${String(err)}`);
    return err;
  }
  assert.fail(`expected ${code}, but nothing was thrown`);
}

/** The `i`th step of a list, asserting it is there. */
export function at(list: readonly Step[], i: number): Step {
  const step = list[i];
  assert.ok(step !== undefined);
  return step;
}
