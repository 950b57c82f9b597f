import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { eventually } from '../support/eventually.js';
import { useController } from '../support/steward-process.js';

const fixture = (name: string): string => readFileSync(new URL(`fixtures/upstream/${name}`, import.meta.url), 'utf8');
const withBuilder = (xml: string, command: string): string =>
  xml.replace('<builders/>', `<builders>\n    <hudson.tasks.Shell>\n      <command>${command}</command>\n    </hudson.tasks.Shell>\n  </builders>`);

type Cause = { _class: string; shortDescription: string; upstreamProject?: string; upstreamBuild?: number; upstreamUrl?: string };
type BuildJson = { actions: { _class?: string; causes?: Cause[] }[]; result: string | null };
type JobJson = { downstreamProjects: { name: string; url: string; color: string }[]; upstreamProjects: { name: string }[]; lastBuild: { number: number } | null };
const causesOf = (b: BuildJson): Cause[] | undefined => b.actions.find((a) => a._class === 'hudson.model.CauseAction')?.causes;

describe('upstream and downstream builds', () => {
  const ctl = useController();

  test('a job with "Build other projects" starts its child after a successful build, and the child says which build started it', async () => {
    const s = ctl.s;
    await s.createJob('C', fixture('C.xml'));
    await s.createJob('B', fixture('B.xml'));
    await s.createJob('A', fixture('A.xml'));
    const a = await s.buildNumberOf(await s.queueBuild('A'));
    assert.equal(await s.waitForResult('A', a), 'SUCCESS');
    const c = await eventually(async () => (await s.json<JobJson>('job/C/api/json')).lastBuild?.number, 'C to be built');
    assert.equal(await s.waitForResult('C', c), 'SUCCESS');

    const b = await s.json<BuildJson>('job/B/1/api/json');
    assert.deepEqual(causesOf(b), [
      { _class: 'hudson.model.Cause$UpstreamCause', shortDescription: `Started by upstream project "A" build number ${a}`, upstreamBuild: a, upstreamProject: 'A', upstreamUrl: 'job/A/' },
    ]);
    const logA = await (await s.fetch(`job/A/${a}/consoleText`)).text();
    assert.match(logA, /Triggering a new build of B\nFinished: SUCCESS\n$/);
    const logB = await (await s.fetch('job/B/1/consoleText')).text();
    assert.match(logB, new RegExp(`^Started by upstream project "A" build number ${a}\noriginally caused by:\n Started by user admin\n`));
    const logC = await (await s.fetch(`job/C/${c}/consoleText`)).text();
    assert.match(logC, new RegExp(`^Started by upstream project "B" build number 1\noriginally caused by:\n Started by upstream project "A" build number ${a}\n originally caused by:\n  Started by user admin\n`));
    const record = readFileSync(path.join(ctl.home, 'jobs/B/builds/1/build.xml'), 'utf8');
    assert.match(
      record,
      new RegExp(
        `<hudson\\.model\\.Cause_-UpstreamCause>\\s*<upstreamProject>A</upstreamProject>\\s*<upstreamUrl>job/A/</upstreamUrl>\\s*<upstreamBuild>${a}</upstreamBuild>\\s*<upstreamCauses>\\s*<hudson\\.model\\.Cause_-UserIdCause>\\s*<userId>admin</userId>[\\s\\S]*?</hudson\\.model\\.Cause_-UserIdCause>\\s*</upstreamCauses>\\s*</hudson\\.model\\.Cause_-UpstreamCause>`,
      ),
    );

    const jobB = await s.json<JobJson>('job/B/api/json');
    assert.deepEqual(jobB.upstreamProjects.map((p) => p.name), ['A']);
    assert.deepEqual(jobB.downstreamProjects.map((p) => [p.name, p.color]), [['C', 'blue']]);
    assert.match(jobB.downstreamProjects[0]?.url ?? '', /\/job\/C\/$/);
    const jobA = await s.json<JobJson>('job/A/api/json?tree=upstreamProjects[name],downstreamProjects[name]');
    assert.deepEqual(jobA, { _class: 'hudson.model.FreeStyleProject', upstreamProjects: [], downstreamProjects: [{ _class: 'hudson.model.FreeStyleProject', name: 'B' }] });
  });

  test('a failed build does not start a child whose threshold is SUCCESS', async () => {
    const s = ctl.s;
    await s.createJob('fails-child', fixture('C.xml'));
    await s.createJob('fails', withBuilder(fixture('A.xml'), 'exit 1').replace('<childProjects>B</childProjects>', '<childProjects>fails-child</childProjects>'));
    const n = await s.buildNumberOf(await s.queueBuild('fails'));
    assert.equal(await s.waitForResult('fails', n), 'FAILURE');
    const log = await (await s.fetch(`job/fails/${n}/consoleText`)).text();
    assert.doesNotMatch(log, /Triggering/);
    // The child would have been queued before the parent's end was recorded.
    const child = await s.json<JobJson>('job/fails-child/api/json?tree=lastBuild[number],inQueue');
    assert.deepEqual(child, { _class: 'hudson.model.FreeStyleProject', lastBuild: null, inQueue: false });
  });

  test('"Build after other projects are built" starts the job after a build of an upstream job at the threshold, not after one below', async () => {
    const s = ctl.s;
    await s.createJob('rev-up', withBuilder(fixture('C.xml'), 'test "$FAIL" != yes').replace('<properties/>', `<properties>
    <hudson.model.ParametersDefinitionProperty>
      <parameterDefinitions>
        <hudson.model.StringParameterDefinition>
          <name>FAIL</name>
          <defaultValue>no</defaultValue>
        </hudson.model.StringParameterDefinition>
      </parameterDefinitions>
    </hudson.model.ParametersDefinitionProperty>
  </properties>`));
    await s.createJob('rev-down', fixture('reverse-trigger.xml').replace('freestyle leopard, freestyle-aardvark', 'rev-up, no-such-job'));
    const failed = await s.buildNumberOf(await s.queueBuild('rev-up', { FAIL: 'yes' }));
    assert.equal(await s.waitForResult('rev-up', failed), 'FAILURE');
    const ok = await s.buildNumberOf(await s.queueBuild('rev-up', { FAIL: 'no' }));
    assert.equal(await s.waitForResult('rev-up', ok), 'SUCCESS');
    const down = await eventually(async () => (await s.json<JobJson>('job/rev-down/api/json')).lastBuild?.number, 'rev-down to be built');
    assert.equal(await s.waitForResult('rev-down', down), 'SUCCESS');
    assert.equal(down, 1, 'one build: the failed upstream build started none');
    const b = await s.json<BuildJson>(`job/rev-down/${down}/api/json`);
    assert.deepEqual(causesOf(b)?.map((c) => [c.upstreamProject, c.upstreamBuild]), [['rev-up', ok]]);
    const up = await s.json<JobJson>('job/rev-up/api/json?tree=downstreamProjects[name]');
    assert.deepEqual(up.downstreamProjects.map((p) => p.name), ['rev-down']);
  });

  test('the parameterized trigger publisher queues its project with boolean and predefined parameters, the build variables expanded', async () => {
    const s = ctl.s;
    await s.createJob(
      'tobetriggered',
      fixture('pt-tobetriggered.xml')
        .replace('<command>echo warning</command>', '<command>echo "ok=$ok greeting=$GREETING"</command>')
        .replace('</hudson.model.BooleanParameterDefinition>', `</hudson.model.BooleanParameterDefinition>
        <hudson.model.StringParameterDefinition>
          <name>GREETING</name>
          <defaultValue>none</defaultValue>
        </hudson.model.StringParameterDefinition>`),
    );
    await s.createJob(
      'triggering',
      fixture('pt-triggering.xml').replace('</hudson.plugins.parameterizedtrigger.BooleanParameters>', `</hudson.plugins.parameterizedtrigger.BooleanParameters>
            <hudson.plugins.parameterizedtrigger.PredefinedBuildParameters>
              <properties>GREETING=hello from \${JOB_NAME} #$BUILD_NUMBER
UNDEFINED=x</properties>
            </hudson.plugins.parameterizedtrigger.PredefinedBuildParameters>`),
    );
    const n = await s.buildNumberOf(await s.queueBuild('triggering'));
    assert.equal(await s.waitForResult('triggering', n), 'SUCCESS');
    const log = await (await s.fetch(`job/triggering/${n}/consoleText`)).text();
    assert.match(log, /Triggering projects: tobetriggered\nWARNING: tobetriggered defines no parameter UNDEFINED; its build is triggered without\nFinished: SUCCESS\n$/);
    const down = await eventually(async () => (await s.json<JobJson>('job/tobetriggered/api/json')).lastBuild?.number, 'tobetriggered to be built');
    assert.equal(await s.waitForResult('tobetriggered', down), 'SUCCESS');
    const downLog = await (await s.fetch(`job/tobetriggered/${down}/consoleText`)).text();
    assert.match(downLog, new RegExp(`^Started by upstream project "triggering" build number ${n}\n`));
    assert.match(downLog, new RegExp(`\nok=false greeting=hello from triggering #${n}\n`));
    const up = await s.json<JobJson>('job/tobetriggered/api/json?tree=upstreamProjects[name]');
    assert.deepEqual(up.upstreamProjects.map((p) => p.name), ['triggering']);
  });

  test('the blocking trigger step waits for each build and takes its result: a failed one fails the step and the steps after it do not run', async () => {
    const s = ctl.s;
    const testParam = `<properties>
    <hudson.model.ParametersDefinitionProperty>
      <parameterDefinitions>
        <hudson.model.StringParameterDefinition>
          <name>test</name>
          <defaultValue></defaultValue>
        </hudson.model.StringParameterDefinition>
      </parameterDefinitions>
    </hudson.model.ParametersDefinitionProperty>
  </properties>`;
    const downstream = (command: string): string => withBuilder(fixture('pt-downstream.xml').replace('<properties/>', testParam), command);
    await s.createJob('downstream1', downstream('echo "got $test"'));
    await s.createJob('downstream2', downstream('echo "got $test"; exit 1'));
    await s.createJob(
      'upstream',
      fixture('pt-upstream.xml').replace(
        '  </builders>',
        '    <hudson.tasks.Shell>\n      <command>echo "after: $TRIGGERED_JOB_NAMES $LAST_TRIGGERED_JOB_NAME $TRIGGERED_BUILD_NUMBER_downstream1 $TRIGGERED_BUILD_RESULT_downstream2"</command>\n    </hudson.tasks.Shell>\n  </builders>',
      ),
    );
    const first = await s.buildNumberOf(await s.queueBuild('upstream'));
    assert.equal(await s.waitForResult('upstream', first), 'FAILURE');
    const log1 = await (await s.fetch(`job/upstream/${first}/consoleText`)).text();
    assert.match(
      log1,
      /\nWaiting for the completion of downstream1\ndownstream1 #1 completed\. Result was SUCCESS\nWaiting for the completion of downstream2\ndownstream2 #1 completed\. Result was FAILURE\nBuild step 'Trigger\/call builds on other projects' marked build as failure\nFinished: FAILURE\n$/,
    );
    assert.match(await (await s.fetch('job/downstream1/1/consoleText')).text(), /\ngot test1\n/);
    assert.equal((await s.json<JobJson>('job/downstream1/api/json')).lastBuild?.number, 1, 'the third step did not run');

    const fixed = await s.fetch('job/downstream2/config.xml', { method: 'POST', headers: { 'content-type': 'application/xml' }, body: downstream('echo "got $test"') });
    assert.equal(fixed.status, 200);
    const second = await s.buildNumberOf(await s.queueBuild('upstream'));
    assert.equal(await s.waitForResult('upstream', second), 'SUCCESS');
    const log2 = await (await s.fetch(`job/upstream/${second}/consoleText`)).text();
    assert.match(log2, /\ndownstream1 #3 completed\. Result was SUCCESS\n/);
    assert.match(log2, /\nafter: downstream1,downstream2 downstream1 3 SUCCESS\n/);
    assert.match(await (await s.fetch('job/downstream1/3/consoleText')).text(), /\ngot test3\n/);
    const graph = await s.json<JobJson>('job/upstream/api/json?tree=downstreamProjects[name]');
    assert.deepEqual(graph.downstreamProjects.map((p) => p.name), ['downstream1', 'downstream2']);
  });

  test('an unstable build taken by the blocking trigger step makes the build UNSTABLE and the steps after it run', async () => {
    const s = ctl.s;
    const unstable = withBuilder(fixture('pt-downstream.xml'), 'exit 3').replace('</command>', '</command>\n      <unstableReturn>3</unstableReturn>');
    await s.createJob('flaky', unstable);
    const step = fixture('pt-upstream.xml');
    // The first of the fixture's three steps, calling flaky, then a shell step.
    const first = step.slice(step.indexOf('    <hudson.plugins.parameterizedtrigger.TriggerBuilder>'), step.indexOf('    </hudson.plugins.parameterizedtrigger.TriggerBuilder>') + '    </hudson.plugins.parameterizedtrigger.TriggerBuilder>\n'.length);
    await s.createJob(
      'calls-flaky',
      fixture('C.xml').replace(
        '<builders/>',
        `<builders>\n${first.replace('<projects>downstream1</projects>', '<projects>flaky</projects>')}    <hudson.tasks.Shell>\n      <command>echo "went on after $LAST_TRIGGERED_JOB_NAME: $TRIGGERED_BUILD_RESULT_flaky"</command>\n    </hudson.tasks.Shell>\n  </builders>`,
      ),
    );
    const n = await s.buildNumberOf(await s.queueBuild('calls-flaky'));
    assert.equal(await s.waitForResult('calls-flaky', n), 'UNSTABLE');
    const log = await (await s.fetch(`job/calls-flaky/${n}/consoleText`)).text();
    assert.match(log, /\nflaky #1 completed\. Result was UNSTABLE\nBuild step 'Trigger\/call builds on other projects' marked build as unstable\n/);
    assert.match(log, /\nwent on after flaky: UNSTABLE\n/);
  });

  test('renaming a job renames it in the other jobs that trigger it or listen to it, and nothing else in their config.xml', async () => {
    const s = ctl.s;
    const before = await (await s.fetch('job/A/config.xml')).text();
    const res = await s.fetch('job/B/doRename?newName=B-renamed', { method: 'POST', redirect: 'manual' });
    assert.equal(res.status, 302);
    const after = await (await s.fetch('job/A/config.xml')).text();
    assert.equal(after, before.replace('<childProjects>B</childProjects>', '<childProjects>B-renamed</childProjects>'));
    const a = await s.json<JobJson>('job/A/api/json?tree=downstreamProjects[name]');
    assert.deepEqual(a.downstreamProjects.map((p) => p.name), ['B-renamed']);

    const revBefore = await (await s.fetch('job/rev-down/config.xml')).text();
    assert.equal((await s.fetch('job/rev-up/doRename?newName=rev-up-2', { method: 'POST', redirect: 'manual' })).status, 302);
    const revAfter = await (await s.fetch('job/rev-down/config.xml')).text();
    assert.equal(revAfter, revBefore.replace('<upstreamProjects>rev-up, no-such-job</upstreamProjects>', '<upstreamProjects>rev-up-2,no-such-job</upstreamProjects>'));
    const ok = await s.buildNumberOf(await s.queueBuild('rev-up-2', { FAIL: 'no' }));
    assert.equal(await s.waitForResult('rev-up-2', ok), 'SUCCESS');
    const down = await eventually(async () => {
      const n = (await s.json<JobJson>('job/rev-down/api/json')).lastBuild?.number;
      return n !== undefined && n > 1 ? n : undefined;
    }, 'rev-down to be built after rev-up-2');
    const b = await s.json<BuildJson>(`job/rev-down/${down}/api/json`);
    assert.deepEqual(causesOf(b)?.map((c) => [c.upstreamProject, c.upstreamBuild]), [['rev-up-2', ok]]);

    assert.equal((await s.fetch('job/downstream1/doRename?newName=downstream-one', { method: 'POST', redirect: 'manual' })).status, 302);
    const up = await (await s.fetch('job/upstream/config.xml')).text();
    assert.equal(up.match(/<projects>downstream-one<\/projects>/g)?.length, 2);
  });

  test('a trigger whose parameters come from a factory this controller does not run triggers nothing and says so', async () => {
    const s = ctl.s;
    await s.createJob('Bazel-Install', fixture('C.xml'));
    await s.createJob('Bazel-Install-Trigger', fixture('bazel-install-trigger.xml').replace('<assignedNode>deploy</assignedNode>\n  <canRoam>false</canRoam>', '<canRoam>true</canRoam>'));
    const n = await s.buildNumberOf(await s.queueBuild('Bazel-Install-Trigger'));
    assert.equal(await s.waitForResult('Bazel-Install-Trigger', n), 'SUCCESS');
    const log = await (await s.fetch(`job/Bazel-Install-Trigger/${n}/consoleText`)).text();
    assert.match(
      log,
      /\nWARNING: Bazel-Install not triggered: this controller does not run the parameter factory org\.jvnet\.jenkins\.plugins\.nodelabelparameter\.parameterizedtrigger\.AllNodesForLabelBuildParameterFactory \(plugin \{\{ variables\.JENKINS_nodelabelparameter \}\}\)\n/,
    );
    // Its publisher names no job that exists: nothing is said of it.
    assert.doesNotMatch(log, /Triggering projects/);
    const job = await s.json<JobJson>('job/Bazel-Install/api/json?tree=lastBuild[number],inQueue');
    assert.deepEqual(job, { _class: 'hudson.model.FreeStyleProject', lastBuild: null, inQueue: false });
  });

  test('the trigger step fails naming the projects that are no job, as the plugin does, and expands the build\'s variables in the names', async () => {
    const s = ctl.s;
    await s.createJob('present-job', fixture('C.xml'));
    const step = fixture('pt-upstream.xml');
    const first = step.slice(step.indexOf('    <hudson.plugins.parameterizedtrigger.TriggerBuilder>'), step.indexOf('    </hudson.plugins.parameterizedtrigger.TriggerBuilder>') + '    </hudson.plugins.parameterizedtrigger.TriggerBuilder>\n'.length);
    await s.createJob('calls-missing', fixture('C.xml').replace('<builders/>', `<builders>\n${first.replace('<projects>downstream1</projects>', '<projects>present-$WHICH, no-such-job</projects>')}  </builders>`).replace('<properties/>', `<properties>
    <hudson.model.ParametersDefinitionProperty>
      <parameterDefinitions>
        <hudson.model.StringParameterDefinition>
          <name>WHICH</name>
          <defaultValue>job</defaultValue>
        </hudson.model.StringParameterDefinition>
      </parameterDefinitions>
    </hudson.model.ParametersDefinitionProperty>
  </properties>`));
    const n = await s.buildNumberOf(await s.queueBuild('calls-missing'));
    assert.equal(await s.waitForResult('calls-missing', n), 'FAILURE');
    const log = await (await s.fetch(`job/calls-missing/${n}/consoleText`)).text();
    assert.match(
      log,
      /\nERROR: Build aborted\. Can't trigger undefined projects\. 1 of the below project\(s\) can't be resolved:\n > no-such-job\nCheck your configuration!\nBuild step 'Trigger\/call builds on other projects' marked build as failure\n/,
    );
    // The job that exists was queued first, as the plugin queues the jobs it finds.
    const present = await eventually(async () => (await s.json<JobJson>('job/present-job/api/json')).lastBuild?.number, 'present-job to be built');
    assert.equal(await s.waitForResult('present-job', present), 'SUCCESS');
  });
});
