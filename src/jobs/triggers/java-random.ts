import { createHash } from 'node:crypto';

/**
 * java.util.Random, bit for bit, so that `H` in a cron spec picks the same minute Jenkins picks for
 * the same job name (hudson.scheduler.Hash: MD5 of the name folded to 64 bits seeds a Random).
 */
export class JavaRandom {
  #seed: bigint;
  static readonly #MULT = 0x5deece66dn;
  static readonly #MASK = (1n << 48n) - 1n;

  constructor(seed: bigint) {
    this.#seed = (seed ^ JavaRandom.#MULT) & JavaRandom.#MASK;
  }

  #next(bits: number): number {
    this.#seed = (this.#seed * JavaRandom.#MULT + 0xbn) & JavaRandom.#MASK;
    // (int)(seed >>> (48 - bits)), as a signed 32-bit value
    return Number(BigInt.asIntN(32, this.#seed >> BigInt(48 - bits)));
  }

  nextInt(bound: number): number {
    if (bound <= 0) throw new RangeError('bound must be positive');
    if ((bound & -bound) === bound) {
      return Number((BigInt(bound) * BigInt(this.#next(31))) >> 31n);
    }
    let bits: number;
    let val: number;
    do {
      bits = this.#next(31);
      val = bits % bound;
      // Java retries when `bits - val + (bound - 1)` overflows a 32-bit int.
    } while (bits - val + (bound - 1) > 0x7fffffff);
    return val;
  }
}

/** Jenkins' Hash.from(seed): a source of numbers fixed by the job's full name. */
export function jenkinsHash(seed: string): (n: number) => number {
  const digest = createHash('md5').update(seed, 'utf8').digest();
  for (let i = 8; i < digest.length; i++) digest[i % 8] = (digest[i % 8] as number) ^ (digest[i] as number);
  let l = 0n;
  for (let i = 0; i < 8; i++) l = (l << 8n) + BigInt(digest[i] as number);
  const rnd = new JavaRandom(BigInt.asIntN(64, l));
  return (n) => rnd.nextInt(n);
}
