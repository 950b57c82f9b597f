import { isIP } from 'node:net';

import { StewardError } from '../errors/index.js';

/**
 * The proxies whose `X-Forwarded-For` (and `-Proto`, `-Host`) is believed: IP addresses and CIDR
 * ranges, as fastify's `trustProxy` takes them. Parsed from `ADDR[,ADDR...]`; `source` names
 * where the text came from (`--trusted-proxy`) in the error for an entry that is neither.
 */
export function parseTrustedProxies(text: string, source: string): string[] {
  const entries = text.split(',').map((e) => e.trim()).filter((e) => e !== '');
  for (const entry of entries) {
    const slash = entry.indexOf('/');
    const address = slash < 0 ? entry : entry.slice(0, slash);
    const family = isIP(address);
    const prefix = slash < 0 ? undefined : entry.slice(slash + 1);
    const maxPrefix = family === 6 ? 128 : 32;
    if (family === 0 || (prefix !== undefined && (!/^\d{1,3}$/.test(prefix) || Number(prefix) > maxPrefix))) {
      throw new StewardError('STW_REQUEST_INVALID', `${source}: "${entry}" is not an IP address or a CIDR range such as 10.0.0.0/8`, { field: source });
    }
  }
  return entries;
}
