import { StewardError } from '../../errors/index.js';

/** A lease URL, parsed (ARCHITECTURE.md: file:, redis://, etcd://, zk://, postgres://). */
export type LeaseUrl =
  | { kind: 'file'; path: string | undefined }
  | { kind: 'redis'; tls: boolean; hosts: HostPort[]; username: string | undefined; password: string | undefined; db: number; key: string }
  | { kind: 'etcd'; tls: boolean; hosts: HostPort[]; username: string | undefined; password: string | undefined; key: string }
  | { kind: 'zookeeper'; hosts: HostPort[]; path: string; username: string | undefined; password: string | undefined }
  | { kind: 'postgres'; url: string; table: string; redacted: string };

export interface HostPort {
  host: string;
  port: number;
}

export const DEFAULT_KEY = 'steward/lease';
export const DEFAULT_TABLE = 'steward_lease';

function invalid(url: string, what: string): never {
  throw new StewardError('STW_REQUEST_INVALID', `lease URL ${redactLeaseUrl(url)}: ${what}`, { field: 'lock' });
}

/** The URL with any password replaced by `***`: the only form that may reach a log or a message. */
export function redactLeaseUrl(url: string): string {
  return url.replace(/^([a-z0-9+.-]+:\/\/)([^@/?#]*)@/i, (_m, scheme: string, userinfo: string) => {
    const colon = userinfo.indexOf(':');
    return colon < 0 ? `${scheme}${userinfo}@` : `${scheme}${userinfo.slice(0, colon)}:***@`;
  });
}

function parseHosts(url: string, text: string, defaultPort: number): HostPort[] {
  if (text === '') invalid(url, 'no host');
  return text.split(',').map((part) => {
    const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(part);
    if (m === null) return invalid(url, `"${part}" is not host:port`);
    const port = m[2] === undefined ? defaultPort : Number(m[2]);
    if (!Number.isInteger(port) || port < 1 || port > 65535) invalid(url, `port ${m[2] ?? ''} is out of range`);
    return { host: (m[1] as string).replace(/^\[|\]$/g, ''), port };
  });
}

/** Splits scheme://[user[:pass]@]hosts[/path][?query] without URL's single-host limit. */
function split(url: string): { scheme: string; username: string | undefined; password: string | undefined; hosts: string; path: string; query: URLSearchParams } {
  const m = /^([a-z0-9+.-]+):\/\/(?:([^@/?#]*)@)?([^/?#]*)(\/[^?#]*)?(?:\?([^#]*))?$/i.exec(url);
  if (m === null) return invalid(url, 'expected scheme://host:port/...');
  const userinfo = m[2];
  let username: string | undefined;
  let password: string | undefined;
  if (userinfo !== undefined) {
    const colon = userinfo.indexOf(':');
    username = decodeURIComponent(colon < 0 ? userinfo : userinfo.slice(0, colon)) || undefined;
    password = colon < 0 ? undefined : decodeURIComponent(userinfo.slice(colon + 1));
  }
  return { scheme: (m[1] as string).toLowerCase(), username, password, hosts: m[3] as string, path: m[4] ?? '', query: new URLSearchParams(m[5] ?? '') };
}

export function parseLeaseUrl(url: string): LeaseUrl {
  if (url === 'file:' || url.startsWith('file:')) {
    const rest = url.slice('file:'.length).replace(/^\/\/(?=\/)/, '');
    return { kind: 'file', path: rest === '' ? undefined : rest };
  }
  const p = split(url);
  switch (p.scheme) {
    case 'redis':
    case 'rediss': {
      const dbText = p.path.replace(/^\//, '');
      const db = dbText === '' ? 0 : Number(dbText);
      if (!Number.isInteger(db) || db < 0) invalid(url, `database "${dbText}" is not a number`);
      return {
        kind: 'redis',
        tls: p.scheme === 'rediss',
        hosts: parseHosts(url, p.hosts, 6379),
        username: p.username,
        password: p.password,
        db,
        key: p.query.get('key') ?? DEFAULT_KEY,
      };
    }
    case 'etcd':
    case 'etcds':
      return {
        kind: 'etcd',
        tls: p.scheme === 'etcds',
        hosts: parseHosts(url, p.hosts, 2379),
        username: p.username,
        password: p.password,
        key: p.query.get('key') ?? DEFAULT_KEY,
      };
    case 'zk':
    case 'zookeeper': {
      if (p.path === '' || p.path === '/') invalid(url, 'a znode path is required, e.g. zk://host:2181/steward/lease');
      return { kind: 'zookeeper', hosts: parseHosts(url, p.hosts, 2181), path: p.path.replace(/\/+$/, ''), username: p.username, password: p.password };
    }
    case 'postgres':
    case 'postgresql': {
      const table = p.query.get('table') ?? DEFAULT_TABLE;
      if (!/^[a-z_][a-z0-9_]*$/i.test(table)) invalid(url, `table "${table}" must be a plain SQL name`);
      p.query.delete('table');
      const q = p.query.toString();
      const base = url.replace(/\?.*$/, '');
      return { kind: 'postgres', url: q === '' ? base : `${base}?${q}`, table, redacted: redactLeaseUrl(url) };
    }
    default:
      return invalid(url, `unknown scheme "${p.scheme}"; use file:, redis://, etcd://, zk:// or postgres://`);
  }
}

/** host:port list for messages. */
export function describeHosts(hosts: readonly HostPort[]): string {
  return hosts.map((h) => `${h.host.includes(':') ? `[${h.host}]` : h.host}:${h.port}`).join(',');
}
