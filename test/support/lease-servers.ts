/**
 * One fixture per lease backend, each a real server from Debian's packages on a free loopback port
 * (or, for `file:`, a temporary folder), used by the lease tests and by bench/lease.ts.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { LeaseFixture, LeaseServer } from '../ha/lease-contract.js';
import { EtcdServer } from './etcd-server.js';
import { PostgresServer } from './postgres-server.js';
import { RedisServer } from './redis-server.js';
import { ZookeeperServer } from './zookeeper-server.js';

const redisUrl = (port: number, key: string) => `redis://127.0.0.1:${port}/0?key=${encodeURIComponent(key)}`;
const etcdUrl = (port: number, name: string) => `etcd://127.0.0.1:${port}?key=${encodeURIComponent(`steward/test/${name}`)}`;
/** Lease names are not SQL names (`t123-4`); each gets a table of its own. */
const pgTable = (name: string) => name.toLowerCase().replace(/[^a-z0-9_]/g, '_');

export const LEASE_FIXTURES = {
  file: {
    async start(): Promise<LeaseServer> {
      const dir = await mkdtemp(path.join(os.tmpdir(), 'steward-file-lease-'));
      return {
        url: (name) => `file:${path.join(dir, `${name}.lock`)}`,
        urlVia: () => {
          throw new Error('a file lease has no connection to cut');
        },
        target: { host: '127.0.0.1', port: 0 },
        stop: () => rm(dir, { recursive: true, force: true }),
      };
    },
  },
  redis: {
    async start(): Promise<LeaseServer> {
      const server = await RedisServer.start();
      return {
        url: (name) => redisUrl(server.port, name),
        urlVia: (name, port) => redisUrl(port, name),
        target: { host: server.host, port: server.port },
        stop: () => server.stop(),
      };
    },
  },
  etcd: {
    async start(): Promise<LeaseServer> {
      const etcd = await EtcdServer.start();
      return {
        url: (name) => etcdUrl(etcd.clientPort, name),
        urlVia: (name, port) => etcdUrl(port, name),
        target: { host: '127.0.0.1', port: etcd.clientPort },
        stop: () => etcd.stop(),
      };
    },
  },
  zookeeper: { start: () => ZookeeperServer.start() },
  postgres: {
    async start(): Promise<LeaseServer> {
      const server = await PostgresServer.start();
      return {
        url: (name) => `${server.url()}?table=${pgTable(name)}`,
        urlVia: (name, port) => `${server.url(port)}?table=${pgTable(name)}`,
        target: server.target,
        stop: () => server.stop(),
      };
    },
  },
} satisfies Record<string, LeaseFixture>;

export type LeaseFixtureName = keyof typeof LEASE_FIXTURES;
