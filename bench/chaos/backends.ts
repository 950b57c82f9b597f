/**
 * The lock services a chaos run puts controllers behind: each a real server from Debian's
 * packages on a free loopback port (test/support/*-server.ts), or `file:` (a flock on the home).
 * Each controller reaches a lock server through a fault proxy of its own, so that one controller
 * can be cut from the lock service while it still sees the home.
 */
import { EtcdServer } from '../../test/support/etcd-server.js';
import { PostgresServer } from '../../test/support/postgres-server.js';
import { RedisServer } from '../../test/support/redis-server.js';
import { ZookeeperServer } from '../../test/support/zookeeper-server.js';

export interface LockService {
  /** Where the server listens, for the controllers' proxies; undefined for `file:`. */
  readonly target: { host: string; port: number } | undefined;
  /** The lease URL a controller is given, through a proxy on `port` when the service has a server. */
  url(port?: number): string;
  /** Stops the server and starts it again on the same port and data; undefined for `file:`. */
  restart?(downMs: number): Promise<void>;
  stop(): Promise<void>;
}

export const BACKENDS = {
  file: (): Promise<LockService> =>
    Promise.resolve({
      target: undefined,
      url: () => 'file:',
      stop: () => Promise.resolve(),
    }),
  redis: async (): Promise<LockService> => {
    const server = await RedisServer.start();
    return {
      target: { host: server.host, port: server.port },
      url: (port = server.port) => `redis://127.0.0.1:${port}/0?key=steward-chaos`,
      restart: (downMs) => server.restart(downMs),
      stop: () => server.stop(),
    };
  },
  etcd: async (): Promise<LockService> => {
    const server = await EtcdServer.start();
    return {
      target: { host: '127.0.0.1', port: server.clientPort },
      url: (port = server.clientPort) => `etcd://127.0.0.1:${port}?key=steward/chaos`,
      restart: (downMs) => server.restart(downMs),
      stop: () => server.stop(),
    };
  },
  zookeeper: async (): Promise<LockService> => {
    const server = await ZookeeperServer.start();
    return {
      target: server.target,
      url: (port = server.port) => `zk://127.0.0.1:${port}/steward-chaos`,
      restart: (downMs) => server.restart(downMs),
      stop: () => server.stop(),
    };
  },
  postgres: async (): Promise<LockService> => {
    const server = await PostgresServer.start();
    return {
      target: server.target,
      url: (port = server.port) => `${server.url(port)}?table=steward_chaos`,
      restart: async (downMs) => {
        await server.shutdown();
        await new Promise((r) => setTimeout(r, downMs));
        await server.restart();
      },
      stop: () => server.stop(),
    };
  },
} satisfies Record<string, () => Promise<LockService>>;

export type BackendName = keyof typeof BACKENDS;

export const BACKEND_NAMES = Object.keys(BACKENDS) as BackendName[];
