import { open } from 'node:fs/promises';

import { errnoCode } from './io-error.js';

/**
 * fsyncs a folder, making the creations, renames and removals in it durable. File systems that
 * cannot fsync a folder (EINVAL, ENOTSUP) are as durable as they make it; that is not an error.
 */
export async function fsyncDir(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch (err) {
    const code = errnoCode(err);
    if (code !== 'EINVAL' && code !== 'ENOTSUP') throw err;
  } finally {
    await handle?.close();
  }
}
