import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { causeLines, upstreamCause, type Cause } from '../../src/jobs/index.js';
import { readCauseAction, causeActionSpec } from '../../src/jobs/config/actions.js';
import { parseXml, writeXmlSpec } from '../../src/xml/index.js';

const admin: Cause = { kind: 'user', shortDescription: 'Started by user admin', userId: 'admin' };

/** The cause of build 1 of job-N, for a chain job-0 -> job-1 -> ... started by admin. */
function chain(length: number): Cause {
  let causes: Cause[] = [admin];
  let last: Cause = admin;
  for (let i = 0; i < length; i++) {
    last = upstreamCause({ job: `job-${i}`, number: 1, causes });
    causes = [last];
  }
  return last;
}

function depthOf(c: Cause): number {
  const inner = c.upstreamCauses?.[0];
  return inner === undefined ? 0 : 1 + depthOf(inner);
}

describe('the upstream cause', () => {
  it('names the upstream build and nests its causes, and the log prints them as Jenkins does', () => {
    const b = upstreamCause({ job: 'A', number: 3, causes: [admin] });
    const c = upstreamCause({ job: 'B', number: 7, causes: [b] });
    assert.deepEqual(causeLines(c), [
      'Started by upstream project "B" build number 7',
      'originally caused by:',
      ' Started by upstream project "A" build number 3',
      ' originally caused by:',
      '  Started by user admin',
    ]);
  });

  it('keeps at most 10 levels of a long chain, the rest one "(deeply nested causes)"', () => {
    const c = chain(40);
    assert.equal(depthOf(c), 12);
    const lines = causeLines(c);
    assert.equal(lines.at(-1)?.trim(), '(deeply nested causes)');
    assert.ok(JSON.stringify(c).length < 8000, `${JSON.stringify(c).length} characters`);
  });

  it('goes into build.xml nested and comes back the same', () => {
    const c = upstreamCause({ job: 'B', number: 7, causes: [upstreamCause({ job: 'A', number: 3, causes: [admin] })] });
    const xml = writeXmlSpec(causeActionSpec([c]));
    assert.match(xml, /<upstreamCauses>\s*<hudson\.model\.Cause_-UpstreamCause>\s*<upstreamProject>A<\/upstreamProject>[\s\S]*<upstreamCauses>\s*<hudson\.model\.Cause_-UserIdCause>/);
    assert.deepEqual(readCauseAction(parseXml(xml, 'build.xml').root), [c]);
  });
});
