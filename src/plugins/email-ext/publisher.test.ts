import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { ExtensionRegistry, GLOBAL_CONFIGURATION } from '../../extensions/index.js';
import { Jobs } from '../../jobs/index.js';
import { buildSecrets } from '../../security/credentials/index.js';
import { secretFromString } from '../../security/index.js';
import { registerBuiltInPlugins } from '../index.js';
import { runOneBuild } from '../../../test/jobs/home.js';
import { credentialsHome } from '../../../test/support/credentials-home.js';
import { SmtpServer } from '../../../test/support/smtp-server.js';
import { REPO } from '../../../test/support/steward-process.js';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
/** A Jenkins Secret under the keys of the Jenkins home fixture (test/security/secrets/fixtures), and its clear text. */
const JENKINS_SECRET = (JSON.parse(await readFile(path.join(REPO, 'test/security/secrets/fixtures/jenkins-home/vectors.json'), 'utf8')) as { plaintext: string; current: string }[])[0]!;

/** A trigger in the shape of the fixture's (email-ext 2.78), with its own mail. */
function trigger(name: string, email: { subject?: string; body?: string; recipientList?: string; providers?: string } = {}): string {
  return `
        <hudson.plugins.emailext.plugins.trigger.${name}>
          <email>
            <recipientList>${email.recipientList ?? ''}</recipientList>
            <subject>${email.subject ?? '$PROJECT_DEFAULT_SUBJECT'}</subject>
            <body>${email.body ?? '$PROJECT_DEFAULT_CONTENT'}</body>
            <recipientProviders>${email.providers ?? '\n              <hudson.plugins.emailext.plugins.recipients.ListRecipientProvider/>'}
            </recipientProviders>
            <attachmentsPattern/>
            <attachBuildLog>false</attachBuildLog>
            <compressBuildLog>false</compressBuildLog>
            <replyTo>$PROJECT_DEFAULT_REPLYTO</replyTo>
            <contentType>project</contentType>
          </email>
        </hudson.plugins.emailext.plugins.trigger.${name}>`;
}

async function job(command: string, moreTriggers = ''): Promise<string> {
  const text = await readFile(path.join(FIXTURES, 'email-ext-job.xml'), 'utf8');
  return text.replace('@COMMAND@', command.replaceAll('&', '&amp;').replaceAll('<', '&lt;')).replace('@MORE_TRIGGERS@', moreTriggers);
}

/**
 * A home from Jenkins (its keys), Jobs wired to its secrets as the controller wires them, and the
 * global settings loaded as the controller loads them: Mailer to `port` (the SMTP password a
 * Jenkins Secret), email-ext's defaults from the fixture.
 */
async function mailHome(port: number) {
  const home = await credentialsHome({ jenkins: true });
  const extensions = new ExtensionRegistry();
  registerBuiltInPlugins(extensions);
  const jobs = new Jobs({ store: home.store, extensions, logger: pino({ level: 'silent' }), secrets: buildSecrets(home.keys, home.credentials) });
  await home.store.writeAtomic(
    'hudson.tasks.Mailer.xml',
    `<?xml version='1.1' encoding='UTF-8'?>
<hudson.tasks.Mailer_-DescriptorImpl plugin="mailer@489.vd4b_25144138f">
  <authentication>
    <username>builds</username>
    <password>${JENKINS_SECRET.current}</password>
  </authentication>
  <smtpHost>127.0.0.1</smtpHost>
  <useSsl>false</useSsl>
  <useTls>false</useTls>
  <smtpPort>${port}</smtpPort>
  <charset>UTF-8</charset>
</hudson.tasks.Mailer_-DescriptorImpl>
`,
  );
  await home.store.writeAtomic('hudson.plugins.emailext.ExtendedEmailPublisher.xml', await readFile(path.join(FIXTURES, 'hudson.plugins.emailext.ExtendedEmailPublisher.xml'), 'utf8'));
  const problems: string[] = [];
  for (const d of extensions.all(GLOBAL_CONFIGURATION)) {
    problems.push(...(await d.load({ readText: (f) => home.store.readText(f), secret: (t, at) => secretFromString(t, home.keys, at) })));
  }
  return Object.assign(home, { jobs, problems });
}

describe('Editable Email Notification (email-ext)', () => {
  let smtp: SmtpServer;
  before(async () => {
    smtp = await SmtpServer.start({ user: 'builds', password: JENKINS_SECRET.plaintext });
  });
  after(async () => {
    await smtp.stop();
  });

  test('Failure - Any mails the project list with the defaults of the home expanded; Fixed mails when it passes again; Failure - Still replaces Failure - Any', async () => {
    await using home = await mailHome(smtp.port);
    // The fixture's own SMTP server is said not to be used.
    assert.deepEqual(home.problems, [
      'hudson.plugins.emailext.ExtendedEmailPublisher.xml: its own SMTP server (overrideGlobalSettings) is not used; email-ext mails go out through the Mailer\'s settings (hudson.tasks.Mailer.xml)',
    ]);
    const before = (await smtp.mails()).length;
    await home.jobs.create('lib', await job('test -f ok || { echo "tests failed"; exit 1; }', trigger('StillFailingTrigger') + trigger('FixedTrigger', { subject: 'Fixed: $PROJECT_NAME #$BUILD_NUMBER', body: 'Back to $BUILD_STATUS at ${BUILD_URL}.' })));

    const first = await runOneBuild(home.jobs, home.dir, 'lib');
    assert.equal(first.result, 'FAILURE');
    assert.match(first.log, /^Email was triggered for: Failure - Any\nSending email for trigger: Failure - Any\nSending email to: maintainer@example\.org other@example\.org\nFinished: FAILURE\n$/m);
    let mails = (await smtp.mails()).slice(before);
    assert.equal(mails.length, 1);
    assert.equal(mails[0]!.user, 'builds', 'sent as the SMTP user, with the password the Jenkins Secret holds');
    assert.equal(mails[0]!.subject, 'lib - Build # 1 - Failure!');
    assert.equal(mails[0]!.body, 'lib - Build # 1 - Failure:\n\nCheck console output at http://localhost/job/lib/1/ to view the results.\n');
    assert.deepEqual(mails[0]!.to, ['maintainer@example.org', 'other@example.org']);

    const second = await runOneBuild(home.jobs, home.dir, 'lib');
    assert.match(second.log, /^Email was triggered for: Failure - Still\nSending email for trigger: Failure - Still\n/m);
    assert.doesNotMatch(second.log, /Failure - Any/);
    mails = (await smtp.mails()).slice(before);
    assert.equal(mails[1]!.subject, 'lib - Build # 2 - Still Failing!');

    await home.store.writeAtomic('workspace/lib/ok', '');
    const third = await runOneBuild(home.jobs, home.dir, 'lib');
    assert.equal(third.result, 'SUCCESS', third.log);
    mails = (await smtp.mails()).slice(before);
    assert.equal(mails.length, 3);
    assert.equal(mails[2]!.subject, 'Fixed: lib #3');
    assert.equal(mails[2]!.body, 'Back to Fixed at http://localhost/job/lib/3/.\n');

    const fourth = await runOneBuild(home.jobs, home.dir, 'lib');
    assert.match(fourth.log, /^No emails were triggered\.$/m);
  });

  test('Always sends its own mail with ${BUILD_LOG, maxLines=N}, env variables and ${ENV}; a password parameter stays masked', async () => {
    await using home = await mailHome(smtp.port);
    const before = (await smtp.mails()).length;
    const body = 'Log of $JOB_NAME:\n${BUILD_LOG, maxLines=5}--\ntoken=$DEPLOY_TOKEN node=${ENV, var="NODE_NAME"} unknown=$NOT_A_TOKEN cost=$$5';
    await home.jobs.create('report', await job('#!/bin/sh\nfor i in 1 2 3 4 5; do echo "line $i"; done\necho "using $DEPLOY_TOKEN"', trigger('AlwaysTrigger', { subject: '[$BUILD_STATUS] $PROJECT_NAME', body, recipientList: 'ops@example.net', providers: '' })));
    const build = await runOneBuild(home.jobs, home.dir, 'report', [{ name: 'DEPLOY_TOKEN', value: 't0ken-value-42', sensitive: true }]);
    assert.equal(build.result, 'SUCCESS', build.log);
    assert.match(build.log, /^Sending email to: ops@example\.net$/m);
    const mails = (await smtp.mails()).slice(before);
    assert.equal(mails.length, 1);
    assert.equal(mails[0]!.subject, '[Successful] report');
    assert.deepEqual(mails[0]!.to, ['ops@example.net'], 'the project list is not mailed without ListRecipientProvider');
    assert.equal(mails[0]!.body, 'Log of report:\nline 4\nline 5\nusing ****\nEmail was triggered for: Always\nSending email for trigger: Always\n--\ntoken=**** node=built-in unknown=$NOT_A_TOKEN cost=$5\n');
    assert.doesNotMatch(mails[0]!.raw, /t0ken-value-42/);
  });

  test('Success with text/html sends an HTML mail; cc: recipients are mailed; the publisher disabled sends nothing', async () => {
    await using home = await mailHome(smtp.port);
    const before = (await smtp.mails()).length;
    const html = trigger('SuccessTrigger', { subject: 'ok', body: '&lt;p&gt;${BUILD_LOG, maxLines=3, escapeHtml=true}&lt;/p&gt;', recipientList: 'cc:web@example.net', providers: '' }).replace('<contentType>project</contentType>', '<contentType>text/html</contentType>');
    await home.jobs.create('site', await job('#!/bin/sh\necho "<b>built</b>"', html));
    assert.equal((await runOneBuild(home.jobs, home.dir, 'site')).result, 'SUCCESS');
    const [mail] = (await smtp.mails()).slice(before);
    assert.ok(mail);
    assert.deepEqual(mail.to, ['web@example.net']);
    assert.match(mail.headers['content-type'] ?? '', /^text\/html/);
    assert.match(mail.body, /^<p>&lt;b&gt;built&lt;\/b&gt;\nEmail was triggered for: Success\nSending email for trigger: Success\n<\/p>/);
    await home.jobs.updateConfig('site', (await job('true', html)).replace('<disabled>false</disabled>\n    </hudson.plugins.emailext', '<disabled>true</disabled>\n    </hudson.plugins.emailext'));
    const off = await runOneBuild(home.jobs, home.dir, 'site');
    assert.match(off.log, /^Extended Email Publisher is currently disabled in project settings$/m);
    assert.equal((await smtp.mails()).slice(before).length, 1);
  });

  test('an unknown trigger and a recipient provider Steward does not have are said in the log', async () => {
    await using home = await mailHome(smtp.port);
    const more = `
        <hudson.plugins.emailext.plugins.trigger.XNthFailureTrigger>
          <email><subject>x</subject></email>
          <requiredFailureCount>5</requiredFailureCount>
        </hudson.plugins.emailext.plugins.trigger.XNthFailureTrigger>${trigger('StillFailingTrigger', { providers: '<hudson.plugins.emailext.plugins.recipients.DevelopersRecipientProvider/>' })}`;
    await home.jobs.create('odd', await job('exit 1', more));
    // Told when the job loads too, with the job's other unsupported steps.
    const def = home.jobs.require('odd').definition;
    assert.deepEqual(def.kind === 'freestyle' ? def.notRun.map((e) => ({ name: e.name, within: e.within, treatment: e.treatment })) : [], [
      { name: 'trigger hudson.plugins.emailext.plugins.trigger.XNthFailureTrigger', within: 'hudson.plugins.emailext.ExtendedEmailPublisher', treatment: 'skipped' },
      { name: 'option hudson.plugins.emailext.plugins.recipients.DevelopersRecipientProvider', within: 'hudson.plugins.emailext.ExtendedEmailPublisher', treatment: 'skipped' },
    ]);
    const { log } = await runOneBuild(home.jobs, home.dir, 'odd');
    assert.match(log, /^WARNING: email-ext trigger hudson\.plugins\.emailext\.plugins\.trigger\.XNthFailureTrigger is not supported by this controller; it was not evaluated$/m);
    await runOneBuild(home.jobs, home.dir, 'odd').then(({ log: again }) => {
      assert.match(again, /^WARNING: email-ext option hudson\.plugins\.emailext\.plugins\.recipients\.DevelopersRecipientProvider is not supported by this controller; the mail is sent without it$/m);
      assert.match(again, /^An attempt to send an e-mail to empty list of recipients, ignored\.$/m);
    });
  });
});
