import { createHmac, randomBytes } from 'node:crypto';
import { inspect } from 'node:util';

import type { HomeStore } from '../../home/index.js';
import { invalidKeyFile } from './errors.js';
import { loadJenkinsConfidentialKey } from './jenkins-secrets.js';

/**
 * Jenkins' key of agent secrets: the HMACConfidentialKey `jenkins.slaves.JnlpSlaveAgentProtocol.secret`
 * (JnlpAgentReceiver.SLAVE_SECRET), kept encrypted under `secrets/master.key`.
 */
export const JENKINS_AGENT_SECRET_KEY_PATH = 'secrets/jenkins.slaves.JnlpSlaveAgentProtocol.secret';
/** Steward's key of agent secrets, on a home without Jenkins' (32 random bytes as hex, 0600). */
export const AGENT_SECRET_KEY_PATH = 'secrets/steward.agent-secret.key';

const KEY_BYTES = 32;

/**
 * The key an agent's secret is derived from, as Jenkins derives it: the secret of agent NAME is
 * hex(HMAC-SHA256(key, UTF-8 NAME)) (HMACConfidentialKey.mac, Util.toHexString: 64 lower-case hex
 * digits). A home that came from Jenkins keeps Jenkins' key, so its agents keep their secrets;
 * any other gets a key of its own in `secrets/steward.agent-secret.key`, made on first use. The
 * key never leaves this object: printing or serialising it shows no key material.
 */
export class AgentSecretKey {
  readonly #key: Buffer;
  /** Where the key came from, for the log: Jenkins' confidential key or Steward's own file. */
  readonly source: string;

  private constructor(key: Buffer, source: string) {
    this.#key = key;
    this.source = source;
  }

  /**
   * Jenkins' key when the home has it (and `secrets/master.key`), else Steward's, created when
   * missing. A key file that cannot be read is refused (STW_SECRET_KEY_INVALID), never replaced:
   * a new key would change the secret of every agent.
   */
  static async load(store: HomeStore): Promise<AgentSecretKey> {
    const jenkins = await loadJenkinsConfidentialKey(store, JENKINS_AGENT_SECRET_KEY_PATH);
    if (jenkins !== undefined) return new AgentSecretKey(jenkins, JENKINS_AGENT_SECRET_KEY_PATH);
    let text = await store.readText(AGENT_SECRET_KEY_PATH);
    if (text === undefined) {
      await store.writeAtomic(AGENT_SECRET_KEY_PATH, `${randomBytes(KEY_BYTES).toString('hex')}\n`, { mode: 0o600 });
      // Read back what is on disk, so that two loads racing on the first start end with one key.
      text = await store.readText(AGENT_SECRET_KEY_PATH);
    }
    const hex = text?.trim() ?? '';
    if (!/^[0-9a-f]{64}$/.test(hex)) {
      throw invalidKeyFile(AGENT_SECRET_KEY_PATH, `does not hold ${KEY_BYTES} bytes as hex; restore it from a backup (every agent's secret depends on it)`);
    }
    return new AgentSecretKey(Buffer.from(hex, 'hex'), AGENT_SECRET_KEY_PATH);
  }

  /** A key from bytes (a copy is kept); for tests and tools. */
  static fromBytes(bytes: Uint8Array): AgentSecretKey {
    return new AgentSecretKey(Buffer.from(bytes), 'bytes');
  }

  /** The secret of the agent called `name`: Jenkins' JnlpAgentReceiver.SLAVE_SECRET.mac(name). */
  mac(name: string): string {
    return createHmac('sha256', this.#key).update(name, 'utf8').digest('hex');
  }

  toJSON(): string {
    return 'AgentSecretKey(redacted)';
  }

  toString(): string {
    return 'AgentSecretKey(redacted)';
  }

  [inspect.custom](): string {
    return 'AgentSecretKey(redacted)';
  }
}
