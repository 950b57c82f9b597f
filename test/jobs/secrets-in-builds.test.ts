import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, test } from 'node:test';
import { pino } from 'pino';
import { ExtensionRegistry } from '../../src/extensions/index.js';
import type { AppendLog } from '../../src/home/index.js';
import { Jobs, resolveParameters } from '../../src/jobs/index.js';
import { MaskedLog } from '../../src/jobs/masked-log.js';
import { registerBuiltInPlugins } from '../../src/plugins/index.js';
import { buildSecrets } from '../../src/security/credentials/index.js';
import { SecretMasker } from '../../src/security/secrets/index.js';
import { credentialsHome } from '../support/credentials-home.js';
import { REPO, freestyleXml } from '../support/steward-process.js';
import { runOneBuild } from './home.js';

/*
 * Secrets in builds other than bound credentials (those are tested beside the credentials-binding
 * plugin, src/plugins/credentials-binding): password parameters and the log's masking.
 */

/** A Jenkins Secret of `s3cr3t-password` under the fixture's keys (test/security/secrets/fixtures). */
const JENKINS_PASSWORD = JSON.parse(await readFile(path.join(REPO, 'test/security/secrets/fixtures/jenkins-home/vectors.json'), 'utf8')) as { plaintext: string; current: string }[];

/** A home from Jenkins (keys and credentials.xml of the fixtures) with Jobs wired to its credentials, as the controller wires them. */
async function buildHome() {
  const home = await credentialsHome({ jenkins: true });
  const extensions = new ExtensionRegistry();
  registerBuiltInPlugins(extensions);
  const jobs = new Jobs({ store: home.store, extensions, logger: pino({ level: 'silent' }), secrets: buildSecrets(home.keys, home.credentials) });
  return Object.assign(home, { jobs });
}

/** Every file under `dir`, with its content. */
async function filesUnder(dir: string): Promise<{ file: string; content: Buffer }[]> {
  const out: { file: string; content: Buffer }[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) {
      const file = path.join(entry.parentPath, entry.name);
      out.push({ file, content: await readFile(file) });
    }
  }
  return out;
}

describe('secrets in builds', () => {
  test('a build log masks a secret split across two writes, and releases what only looked like one', async () => {
    const written: Buffer[] = [];
    const sink = {
      write(chunk: Buffer | string) {
        written.push(Buffer.from(chunk));
        return Promise.resolve();
      },
    } as unknown as AppendLog;
    const log = new MaskedLog(sink, (secrets) => new SecretMasker(secrets).stream());
    log.mask(['hunter2-password']);
    log.write('login: hunter2-');
    log.write('password ok\nhunter2-');
    log.mask(['tok_9']);
    log.write(' then tok_');
    log.write('9 and hunter');
    log.end();
    assert.equal(Buffer.concat(written).toString('utf8'), 'login: **** ok\nhunter2- then **** and hunter');
  });

  test('a password parameter reaches the step in clear, is **** in the log, and is stored encrypted in build.xml only', async () => {
    await using home = await buildHome();
    const parameters = `
        <hudson.model.PasswordParameterDefinition>
          <name>PASS</name>
          <description></description>
          <defaultValueAsSecret>${JENKINS_PASSWORD[0]?.current ?? ''}</defaultValueAsSecret>
        </hudson.model.PasswordParameterDefinition>`;
    const command = 'echo "pass=$PASS"\nprintf %s "$PASS" | od -An -tx1 | tr -d " \\n"; echo';
    await home.jobs.create('pw', freestyleXml({ command, parameters }));
    const job = home.jobs.require('pw');
    const given = 'p4ss-typed-by-a-user';

    const first = await runOneBuild(home.jobs, home.dir, 'pw', [{ name: 'PASS', value: given, sensitive: true }]);
    assert.equal(first.result, 'SUCCESS', first.log);
    assert.match(first.log, /^pass=\*\*\*\*$/m);
    assert.ok(first.log.includes(Buffer.from(given).toString('hex')), 'the step saw the value');
    const recordFile = path.join(home.dir, `jobs/pw/builds/${first.number}/build.xml`);
    const xml = await readFile(recordFile, 'utf8');
    assert.match(xml, /<hudson\.model\.PasswordParameterValue>\s*<name>PASS<\/name>\s*<value>\{STW1:[A-Za-z0-9+/=]+\}<\/value>/);
    for (const { file, content } of await filesUnder(home.dir)) {
      assert.ok(!content.includes(given), `${path.relative(home.dir, file)} does not hold the password`);
    }
    job.records.clear();
    const record = await home.jobs.record(job, first.number);
    assert.deepEqual(
      record?.parameters.map((p) => ({ name: p.name, sensitive: p.sensitive, encrypted: p.value.startsWith('{STW1:') })),
      [{ name: 'PASS', sensitive: true, encrypted: true }],
      'read back, it is a PasswordParameterValue, whose value the JSON API leaves out',
    );

    // The default, a Secret Jenkins encrypted, sealed for the queue as the controller does.
    const def = job.definition;
    assert.ok(def.kind === 'freestyle');
    const defaults = home.jobs.sealParameters(resolveParameters(def.parsed.config.parameters, {}).values);
    assert.match(defaults[0]?.value ?? '', /^\{STW1:/);
    const second = await runOneBuild(home.jobs, home.dir, 'pw', defaults);
    assert.equal(second.result, 'SUCCESS', second.log);
    assert.ok(second.log.includes(Buffer.from('s3cr3t-password').toString('hex')), 'the step saw the decrypted default');
    assert.match(second.log, /^pass=\*\*\*\*$/m);
  });
  test('a password a test prints into its JUnit report is **** in the recorded results, which no file of the home holds in clear', async () => {
    await using home = await buildHome();
    const parameters = `
        <hudson.model.PasswordParameterDefinition>
          <name>PASS</name>
          <description></description>
          <defaultValueAsSecret></defaultValueAsSecret>
        </hudson.model.PasswordParameterDefinition>`;
    const command = `cat > TEST-login.xml <<EOF
<testsuite name="login"><testcase classname="login.Api" name="signs in"><failure message="refused $PASS">login with $PASS refused</failure><system-out>using $PASS</system-out></testcase></testsuite>
EOF`;
    const junit = '<publishers><hudson.tasks.junit.JUnitResultArchiver plugin="junit@1265.v65b_14fa_f12f0"><testResults>TEST-*.xml</testResults></hudson.tasks.junit.JUnitResultArchiver></publishers>';
    await home.jobs.create('tests', freestyleXml({ command, parameters }).replace('<publishers/>', junit));
    const given = 'p4ss-typed-by-a-user';
    const build = await runOneBuild(home.jobs, home.dir, 'tests', [{ name: 'PASS', value: given, sensitive: true }]);
    assert.equal(build.result, 'UNSTABLE', build.log);
    const recorded = await readFile(path.join(home.dir, `jobs/tests/builds/${build.number}/junitResult.xml`), 'utf8');
    assert.match(recorded, /<errorStackTrace>login with \*\*\*\* refused<\/errorStackTrace>\n {10}<errorDetails>refused \*\*\*\*<\/errorDetails>\n {10}<stdout>using \*\*\*\*<\/stdout>/);
    for (const { file, content } of await filesUnder(home.dir)) {
      if (file.includes(`${path.sep}workspace${path.sep}`)) continue; // the report the step wrote, in its workspace
      assert.ok(!content.includes(given), `${path.relative(home.dir, file)} does not hold the password`);
    }
  });
});
