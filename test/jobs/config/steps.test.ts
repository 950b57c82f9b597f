import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseArtifactArchiver, parseBuildTimeoutWrapper, parseEnvInjectWrapper, parseFreestyleConfig, parseJavaProperties, parseScmTrigger, parseShellStep, parseTimerTrigger, type Step } from '../../../src/jobs/config/index.js';
import { parseXml } from '../../../src/xml/index.js';
import { catchSteward, fixture } from './helpers.js';

const full = parseFreestyleConfig(fixture('freestyle-full.xml'), 'jobs/shop-api/config.xml').config;
const old = parseFreestyleConfig(fixture('freestyle-old-forms.xml'), 'jobs/old/config.xml').config;
const jjb = parseFreestyleConfig(fixture('freestyle-jjb.xml'), 'jobs/jjb-everything/config.xml').config;

function at(list: readonly Step[], i: number): Step {
  const step = list[i];
  assert.ok(step !== undefined);
  return step;
}

describe('step parsers', () => {
  it('reads a shell command with its quotes, redirections and newlines decoded', () => {
    assert.deepEqual(parseShellStep(at(full.builders, 0).element), {
      command:
        '#!/bin/bash -eu\necho "Building ${BRANCH} for ${ENVIRONMENT}"\nif [ -n "$RELEASE_NOTES" ] && [ "$DEPLOY" = true ]; then\n' +
        "  printf '%s\\n' \"$RELEASE_NOTES\" > notes.txt\nfi\nmake test 2>&1 | tee build.log",
      unstableReturn: undefined,
    });
    assert.deepEqual(parseShellStep(at(full.builders, 1).element), { command: './scripts/package.sh < version.txt', unstableReturn: 3 });
  });

  it('refuses a shell unstableReturn that is not a number', () => {
    const el = parseXml('<hudson.tasks.Shell><command>x</command><unstableReturn>one</unstableReturn></hudson.tasks.Shell>', 'f.xml').root;
    assert.equal(catchSteward('STW_CONFIG_INVALID', () => parseShellStep(el)).field, 'unstableReturn');
  });

  it('reads an absolute build timeout with the fail operation', () => {
    assert.deepEqual(parseBuildTimeoutWrapper(at(full.buildWrappers, 0).element), { timeoutMinutes: 30, failBuild: true, abortBuild: false });
  });

  it('aborts on timeout when no operation is configured, and reads both operations together', () => {
    const wrapper = (ops: string) =>
      parseXml(
        `<hudson.plugins.build__timeout.BuildTimeoutWrapper><strategy class="hudson.plugins.build_timeout.impl.AbsoluteTimeOutStrategy"><timeoutMinutes>3</timeoutMinutes></strategy>${ops}</hudson.plugins.build__timeout.BuildTimeoutWrapper>`,
        'f.xml',
      ).root;
    assert.deepEqual(parseBuildTimeoutWrapper(wrapper('<operationList/>')), { timeoutMinutes: 3, failBuild: false, abortBuild: true });
    assert.deepEqual(parseBuildTimeoutWrapper(wrapper('')), { timeoutMinutes: 3, failBuild: false, abortBuild: true });
    const both = '<operationList><hudson.plugins.build__timeout.operations.AbortOperation/><hudson.plugins.build__timeout.operations.FailOperation/></operationList>';
    assert.deepEqual(parseBuildTimeoutWrapper(wrapper(both)), { timeoutMinutes: 3, failBuild: true, abortBuild: true });
  });

  it('reads the pre-1.12 timeout form and reports other strategies as unsupported', () => {
    assert.deepEqual(parseBuildTimeoutWrapper(at(old.buildWrappers, 0).element), { timeoutMinutes: 45, failBuild: true, abortBuild: false });
    assert.equal(parseBuildTimeoutWrapper(at(old.buildWrappers, 1).element), undefined);
    const elastic = parseXml('<w><timeoutMinutes>3</timeoutMinutes><timeoutType>elastic</timeoutType></w>', 'f.xml').root;
    assert.equal(parseBuildTimeoutWrapper(elastic), undefined);
  });

  it('refuses a timeout that is missing or below one minute', () => {
    const missing = parseXml('<w><strategy class="hudson.plugins.build_timeout.impl.AbsoluteTimeOutStrategy"/></w>', 'f.xml').root;
    assert.equal(catchSteward('STW_CONFIG_INVALID', () => parseBuildTimeoutWrapper(missing)).field, 'strategy/timeoutMinutes');
    const zero = parseXml('<w><strategy class="hudson.plugins.build_timeout.impl.AbsoluteTimeOutStrategy"><timeoutMinutes>0</timeoutMinutes></strategy></w>', 'f.xml').root;
    assert.equal(catchSteward('STW_CONFIG_INVALID', () => parseBuildTimeoutWrapper(zero)).field, 'strategy/timeoutMinutes');
  });

  it('reads EnvInject properties content', () => {
    assert.deepEqual(parseEnvInjectWrapper(at(full.buildWrappers, 1).element).properties, {
      GRADLE_OPTS: '-Xmx2g -Dfile.encoding=UTF-8',
      REGISTRY: 'registry.example.com:5000',
      EMPTY: '',
      NODE_ENV: 'production',
    });
  });

  it('reads Java properties text: comments, separators, continuations and escapes', () => {
    const text = '! bang comment\n# hash comment\nA=1\nB:2\nC 3\n  D  =  spaced value  \nE=line\\\n    continued\nF=tab\\there\\u0041\nG\\=key=v\nH\n';
    assert.deepEqual(parseJavaProperties(text), {
      A: '1',
      B: '2',
      C: '3',
      D: 'spaced value  ',
      E: 'linecontinued',
      F: 'tab\thereA',
      'G=key': 'v',
      H: '',
    });
  });

  it('reads the artifact archiver', () => {
    assert.deepEqual(parseArtifactArchiver(at(full.publishers, 0).element), {
      artifacts: 'dist/**/*.tar.gz, dist/*.sha256',
      excludes: 'dist/tmp/**',
      allowEmptyArchive: false,
      fingerprint: true,
    });
    const bare = parseXml('<hudson.tasks.ArtifactArchiver><artifacts>*.jar</artifacts></hudson.tasks.ArtifactArchiver>', 'f.xml').root;
    assert.deepEqual(parseArtifactArchiver(bare), { artifacts: '*.jar', excludes: '', allowEmptyArchive: false, fingerprint: false });
  });

  it('reads timer and SCM trigger specs as written', () => {
    assert.deepEqual(parseTimerTrigger(at(full.triggers, 0).element), { spec: '# nightly, spread over the hour\nH 2 * * 1-5' });
    assert.deepEqual(parseScmTrigger(at(full.triggers, 1).element), { spec: 'H/15 * * * *' });
  });

  it('reads the steps as Jenkins Job Builder 3.11 writes them', () => {
    assert.deepEqual(parseShellStep(at(jjb.builders, 0).element), { command: 'echo "$GREETING" > out.txt', unstableReturn: undefined });
    assert.deepEqual(parseBuildTimeoutWrapper(at(jjb.buildWrappers, 0).element), { timeoutMinutes: 10, failBuild: true, abortBuild: false });
    assert.deepEqual(parseArtifactArchiver(at(jjb.publishers, 0).element), {
      artifacts: 'out.txt',
      excludes: '',
      allowEmptyArchive: false,
      fingerprint: false,
    });
    assert.deepEqual(parseTimerTrigger(at(jjb.triggers, 0).element), { spec: 'H 2 * * *' });
    assert.deepEqual(parseScmTrigger(at(jjb.triggers, 1).element), { spec: 'H/15 * * * *' });
  });
});
