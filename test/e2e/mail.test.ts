import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { SmtpServer } from '../support/smtp-server.js';
import { REPO, StewardProcess, tempDir } from '../support/steward-process.js';

/*
 * Mail from builds through a real controller: a home from Jenkins whose Mailer settings hold the
 * SMTP password as a Jenkins Secret, a real SMTP server, the Mailer and email-ext jobs of the
 * plugins' fixtures.
 */

/** Jenkins' keys of a fixture home and a Secret they encrypted (test/security/secrets/fixtures). */
const JENKINS_KEYS = path.join(REPO, 'test/security/secrets/fixtures/jenkins-home');
const SECRET = (JSON.parse(readFileSync(path.join(JENKINS_KEYS, 'vectors.json'), 'utf8')) as { plaintext: string; current: string }[])[0]!;

const MAILER_JOB = readFileSync(path.join(REPO, 'src/plugins/mailer/fixtures/mailer-job.xml'), 'utf8');
const EMAIL_EXT_JOB = readFileSync(path.join(REPO, 'src/plugins/email-ext/fixtures/email-ext-job.xml'), 'utf8');

function homeFromJenkins(dir: string, mailerXml: string): void {
  mkdirSync(path.join(dir, 'secrets'), { recursive: true, mode: 0o700 });
  for (const f of ['secrets/master.key', 'secrets/hudson.util.Secret']) copyFileSync(path.join(JENKINS_KEYS, f), path.join(dir, f));
  writeFileSync(path.join(dir, 'hudson.tasks.Mailer.xml'), mailerXml);
  writeFileSync(
    path.join(dir, 'jenkins.model.JenkinsLocationConfiguration.xml'),
    `<?xml version='1.1' encoding='UTF-8'?>
<jenkins.model.JenkinsLocationConfiguration>
  <adminAddress>Steward CI &lt;ci@example.test&gt;</adminAddress>
  <jenkinsUrl>http://ci.example.test/</jenkinsUrl>
</jenkins.model.JenkinsLocationConfiguration>
`,
  );
}

function mailerXml(port: number, password: string): string {
  return `<?xml version='1.1' encoding='UTF-8'?>
<hudson.tasks.Mailer_-DescriptorImpl plugin="mailer@1.20">
  <defaultSuffix>@example.test</defaultSuffix>
  <smtpAuthUsername>ci-mailer</smtpAuthUsername>
  <smtpAuthPasswordSecret>${password}</smtpAuthPasswordSecret>
  <smtpHost>127.0.0.1</smtpHost>
  <useSsl>false</useSsl>
  <smtpPort>${port}</smtpPort>
  <charset>UTF-8</charset>
</hudson.tasks.Mailer_-DescriptorImpl>
`;
}

describe('mail from builds, through a controller', () => {
  test('a failed Mailer job mails its recipients through an SMTP server that wants the password of the Jenkins Secret; email-ext mails the fix; the password is in no log', async () => {
    await using smtp = await SmtpServer.start({ user: 'ci-mailer', password: SECRET.plaintext });
    await using home = await tempDir();
    homeFromJenkins(home.dir, mailerXml(smtp.port, SECRET.current));
    const s = await StewardProcess.start(home.dir);
    try {
      await s.createJob('app', MAILER_JOB.replace('@COMMAND@', 'echo "build of app"; exit 1').replace('@RECIPIENTS@', 'dev'));
      const n = await s.buildNumberOf(await s.queueBuild('app'));
      assert.equal(await s.waitForResult('app', n), 'FAILURE');
      const log = await (await s.fetch(`job/app/${n}/consoleText`)).text();
      assert.match(log, /^Sending e-mails to: dev@example\.test\nFinished: FAILURE\n$/m);
      const [mail] = await smtp.mails();
      assert.ok(mail, log);
      assert.equal(mail.subject, `Build failed in Jenkins: app #${n}`);
      assert.equal(mail.headers.from, 'Steward CI <ci@example.test>');
      assert.equal(mail.user, 'ci-mailer');
      assert.match(mail.body, new RegExp(`^See <http://ci\\.example\\.test/job/app/${n}/>\\n`));
      assert.match(mail.body, /^build of app$/m);

      // email-ext: its Fixed trigger after a failure, its password parameter masked.
      await s.createJob(
        'lib',
        EMAIL_EXT_JOB.replace('@COMMAND@', 'test -f ok || { touch ok; exit 1; }').replace(
          '@MORE_TRIGGERS@',
          '<hudson.plugins.emailext.plugins.trigger.FixedTrigger><email><recipientList>lead@example.test</recipientList><subject>$PROJECT_NAME is $BUILD_STATUS</subject><body>token $DEPLOY_TOKEN at $BUILD_URL</body><recipientProviders/><replyTo>$PROJECT_DEFAULT_REPLYTO</replyTo><contentType>project</contentType></email></hudson.plugins.emailext.plugins.trigger.FixedTrigger>',
        ),
      );
      const first = await s.buildNumberOf(await s.queueBuild('lib', { DEPLOY_TOKEN: 'tok-3141' }));
      assert.equal(await s.waitForResult('lib', first), 'FAILURE');
      const second = await s.buildNumberOf(await s.queueBuild('lib', { DEPLOY_TOKEN: 'tok-3141' }));
      assert.equal(await s.waitForResult('lib', second), 'SUCCESS');
      const mails = await smtp.mails();
      assert.deepEqual(mails.slice(1).map((m) => [m.subject, m.to.join(' ')]), [
        [`lib - Build # ${first} - Failure!`, 'maintainer@example.org other@example.org'],
        ['lib is Fixed', 'lead@example.test'],
      ]);
      assert.equal(mails[2]!.body.trim(), `token **** at http://ci.example.test/job/lib/${second}/`);
      assert.deepEqual((await s.json<{ administrativeMonitors: unknown[] }>('manage/api/json')).administrativeMonitors.filter((m) => JSON.stringify(m).includes('mail')), []);
    } finally {
      await s.stop();
    }
    const controllerLog = [...s.lines.map((l) => JSON.stringify(l)), ...s.stderr].join('\n');
    assert.doesNotMatch(controllerLog, new RegExp(SECRET.plaintext.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
    assert.doesNotMatch(controllerLog, /tok-3141/);
  });

  test('a Mailer file that cannot be used: the controller starts, names file, line and field in its log and /manage, and the build says why no mail went out', async () => {
    await using home = await tempDir();
    homeFromJenkins(home.dir, mailerXml(25, SECRET.current).replace('<smtpPort>25</smtpPort>', '<smtpPort>smtp</smtpPort>'));
    const s = await StewardProcess.start(home.dir);
    try {
      const warning = s.lines.find((l) => typeof l.msg === 'string' && l.msg.includes('hudson.tasks.Mailer.xml'));
      assert.ok(warning, 'the controller warns at start');
      assert.match(String(warning.msg), /^mail from builds cannot be sent: hudson\.tasks\.Mailer\.xml:8:\d+: smtpPort: expected a port from 1 to 65535, got "smtp"$/);
      const monitors = (await s.json<{ administrativeMonitors: { id: string; message: string }[] }>('manage/api/json')).administrativeMonitors;
      assert.ok(monitors.some((m) => m.id === 'globalConfiguration:hudson.tasks.Mailer' && m.message === warning.msg));
      await s.createJob('app', MAILER_JOB.replace('@COMMAND@', 'exit 1').replace('@RECIPIENTS@', 'dev@example.test'));
      const n = await s.buildNumberOf(await s.queueBuild('app'));
      assert.equal(await s.waitForResult('app', n), 'FAILURE');
      const log = await (await s.fetch(`job/app/${n}/consoleText`)).text();
      assert.match(log, /^WARNING: Failed to send out e-mail: hudson\.tasks\.Mailer\.xml:8:\d+: smtpPort/m);
      // And the controller's log, for the operator.
      const told = s.lines.find((l) => l.level === 40 && l.job === 'app' && typeof l.msg === 'string' && l.msg.startsWith(`the e-mail of app #${n} was not sent: hudson.tasks.Mailer.xml:8:`));
      assert.ok(told, JSON.stringify(s.lines.filter((l) => l.level === 40)));
    } finally {
      await s.stop();
    }
  });
});
