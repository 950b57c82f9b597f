import assert from 'node:assert/strict';
import { describe, it, mock } from 'node:test';
import { parseFreestyleConfig, parseJenkinsCron } from '../../jobs/index.js';
import { at } from '../../../test/jobs/config/helpers.js';
import { gitJobXml } from '../../../test/support/git-repos.js';
import { scmTrigger } from './trigger.js';

/** The SCM trigger of a Git job, as its config.xml holds it. */
function created(name: string, trigger: string) {
  const xml = gitJobXml({ remotes: [['https://example.com/app.git']], command: 'true' }).replace('<triggers/>', `<triggers>${trigger}</triggers>`);
  const file = `jobs/${name}/config.xml`;
  return scmTrigger.create(at(parseFreestyleConfig(xml, file).config.triggers, 0), file, name);
}

/** The minutes of the hour at which the trigger polled, over `hours` of a fake clock. */
function pollMinutes(name: string, spec: string, hours: number): string[] {
  mock.timers.enable({ apis: ['setTimeout', 'setInterval', 'Date'], now: Date.parse('2026-06-01T00:00:00Z') });
  const polls: string[] = [];
  const trigger = created(name, `<hudson.triggers.SCMTrigger><spec>${spec}</spec><ignorePostCommitHooks>false</ignorePostCommitHooks></hudson.triggers.SCMTrigger>`).start({
    jobName: name,
    poll: () => void polls.push(new Date().toISOString().slice(11, 16)),
    onCompleted: () => () => undefined,
    schedule: () => assert.fail('the SCM trigger polls; it never queues a build itself'),
  });
  try {
    for (let m = 0; m < hours * 60; m++) mock.timers.tick(60_000);
  } finally {
    trigger.stop();
    mock.timers.reset();
  }
  return polls;
}

describe('SCM trigger schedule', () => {
  it('polls every fifteen minutes from the minute H picks for the job, as Jenkins does for H/15', () => {
    const [line] = parseJenkinsCron('H/15 * * * *', 'shop-api', { file: 'f', field: 'spec' });
    const minutes = (line?.pattern.split(' ')[0] ?? '').split(',').map(Number);
    assert.equal(minutes.length, 4);
    const polls = pollMinutes('shop-api', 'H/15 * * * *', 2);
    assert.deepEqual(
      polls,
      [0, 1].flatMap((h) => minutes.map((m) => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`)),
    );
  });

  it('spreads jobs with the same H spec over the hour by their names', () => {
    const a = pollMinutes('api', 'H * * * *', 1);
    const b = pollMinutes('web', 'H * * * *', 1);
    assert.equal(a.length, 1);
    assert.equal(b.length, 1);
    assert.notEqual(a[0], b[0]);
  });

  it('never polls on an empty spec (push notifications only), and tells them whether it ignores post-commit hooks', () => {
    assert.deepEqual(pollMinutes('hooks-only', '', 3), []);
    const ignoring = created('quiet', '<hudson.triggers.SCMTrigger><spec></spec><ignorePostCommitHooks>true</ignorePostCommitHooks></hudson.triggers.SCMTrigger>');
    assert.deepEqual(ignoring.polling, { ignorePostCommitHooks: true });
  });

  it('refuses a spec Jenkins refuses, naming the file and field', () => {
    assert.throws(() => created('bad', '<hudson.triggers.SCMTrigger><spec>H/90 * * * *</spec></hudson.triggers.SCMTrigger>'), /jobs\/bad\/config\.xml: triggers\/hudson\.triggers\.SCMTrigger\/spec: line 1 "H\/90 \* \* \* \*": step 90 is larger than the range 0-59/);
  });
});
