import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { inspect } from 'node:util';
import type { GlobalConfigurationContext } from '../../extensions/index.js';
import { MailerConfiguration } from './configuration.js';
import { DEFAULT_ADMIN_ADDRESS } from './settings.js';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');

/** A home of `files`, whose Secret fields are taken as they are written (plain text, as Jenkins reads it). */
function home(files: Record<string, string>): GlobalConfigurationContext {
  return { readText: (f) => Promise.resolve(files[f]), secret: (text) => text };
}

describe('Mailer settings', () => {
  test('a Jenkins home\'s hudson.tasks.Mailer.xml gives host, SSL port, suffix, reply-to and the SMTP user; the password is never shown', async () => {
    const config = new MailerConfiguration();
    const problems = await config.load(home({ 'hudson.tasks.Mailer.xml': await readFile(path.join(FIXTURES, 'hudson.tasks.Mailer.xml'), 'utf8') }));
    assert.deepEqual(problems, []);
    assert.equal(config.state.kind, 'ready');
    if (config.state.kind !== 'ready') return;
    const s = config.state.settings;
    assert.deepEqual(
      { host: s.smtpHost, port: s.smtpPort, ssl: s.useSsl, tls: s.useTls, suffix: s.defaultSuffix, replyTo: s.replyToAddress, charset: s.charset, from: s.adminAddress, user: s.auth?.username },
      { host: 'smtp.gmail.com', port: 465, ssl: true, tls: false, suffix: '@bazel.build', replyTo: 'bazel-ci@googlegroups.com', charset: 'UTF-8', from: DEFAULT_ADMIN_ADDRESS, user: '##SECRET:smtp.auth.username##' },
    );
    assert.equal(s.auth?.password(), '##SECRET:smtp.auth.password##');
    assert.doesNotMatch(JSON.stringify(s), /smtp\.auth\.password/);
    assert.doesNotMatch(inspect(s, { depth: 5 }), /smtp\.auth\.password/);
  });

  test('the newer <authentication> form and the From of the location configuration are read', async () => {
    const config = new MailerConfiguration();
    await config.load(
      home({
        'hudson.tasks.Mailer.xml': `<?xml version='1.1' encoding='UTF-8'?>
<hudson.tasks.Mailer_-DescriptorImpl plugin="mailer@472.vf7c289a_4b_420">
  <authentication>
    <username>ci</username>
    <password>s3cret</password>
  </authentication>
  <smtpHost>mail.example.com</smtpHost>
  <useSsl>false</useSsl>
  <useTls>true</useTls>
  <smtpPort>587</smtpPort>
  <charset>UTF-8</charset>
</hudson.tasks.Mailer_-DescriptorImpl>
`,
        'jenkins.model.JenkinsLocationConfiguration.xml': `<?xml version='1.1' encoding='UTF-8'?>
<jenkins.model.JenkinsLocationConfiguration>
  <adminAddress>Build Server &lt;ci@example.com&gt;</adminAddress>
  <jenkinsUrl>https://ci.example.com/</jenkinsUrl>
</jenkins.model.JenkinsLocationConfiguration>
`,
      }),
    );
    assert.equal(config.state.kind, 'ready');
    if (config.state.kind !== 'ready') return;
    const s = config.state.settings;
    assert.deepEqual([s.smtpHost, s.smtpPort, s.useTls, s.auth?.username, s.auth?.password(), s.adminAddress], ['mail.example.com', 587, true, 'ci', 's3cret', 'Build Server <ci@example.com>']);
  });

  test('a bad field leaves mail broken, naming file, line and field, and the load itself does not fail', async () => {
    const config = new MailerConfiguration();
    const problems = await config.load(
      home({
        'hudson.tasks.Mailer.xml': `<?xml version='1.1' encoding='UTF-8'?>
<hudson.tasks.Mailer_-DescriptorImpl>
  <smtpHost>mail.example.com</smtpHost>
  <smtpPort>twenty-five</smtpPort>
</hudson.tasks.Mailer_-DescriptorImpl>
`,
      }),
    );
    assert.equal(problems.length, 1);
    assert.match(problems[0]!, /^mail from builds cannot be sent: hudson\.tasks\.Mailer\.xml:4:\d+: .*smtpPort: expected a port from 1 to 65535, got "twenty-five"$/);
    assert.equal(config.state.kind, 'broken');
  });

  test('a file that is not well-formed is named with its line', async () => {
    const config = new MailerConfiguration();
    const problems = await config.load(home({ 'hudson.tasks.Mailer.xml': '<hudson.tasks.Mailer_-DescriptorImpl>\n  <smtpHost>x</smtpHos>\n' }));
    assert.match(problems[0] ?? '', /hudson\.tasks\.Mailer\.xml:2/);
  });

  test('a Secret that does not decrypt is named by file and field, never by its value', async () => {
    const config = new MailerConfiguration();
    const problems = await config.load({
      readText: (f) =>
        Promise.resolve(
          f === 'hudson.tasks.Mailer.xml'
            ? '<hudson.tasks.Mailer_-DescriptorImpl>\n  <smtpAuthUsername>ci</smtpAuthUsername>\n  <smtpAuthPasswordSecret>{AQAAABAAAAAQdamaged}</smtpAuthPasswordSecret>\n</hudson.tasks.Mailer_-DescriptorImpl>\n'
            : undefined,
        ),
      secret: (_text, at) => {
        throw new Error(`the value does not decrypt (${at.file}, line ${at.line}, ${at.field})`);
      },
    });
    assert.match(problems[0] ?? '', /hudson\.tasks\.Mailer\.xml, line 3, .*smtpAuthPasswordSecret/);
    assert.doesNotMatch(problems[0] ?? '', /damaged/);
  });

  test('without any file, mail goes to localhost:25 from Jenkins\' default address', async () => {
    const config = new MailerConfiguration();
    assert.deepEqual(await config.load(home({})), []);
    assert.equal(config.state.kind === 'ready' && `${config.state.settings.smtpHost}:${config.state.settings.smtpPort} ${config.state.settings.adminAddress}`, `localhost:25 ${DEFAULT_ADMIN_ADDRESS}`);
  });
});
