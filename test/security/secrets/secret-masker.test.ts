import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { describe, test } from 'node:test';
import { SecretMasker } from '../../../src/security/secrets/index.js';

/** Feeds `input` to a stream masker cut at `cuts` (byte offsets) and returns the whole output. */
function maskInChunks(masker: SecretMasker, input: string, cuts: number[]): string {
  const bytes = Buffer.from(input, 'utf8');
  const stream = masker.stream();
  const out: Buffer[] = [];
  let from = 0;
  for (const cut of [...cuts, bytes.length]) {
    out.push(stream.write(bytes.subarray(from, cut)));
    from = cut;
  }
  out.push(stream.end());
  return Buffer.concat(out).toString('utf8');
}

describe('secret masking in logs', () => {
  test('every occurrence of every secret is replaced by ****', () => {
    const masker = new SecretMasker(['hunter2', 'tok-ABC']);
    assert.equal(masker.maskText('pw=hunter2 token=tok-ABC again hunter2'), 'pw=**** token=**** again ****');
  });

  test('a secret split across two chunks is masked, at every split point', () => {
    const masker = new SecretMasker(['hunter2']);
    const line = 'login with hunter2 now\n';
    for (let cut = 0; cut <= Buffer.byteLength(line); cut++) {
      assert.equal(maskInChunks(masker, line, [cut]), 'login with **** now\n', `cut at ${cut}`);
    }
  });

  test('a secret spread over many one-byte chunks is masked, and a secret with multi-byte characters too', () => {
    const masker = new SecretMasker(['pässwörd☃']);
    const line = 'a pässwörd☃ b pässwörX';
    const cuts = Array.from({ length: Buffer.byteLength(line) - 1 }, (_, i) => i + 1);
    assert.equal(maskInChunks(masker, line, cuts), 'a **** b pässwörX');
  });

  test('a chunk releases everything but a possible start of a secret, held at most the longest secret minus one byte', () => {
    const stream = new SecretMasker(['hunter2', 'abc']).stream();
    assert.equal(stream.write(Buffer.from('output hun')).toString(), 'output ');
    assert.equal(stream.write(Buffer.from('gry\n')).toString(), 'hungry\n');
    assert.equal(stream.write(Buffer.from('xxxxxxxxxxhunter')).toString(), 'xxxxxxxxxx');
    assert.equal(stream.end().toString(), 'hunter', 'an unfinished secret is released at the end');
  });

  test('of overlapping secrets the leftmost and then the longest is masked, in chunks as in whole text', () => {
    const masker = new SecretMasker(['abcd', 'bc', 'cdef']);
    const input = 'xabcdefx abc bcdef';
    const whole = masker.maskText(input);
    assert.equal(whole, 'x****efx a**** ****def');
    for (let i = 0; i < 200; i++) {
      const cuts = [randomInt(0, 19), randomInt(0, 19), randomInt(0, 19)].sort((a, b) => a - b);
      assert.equal(maskInChunks(masker, input, cuts), whole, `cuts ${cuts.join(',')}`);
    }
  });

  test('empty secrets are ignored, and with no secrets text passes unchanged', () => {
    const masker = new SecretMasker(['', '']);
    assert.equal(masker.isEmpty, true);
    assert.equal(masker.maskText('nothing to hide'), 'nothing to hide');
    assert.equal(maskInChunks(masker, 'nothing to hide', [3, 7]), 'nothing to hide');
    assert.equal(new SecretMasker(['', 's3']).maskText('a s3 b'), 'a **** b');
  });

  test('the transform stream masks a secret split across the chunks flowing through it', async () => {
    const masker = new SecretMasker(['hunter2']);
    const source = Readable.from([Buffer.from('pw: hun'), Buffer.from('te'), Buffer.from('r2\ndone hunt')]);
    assert.equal(await text(source.pipe(masker.transform())), 'pw: ****\ndone hunt');
  });
});
