import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isStewardError } from '../../src/errors/index.js';
import { checkJobName } from '../../src/jobs/index.js';

function refusal(name: string): string {
  try {
    checkJobName(name);
  } catch (err) {
    assert.ok(isStewardError(err, 'STW_NAME_INVALID'), `expected STW_NAME_INVALID, got ${String(err)}`);
    assert.equal(err.field, 'name');
    return err.message;
  }
  assert.fail(`${JSON.stringify(name)} was accepted`);
}

describe('job names', () => {
  test('the length limit counts UTF-8 bytes, so that the folder and its temporary name fit the file system', () => {
    assert.equal(checkJobName('é'.repeat(118)), 'é'.repeat(118));
    assert.equal(refusal('é'.repeat(128)), 'a job name is at most 237 bytes in UTF-8; this one has 256');
    assert.equal(checkJobName('a'.repeat(237)), 'a'.repeat(237));
    assert.match(refusal('a'.repeat(238)), /at most 237 bytes/);
  });

  test('a name starting with a dot is refused: the home keeps its own files under such names', () => {
    for (const name of ['.hidden', '...', '.x.tmp-0123456789ab']) {
      assert.equal(refusal(name), `a job name may not start with '.' ("${name}")`);
    }
    assert.equal(checkJobName('a.b.'), 'a.b.');
  });

  test('control, format and separator characters are refused, named as U+XXXX with their position', () => {
    assert.equal(refusal('ab\u007f'), 'the job name holds U+007F (a control character) at position 3; choose a name without it');
    assert.equal(refusal('x\u0085'), 'the job name holds U+0085 (a control character) at position 2; choose a name without it');
    assert.equal(refusal('\u009bx'), 'the job name holds U+009B (a control character) at position 1; choose a name without it');
    assert.equal(refusal('a\u200bb'), 'the job name holds U+200B (an invisible formatting character) at position 2; choose a name without it');
    assert.equal(refusal('evil\u202Etxt'), 'the job name holds U+202E (an invisible formatting character) at position 5; choose a name without it');
    assert.match(refusal('a\u2028b'), /U\+2028 \(a line or paragraph separator\) at position 2/);
    assert.match(refusal('a\uFFFEb'), /U\+FFFE \(a noncharacter\) at position 2/);
    assert.match(refusal('a\uD800b'), /U\+D800 \(a lone surrogate\) at position 2/);
    assert.match(refusal('a\tb'), /U\+0009/);
    // Positions count characters, not UTF-16 units.
    assert.match(refusal('😀\u200b'), /at position 2/);
    assert.equal(checkJobName('déjà vu 😀'), 'déjà vu 😀');
  });
});
