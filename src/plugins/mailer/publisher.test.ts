import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { GLOBAL_CONFIGURATION, type ExtensionRegistry } from '../../extensions/index.js';
import type { HomeStore } from '../../home/index.js';
import { openHome, runOneBuild } from '../../../test/jobs/home.js';
import { TestRepo, gitJobXml } from '../../../test/support/git-repos.js';
import { SmtpServer } from '../../../test/support/smtp-server.js';
import { tempDir } from '../../../test/support/steward-process.js';
import { sendMail } from './transport.js';
import { DEFAULT_MAIL_SETTINGS } from './settings.js';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');

/** The job of fixtures/mailer-job.xml, its shell step running `command`, mailing `recipients`. */
async function mailerJob(command: string, recipients: string): Promise<string> {
  const text = await readFile(path.join(FIXTURES, 'mailer-job.xml'), 'utf8');
  return text.replace('@COMMAND@', command.replaceAll('&', '&amp;').replaceAll('<', '&lt;')).replace('@RECIPIENTS@', recipients);
}

/** The Mailer settings of a home sending through `port` on loopback, with the From of its location configuration. */
async function useSmtp(store: HomeStore, extensions: ExtensionRegistry, port: number, auth = ''): Promise<readonly string[]> {
  await store.writeAtomic(
    'hudson.tasks.Mailer.xml',
    `<?xml version='1.1' encoding='UTF-8'?>
<hudson.tasks.Mailer_-DescriptorImpl plugin="mailer@1.20">
  <defaultSuffix>@example.com</defaultSuffix>${auth}
  <replyToAddress>noreply@example.com</replyToAddress>
  <smtpHost>127.0.0.1</smtpHost>
  <useSsl>false</useSsl>
  <smtpPort>${port}</smtpPort>
  <charset>UTF-8</charset>
</hudson.tasks.Mailer_-DescriptorImpl>
`,
  );
  await store.writeAtomic(
    'jenkins.model.JenkinsLocationConfiguration.xml',
    `<?xml version='1.1' encoding='UTF-8'?>\n<jenkins.model.JenkinsLocationConfiguration>\n  <adminAddress>CI &lt;ci@example.com&gt;</adminAddress>\n</jenkins.model.JenkinsLocationConfiguration>\n`,
  );
  const config = extensions.find(GLOBAL_CONFIGURATION, 'hudson.tasks.Mailer');
  assert.ok(config);
  return config.load({ readText: (f) => store.readText(f), secret: (t) => t });
}

describe('Mailer publisher', () => {
  let smtp: SmtpServer;
  before(async () => {
    smtp = await SmtpServer.start();
  });
  after(async () => {
    await smtp.stop();
  });

  test('a failed build mails its recipients "Build failed in Jenkins" with the URL and the log tail; the next success says it is back to normal; the one after says nothing', async () => {
    await using home = await tempDir();
    await using h = await openHome(home.dir);
    assert.deepEqual(await useSmtp(h.store, h.extensions, smtp.port), []);
    const before = (await smtp.mails()).length;
    await h.jobs.create('app', await mailerJob('echo "compiling app"\nif [ ! -f fixed ]; then echo "error: it broke"; touch fixed; exit 1; fi', 'dev bob@example.org'));

    const first = await runOneBuild(h.jobs, home.dir, 'app');
    assert.equal(first.result, 'FAILURE', first.log);
    assert.match(first.log, /^Sending e-mails to: dev@example\.com bob@example\.org\nFinished: FAILURE\n$/m);
    let mails = (await smtp.mails()).slice(before);
    assert.equal(mails.length, 1);
    const failed = mails[0]!;
    assert.equal(failed.subject, 'Build failed in Jenkins: app #1');
    assert.deepEqual(failed.to, ['dev@example.com', 'bob@example.org']);
    assert.equal(failed.from, 'ci@example.com');
    assert.equal(failed.headers.from, 'CI <ci@example.com>');
    assert.equal(failed.headers['reply-to'], 'noreply@example.com');
    assert.equal(failed.headers['x-jenkins-job'], 'app');
    assert.equal(failed.headers['x-jenkins-result'], 'FAILURE');
    assert.equal(failed.headers['auto-submitted'], 'auto-generated');
    assert.match(failed.body, /^See <http:\/\/localhost\/job\/app\/1\/>\n\nChanges:\n\n\n------------------------------------------\n/);
    assert.match(failed.body, /------------------------------------------\nRunning as SYSTEM\nBuilding on the built-in node in workspace \S+\n/);
    assert.match(failed.body, /^compiling app$/m);
    assert.match(failed.body, /^error: it broke$/m);
    assert.match(failed.body, /\+ exit 1\nBuild step 'Execute shell' marked build as failure\n$/);

    const second = await runOneBuild(h.jobs, home.dir, 'app');
    assert.equal(second.result, 'SUCCESS', second.log);
    mails = (await smtp.mails()).slice(before);
    assert.equal(mails.length, 2);
    assert.equal(mails[1]!.subject, 'Jenkins build is back to normal : app #2');
    assert.equal(mails[1]!.body, 'See <http://localhost/job/app/2/>\n\n');
    // Threaded after the failure's mail, as Jenkins' MailMessageIdAction does.
    assert.equal(mails[1]!.headers['in-reply-to'], failed.headers['message-id']);

    const third = await runOneBuild(h.jobs, home.dir, 'app');
    assert.equal(third.result, 'SUCCESS');
    assert.doesNotMatch(third.log, /Sending e-mails/);
    assert.equal((await smtp.mails()).slice(before).length, 2);
  });

  test('a build that fails again mails again; the second mail is threaded under the first', async () => {
    await using home = await tempDir();
    await using h = await openHome(home.dir);
    await useSmtp(h.store, h.extensions, smtp.port);
    const before = (await smtp.mails()).length;
    await h.jobs.create('flaky', await mailerJob('exit 2', 'qa@example.org'));
    await runOneBuild(h.jobs, home.dir, 'flaky');
    await runOneBuild(h.jobs, home.dir, 'flaky');
    const mails = (await smtp.mails()).slice(before);
    assert.deepEqual(mails.map((m) => m.subject), ['Build failed in Jenkins: flaky #1', 'Build failed in Jenkins: flaky #2']);
    assert.equal(mails[1]!.headers['in-reply-to'], mails[0]!.headers['message-id']);
  });

  test('the Mailer runs after the JUnit archiver listed below it: an unstable build mails "became unstable", the next "still unstable" unless only the first is wanted', async () => {
    await using home = await tempDir();
    await using h = await openHome(home.dir);
    await useSmtp(h.store, h.extensions, smtp.port);
    const before = (await smtp.mails()).length;
    const report =
      "mkdir -p reports && cat > reports/TEST-a.xml <<EOF\n<testsuite name=\"a\" tests=\"1\" failures=\"$(cat failures 2>/dev/null || echo 0)\"><testcase classname=\"a\" name=\"t\">$( [ -f failures ] && echo '<failure message=\"no\"/>' )</testcase></testsuite>\nEOF";
    const archiver = '\n    <hudson.tasks.junit.JUnitResultArchiver plugin="junit@1265.v65b_14fa_f12f0">\n      <testResults>reports/*.xml</testResults>\n    </hudson.tasks.junit.JUnitResultArchiver>';
    const config = (dontNotify: boolean) => mailerJob(report, 'qa@example.com').then((x) => x.replace('</hudson.tasks.Mailer>', `</hudson.tasks.Mailer>${archiver}`).replace('<dontNotifyEveryUnstableBuild>false', `<dontNotifyEveryUnstableBuild>${dontNotify}`));
    await h.jobs.create('tests', await config(false));
    assert.equal((await runOneBuild(h.jobs, home.dir, 'tests')).result, 'SUCCESS');
    await h.store.writeAtomic('workspace/tests/failures', '1');
    const unstable = await runOneBuild(h.jobs, home.dir, 'tests');
    assert.equal(unstable.result, 'UNSTABLE', unstable.log);
    assert.match(unstable.log, /^Recording test results\n(.*\n)*Sending e-mails to: qa@example\.com\nFinished: UNSTABLE\n$/m);
    await runOneBuild(h.jobs, home.dir, 'tests');
    let mails = (await smtp.mails()).slice(before);
    assert.deepEqual(mails.map((m) => [m.subject, m.body]), [
      ['Jenkins build became unstable: tests #2', 'See <http://localhost/job/tests/2/>\n\n'],
      ['Jenkins build is still unstable: tests #3', 'See <http://localhost/job/tests/3/>\n\n'],
    ]);
    await h.jobs.updateConfig('tests', await config(true));
    const quiet = await runOneBuild(h.jobs, home.dir, 'tests');
    assert.equal(quiet.result, 'UNSTABLE');
    assert.doesNotMatch(quiet.log, /Sending e-mails/);
    await h.store.remove('workspace/tests/failures');
    await runOneBuild(h.jobs, home.dir, 'tests');
    mails = (await smtp.mails()).slice(before);
    assert.equal(mails.length, 3);
    assert.equal(mails[2]!.subject, 'Jenkins build is back to stable : tests #5');
  });

  test('a failure after Git changes lists them by committer, as the git plugin names them, and links the changes; sendToIndividuals mails them too', async () => {
    await using home = await tempDir();
    const repo = await TestRepo.create(path.join(home.dir, 'repo'));
    await repo.commit('First version', { 'ok.sh': 'exit 0\n' });
    await using h = await openHome(path.join(home.dir, 'home'));
    await useSmtp(h.store, h.extensions, smtp.port);
    const before = (await smtp.mails()).length;
    const mailer = '<publishers>\n    <hudson.tasks.Mailer plugin="mailer@1.8">\n      <recipients>dev</recipients>\n      <dontNotifyEveryUnstableBuild>false</dontNotifyEveryUnstableBuild>\n      <sendToIndividuals>true</sendToIndividuals>\n    </hudson.tasks.Mailer>\n  </publishers>';
    await h.jobs.create('app', gitJobXml({ remotes: [[repo.url]], command: 'sh ok.sh' }).replace('<publishers/>', mailer));
    assert.equal((await runOneBuild(h.jobs, path.join(home.dir, 'home'), 'app')).result, 'SUCCESS');
    await repo.commit('Break the build\n\nOn purpose.', { 'ok.sh': 'exit 1\n' });
    const broken = await runOneBuild(h.jobs, path.join(home.dir, 'home'), 'app');
    assert.equal(broken.result, 'FAILURE', broken.log);
    const [mail] = (await smtp.mails()).slice(before);
    assert.ok(mail, broken.log);
    assert.deepEqual(mail.to, ['dev@example.com', 'carl@example.com']);
    assert.match(mail.body, /^See <http:\/\/localhost\/job\/app\/2\/changes>\n\nChanges:\n\n\[Carl Committer\] Break the build\n\n\n-{42}\n/);
  });

  test('SMTP AUTH with the user and password of the settings; the password shows nowhere in the log', async () => {
    await using authSmtp = await SmtpServer.start({ user: 'ci-mailer', password: 'p4ss-w0rd' });
    await using home = await tempDir();
    await using h = await openHome(home.dir);
    await useSmtp(h.store, h.extensions, authSmtp.port, '\n  <smtpAuthUsername>ci-mailer</smtpAuthUsername>\n  <smtpAuthPasswordSecret>p4ss-w0rd</smtpAuthPasswordSecret>');
    await h.jobs.create('auth', await mailerJob('exit 1', 'dev'));
    const { log } = await runOneBuild(h.jobs, home.dir, 'auth');
    const mails = await authSmtp.mails();
    assert.equal(mails.length, 1, log);
    assert.equal(mails[0]!.user, 'ci-mailer');
    assert.doesNotMatch(log, /p4ss-w0rd/);

    // A wrong password: the build's log says why, without the password.
    await useSmtp(h.store, h.extensions, authSmtp.port, '\n  <smtpAuthUsername>ci-mailer</smtpAuthUsername>\n  <smtpAuthPasswordSecret>wrong-pass</smtpAuthPasswordSecret>');
    const refused = await runOneBuild(h.jobs, home.dir, 'auth');
    assert.equal(refused.result, 'FAILURE');
    assert.match(refused.log, /^WARNING: Failed to send out e-mail: .*Invalid (login|username)/m);
    assert.doesNotMatch(refused.log, /wrong-pass/);
  });

  test('with the SMTP server down, the build says so in its log and keeps its result', async () => {
    await using home = await tempDir();
    await using h = await openHome(home.dir);
    const down = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const { port } = s.address() as net.AddressInfo;
        s.close(() => resolve(port));
      });
    });
    await useSmtp(h.store, h.extensions, down);
    await h.jobs.create('down', await mailerJob('if [ -f again ]; then exit 0; fi; touch again; exit 1', 'dev'));
    const failed = await runOneBuild(h.jobs, home.dir, 'down');
    assert.equal(failed.result, 'FAILURE');
    assert.match(failed.log, /^Sending e-mails to: dev@example\.com\nWARNING: Failed to send out e-mail: .*ECONNREFUSED.*\nFinished: FAILURE\n$/m);
    const fixed = await runOneBuild(h.jobs, home.dir, 'down');
    assert.equal(fixed.result, 'SUCCESS', fixed.log);
    assert.match(fixed.log, /WARNING: Failed to send out e-mail: /);
  });

  test('a broken settings file: the build says why no mail was sent', async () => {
    await using home = await tempDir();
    await using h = await openHome(home.dir);
    await h.store.writeAtomic('hudson.tasks.Mailer.xml', '<hudson.tasks.Mailer_-DescriptorImpl>\n  <useSsl>maybe</useSsl>\n</hudson.tasks.Mailer_-DescriptorImpl>\n');
    const config = h.extensions.find(GLOBAL_CONFIGURATION, 'hudson.tasks.Mailer');
    const problems = await config!.load({ readText: (f) => h.store.readText(f), secret: (t) => t });
    assert.match(problems[0] ?? '', /hudson\.tasks\.Mailer\.xml:2:\d+: .*useSsl: expected true or false/);
    await h.jobs.create('broken', await mailerJob('exit 1', 'dev@example.com'));
    const { log } = await runOneBuild(h.jobs, home.dir, 'broken');
    assert.match(log, /^WARNING: Failed to send out e-mail: hudson\.tasks\.Mailer\.xml:2:\d+: .*useSsl/m);
  });

  test('a server that accepts the connection and never answers is given up after the time bound', async () => {
    const silent = net.createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = silent.address() as net.AddressInfo;
      const started = performance.now();
      await assert.rejects(
        sendMail({ ...DEFAULT_MAIL_SETTINGS, smtpHost: '127.0.0.1', smtpPort: port }, { to: ['a@example.com'], subject: 's', body: 'b', headers: {} }, { limits: { connectMs: 300, socketMs: 300, totalMs: 1_000 } }),
        /Greeting never received|Timeout|did not take the mail/i,
      );
      assert.ok(performance.now() - started < 3_000);
    } finally {
      silent.close();
    }
  });
});
