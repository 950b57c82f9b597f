import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseFreestyleConfig } from '../../jobs/index.js';
import { parseXml } from '../../xml/index.js';
import { at, fixture } from '../../../test/jobs/config/helpers.js';
import { parseArtifactArchiver } from './index.js';

const full = parseFreestyleConfig(fixture('freestyle-full.xml'), 'jobs/shop-api/config.xml').config;
const jjb = parseFreestyleConfig(fixture('freestyle-jjb.xml'), 'jobs/jjb-everything/config.xml').config;

describe('artifact archiver parser', () => {
  it('reads the artifact archiver', () => {
    assert.deepEqual(parseArtifactArchiver(at(full.publishers, 0).element), {
      artifacts: 'dist/**/*.tar.gz, dist/*.sha256',
      excludes: 'dist/tmp/**',
      allowEmptyArchive: false,
      onlyIfSuccessful: false,
      fingerprint: true,
      defaultExcludes: true,
      caseSensitive: true,
      followSymlinks: false,
    });
    const bare = parseXml('<hudson.tasks.ArtifactArchiver><artifacts>*.jar</artifacts></hudson.tasks.ArtifactArchiver>', 'f.xml').root;
    assert.deepEqual(parseArtifactArchiver(bare), { artifacts: '*.jar', excludes: '', allowEmptyArchive: false, onlyIfSuccessful: false, fingerprint: false, defaultExcludes: true, caseSensitive: true, followSymlinks: true });
  });

  it('reads the archiver as Jenkins Job Builder 3.11 writes it', () => {
    assert.deepEqual(parseArtifactArchiver(at(jjb.publishers, 0).element), {
      artifacts: 'out.txt',
      excludes: '',
      allowEmptyArchive: false,
      onlyIfSuccessful: false,
      fingerprint: false,
      defaultExcludes: true,
      caseSensitive: true,
      followSymlinks: true,
    });
  });
});
