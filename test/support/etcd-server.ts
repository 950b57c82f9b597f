/**
 * A real etcd (Debian's etcd-server, 3.4) for the tests: one member on free loopback ports, in a
 * temporary data dir, started with the command in TEST-SERVERS.md. `restart()` stops it and starts
 * it again on the same ports and data dir, as an operator's restart of the lock service would.
 */
import path from 'node:path';
import { ServerProcess, serverDir, type ServerCommand } from './server-process.js';
import { freePort } from './tcp-proxy.js';

export class EtcdServer extends ServerProcess {
  readonly clientPort: number;
  readonly peerPort: number;
  readonly dataDir: string;

  private constructor(dir: string, clientPort: number, peerPort: number) {
    super(dir, { name: 'etcd', readyTimeoutMs: 20_000 });
    this.dataDir = path.join(dir, 'data');
    this.clientPort = clientPort;
    this.peerPort = peerPort;
  }

  /** Starts a fresh etcd and resolves once `/health` says it is healthy. */
  static async start(): Promise<EtcdServer> {
    const server = new EtcdServer(await serverDir('steward-etcd-'), await freePort(), await freePort());
    await server.open();
    return server;
  }

  get clientUrl(): string {
    return `http://127.0.0.1:${this.clientPort}`;
  }

  protected override command(): ServerCommand {
    const client = this.clientUrl;
    const peer = `http://127.0.0.1:${this.peerPort}`;
    return {
      file: 'etcd',
      args: [
        '--name', 't',
        '--data-dir', this.dataDir,
        '--listen-client-urls', client,
        '--advertise-client-urls', client,
        '--listen-peer-urls', peer,
        '--initial-advertise-peer-urls', peer,
        '--initial-cluster', `t=${peer}`,
      ],
      debianPackage: 'etcd-server',
    };
  }

  protected override async isReady(): Promise<boolean> {
    try {
      const res = await fetch(`${this.clientUrl}/health`, { signal: AbortSignal.timeout(1000) });
      return ((await res.json()) as { health?: string }).health === 'true';
    } catch {
      return false; // not listening yet
    }
  }
}
