import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { branchMatches, isSha1 } from './branch-spec.js';

describe("the git plugin's branch specs", () => {
  it('matches remote-tracking branches as BranchSpec does', () => {
    const cases: [string, string, boolean][] = [
      ['*/master', 'origin/master', true],
      ['*/master', 'origin/feature/master', false],
      ['master', 'origin/master', true],
      ['master', 'upstream/master', true],
      ['master', 'origin/not-master', false],
      ['origin/main', 'origin/main', true],
      ['origin/main', 'fork/main', false],
      ['refs/heads/release/1.x', 'origin/release/1.x', true],
      ['refs/remotes/origin/dev', 'origin/dev', true],
      ['remotes/origin/dev', 'origin/dev', true],
      ['**', 'origin/feature/deep/branch', true],
      ['origin/feature/*', 'origin/feature/a', true],
      ['origin/feature/*', 'origin/feature/a/b', false],
      ['origin/feature/**', 'origin/feature/a/b', true],
      ['*/release-1.0', 'origin/release-1x0', false],
    ];
    for (const [spec, branch, expected] of cases) assert.equal(branchMatches(spec, branch), expected, `${spec} ~ ${branch}`);
  });

  it('takes 40 hex digits for a commit', () => {
    assert.equal(isSha1('3f786850e387550fdab836ed7e6dc881de23001b'), true);
    assert.equal(isSha1('3f786850'), false);
    assert.equal(isSha1('origin/master'), false);
  });
});
