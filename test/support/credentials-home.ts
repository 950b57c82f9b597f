import { copyFile, mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { pino } from 'pino';
import { acquireFileLease } from '../../src/ha/index.js';
import { HomeStore, leaseFence } from '../../src/home/index.js';
import type { AuditEvent, AuditSink } from '../../src/security/index.js';
import { CredentialsStore } from '../../src/security/credentials/index.js';
import { JenkinsSecrets, MasterKey, type SecretKeys } from '../../src/security/secrets/index.js';
import { REPO, tempDir } from './steward-process.js';

/** The Jenkins home whose master.key and hudson.util.Secret encrypted the fixtures. */
const JENKINS_KEYS = path.join(REPO, 'test/security/secrets/fixtures/jenkins-home');
/** credentials.xml and the SecretBytes key made by test/security/credentials/fixtures/MakeJenkinsCredentials.java. */
export const JENKINS_CREDENTIALS = path.join(REPO, 'test/security/credentials/fixtures/jenkins-home');

/** The clear values of the fixture's credentials (values.json), by id. */
export interface FixtureValues {
  deploy: { username: string; password: string };
  'api-token': { secret: string };
  'git-ssh': { username: string; privateKey: string; passphrase: string };
  kubeconfig: { fileName: string; content: string };
  nexus: { username: string; password: string };
  'agent-login': { username: string; password: string };
  'github-token': { secret: string };
}

export async function fixtureValues(): Promise<FixtureValues> {
  return JSON.parse(await readFile(path.join(JENKINS_CREDENTIALS, 'values.json'), 'utf8')) as FixtureValues;
}

/** An audit sink that keeps events in memory. */
export class MemoryAudit implements AuditSink {
  readonly events: AuditEvent[] = [];
  record(event: AuditEvent): Promise<void> {
    this.events.push(event);
    return Promise.resolve();
  }
}

/**
 * A temporary home behind a real file lease and its fence, with Steward's master key and a
 * credentials store. With `jenkins`, the home holds the Jenkins keys and the credentials.xml of
 * the fixtures, as a home copied from Jenkins does.
 */
export async function credentialsHome(opts: { jenkins?: boolean } = {}) {
  const tmp = await tempDir('steward-credentials-');
  const dir = tmp.dir;
  if (opts.jenkins === true) {
    await mkdir(path.join(dir, 'secrets'), { recursive: true, mode: 0o700 });
    for (const file of ['secrets/master.key', 'secrets/hudson.util.Secret']) await copyFile(path.join(JENKINS_KEYS, file), path.join(dir, file));
    for (const file of ['credentials.xml', 'secrets/com.cloudbees.plugins.credentials.SecretBytes.KEY']) {
      await copyFile(path.join(JENKINS_CREDENTIALS, file), path.join(dir, file));
    }
  }
  const lease = await acquireFileLease({
    path: path.join(dir, '.steward', 'lock'),
    holder: { host: 'h', pid: process.pid, instanceId: 'i', startedAt: new Date().toISOString() },
  });
  const store = new HomeStore({ root: dir, fence: leaseFence(lease, path.join(dir, '.steward', 'epoch')), logger: pino({ level: 'silent' }) });
  await store.writeAtomic('.steward/epoch', `${lease.epoch}\n`);
  const keys: SecretKeys = { master: await MasterKey.load(store), jenkins: await JenkinsSecrets.load(store) };
  const audit = new MemoryAudit();
  const load = () => CredentialsStore.load(store, { keys, audit });
  return {
    dir,
    store,
    keys,
    audit,
    credentials: await load(),
    /** A new store read from the file as it is now. */
    reload: load,
    async [Symbol.asyncDispose]() {
      await lease.release();
      await tmp[Symbol.asyncDispose]();
    },
  };
}
