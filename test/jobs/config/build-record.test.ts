import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseBuildRecord, serializeBuildRecord, type BuildRecord } from '../../../src/jobs/config/index.js';
import { catchSteward, fixture } from './helpers.js';

const FILE = 'jobs/shop-api/builds/57/build.xml';

const finished: BuildRecord = {
  number: 57,
  queueId: 1207,
  timestamp: 1717400000123,
  startTime: 1717400010144,
  result: 'UNSTABLE',
  duration: 61234,
  builtOn: 'linux-agent-3',
  workspace: '/home/steward/workspace/shop-api',
  causes: [
    { kind: 'user', shortDescription: 'Started by user Alice Example', userId: 'alice', userName: 'Alice Example' },
    { kind: 'user', shortDescription: 'Started by user bob', userId: 'bob' },
    { kind: 'timer', shortDescription: 'Started by timer' },
    { kind: 'scm', shortDescription: 'Started by an SCM change' },
    { kind: 'remote', shortDescription: 'Started by remote host 10.0.0.7 with note: nightly & <co>' },
    { kind: 'upstream', shortDescription: 'Started by upstream project "shop-web" build number 311', upstreamProject: 'shop-web', upstreamUrl: 'job/shop-web/', upstreamBuild: 311 },
    { kind: 'other', shortDescription: 'Started by GitHub push by carol' },
  ],
  parameters: [
    { name: 'BRANCH', value: 'release/2.4', sensitive: false },
    { name: 'NOTES', value: 'line 1\nline "2"\r\n', sensitive: false },
    { name: 'EMPTY', value: '', sensitive: false },
    { name: 'DEPLOY_TOKEN', value: '{AQAAABAAAAAQencrypted=}', sensitive: true },
  ],
  abortedBy: 'bob',
  description: 'Release <candidate> & co',
  keepLog: true,
  displayName: '#57 release/2.4',
};

describe('build records (build.xml)', () => {
  it('keeps identical causes once with their count, writes them as a causeBag entry and folds the old list', () => {
    const text = `<build><actions><hudson.model.CauseAction><causeBag class="linked-hash-map">
      <entry><hudson.model.Cause_-UserIdCause><userId>alice</userId></hudson.model.Cause_-UserIdCause><int>3</int></entry>
      <entry><hudson.triggers.TimerTrigger_-TimerTriggerCause/><int>1</int></entry>
    </causeBag></hudson.model.CauseAction></actions><timestamp>5</timestamp></build>`;
    const record = parseBuildRecord(text, FILE, 1);
    assert.deepEqual(record.causes, [
      { kind: 'user', shortDescription: 'Started by user alice', userId: 'alice', count: 3 },
      { kind: 'timer', shortDescription: 'Started by timer' },
    ]);
    const written = serializeBuildRecord(record);
    assert.match(written, /<\/hudson\.model\.Cause_-UserIdCause>\s*<int>3<\/int>/);
    assert.match(written, /<hudson\.triggers\.TimerTrigger_-TimerTriggerCause\/>\s*<int>1<\/int>/);
    const old = `<build><actions><hudson.model.CauseAction><causes>
      <hudson.model.Cause_-UserIdCause><userId>bob</userId></hudson.model.Cause_-UserIdCause>
      <hudson.model.Cause_-UserIdCause><userId>bob</userId></hudson.model.Cause_-UserIdCause>
    </causes></hudson.model.CauseAction></actions><timestamp>5</timestamp></build>`;
    assert.deepEqual(parseBuildRecord(old, FILE, 1).causes, [{ kind: 'user', shortDescription: 'Started by user bob', userId: 'bob', count: 2 }]);
  });

  it('round-trips every field', () => {
    const text = serializeBuildRecord(finished);
    assert.deepEqual(parseBuildRecord(text, FILE, 57), finished);
  });

  it('writes each parameter value with its Jenkins class and reads the class back', () => {
    const typed: BuildRecord = {
      ...finished,
      parameters: [
        { name: 'NOTES', value: 'a\nb', sensitive: false, type: 'hudson.model.TextParameterValue' },
        { name: 'DRY_RUN', value: 'false', sensitive: false, type: 'hudson.model.BooleanParameterValue' },
        { name: 'BRANCH', value: 'main', sensitive: false },
      ],
    };
    const text = serializeBuildRecord(typed);
    assert.match(text, /<hudson\.model\.BooleanParameterValue>\s*<name>DRY_RUN<\/name>\s*<value>false<\/value>/);
    assert.match(text, /<hudson\.model\.TextParameterValue>\s*<name>NOTES<\/name>/);
    assert.match(text, /<hudson\.model\.StringParameterValue>\s*<name>BRANCH<\/name>/);
    assert.deepEqual(parseBuildRecord(text, FILE, 57), typed);
  });

  it('round-trips a running build on the built-in node with no optional fields', () => {
    const running: BuildRecord = {
      number: 1,
      queueId: 3,
      timestamp: 1,
      startTime: 2,
      result: undefined,
      duration: 0,
      builtOn: '',
      workspace: undefined,
      causes: [],
      parameters: [],
      keepLog: false,
    };
    const text = serializeBuildRecord(running);
    assert.doesNotMatch(text, /<result>|<workspace>|ParametersAction|InterruptedBuildAction/);
    assert.deepEqual(parseBuildRecord(text, FILE, 1), running);
  });

  it('writes build.xml laid out as Jenkins writes it', () => {
    const { displayName: _omitted, ...rest } = finished;
    const text = serializeBuildRecord({ ...rest, causes: finished.causes.slice(0, 1), parameters: finished.parameters.slice(3) });
    assert.equal(
      text,
      `<?xml version='1.1' encoding='UTF-8'?>
<build>
  <actions>
    <hudson.model.CauseAction>
      <causeBag class="linked-hash-map">
        <entry>
          <hudson.model.Cause_-UserIdCause>
            <userId>alice</userId>
            <userName>Alice Example</userName>
          </hudson.model.Cause_-UserIdCause>
          <int>1</int>
        </entry>
      </causeBag>
    </hudson.model.CauseAction>
    <hudson.model.ParametersAction>
      <safeParameters class="sorted-set"/>
      <parameters>
        <hudson.model.PasswordParameterValue>
          <name>DEPLOY_TOKEN</name>
          <value>{AQAAABAAAAAQencrypted=}</value>
        </hudson.model.PasswordParameterValue>
      </parameters>
      <parameterDefinitionNames>
        <string>DEPLOY_TOKEN</string>
      </parameterDefinitionNames>
    </hudson.model.ParametersAction>
    <jenkins.model.InterruptedBuildAction>
      <causes>
        <jenkins.model.CauseOfInterruption_-UserInterruption>
          <user>bob</user>
        </jenkins.model.CauseOfInterruption_-UserInterruption>
      </causes>
    </jenkins.model.InterruptedBuildAction>
  </actions>
  <queueId>1207</queueId>
  <timestamp>1717400000123</timestamp>
  <startTime>1717400010144</startTime>
  <result>UNSTABLE</result>
  <description>Release &lt;candidate&gt; &amp; co</description>
  <duration>61234</duration>
  <charset>UTF-8</charset>
  <keepLog>true</keepLog>
  <builtOn>linux-agent-3</builtOn>
  <workspace>/home/steward/workspace/shop-api</workspace>
</build>`,
    );
  });

  it('reads a build.xml written by Jenkins, keeping the actions it does not know to write them again', () => {
    const record = parseBuildRecord(fixture('build-jenkins.xml'), FILE, 57);
    const { actions, ...known } = record;
    assert.deepEqual(
      actions?.map((a) => a.name),
      ['jenkins.metrics.impl.TimeInQueueAction', 'hudson.plugins.git.util.BuildData'],
    );
    const again = parseBuildRecord(serializeBuildRecord(record), FILE, 57);
    assert.deepEqual(again.actions, actions);
    assert.deepEqual(actions?.[1], {
      name: 'hudson.plugins.git.util.BuildData',
      attributes: { plugin: 'git@5.2.1' },
      children: [
        {
          name: 'buildsByBranchName',
          children: [
            {
              name: 'entry',
              children: [
                { name: 'string', text: 'refs/remotes/origin/release/2.4' },
                {
                  name: 'hudson.plugins.git.util.Build',
                  children: [
                    { name: 'marked', attributes: { plugin: 'git-client@4.6.0' }, children: [{ name: 'sha1', text: '3f786850e387550fdab836ed7e6dc881de23001b' }] },
                    { name: 'hudsonBuildNumber', text: '57' },
                  ],
                },
              ],
            },
          ],
        },
      ],
    });
    assert.deepEqual(known, {
      number: 57,
      queueId: 1207,
      timestamp: 1717400000123,
      startTime: 1717400010144,
      result: 'ABORTED',
      duration: 61234,
      builtOn: 'linux-agent-3',
      workspace: '/home/jenkins/workspace/shop-api',
      causes: [
        { kind: 'user', shortDescription: 'Started by user alice', userId: 'alice' },
        {
          kind: 'upstream',
          shortDescription: 'Started by upstream project "shop-web" build number 311',
          upstreamProject: 'shop-web',
          upstreamUrl: 'job/shop-web/',
          upstreamBuild: 311,
          upstreamCauses: [{ kind: 'timer', shortDescription: 'Started by timer' }],
        },
        { kind: 'timer', shortDescription: 'Started by timer', count: 2 },
      ],
      parameters: [
        { name: 'BRANCH', value: 'release/2.4', sensitive: false },
        { name: 'DEPLOY', value: 'true', sensitive: false, type: 'hudson.model.BooleanParameterValue' },
        { name: 'DEPLOY_TOKEN', value: '{AQAAABAAAAAQ1/JHKggxIlBcuVqegoa2AdyVaNvjWIFk430/vI4jEBM=}', sensitive: true },
      ],
      abortedBy: 'bob',
      description: 'Stopped: wrong branch',
      keepLog: true,
    });
    assert.deepEqual(actions?.map((a) => [a.name, a.attributes?.plugin]), [
      ['jenkins.metrics.impl.TimeInQueueAction', 'metrics@4.2.18-442.v02e107157925'],
      ['hudson.plugins.git.util.BuildData', 'git@5.2.1'],
    ]);
    // Written again as they were, after Steward's own.
    const written = serializeBuildRecord({ ...record, ...(actions === undefined ? {} : { actions }) });
    assert.match(written, /<jenkins\.metrics\.impl\.TimeInQueueAction plugin="metrics@4\.2\.18-442\.v02e107157925">\n {6}<queuingDurationMillis>10021<\/queuingDurationMillis>/);
    assert.deepEqual(parseBuildRecord(written, FILE, 57).actions, actions);
  });

  it('reads an old build.xml without queueId, startTime, builtOn or causes using Jenkins defaults', () => {
    const text = "<?xml version='1.0' encoding='UTF-8'?>\n<build>\n  <actions/>\n  <timestamp>1300000000000</timestamp>\n  <result>SUCCESS</result>\n  <duration>10</duration>\n</build>";
    const r = parseBuildRecord(text, FILE, 3);
    assert.deepEqual([r.queueId, r.startTime, r.builtOn, r.workspace, r.causes, r.keepLog], [-1, 1300000000000, '', undefined, [], false]);
  });

  it('reads remote and old user causes in Jenkins wording', () => {
    const text = `<build><actions><hudson.model.CauseAction><causes>
      <hudson.model.Cause_-RemoteCause><addr>10.1.2.3</addr><note>from CI</note></hudson.model.Cause_-RemoteCause>
      <hudson.model.Cause_-UserCause><authenticationName>dave</authenticationName></hudson.model.Cause_-UserCause>
      <com.cloudbees.jenkins.GitHubPushCause plugin="github@1.38"><startedBy>erin</startedBy></com.cloudbees.jenkins.GitHubPushCause>
    </causes></hudson.model.CauseAction></actions><timestamp>5</timestamp></build>`;
    assert.deepEqual(parseBuildRecord(text, FILE, 1).causes, [
      { kind: 'remote', shortDescription: 'Started by remote host 10.1.2.3 with note: from CI', addr: '10.1.2.3', note: 'from CI' },
      { kind: 'user', shortDescription: 'Started by user dave', userId: 'dave' },
      { kind: 'other', shortDescription: 'Started by com.cloudbees.jenkins.GitHubPushCause' },
    ]);
  });

  it('reports a malformed build.xml with file and line', () => {
    const err = catchSteward('STW_XML_MALFORMED', () => parseBuildRecord('<build>\n  <timestamp>5</timestamp>\n  <result>SUCCESS</build>', FILE, 1));
    assert.equal(err.file, FILE);
    assert.equal(err.line, 3);
  });

  it('refuses an unknown result or a missing timestamp, naming the field', () => {
    const bad = catchSteward('STW_CONFIG_INVALID', () => parseBuildRecord('<build>\n  <timestamp>5</timestamp>\n  <result>GREEN</result>\n</build>', FILE, 1));
    assert.deepEqual([bad.field, bad.line], ['result', 3]);
    const missing = catchSteward('STW_CONFIG_INVALID', () => parseBuildRecord('<build><result>SUCCESS</result></build>', FILE, 1));
    assert.equal(missing.field, 'timestamp');
  });
});
