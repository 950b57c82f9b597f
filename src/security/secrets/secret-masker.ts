import { Transform } from 'node:stream';

import { StewardError } from '../../errors/index.js';

/** What a secret is replaced with, as Jenkins' credentials binding does. */
export const MASK = '****';
const MASK_BYTES = Buffer.from(MASK, 'utf8');

/**
 * Masks a stream of chunks (a build log). A secret split across chunks is still masked: the last
 * bytes of a chunk that could start a secret (at most the longest secret's length - 1) are held
 * back until the next chunk decides them, so `write` may return fewer bytes than it was given.
 * Call `end` when the stream ends, to get what is held back.
 */
export interface ChunkMasker {
  /** The masked bytes that can be released now. */
  write(chunk: Buffer | string): Buffer;
  /** The masked rest. The masker is not used after this. */
  end(): Buffer;
}

/**
 * Replaces secrets (password parameters, credentials) with `****` in text and in byte streams
 * (UTF-8). Empty secrets are ignored. Where secrets overlap, the leftmost match wins, and of those
 * starting at one place the longest; a stream is masked exactly as its whole text would be.
 */
export class SecretMasker {
  /** Longest first, so that of matches starting at one place the longest is found first. */
  readonly #secrets: readonly Buffer[];
  readonly #maxLength: number;

  constructor(secrets: Iterable<string>) {
    const unique = new Set<string>();
    for (const secret of secrets) if (secret.length > 0) unique.add(secret);
    this.#secrets = [...unique].map((s) => Buffer.from(s, 'utf8')).sort((a, b) => b.length - a.length);
    this.#maxLength = this.#secrets[0]?.length ?? 0;
  }

  /** Whether there is nothing to mask. */
  get isEmpty(): boolean {
    return this.#secrets.length === 0;
  }

  /** `text` with every secret replaced. */
  maskText(text: string): string {
    if (this.isEmpty) return text;
    return this.maskBuffer(Buffer.from(text, 'utf8')).toString('utf8');
  }

  /** `data` (UTF-8) with every secret replaced. */
  maskBuffer(data: Buffer): Buffer {
    if (this.isEmpty) return data;
    return Buffer.concat(scan(data, this.#secrets, 0).out);
  }

  /** A masker for one stream of chunks. */
  stream(): ChunkMasker {
    const secrets = this.#secrets;
    const hold = Math.max(0, this.#maxLength - 1);
    let pending = Buffer.alloc(0);
    let ended = false;
    return {
      write(chunk) {
        if (ended) throw new StewardError('STW_INTERNAL', 'a build log was written to its secret masker after it ended');
        const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
        if (secrets.length === 0) return bytes;
        const result = scan(pending.length === 0 ? bytes : Buffer.concat([pending, bytes]), secrets, hold);
        pending = Buffer.from(result.rest); // a copy: do not keep the caller's whole chunk alive
        return Buffer.concat(result.out);
      },
      end() {
        ended = true;
        const result = scan(pending, secrets, 0);
        pending = Buffer.alloc(0);
        return Buffer.concat(result.out);
      },
    };
  }

  /** A Transform stream that masks what flows through it (for piping a build's console log). */
  transform(): Transform {
    const masker = this.stream();
    return new Transform({
      transform(chunk: Buffer | string, _encoding, callback) {
        callback(null, masker.write(chunk));
      },
      flush(callback) {
        callback(null, masker.end());
      },
    });
  }
}

/**
 * Masks `data` from the left. With `hold` > 0 more data may follow: the earliest position in the
 * last `hold` bytes where the rest of `data` is a proper prefix of a secret is held back (`rest`),
 * and no match starting at or after it is taken yet, since the next bytes may make a longer or
 * earlier match there.
 */
function scan(data: Buffer, secrets: readonly Buffer[], hold: number): { out: Buffer[]; rest: Buffer } {
  const partials = hold > 0 ? partialStarts(data, secrets, hold) : [];
  const next = secrets.map((s) => data.indexOf(s));
  const out: Buffer[] = [];
  let p = 0;
  for (;;) {
    let best = -1;
    let at = Number.POSITIVE_INFINITY;
    for (let i = 0; i < secrets.length; i++) {
      let found = next[i] ?? -1;
      if (found !== -1 && found < p) next[i] = found = data.indexOf(secrets[i] as Buffer, p);
      if (found !== -1 && found < at) {
        at = found;
        best = i;
      }
    }
    const held = partials.find((j) => j >= p) ?? data.length;
    if (best !== -1 && at < held) {
      if (at > p) out.push(data.subarray(p, at));
      out.push(MASK_BYTES);
      p = at + (secrets[best] as Buffer).length;
      continue;
    }
    if (held > p) out.push(data.subarray(p, held));
    return { out, rest: data.subarray(held) };
  }
}

/** Ascending positions j in the last `hold` bytes where data[j..] is a proper prefix of a secret. */
function partialStarts(data: Buffer, secrets: readonly Buffer[], hold: number): number[] {
  const starts: number[] = [];
  for (let j = Math.max(0, data.length - hold); j < data.length; j++) {
    const tail = data.subarray(j);
    if (secrets.some((s) => s.length > tail.length && s.subarray(0, tail.length).equals(tail))) starts.push(j);
  }
  return starts;
}
