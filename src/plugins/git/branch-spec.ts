/*
 * The plugin's BranchSpec: which remote-tracking branches a job's "Branches to build" names.
 * `*` is any text within one path segment, `**` any text; a name without `/` (and without `**`)
 * matches that branch on any remote; `refs/heads/x`, `refs/remotes/origin/x` and
 * `remotes/origin/x` are the branch x. A spec of 40 hex digits is a commit.
 */

/** A spec naming one commit by its full sha1 (GIT_BRANCH is then `detached`). */
export function isSha1(spec: string): boolean {
  return /^[0-9a-fA-F]{40}$/.test(spec);
}

/** Whether remote-tracking branch `name` (`origin/master`) is one `spec` names. */
export function branchMatches(spec: string, name: string): boolean {
  return toRegExp(spec).test(name);
}

const cache = new Map<string, RegExp>();

function toRegExp(spec: string): RegExp {
  let re = cache.get(spec);
  if (re !== undefined) return re;
  let pattern = spec;
  let prefix: string;
  if (pattern.startsWith('refs/heads/')) {
    // The branch on any remote.
    pattern = pattern.slice('refs/heads/'.length);
    prefix = '[^/]+/';
  } else if (pattern.startsWith('refs/remotes/')) {
    pattern = pattern.slice('refs/remotes/'.length);
    prefix = '';
  } else if (pattern.startsWith('remotes/')) {
    pattern = pattern.slice('remotes/'.length);
    prefix = '';
  } else if (!pattern.includes('**') && !pattern.includes('/')) {
    prefix = '[^/]+/';
  } else {
    prefix = '';
  }
  re = new RegExp(`^${prefix}${wildcards(pattern)}$`);
  if (cache.size < 1000) cache.set(spec, re);
  return re;
}

function wildcards(pattern: string): string {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern.charAt(i);
    if (c === '*' && pattern.charAt(i + 1) === '*') {
      out += '.*';
      i++;
    } else if (c === '*') {
      out += '[^/]*';
    } else {
      out += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    }
  }
  return out;
}
