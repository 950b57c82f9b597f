import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { looselyMatches, repositoryLocation } from './urls.js';

const same = (a: string, b: string) => {
  const x = repositoryLocation(a);
  const y = repositoryLocation(b);
  return x !== undefined && y !== undefined && looselyMatches(x, y);
};

describe('repository URLs as push notifications match them (the plugin\'s looselyMatches)', () => {
  it('matches one repository whatever the protocol, user, port, trailing slash or .git', () => {
    assert.ok(same('https://github.com/acme/app.git', 'git@github.com:acme/app.git'));
    assert.ok(same('https://github.com/acme/app', 'ssh://git@github.com:22/acme/app.git/'));
    assert.ok(same('git://GitHub.com/acme/app.git', 'https://user:pw@github.com/acme/app'));
    assert.ok(same('file:///srv/git/app.git', '/srv/git/app'));
  });
  it('does not match another host, another path, or a path that only starts the same', () => {
    assert.equal(same('https://github.com/acme/app.git', 'https://gitlab.com/acme/app.git'), false);
    assert.equal(same('https://github.com/acme/app.git', 'https://github.com/acme/app-tools.git'), false);
    assert.equal(same('https://github.com/acme/app.git', 'https://github.com/other/app.git'), false);
  });
  it('reads no location from text that is not a repository URL', () => {
    assert.equal(repositoryLocation('not a url'), undefined);
    assert.equal(repositoryLocation('http://[bad'), undefined);
    assert.equal(repositoryLocation('relative/path'), undefined);
  });
});
