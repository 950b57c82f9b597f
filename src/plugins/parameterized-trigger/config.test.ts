import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseFreestyleConfig } from '../../jobs/index.js';
import { parseXml } from '../../xml/index.js';
import { at, catchSteward } from '../../../test/jobs/config/helpers.js';
import { CONDITIONS, expandVariables, parseProperties, parseTriggerConfigs } from './index.js';

const upstream = (name: string): string => readFileSync(new URL(`../../../test/e2e/fixtures/upstream/${name}`, import.meta.url), 'utf8');

describe('parameterized trigger parsers', () => {
  it('reads the publisher of parameterized-trigger 2.44 with boolean parameters and a trailing comma in its projects', () => {
    const c = parseFreestyleConfig(upstream('pt-triggering.xml'), 'jobs/triggering/config.xml').config;
    assert.deepEqual(parseTriggerConfigs(at(c.publishers, 0).element), [
      { projects: ['tobetriggered'], condition: 'ALWAYS', sources: [{ kind: 'boolean', values: [{ name: 'ok', value: 'false' }] }], factories: [], triggerWithNoParameters: false, block: undefined },
    ]);
  });

  it('reads the blocking builder of parameterized-trigger 2.21 with its three thresholds', () => {
    const c = parseFreestyleConfig(upstream('pt-upstream.xml'), 'jobs/upstream/config.xml').config;
    assert.equal(c.builders.length, 3);
    assert.deepEqual(parseTriggerConfigs(at(c.builders, 1).element), [
      {
        projects: ['downstream2'],
        condition: 'ALWAYS',
        sources: [{ kind: 'predefined', properties: 'test=test2' }],
        factories: [],
        triggerWithNoParameters: false,
        block: { buildStepFailureThreshold: 'FAILURE', unstableThreshold: 'UNSTABLE', failureThreshold: 'FAILURE' },
      },
    ]);
  });

  it('reads the builder and the publisher as Jenkins Job Builder 3.11 writes them', () => {
    const c = parseFreestyleConfig(upstream('jjb-upstream.xml'), 'jobs/jjb-upstream/config.xml').config;
    assert.deepEqual(parseTriggerConfigs(at(c.builders, 1).element), [
      {
        projects: ['jjb-downstream'],
        condition: 'ALWAYS',
        sources: [{ kind: 'predefined', properties: 'FROM=$JOB_NAME\n' }],
        factories: [],
        triggerWithNoParameters: false,
        block: { buildStepFailureThreshold: 'FAILURE', unstableThreshold: 'UNSTABLE', failureThreshold: 'FAILURE' },
      },
    ]);
    assert.deepEqual(parseTriggerConfigs(at(c.publishers, 1).element)[0]?.sources, [{ kind: 'current' }, { kind: 'predefined', properties: 'FROM=publisher' }]);
  });

  it('keeps parameter sources and factories it does not run, by name, and refuses an unknown condition naming it', () => {
    const el = parseXml(
      `<hudson.plugins.parameterizedtrigger.BuildTrigger><configs><hudson.plugins.parameterizedtrigger.BuildTriggerConfig>
        <configs><hudson.plugins.parameterizedtrigger.FileBuildParameters><propertiesFile>p</propertiesFile></hudson.plugins.parameterizedtrigger.FileBuildParameters><hudson.plugins.parameterizedtrigger.CurrentBuildParameters/></configs>
        <configFactories><org.jvnet.jenkins.plugins.nodelabelparameter.parameterizedtrigger.AllNodesForLabelBuildParameterFactory plugin="nodelabelparameter@1.7"/></configFactories>
        <projects>x</projects><condition>UNSTABLE_OR_WORSE</condition></hudson.plugins.parameterizedtrigger.BuildTriggerConfig></configs></hudson.plugins.parameterizedtrigger.BuildTrigger>`,
      'jobs/x/config.xml',
    ).root;
    const [config] = parseTriggerConfigs(el);
    assert.deepEqual(config?.sources, [{ kind: 'unsupported', description: 'hudson.plugins.parameterizedtrigger.FileBuildParameters' }, { kind: 'current' }]);
    assert.deepEqual(config?.factories, ['org.jvnet.jenkins.plugins.nodelabelparameter.parameterizedtrigger.AllNodesForLabelBuildParameterFactory (plugin nodelabelparameter@1.7)']);
    const bad = parseXml(
      '<t><configs><hudson.plugins.parameterizedtrigger.BuildTriggerConfig><condition>SOMETIMES</condition></hudson.plugins.parameterizedtrigger.BuildTriggerConfig></configs></t>',
      'jobs/x/config.xml',
    ).root;
    assert.match(catchSteward('STW_CONFIG_INVALID', () => parseTriggerConfigs(bad)).message, /condition: expected one of SUCCESS, .*got "SOMETIMES"/);
  });

  it('meets its conditions as the plugin\'s ResultCondition does', () => {
    const met = (r: 'SUCCESS' | 'UNSTABLE' | 'FAILURE' | 'ABORTED', previous?: 'SUCCESS' | 'FAILURE') =>
      Object.entries(CONDITIONS).filter(([, isMet]) => isMet(r, previous)).map(([name]) => name);
    assert.deepEqual(met('SUCCESS'), ['SUCCESS', 'UNSTABLE_OR_BETTER', 'FAILED_OR_BETTER', 'ALWAYS']);
    assert.deepEqual(met('SUCCESS', 'FAILURE'), ['SUCCESS', 'UNSTABLE_OR_BETTER', 'FAILED_OR_BETTER', 'FIXED', 'ALWAYS']);
    assert.deepEqual(met('UNSTABLE'), ['UNSTABLE', 'UNSTABLE_OR_BETTER', 'UNSTABLE_OR_WORSE', 'FAILED_OR_BETTER', 'ALWAYS']);
    assert.deepEqual(met('FAILURE'), ['UNSTABLE_OR_WORSE', 'FAILED_OR_BETTER', 'FAILED', 'ALWAYS']);
    assert.deepEqual(met('ABORTED'), ['UNSTABLE_OR_WORSE', 'ALWAYS']);
  });

  it('reads predefined parameters as Java properties after expanding the build variables', () => {
    assert.deepEqual(parseProperties(expandVariables('# note\nA=${BUILD_NUMBER}\n  B: $JOB_NAME-x\nC=a\\\n  b\nD=$UNKNOWN\n\n! bang\nE\\=F=1\nA=again', { BUILD_NUMBER: '7', JOB_NAME: 'up' })), {
      A: 'again',
      B: 'up-x',
      C: 'ab',
      D: '$UNKNOWN',
      'E=F': '1',
    });
  });
});
