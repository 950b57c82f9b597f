import { ANONYMOUS_NAME, idKey, type Authentication } from './authentication.js';
import { findPermission, impliedChain, type Permission } from './permissions.js';

/*
 * Grants of matrix-auth, as config.xml writes them: `USER:hudson.model.Item.Build:bob`,
 * `GROUP:hudson.model.Hudson.Read:devs`, or the old ambiguous form `hudson.model.Hudson.Read:bob`
 * (matches a user or a group of that name). The sid `anonymous` is granted to everyone (Jenkins'
 * SidACL AUTOMATICALLY_GRANTED_SIDS), `authenticated` to every logged-in user.
 */

/** Who a grant is for, after parsing. */
export type GrantSid =
  | { readonly kind: 'anonymous' }
  | { readonly kind: 'authenticated' }
  | { readonly kind: 'user'; readonly key: string }
  | { readonly kind: 'group'; readonly key: string }
  | { readonly kind: 'either'; readonly key: string };

export interface Grant {
  readonly permission: Permission;
  readonly sid: GrantSid;
}

/**
 * Parses one `<permission>` text. Undefined for a grant of a permission Steward does not know
 * (a plugin's), which Jenkins too ignores with a warning; `unknown` reports those ids.
 */
export function parseGrant(raw: string, unknown?: (permissionId: string) => void): Grant | undefined {
  let text = raw.trim();
  let type: 'user' | 'group' | 'either' = 'either';
  if (text.startsWith('USER:')) {
    type = 'user';
    text = text.slice('USER:'.length);
  } else if (text.startsWith('GROUP:')) {
    type = 'group';
    text = text.slice('GROUP:'.length);
  }
  // Permission ids hold no ':'; sids may (LDAP names), so split at the first one.
  const colon = text.indexOf(':');
  if (colon <= 0 || colon === text.length - 1) {
    unknown?.(raw);
    return undefined;
  }
  const permission = findPermission(text.slice(0, colon));
  if (permission === undefined) {
    unknown?.(text.slice(0, colon));
    return undefined;
  }
  const name = text.slice(colon + 1);
  const key = idKey(name);
  if (key === ANONYMOUS_NAME) return { permission, sid: { kind: 'anonymous' } };
  if (key === 'authenticated' && type !== 'user') return { permission, sid: { kind: 'authenticated' } };
  return { permission, sid: { kind: type, key } };
}

interface Entry {
  anyone: boolean;
  authenticated: boolean;
  users: Set<string>;
  groups: Set<string>;
}

/** A set of grants indexed by permission id, answering "is this permission granted to auth". */
export class GrantTable {
  readonly #byPermission = new Map<string, Entry>();
  readonly grants: readonly Grant[];

  constructor(grants: readonly Grant[]) {
    this.grants = grants;
    for (const { permission, sid } of grants) {
      let entry = this.#byPermission.get(permission.id);
      if (entry === undefined) {
        entry = { anyone: false, authenticated: false, users: new Set(), groups: new Set() };
        this.#byPermission.set(permission.id, entry);
      }
      switch (sid.kind) {
        case 'anonymous':
          entry.anyone = true;
          break;
        case 'authenticated':
          entry.authenticated = true;
          break;
        case 'user':
          entry.users.add(sid.key);
          break;
        case 'group':
          entry.groups.add(sid.key);
          break;
        case 'either':
          entry.users.add(sid.key);
          entry.groups.add(sid.key);
          break;
      }
    }
  }

  /** The table of these grant texts; with `accept`, only the grants of permissions it accepts. */
  static parse(raw: readonly string[], unknown?: (permissionId: string) => void, accept?: (permission: Permission) => boolean): GrantTable {
    const grants: Grant[] = [];
    for (const text of raw) {
      const grant = parseGrant(text, unknown);
      if (grant !== undefined && (accept === undefined || accept(grant.permission))) grants.push(grant);
    }
    return new GrantTable(grants);
  }

  /** True when `permission` or anything that implies it is granted to `auth`. */
  has(auth: Authentication, permission: Permission): boolean {
    const user = auth.userId === undefined ? undefined : idKey(auth.userId);
    for (const p of impliedChain(permission)) {
      const entry = this.#byPermission.get(p.id);
      if (entry === undefined) continue;
      if (entry.anyone) return true;
      if (user === undefined) continue;
      if (entry.authenticated || entry.users.has(user)) return true;
      for (const group of auth.groups) {
        if (entry.groups.has(idKey(group))) return true;
      }
    }
    return false;
  }
}
