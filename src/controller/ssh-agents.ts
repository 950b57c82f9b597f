import type { Logger } from 'pino';
import type { AgentNodes, Computer } from '../nodes/index.js';
import { SshAgentLauncher, type SshLogin } from '../nodes/ssh/ssh-agent-launcher.js';
import type { CredentialsStore } from '../security/credentials/index.js';

export interface SshAgentsOptions {
  nodes: AgentNodes;
  credentials: CredentialsStore;
  logger: Logger;
  /** The agent program on the agents' hosts (`steward`; `--ssh-agent-command`). */
  agentCommand: string;
  /** The controller's HTTP port, which the tunnels lead to. */
  port: () => number;
}

/**
 * Keeps one SSH launcher per `ssh` node of the home while this controller is active: started when
 * it becomes active or the node is created, restarted when the node is reconfigured, stopped when
 * it is deleted or the controller stops. While its agent is not connected, the node's offline
 * reason is the launcher's last one.
 */
export class SshAgents {
  readonly #o: SshAgentsOptions;
  readonly #launchers = new Map<string, SshAgentLauncher>();
  #unsubscribe: (() => void) | undefined;

  constructor(o: SshAgentsOptions) {
    this.#o = o;
  }

  start(): void {
    for (const c of this.#o.nodes.computers()) this.#launch(c);
    this.#unsubscribe = this.#o.nodes.onChange((computer, change) => {
      void this.#stop(computer.name).then(() => {
        if (change !== 'deleted') this.#launch(computer);
      });
    });
  }

  async close(): Promise<void> {
    this.#unsubscribe?.();
    await Promise.all([...this.#launchers.keys()].map((name) => this.#stop(name)));
  }

  async #stop(name: string): Promise<void> {
    const launcher = this.#launchers.get(name);
    this.#launchers.delete(name);
    await launcher?.close();
  }

  #launch(computer: Computer): void {
    const node = computer.node;
    const ssh = node.ssh;
    if (node.launcher !== 'ssh' || ssh === undefined) return;
    const { nodes, credentials, logger } = this.#o;
    const launcher = new SshAgentLauncher({
      node: node.name,
      config: ssh,
      remoteFS: node.remoteFS,
      agentCommand: this.#o.agentCommand,
      login: async () => sshLogin(await credentials.forNode(ssh.credentialsId, node.name)),
      secret: () => nodes.agentSecret(node.name),
      controllerPort: this.#o.port,
      logger,
      onDown: (reason) => computer.setLaunchFailure(reason),
    });
    this.#launchers.set(node.name, launcher);
    launcher.start();
  }
}

type StoredCredential = Awaited<ReturnType<CredentialsStore['forNode']>>;

function sshLogin(c: StoredCredential): SshLogin | undefined {
  if (c === undefined) return undefined;
  if (c.kind === 'sshPrivateKey') return { kind: 'key', username: c.username, privateKey: c.privateKey, passphrase: c.passphrase };
  if (c.kind === 'usernamePassword') return { kind: 'password', username: c.username, password: c.password };
  throw new Error(`credentials '${c.id}' are ${c.kind === 'string' ? 'a secret text' : 'a secret file'}: the SSH launcher needs an SSH key or a username with password`);
}
