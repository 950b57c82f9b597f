import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isStewardError } from '../../../src/errors/index.js';
import { parseJenkinsCron } from '../../../src/jobs/index.js';
import { JavaRandom, jenkinsHash } from '../../../src/jobs/triggers/java-random.js';

const where = { file: 'jobs/x/config.xml', field: 'triggers/hudson.triggers.TimerTrigger/spec' };
const patterns = (spec: string, job = 'my-job') => parseJenkinsCron(spec, job, where).map((l) => l.pattern);

describe("Jenkins' cron syntax", () => {
  // Reference values printed by java.util.Random and Jenkins' Hash.from algorithm on a JVM.
  test('java.util.Random gives the same numbers as the JVM', () => {
    const r = new JavaRandom(0n);
    assert.deepEqual([100, 10, 60, 24, 7, 1000, 3, 1 << 20].map((n) => r.nextInt(n)), [60, 8, 49, 23, 4, 53, 2, 122690]);
  });

  test('H picks the value Jenkins picks for the same job name', () => {
    for (const [name, expected] of [
      ['my-job', [18, 17, 20, 5, 1]],
      ['nightly', [1, 17, 10, 10, 1]],
      ['a/b', [13, 14, 14, 7, 0]],
    ] as const) {
      const h = jenkinsHash(name);
      assert.deepEqual([60, 24, 28, 12, 7].map((n) => h(n)), expected, name);
    }
    assert.deepEqual(patterns('H H * * *'), ['18 17 * * *']);
  });

  test('H/n, H(range), ranges, steps, names and aliases expand to explicit lists', () => {
    assert.deepEqual(patterns('H/15 * * * *'), ['3,18,33,48 * * * *']);
    assert.deepEqual(patterns('*/20 9-17 * * MON-FRI'), ['0,20,40 9,10,11,12,13,14,15,16,17 * * 1,2,3,4,5']);
    assert.deepEqual(patterns('0 0 1 JAN,jul 0,7'), ['0 0 1 1,7 0']);
    assert.equal(patterns('@midnight')[0]?.split(' ')[1] !== undefined && Number(patterns('@midnight')[0]?.split(' ')[1]) <= 2, true);
    const hashed = patterns('H(0-29)/10 H(1-5) * * *')[0]?.split(' ') ?? [];
    assert.ok((hashed[0] ?? '').split(',').every((m) => Number(m) <= 29));
    assert.ok(Number(hashed[1]) >= 1 && Number(hashed[1]) <= 5);
  });

  test('several lines share one hash, comments are skipped, and TZ applies to the spec', () => {
    const lines = parseJenkinsCron('TZ=Europe/Paris\n# every morning\nH 8 * * *\n\nH 20 * * *', 'my-job', where);
    assert.deepEqual(
      lines.map((l) => [l.pattern, l.timezone, l.line]),
      [
        ['18 8 * * *', 'Europe/Paris', 3],
        ['41 20 * * *', 'Europe/Paris', 5], // the JVM gives 18 then 41 for two H minutes of my-job
      ],
    );
  });

  test('a bad spec names the file, the field, the line and the problem', () => {
    for (const [spec, re] of [
      ['* * * *', /line 1 "\* \* \* \*": expected 5 fields/],
      ['61 * * * *', /61 is outside 0-59 for the minute/],
      ['H/90 * * * *', /step 90 is larger than the range 0-59/],
      ['H * * * *\nTZ=UTC', /TZ= is only allowed on the first line/],
      ['TZ=Mars/Olympus\nH * * * *', /unknown time zone Mars\/Olympus/],
      ['@sometimes', /unknown alias @sometimes/],
    ] as const) {
      assert.throws(
        () => parseJenkinsCron(spec, 'j', where),
        (e: unknown) => isStewardError(e, 'STW_CONFIG_INVALID') && e.message.startsWith('jobs/x/config.xml: triggers/') && re.test(e.message),
        spec,
      );
    }
  });
});
