/**
 * A real redis-server for tests, on a free loopback port in a temporary directory, without any
 * persistence (TEST-SERVERS.md): a restart starts from an empty server, as a production Redis
 * without RDB/AOF would.
 */
import { ServerProcess, serverDir, type ServerCommand } from './server-process.js';
import { freePort, portOpen } from './tcp-proxy.js';

export class RedisServer extends ServerProcess {
  readonly port: number;
  readonly host = '127.0.0.1';

  private constructor(dir: string, port: number) {
    super(dir, { name: 'redis-server', readyTimeoutMs: 10_000 });
    this.port = port;
  }

  static async start(): Promise<RedisServer> {
    const server = new RedisServer(await serverDir('steward-redis-'), await freePort());
    await server.open();
    return server;
  }

  protected override command(): ServerCommand {
    return {
      file: 'redis-server',
      args: ['--port', String(this.port), '--bind', this.host, '--save', '', '--appendonly', 'no', '--dir', this.dir],
      debianPackage: 'redis-server',
    };
  }

  protected override isReady(): Promise<boolean> {
    return portOpen(this.port);
  }
}
