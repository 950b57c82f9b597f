import { readFileSync } from 'node:fs';

import { StewardError } from '../errors/index.js';
import type { Lease } from '../ha/index.js';
import { isMissing } from './io-error.js';

/** Decides whether this process may write to the home right now. */
export interface Fence {
  /** Resolves when writing is allowed; throws a StewardError (STW_LEASE_LOST, STW_HOME_FENCED...) when not. */
  assertWritable(): Promise<void>;
  /**
   * Throws (STW_LEASE_LOST) when the lease is no longer held, at once and without I/O: what an
   * append checks every time, between the fuller checks of assertWritable it may skip.
   */
  assertHeld(): void;
}

/**
 * The fence of an active controller: writing is allowed while `lease` is held and no other
 * controller has written a higher epoch to `epochFile` (`<home>/.steward/epoch`). A deposed
 * controller (paused, partitioned) therefore cannot overwrite what its successor wrote.
 *
 * The check is made before the write, so a takeover that lands between check and write is not
 * seen; the home store narrows that window by checking again just before it publishes a write.
 */
export function leaseFence(lease: Lease, epochFile: string): Fence {
  const assertHeld = (): void => {
    if (!lease.held) {
      throw new StewardError(
        'STW_LEASE_LOST',
        `this controller no longer holds the lease (epoch ${lease.epoch}) and stops writing to the home`,
      );
    }
  };
  return {
    assertHeld,
    async assertWritable(): Promise<void> {
      assertHeld();
      const current = readEpochFile(epochFile);
      if (current > lease.epoch) {
        throw new StewardError(
          'STW_HOME_FENCED',
          `another controller took over the home with epoch ${current}; this one holds epoch ` +
            `${lease.epoch} and stops writing`,
        );
      }
    },
  };
}

/** A fence that its owner can shut for good, on top of another. */
export interface StoppableFence extends Fence {
  /** From now on every write is refused (STW_LEASE_LOST, with `reason`). */
  stop(reason: string): void;
}

/**
 * `inner`, until stop(): a controller that steps down while it still holds the lease (its
 * built-in node's launcher stopped, most likely because the lease is about to be lost) stops
 * writing at that instant. Otherwise it would go on writing while it closes (the end of its
 * built-in node's builds, queue.xml) into a home that the next active controller is about to own.
 */
export function stoppableFence(inner: Fence): StoppableFence {
  let stopped: string | undefined;
  const assertNotStopped = (): void => {
    if (stopped !== undefined) throw new StewardError('STW_LEASE_LOST', `this controller stepped down (${stopped}) and stops writing to the home`);
  };
  return {
    stop(reason) {
      stopped ??= reason;
    },
    assertHeld() {
      assertNotStopped();
      inner.assertHeld();
    },
    async assertWritable() {
      assertNotStopped();
      await inner.assertWritable();
      assertNotStopped();
    },
  };
}

/**
 * Reads an epoch file: a decimal integer, optionally followed by a newline. A missing file is
 * epoch 0. A damaged one is an error (STW_HOME_IO): reading it as 0 would let a deposed
 * controller write again. The read is synchronous: a few bytes in the page cache cost less than
 * the round trips of an asynchronous read through libuv's thread pool, and a build's set-up waits
 * for it.
 */
export function readEpochFile(path: string): number {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if (isMissing(err)) return 0;
    throw new StewardError('STW_HOME_IO', `could not read the epoch file ${path}, so writing is refused`, {
      cause: err,
      file: path,
    });
  }
  const match = /^\s*(\d+)\s*$/.exec(text);
  const epoch = match?.[1] === undefined ? Number.NaN : Number(match[1]);
  if (!Number.isSafeInteger(epoch)) {
    throw new StewardError(
      'STW_HOME_IO',
      `the epoch file ${path} does not hold a number, so writing is refused; it should hold the ` +
        `active controller's epoch`,
      { file: path },
    );
  }
  return epoch;
}
