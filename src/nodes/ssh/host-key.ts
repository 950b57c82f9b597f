import { createHmac, timingSafeEqual } from 'node:crypto';

export type { HostKeyCheck } from '../node.js';

/** The name a known_hosts line gives a host: `host` on port 22, `[host]:port` otherwise. */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

function matchesPattern(name: string, pattern: string): boolean {
  if (pattern.startsWith('|1|')) {
    // Hashed: |1|base64(salt)|base64(HMAC-SHA1(salt, name)).
    const [, , salt, hash] = pattern.split('|');
    if (salt === undefined || hash === undefined) return false;
    const expected = Buffer.from(hash, 'base64');
    const actual = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest();
    return expected.length === actual.length && timingSafeEqual(expected, actual);
  }
  if (!/[*?]/.test(pattern)) return pattern === name;
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replaceAll('*', '.*').replaceAll('?', '.')}$`);
  return re.test(name);
}

/**
 * The base64 keys known_hosts `text` holds for `name` (negated patterns and @revoked lines
 * exclude; @cert-authority lines are not host keys and are skipped).
 */
export function knownKeys(text: string, name: string): { keys: string[]; revoked: string[] } {
  const keys: string[] = [];
  const revoked: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    let fields = line.split(/\s+/);
    let marker: string | undefined;
    if (fields[0]?.startsWith('@')) {
      marker = fields[0];
      fields = fields.slice(1);
    }
    const [hosts, , key] = fields;
    if (hosts === undefined || key === undefined || marker === '@cert-authority') continue;
    const patterns = hosts.split(',');
    if (patterns.some((p) => p.startsWith('!') && matchesPattern(name, p.slice(1)))) continue;
    if (!patterns.some((p) => !p.startsWith('!') && matchesPattern(name, p))) continue;
    (marker === '@revoked' ? revoked : keys).push(key);
  }
  return { keys, revoked };
}
