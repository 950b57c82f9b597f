import { open, type FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';

import { homeIoError, isMissing } from './io-error.js';

/** Bytes read from the file at a time: what one reader holds, however large the file. */
export const RANGE_CHUNK_BYTES = 64 * 1024;

/**
 * A byte range of a file, to be read as a stream: `start` up to `end` (exclusive), the file's size
 * when it was opened. The stream reads `length` bytes in chunks of {@link RANGE_CHUNK_BYTES} and
 * only as fast as its consumer takes them, so a slow HTTP client stops the reading instead of
 * making it pile up in memory.
 */
export interface FileRange {
  readonly start: number;
  readonly end: number;
  readonly length: number;
  /** Closes the file when it ends or is destroyed; whoever takes a range must consume or destroy it. */
  readonly stream: Readable;
}

/** `abs` opened for reading; undefined when it does not exist, other failures named by `rel`. */
export async function openForReading(abs: string, rel: string): Promise<FileHandle | undefined> {
  try {
    return await open(abs, 'r');
  } catch (err) {
    if (isMissing(err)) return undefined;
    throw homeIoError('read', rel, err);
  }
}

/**
 * Opens `abs` (home-relative `rel`, for errors) and takes its range from `start` to its size now;
 * a start past the end gives an empty range. The file is opened once: the stream reads what was
 * there when asked even if the file is replaced or removed meanwhile. Undefined when it does not
 * exist.
 */
export async function openFileRange(abs: string, rel: string, start: number): Promise<FileRange | undefined> {
  const handle = await openForReading(abs, rel);
  if (handle === undefined) return undefined;
  let size;
  try {
    size = (await handle.stat()).size;
  } catch (err) {
    await handle.close();
    throw homeIoError('read', rel, err);
  }
  if (size <= start) {
    await handle.close();
    return { start, end: start, length: 0, stream: Readable.from([]) };
  }
  // `end` of createReadStream is inclusive.
  const stream = handle.createReadStream({ start, end: size - 1, highWaterMark: RANGE_CHUNK_BYTES });
  return { start, end: size, length: size - start, stream };
}
