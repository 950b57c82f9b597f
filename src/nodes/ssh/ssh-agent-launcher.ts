import { readFile } from 'node:fs/promises';
import net from 'node:net';
import { createInterface } from 'node:readline';
import type { Logger } from 'pino';
import { Client, type ClientChannel, type ConnectConfig } from 'ssh2';
import { coerceError } from '../../errors/index.js';
import type { SshLauncherSettings } from '../node.js';
import { knownHostsName, knownKeys, type HostKeyCheck } from './host-key.js';

/** An SSH agent node's launcher, as the ssh-slaves plugin's SSHLauncher configures it. */
export type SshLauncherConfig = SshLauncherSettings;

/** The credential an SSH login uses, in clear: a key (with its passphrase) or a password. */
export type SshLogin =
  | { readonly kind: 'key'; readonly username: string; readonly privateKey: string; readonly passphrase: string }
  | { readonly kind: 'password'; readonly username: string; readonly password: string };

export interface SshAgentLauncherOptions {
  node: string;
  config: SshLauncherConfig;
  /** The node's root on the host: the agent's work dir. */
  remoteFS: string;
  /** The agent program on the host (`steward` when installed there). */
  agentCommand: string;
  /** The login for config.credentialsId, read when connecting (undefined: none with that id). */
  login: () => Promise<SshLogin | undefined>;
  /** The node's agent secret, given to the agent on its standard input, never on a command line. */
  secret: () => string;
  /** The controller's HTTP port on this machine, which the agent reaches through the tunnel. */
  controllerPort: () => number;
  logger: Logger;
  /** Told why the agent is not running (a refused host key, a failed login, the agent's exit). */
  onDown?: (reason: string) => void;
}

/** Longest wait between attempts. */
const MAX_BACKOFF_MS = 5 * 60_000;
/** Lines of the agent's output kept per minute in the controller's log, so that a chatty agent cannot fill it. */
const AGENT_LINE_LIMIT = 200;

/** Quotes a word for the remote shell. */
function shellWord(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/**
 * Starts an agent over SSH and keeps it running, as Jenkins' SSHLauncher does, without a second
 * way in: the controller logs in with a credential from the store, asks the SSH server to forward
 * a port on the host's loopback interface back to this controller (so the agent needs no route to
 * the controller and the controller opens no port), and runs `steward agent` there with that
 * port as its URL and its secret as the first line of its standard input, which stays open: the
 * agent stops when it closes, so no agent is left running on the host after its SSH connection
 * ends. The agent then connects exactly as an inbound
 * WebSocket agent does. When the SSH connection or the agent ends, it tries again after
 * `retryWaitMs`, doubling up to five minutes.
 */
export class SshAgentLauncher {
  readonly #o: SshAgentLauncherOptions;
  #client: Client | undefined;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  #failures = 0;

  constructor(o: SshAgentLauncherOptions) {
    this.#o = o;
  }

  start(): void {
    void this.#attempt();
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    const client = this.#client;
    this.#client = undefined;
    if (client !== undefined) {
      const ended = new Promise<void>((resolve) => client.once('close', () => resolve()));
      client.end();
      await Promise.race([ended, new Promise((resolve) => setTimeout(resolve, 2_000).unref())]);
      client.destroy();
    }
  }

  #down(reason: string): void {
    const { node, config, logger } = this.#o;
    this.#client?.destroy();
    this.#client = undefined;
    if (this.#closed) return;
    this.#o.onDown?.(reason);
    const wait = Math.min(MAX_BACKOFF_MS, Math.max(1_000, config.retryWaitMs) * 2 ** Math.min(this.#failures, 10));
    this.#failures++;
    logger.warn({ node, host: config.host, port: config.port, retryInMs: wait }, `agent ${node} over SSH is down: ${reason}; trying again in ${Math.round(wait / 1000)} s`);
    this.#timer = setTimeout(() => void this.#attempt(), wait);
    this.#timer.unref();
  }

  async #attempt(): Promise<void> {
    if (this.#closed) return;
    const { node, config, logger } = this.#o;
    let login: SshLogin | undefined;
    let check: (key: Buffer) => boolean;
    try {
      login = await this.#o.login();
      check = await hostKeyVerifier(config.hostKey, config.host, config.port);
    } catch (err) {
      this.#down(coerceError(err).message);
      return;
    }
    if (login === undefined) {
      this.#down(`no SSH credentials with the id '${config.credentialsId}'`);
      return;
    }
    if (config.hostKey.kind === 'none') logger.warn({ node, host: config.host }, `agent ${node}: the SSH host key of ${config.host} is not checked (NonVerifyingKeyVerificationStrategy)`);
    let refusedKey = false;
    const client = new Client();
    this.#client = client;
    const connect: ConnectConfig = {
      host: config.host,
      port: config.port,
      username: login.username,
      readyTimeout: config.launchTimeoutMs,
      keepaliveInterval: 10_000,
      hostVerifier: (key: Buffer) => {
        const ok = check(key);
        if (!ok) refusedKey = true;
        return ok;
      },
      ...(login.kind === 'key' ? { privateKey: login.privateKey, ...(login.passphrase === '' ? {} : { passphrase: login.passphrase }) } : { password: login.password }),
    };
    let ended = false;
    const end = (reason: string): void => {
      if (ended) return;
      ended = true;
      this.#down(reason);
    };
    client.on('error', (err) => end(refusedKey ? `the SSH host key of ${config.host}:${config.port} is not the one expected (${describeCheck(config.hostKey)})` : `SSH: ${err.message}`));
    client.on('close', () => end('the SSH connection closed'));
    client.on('tcp connection', (_info, accept) => {
      // The agent's connection through the tunnel, to this controller's HTTP port.
      const stream = accept();
      const local = net.connect(this.#o.controllerPort(), '127.0.0.1');
      stream.pipe(local).pipe(stream);
      const close = (): void => {
        local.destroy();
        stream.destroy();
      };
      local.on('error', close);
      stream.on('error', close);
      stream.on('close', close);
      local.on('close', close);
    });
    client.on('ready', () => {
      client.forwardIn('127.0.0.1', 0, (err, port) => {
        if (err) {
          end(`the SSH server refused to forward a port back to the controller: ${err.message} (AllowTcpForwarding must allow it)`);
          return;
        }
        this.#run(client, port, end);
      });
    });
    try {
      client.connect(connect);
    } catch (err) {
      // ssh2 reads the key before connecting: a key it cannot parse is thrown here.
      end(`the SSH credentials '${config.credentialsId}' cannot be used: ${coerceError(err).message}`);
    }
  }

  #run(client: Client, port: number, end: (reason: string) => void): void {
    const { node, remoteFS, agentCommand, config, logger } = this.#o;
    const url = `http://127.0.0.1:${port}/`;
    const command = [
      config.prefix,
      `mkdir -p ${shellWord(remoteFS)} && cd ${shellWord(remoteFS)} &&`,
      agentCommand,
      'agent',
      `--url ${shellWord(url)}`,
      `--name ${shellWord(node)}`,
      '--secret -',
      `--work-dir ${shellWord(remoteFS)}`,
      config.suffix,
    ]
      .filter((w) => w !== '')
      .join(' ');
    client.exec(command, (err, channel: ClientChannel) => {
      if (err) {
        end(`the agent could not be started over SSH: ${err.message}`);
        return;
      }
      logger.info({ node, host: config.host }, `agent ${node}: started over SSH on ${config.host}:${config.port}`);
      this.#failures = 0;
      // The secret is the first line; standard input then stays open, and the agent stops when it
      // closes with the SSH connection.
      channel.write(`${this.#o.secret()}\n`);
      let lines = 0;
      const window = setInterval(() => (lines = 0), 60_000);
      window.unref();
      for (const stream of [channel, channel.stderr]) {
        createInterface({ input: stream }).on('line', (line) => {
          if (++lines <= AGENT_LINE_LIMIT) logger.info({ node, agentOutput: line.slice(0, 2_000) }, `agent ${node} says: ${line.slice(0, 200)}`);
        });
      }
      channel.on('exit', (code: number | null, signal?: string) => {
        clearInterval(window);
        end(`the agent exited (${signal === undefined ? `status ${code ?? 'unknown'}` : `signal ${signal}`})`);
      });
      channel.on('close', () => {
        clearInterval(window);
        end('the agent exited');
      });
    });
  }
}

function describeCheck(check: HostKeyCheck): string {
  switch (check.kind) {
    case 'known-hosts':
      return `checked against ${check.file}`;
    case 'provided':
      return `the ${check.algorithm} key in the node's configuration`;
    case 'none':
      return 'not checked';
  }
}

/** A function that accepts the host key the SSH server presents, or not, per `check`. */
async function hostKeyVerifier(check: HostKeyCheck, host: string, port: number): Promise<(key: Buffer) => boolean> {
  switch (check.kind) {
    case 'none':
      return () => true;
    case 'provided': {
      const expected = check.key.replace(/\s+/g, '');
      return (key) => key.toString('base64') === expected;
    }
    case 'known-hosts': {
      let text = '';
      try {
        text = await readFile(check.file, 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
      const { keys, revoked } = knownKeys(text, knownHostsName(host, port));
      if (keys.length === 0) throw new Error(`${check.file} has no key for ${knownHostsName(host, port)}: add it (ssh-keyscan -p ${port} ${host}) or choose another host key verification strategy`);
      return (key) => {
        const b64 = key.toString('base64');
        return keys.includes(b64) && !revoked.includes(b64);
      };
    }
  }
}
