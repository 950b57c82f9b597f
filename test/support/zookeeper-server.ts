/**
 * A real ZooKeeper server (Debian's zookeeper package) for tests, started as TEST-SERVERS.md says:
 * standalone, tickTime=500 (so session timeouts from 1 s to 10 s), on a free loopback port, in a
 * temporary directory. `restart()` keeps the port and the data directory, so sessions and nodes
 * survive it.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import type { LeaseServer } from '../ha/lease-contract.js';
import { ServerProcess, serverDir, type ServerCommand } from './server-process.js';
import { freePort } from './tcp-proxy.js';

const CLASSPATH = '/usr/share/zookeeper/zookeeper.jar:/usr/share/java/*';
export const TICK_MS = 500;

export class ZookeeperServer extends ServerProcess implements LeaseServer {
  readonly port: number;

  private constructor(dir: string, port: number) {
    super(dir, { name: 'ZooKeeper', readyTimeoutMs: 30_000 });
    this.port = port;
  }

  static async start(): Promise<ZookeeperServer> {
    const server = new ZookeeperServer(await serverDir('steward-zk-'), await freePort());
    await server.open();
    return server;
  }

  get target(): { host: string; port: number } {
    return { host: '127.0.0.1', port: this.port };
  }

  url(name: string): string {
    return `zk://127.0.0.1:${this.port}/steward-test/${name}`;
  }

  urlVia(name: string, port: number): string {
    return `zk://127.0.0.1:${port}/steward-test/${name}`;
  }

  protected override async prepare(): Promise<void> {
    await mkdir(path.join(this.dir, 'data'));
    await writeFile(
      path.join(this.dir, 'zoo.cfg'),
      [
        `tickTime=${TICK_MS}`,
        `dataDir=${path.join(this.dir, 'data')}`,
        `clientPort=${this.port}`,
        'clientPortAddress=127.0.0.1',
        'admin.enableServer=false',
        '4lw.commands.whitelist=ruok,stat',
        '',
      ].join('\n'),
    );
  }

  protected override command(): ServerCommand {
    return {
      file: 'java',
      args: ['-cp', CLASSPATH, 'org.apache.zookeeper.server.quorum.QuorumPeerMain', path.join(this.dir, 'zoo.cfg')],
      debianPackage: 'zookeeper',
    };
  }

  protected override async isReady(): Promise<boolean> {
    return (await fourLetterWord(this.port, 'ruok')) === 'imok';
  }
}

/** Sends a four-letter word and returns the answer ('' when the connection fails). */
export function fourLetterWord(port: number, word: string): Promise<string> {
  return new Promise((resolve) => {
    let answer = '';
    const s = net.connect(port, '127.0.0.1', () => s.end(word));
    s.setTimeout(1000, () => s.destroy());
    s.on('data', (d) => (answer += String(d)));
    s.on('error', () => undefined);
    s.on('close', () => resolve(answer.trim()));
  });
}
