/**
 * Binary frames: a step's output and a file's bytes, with a small header instead of JSON, so that
 * a log crosses the link at close to the speed of a raw socket copy.
 *
 *   byte 0        kind: 1 step output (id = step id), 2 file bytes (id = the readFile's req)
 *   byte 1        n, the id's length in bytes (1..64)
 *   bytes 2..2+n  the id, UTF-8
 *   next 8 bytes  offset of the payload's first byte in its stream, unsigned big-endian (< 2^53)
 *   the rest      the payload
 */
import { MAX_STEP_ID_LENGTH } from './network.js';
import { fail } from './fields.js';

export const FRAME_OUTPUT = 1;
export const FRAME_FILE = 2;

export type FrameKind = typeof FRAME_OUTPUT | typeof FRAME_FILE;

export interface DataFrame {
  kind: FrameKind;
  id: string;
  offset: number;
  payload: Buffer;
}

/** The header of a frame; the payload is sent after it (ws joins the two without a copy). */
export function frameHeader(kind: FrameKind, id: string, offset: number): Buffer {
  const idBytes = Buffer.from(id, 'utf8');
  if (idBytes.length === 0 || idBytes.length > MAX_STEP_ID_LENGTH) throw new RangeError(`a frame id is 1 to ${MAX_STEP_ID_LENGTH} bytes, not ${idBytes.length}`);
  const header = Buffer.allocUnsafe(2 + idBytes.length + 8);
  header[0] = kind;
  header[1] = idBytes.length;
  idBytes.copy(header, 2);
  header.writeBigUInt64BE(BigInt(offset), 2 + idBytes.length);
  return header;
}

/** A whole frame in one buffer. */
export function encodeFrame(kind: FrameKind, id: string, offset: number, payload: Uint8Array): Buffer {
  return Buffer.concat([frameHeader(kind, id, offset), payload]);
}

/** Reads a binary frame, refusing one whose header is wrong (naming the field). */
export function decodeFrame(data: Buffer): DataFrame {
  if (data.length < 2) fail(`a binary frame has a header of at least 11 bytes, not ${data.length}`, 'frame');
  const kind = data[0];
  if (kind !== FRAME_OUTPUT && kind !== FRAME_FILE) fail(`frame kind ${String(kind)} is not ${FRAME_OUTPUT} (output) or ${FRAME_FILE} (file)`, 'frame.kind');
  const n = data[1] ?? 0;
  if (n === 0 || n > MAX_STEP_ID_LENGTH) fail(`frame id length ${n} is not from 1 to ${MAX_STEP_ID_LENGTH}`, 'frame.id');
  if (data.length < 2 + n + 8) fail(`a binary frame with an id of ${n} bytes has a header of ${2 + n + 8} bytes, not ${data.length}`, 'frame');
  const id = data.toString('utf8', 2, 2 + n);
  const big = data.readBigUInt64BE(2 + n);
  if (big > BigInt(Number.MAX_SAFE_INTEGER)) fail(`frame offset ${big} is past 2^53`, 'frame.offset');
  return { kind, id, offset: Number(big), payload: data.subarray(2 + n + 8) };
}
