import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseFreestyleConfig } from '../../jobs/index.js';
import { parseXml } from '../../xml/index.js';
import { at, catchSteward, fixture } from '../../../test/jobs/config/helpers.js';
import { parseJUnitResultArchiver } from './index.js';

const full = parseFreestyleConfig(fixture('freestyle-full.xml'), 'jobs/shop-api/config.xml').config;
const jjb = parseFreestyleConfig(fixture('freestyle-jjb.xml'), 'jobs/jjb-everything/config.xml').config;
const plugins = parseFreestyleConfig(readFileSync(new URL('./fixtures/jenkins-home/config.xml', import.meta.url), 'utf8'), 'jobs/p/config.xml').config;

const defaults = {
  stdioRetention: 'NONE',
  keepProperties: false,
  keepTestNames: false,
  healthScaleFactor: 1,
  allowEmptyResults: false,
  skipPublishingChecks: false,
  skipMarkingBuildUnstable: false,
  skipOldReports: false,
  testDataPublishers: [],
} as const;

describe('JUnit result archiver parser', () => {
  it('reads the archiver as the junit plugin writes it', () => {
    assert.deepEqual(parseJUnitResultArchiver(at(full.publishers, 1).element), { ...defaults, testResults: 'build/test-results/**/*.xml' });
    assert.deepEqual(parseJUnitResultArchiver(at(plugins.publishers, 0).element), { ...defaults, testResults: 'TEST-x.xml' });
  });

  it('reads the archiver as Jenkins Job Builder 3.11 writes it, keepLongStdio keeping all output', () => {
    assert.deepEqual(parseJUnitResultArchiver(at(jjb.publishers, 1).element), { ...defaults, testResults: 'reports/*.xml', stdioRetention: 'ALL' });
  });

  it('reads stdioRetention in any case, a scale factor and the test data publishers', () => {
    const el = parseXml(
      `<hudson.tasks.junit.JUnitResultArchiver plugin="junit@1265.v65b_14fa_f12f0">
        <testResults> a/*.xml, b/*.xml </testResults>
        <stdioRetention>failed</stdioRetention>
        <keepLongStdio>true</keepLongStdio>
        <healthScaleFactor>2.5</healthScaleFactor>
        <allowEmptyResults>true</allowEmptyResults>
        <testDataPublishers>
          <de.esailors.jenkins.teststability.StabilityTestDataPublisher plugin="test-stability@2.3"/>
        </testDataPublishers>
      </hudson.tasks.junit.JUnitResultArchiver>`,
      'jobs/j/config.xml',
    ).root;
    assert.deepEqual(parseJUnitResultArchiver(el), {
      ...defaults,
      testResults: 'a/*.xml, b/*.xml',
      stdioRetention: 'FAILED',
      healthScaleFactor: 2.5,
      allowEmptyResults: true,
      testDataPublishers: ['de.esailors.jenkins.teststability.StabilityTestDataPublisher'],
    });
  });

  it('refuses an archiver without report files, or with a retention or scale factor it cannot read, naming the field', () => {
    const parse = (inner: string) => () => parseJUnitResultArchiver(parseXml(`<hudson.tasks.junit.JUnitResultArchiver>${inner}</hudson.tasks.junit.JUnitResultArchiver>`, 'jobs/j/config.xml').root);
    assert.match(catchSteward('STW_CONFIG_INVALID', parse('<testResults> </testResults>')).message, /testResults: names no test report files/);
    assert.match(catchSteward('STW_CONFIG_INVALID', parse('')).message, /testResults: names no test report files/);
    assert.match(catchSteward('STW_CONFIG_INVALID', parse('<testResults>*.xml</testResults><stdioRetention>SOME</stdioRetention>')).message, /stdioRetention: expected ALL, FAILED or NONE, got "SOME"/);
    assert.match(catchSteward('STW_CONFIG_INVALID', parse('<testResults>*.xml</testResults><healthScaleFactor>-1</healthScaleFactor>')).message, /healthScaleFactor: expected a number of 0 or more, got "-1"/);
  });
});
