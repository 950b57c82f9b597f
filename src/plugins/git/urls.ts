/* Repository URLs: a password kept out of build.xml, the environment and the log; two URLs of one repository. */

export function urlPassword(url: string): string[] {
  try {
    const u = new URL(url);
    return u.password === '' ? [] : [decodeURIComponent(u.password), u.password];
  } catch {
    return [];
  }
}

/** The URL without a password in it (for build.xml and the environment). */
export function stripPassword(url: string): string {
  try {
    const u = new URL(url);
    if (u.password === '') return url;
    u.password = '';
    return u.toString();
  } catch {
    return url;
  }
}

/** A command's word as the log shows it: a URL's password as ****. */
export function redact(word: string): string {
  return /^[a-z][a-z0-9+.-]*:\/\/[^/]*:[^/@]*@/i.test(word) ? word.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/:]*):[^/@]*@/i, '$1:****@') : word;
}

/** A repository URL as the plugin compares them (its URIish): host and path. */
export interface RepositoryLocation {
  readonly host: string;
  readonly path: string;
}

/**
 * Host and path of a repository URL: `https://host/a/b.git`, `ssh://git@host:22/a/b`, scp-like
 * `git@host:a/b.git`, or a local path. Undefined when it is none of those.
 */
export function repositoryLocation(url: string): RepositoryLocation | undefined {
  // A notification compares its URL with every job's: parsed once each (URL parsing costs microseconds).
  if (locations.has(url)) return locations.get(url);
  const found = parseLocation(url);
  if (url.length > 512) return found;
  if (locations.size >= MAX_CACHED_LOCATIONS) locations.clear();
  locations.set(url, found);
  return found;
}

/** The URLs of the jobs' remotes, and of the notifications, parsed; cleared when it fills. */
const locations = new Map<string, RepositoryLocation | undefined>();
const MAX_CACHED_LOCATIONS = 10_000;

function parseLocation(url: string): RepositoryLocation | undefined {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) {
    try {
      const u = new URL(url);
      return { host: u.hostname.toLowerCase(), path: decodeURIComponent(u.pathname) };
    } catch {
      return undefined;
    }
  }
  const scp = /^(?:[^@/:]+@)?([^/:]+):(?!\/\/)(.*)$/.exec(url);
  if (scp !== null) return { host: (scp[1] as string).toLowerCase(), path: scp[2] as string };
  if (url.startsWith('/')) return { host: '', path: url };
  return undefined;
}

function normalizePath(path: string): string {
  let p = path;
  if (p.startsWith('/')) p = p.slice(1);
  if (p.endsWith('/')) p = p.slice(0, -1);
  if (p.endsWith('.git')) p = p.slice(0, -4);
  return p;
}

/**
 * The plugin's GitStatus.looselyMatches: the same host and the same path, without a leading or
 * trailing slash or `.git`, whatever the protocol, user or port.
 */
export function looselyMatches(a: RepositoryLocation, b: RepositoryLocation): boolean {
  return a.host === b.host && normalizePath(a.path) === normalizePath(b.path);
}
