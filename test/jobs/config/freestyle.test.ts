import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseFreestyleConfig, setDisabled } from '../../../src/jobs/config/index.js';
import { serializeXml } from '../../../src/xml/index.js';
import { catchSteward, fixture } from './helpers.js';

const FILE = 'jobs/shop-api/config.xml';

/** A minimal project with `inner` spliced in at the top level. */
function project(inner: string): string {
  return `<?xml version='1.1' encoding='UTF-8'?>\n<project>\n${inner}\n  <builders/>\n</project>`;
}

describe('freestyle config.xml', () => {
  it('reads every field of a job written by Jenkins 2.440', () => {
    const { config } = parseFreestyleConfig(fixture('freestyle-full.xml'), FILE);
    assert.equal(config.rootElement, 'project');
    assert.equal(config.description, 'Builds <b>shop-api</b> & publishes it. Don\'t run on "Fridays".');
    assert.equal(config.disabled, false);
    assert.equal(config.concurrentBuild, true);
    assert.equal(config.assignedNode, 'linux && docker');
    assert.equal(config.canRoam, false);
    assert.equal(config.quietPeriodSeconds, 10);
    assert.equal(config.priority, 2);
    assert.deepEqual(config.logRotator, { daysToKeep: 30, numToKeep: 50, artifactDaysToKeep: -1, artifactNumToKeep: 5 });
    assert.deepEqual(config.parameters, [
      { kind: 'string', name: 'BRANCH', description: 'Git branch to build', defaultValue: 'main', trim: true },
      { kind: 'boolean', name: 'DEPLOY', description: 'Deploy after a green build', defaultValue: false },
      { kind: 'choice', name: 'ENVIRONMENT', description: 'Where to deploy', choices: ['staging', 'production'] },
      { kind: 'text', name: 'RELEASE_NOTES', description: '', defaultValue: '- fixes\n- <more> fixes\n', trim: false },
      {
        kind: 'password',
        name: 'DEPLOY_TOKEN',
        description: 'Token for the deploy API',
        defaultValue: '{AQAAABAAAAAQ1/JHKggxIlBcuVqegoa2AdyVaNvjWIFk430/vI4jEBM=}',
      },
      {
        kind: 'unknown',
        type: 'net.uaznia.lukanus.hudson.plugins.gitparameter.GitParameterDefinition',
        name: 'TAG',
        description: '',
        defaultValue: 'v1.0.0',
      },
    ]);
    const steps = (list: readonly { type: string; plugin: string | undefined }[]) => list.map((s) => [s.type, s.plugin]);
    assert.deepEqual(steps(config.builders), [
      ['hudson.tasks.Shell', undefined],
      ['hudson.tasks.Shell', undefined],
    ]);
    assert.deepEqual(steps(config.buildWrappers), [
      ['hudson.plugins.build__timeout.BuildTimeoutWrapper', 'build-timeout@1.32'],
      ['EnvInjectBuildWrapper', 'envinject@2.908.v66a_774b_31d93'],
      ['hudson.plugins.timestamper.TimestamperBuildWrapper', 'timestamper@1.26'],
    ]);
    assert.deepEqual(steps(config.publishers), [
      ['hudson.tasks.ArtifactArchiver', undefined],
      ['hudson.tasks.junit.JUnitResultArchiver', 'junit@1256.v002534a_5f33e'],
    ]);
    assert.deepEqual(steps(config.triggers), [
      ['hudson.triggers.TimerTrigger', undefined],
      ['hudson.triggers.SCMTrigger', undefined],
    ]);
    assert.equal(config.builders[1]?.element.path, 'builders/hudson.tasks.Shell[2]');
  });

  it('reads the SCM as its class and plugin, and NullSCM or no <scm> as none', () => {
    const git = parseFreestyleConfig(fixture('freestyle-full.xml'), FILE).config.scm;
    assert.deepEqual([git?.type, git?.plugin, git?.element.path], ['hudson.plugins.git.GitSCM', 'git@5.2.1', 'scm']);
    assert.equal(parseFreestyleConfig(fixture('freestyle-minimal.xml'), FILE).config.scm, undefined);
    assert.equal(parseFreestyleConfig(project(''), FILE).config.scm, undefined);
  });

  it('reads a job written by Jenkins Job Builder 3.11, in its field order, and writes it back byte for byte', () => {
    // `jenkins-jobs test` output: <canRoam> before <properties>, <triggers class="vector">, no <disabled>.
    const text = fixture('freestyle-jjb.xml');
    const job = parseFreestyleConfig(text, FILE);
    const { config } = job;
    assert.equal(config.description, 'Every part the JJB test uses, in one job.<!-- Managed by Jenkins Job Builder -->');
    assert.deepEqual([config.disabled, config.concurrentBuild, config.canRoam, config.assignedNode], [false, false, true, undefined]);
    assert.deepEqual(config.logRotator, { daysToKeep: -1, numToKeep: 20, artifactDaysToKeep: -1, artifactNumToKeep: -1 });
    assert.deepEqual(
      config.parameters.map((p) => [p.kind, p.name]),
      [['string', 'GREETING'], ['boolean', 'VERBOSE'], ['choice', 'TARGET'], ['password', 'TOKEN'], ['text', 'NOTES']],
    );
    assert.deepEqual(config.parameters[2], { kind: 'choice', name: 'TARGET', description: '', choices: ['debug', 'release'] });
    assert.deepEqual(config.parameters[3], { kind: 'password', name: 'TOKEN', description: '', defaultValue: 'not-a-real-token' });
    assert.equal(config.scm, undefined);
    const steps = (list: readonly { type: string; plugin: string | undefined }[]) => list.map((s) => [s.type, s.plugin]);
    assert.deepEqual(steps(config.triggers), [['hudson.triggers.TimerTrigger', undefined], ['hudson.triggers.SCMTrigger', undefined]]);
    assert.deepEqual(steps(config.builders), [['hudson.tasks.Shell', undefined]]);
    assert.deepEqual(steps(config.buildWrappers), [['hudson.plugins.build__timeout.BuildTimeoutWrapper', undefined]]);
    assert.deepEqual(steps(config.publishers), [['hudson.tasks.ArtifactArchiver', undefined], ['hudson.tasks.junit.JUnitResultArchiver', 'junit']]);
    assert.equal(serializeXml(job.document), text);
  });

  it('takes defaults for what a minimal job leaves out', () => {
    const { config } = parseFreestyleConfig(fixture('freestyle-minimal.xml'), FILE);
    assert.equal(config.description, '');
    assert.equal(config.disabled, false);
    assert.equal(config.concurrentBuild, false);
    assert.equal(config.assignedNode, undefined);
    assert.equal(config.canRoam, true);
    assert.equal(config.quietPeriodSeconds, undefined);
    assert.equal(config.priority, undefined);
    assert.equal(config.logRotator, undefined);
    assert.deepEqual(config.parameters, []);
    assert.equal(config.builders.length, 1);
    assert.deepEqual([config.buildWrappers, config.publishers, config.triggers], [[], [], []]);
  });

  it('reads the old top-level logRotator, text choices and a plain password default', () => {
    const { config } = parseFreestyleConfig(fixture('freestyle-old-forms.xml'), FILE);
    assert.deepEqual(config.logRotator, { daysToKeep: 7, numToKeep: -1, artifactDaysToKeep: -1, artifactNumToKeep: -1 });
    assert.deepEqual(config.parameters[0], { kind: 'choice', name: 'SIZE', description: '', choices: ['small', 'medium', 'large'] });
    assert.deepEqual(config.parameters[1], { kind: 'password', name: 'PASS', description: '', defaultValue: 'plain-old' });
  });

  it('ignores assignedNode when the job may roam, as Jenkins does', () => {
    const { config } = parseFreestyleConfig(fixture('freestyle-old-forms.xml'), FILE);
    assert.equal(config.canRoam, true);
    assert.equal(config.assignedNode, undefined);
  });

  it('reads canRoam as true when it is missing and no label is set, false when a label is', () => {
    assert.equal(parseFreestyleConfig(project(''), FILE).config.canRoam, true);
    const labelled = parseFreestyleConfig(project('  <assignedNode>arm64</assignedNode>'), FILE).config;
    assert.deepEqual([labelled.canRoam, labelled.assignedNode], [false, 'arm64']);
  });

  it('accepts hudson.model.FreeStyleProject as the root', () => {
    const text = '<hudson.model.FreeStyleProject><disabled>true</disabled></hudson.model.FreeStyleProject>';
    const { config } = parseFreestyleConfig(text, FILE);
    assert.deepEqual([config.rootElement, config.disabled], ['hudson.model.FreeStyleProject', true]);
  });

  it('refuses pipeline jobs, naming the root element', () => {
    const err = catchSteward('STW_CONFIG_INVALID', () =>
      parseFreestyleConfig("<?xml version='1.1' encoding='UTF-8'?>\n<flow-definition plugin=\"workflow-job@1400\"/>", 'jobs/x/config.xml'),
    );
    assert.equal(err.message, 'jobs/x/config.xml: <flow-definition> jobs are not supported; Steward runs freestyle <project> jobs');
    assert.equal(err.file, 'jobs/x/config.xml');
  });

  it('names field, file and line of a boolean that is neither true nor false', () => {
    const err = catchSteward('STW_CONFIG_INVALID', () => parseFreestyleConfig(project('  <disabled>maybe</disabled>'), FILE));
    assert.equal(err.field, 'disabled');
    assert.equal(err.file, FILE);
    assert.equal(err.line, 3);
    assert.equal(err.message, `${FILE}:3:3: disabled: expected true or false, got "maybe"`);
  });

  it('refuses a negative or non-numeric quiet period', () => {
    const negative = catchSteward('STW_CONFIG_INVALID', () => parseFreestyleConfig(project('  <quietPeriod>-3</quietPeriod>'), FILE));
    assert.equal(negative.field, 'quietPeriod');
    assert.match(negative.message, /must be 0 or more, got -3/);
    const word = catchSteward('STW_CONFIG_INVALID', () => parseFreestyleConfig(project('  <quietPeriod>soon</quietPeriod>'), FILE));
    assert.match(word.message, /expected a whole number, got "soon"/);
  });

  it('refuses a bad logRotator count and a bad priority, naming the nested field', () => {
    const rotator = `  <properties>\n    <jenkins.model.BuildDiscarderProperty>\n      <strategy class="hudson.tasks.LogRotator">\n        <numToKeep>ten</numToKeep>\n      </strategy>\n    </jenkins.model.BuildDiscarderProperty>\n  </properties>`;
    const err = catchSteward('STW_CONFIG_INVALID', () => parseFreestyleConfig(project(rotator), FILE));
    assert.equal(err.field, 'properties/jenkins.model.BuildDiscarderProperty/strategy/numToKeep');
    assert.equal(err.line, 6);
    const priority = `  <properties><jenkins.advancedqueue.priority.strategy.PriorityJobProperty><priority>high</priority></jenkins.advancedqueue.priority.strategy.PriorityJobProperty></properties>`;
    const perr = catchSteward('STW_CONFIG_INVALID', () => parseFreestyleConfig(project(priority), FILE));
    assert.equal(perr.field, 'properties/jenkins.advancedqueue.priority.strategy.PriorityJobProperty/priority');
  });

  const definitions = (defs: string) =>
    project(`  <properties>\n    <hudson.model.ParametersDefinitionProperty>\n      <parameterDefinitions>\n${defs}\n      </parameterDefinitions>\n    </hudson.model.ParametersDefinitionProperty>\n  </properties>`);
  const PARAMS = 'properties/hudson.model.ParametersDefinitionProperty/parameterDefinitions';

  it('refuses a parameter without a name, naming the indexed definition', () => {
    const text = definitions(
      '        <hudson.model.StringParameterDefinition><name>A</name></hudson.model.StringParameterDefinition>\n' +
        '        <hudson.model.StringParameterDefinition><name> </name></hudson.model.StringParameterDefinition>',
    );
    const err = catchSteward('STW_CONFIG_INVALID', () => parseFreestyleConfig(text, FILE));
    assert.equal(err.field, `${PARAMS}/hudson.model.StringParameterDefinition[2]/name`);
    assert.equal(err.line, 7);
    assert.match(err.message, /a parameter needs a name/);
  });

  it('refuses duplicate parameter names', () => {
    const text = definitions(
      '        <hudson.model.StringParameterDefinition><name>A</name></hudson.model.StringParameterDefinition>\n' +
        '        <hudson.model.BooleanParameterDefinition><name>A</name></hudson.model.BooleanParameterDefinition>',
    );
    const err = catchSteward('STW_CONFIG_INVALID', () => parseFreestyleConfig(text, FILE));
    assert.equal(err.field, `${PARAMS}/hudson.model.BooleanParameterDefinition[1]/name`);
    assert.match(err.message, /duplicate parameter name "A" \(also at .*StringParameterDefinition\[1\]\)/);
  });

  it('refuses a boolean parameter default that is not a boolean, and a choice without choices', () => {
    const bool = definitions('<hudson.model.BooleanParameterDefinition><name>B</name><defaultValue>yes</defaultValue></hudson.model.BooleanParameterDefinition>');
    assert.equal(
      catchSteward('STW_CONFIG_INVALID', () => parseFreestyleConfig(bool, FILE)).field,
      `${PARAMS}/hudson.model.BooleanParameterDefinition[1]/defaultValue`,
    );
    const choice = definitions('<hudson.model.ChoiceParameterDefinition><name>C</name><choices/></hudson.model.ChoiceParameterDefinition>');
    assert.equal(
      catchSteward('STW_CONFIG_INVALID', () => parseFreestyleConfig(choice, FILE)).field,
      `${PARAMS}/hudson.model.ChoiceParameterDefinition[1]/choices`,
    );
  });

  it('reads choices given as <string> children without the string-array wrapper', () => {
    const text = definitions(
      '<hudson.model.ChoiceParameterDefinition><name>C</name><choices class="java.util.ArrayList"><string>x</string><string>y</string></choices></hudson.model.ChoiceParameterDefinition>',
    );
    assert.deepEqual(parseFreestyleConfig(text, FILE).config.parameters[0], { kind: 'choice', name: 'C', description: '', choices: ['x', 'y'] });
  });

  it('disables a job by editing only <disabled>', () => {
    const text = fixture('freestyle-full.xml');
    const job = parseFreestyleConfig(text, FILE);
    const saved = setDisabled(job, true);
    assert.equal(saved, text.replace('<disabled>false</disabled>', '<disabled>true</disabled>'));
    assert.equal(job.config.disabled, true);
    assert.equal(serializeXml(job.document), saved);
    assert.equal(parseFreestyleConfig(saved, FILE).config.disabled, true);
  });

  it('adds <disabled> after <canRoam> when the job has none', () => {
    const text = fixture('freestyle-minimal.xml');
    const job = parseFreestyleConfig(text, FILE);
    const saved = setDisabled(job, true);
    assert.equal(saved, text.replace('  <canRoam>true</canRoam>\n', '  <canRoam>true</canRoam>\n  <disabled>true</disabled>\n'));
    assert.equal(setDisabled(job, false), text.replace('  <canRoam>true</canRoam>\n', '  <canRoam>true</canRoam>\n  <disabled>false</disabled>\n'));
  });
});
