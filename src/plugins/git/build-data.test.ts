import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseBuildRecord } from '../../jobs/index.js';
import { fixture } from '../../../test/jobs/config/helpers.js';
import { parseXml } from '../../xml/index.js';
import { buildDataSpec, nextBuildData, readBuildData } from './build-data.js';
import { gitScmDescriptor } from './scm.js';

describe("the git plugin's BuildData in build.xml", () => {
  it('reads the BuildData of a build.xml written by Jenkins, its branch named as the plugin shows it', () => {
    const record = parseBuildRecord(fixture('build-jenkins.xml'), 'jobs/shop-api/builds/57/build.xml', 57);
    const data = readBuildData(record.actions ?? [], ['https://example.com/shop-api.git']);
    assert.deepEqual(data?.builds.get('origin/release/2.4'), { branch: 'origin/release/2.4', sha1: '3f786850e387550fdab836ed7e6dc881de23001b', buildNumber: 57 });
    assert.equal(data?.lastBuild?.sha1, '3f786850e387550fdab836ed7e6dc881de23001b');
  });

  it('carries the earlier branches forward and reads back what it writes', () => {
    const a = { branch: 'origin/main', sha1: 'a'.repeat(40), buildNumber: 1 };
    const b = { branch: 'origin/dev', sha1: 'b'.repeat(40), buildNumber: 2 };
    const urls = ['git://127.0.0.1/app.git'];
    const second = nextBuildData(nextBuildData(undefined, a, urls), b, urls);
    const back = readBuildData([buildDataSpec(second)], urls);
    assert.deepEqual([...(back?.builds.values() ?? [])], [a, b]);
    assert.deepEqual(back?.lastBuild, b);
    assert.deepEqual(back?.remoteUrls, urls);
  });

  it('picks the BuildData of the same repositories among several', () => {
    const urls = ['git://one/app.git'];
    const other = buildDataSpec(nextBuildData(undefined, { branch: 'origin/main', sha1: 'c'.repeat(40), buildNumber: 3 }, ['git://two/lib.git']));
    const mine = buildDataSpec(nextBuildData(undefined, { branch: 'origin/main', sha1: 'd'.repeat(40), buildNumber: 3 }, urls));
    assert.equal(readBuildData([other, mine], urls)?.lastBuild?.sha1, 'd'.repeat(40));
  });
});

describe('a build taken back after a failover', () => {
  it("gets the checkout's variables from the BuildData its record kept", () => {
    const scm = parseXml(
      '<scm class="hudson.plugins.git.GitSCM"><userRemoteConfigs><hudson.plugins.git.UserRemoteConfig><url>git://127.0.0.1/app.git</url></hudson.plugins.git.UserRemoteConfig></userRemoteConfigs></scm>',
      'jobs/app/config.xml',
    ).root;
    const git = gitScmDescriptor.create({ type: 'hudson.plugins.git.GitSCM', plugin: undefined, element: scm }, 'jobs/app/config.xml');
    const urls = ['git://127.0.0.1/app.git'];
    const action = buildDataSpec(nextBuildData(undefined, { branch: 'origin/main', sha1: 'e'.repeat(40), buildNumber: 4 }, urls));
    assert.deepEqual(git.environment([action]), { GIT_COMMIT: 'e'.repeat(40), GIT_BRANCH: 'origin/main', GIT_URL: 'git://127.0.0.1/app.git' });
    assert.deepEqual(git.environment([]), {});
  });
});
