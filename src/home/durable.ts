import { open } from 'node:fs/promises';

import { errnoCode } from './io-error.js';

/**
 * fsyncs made of home files by this process (files, folders, logs, the journal): what a build's
 * durability costs, counted for the metrics (`steward_home_fsyncs_total`) and the benchmarks.
 */
export const fsyncCount = { value: 0 };

/**
 * fsyncs a folder, making the creations, renames and removals in it durable. File systems that
 * cannot fsync a folder (EINVAL, ENOTSUP) are as durable as they make it; that is not an error.
 */
export async function fsyncDir(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, 'r');
    fsyncCount.value++;
    await handle.sync();
  } catch (err) {
    const code = errnoCode(err);
    if (code !== 'EINVAL' && code !== 'ENOTSUP') throw err;
  } finally {
    await handle?.close();
  }
}
