import type { Logger } from 'pino';

import { extensionPoint, type Descriptor, type ExtensionRegistry } from '../extensions/index.js';
import type { HomeStore } from '../home/index.js';
import type { XmlElementHandle } from '../xml/index.js';
import type { AuditSink } from './audit-log.js';
import type { Authentication } from './authentication.js';
import { UserStore, type UserStoreOptions } from './user-store.js';
import { configuredClass } from './configured-class.js';

/** Jenkins' SecurityRealm: who a user is. */
export interface SecurityRealm {
  /** The Jenkins class name, as `<securityRealm class="...">` holds it. */
  readonly id: string;
  /** Whether people may create their own account (Jenkins' "Allow users to sign up"). */
  readonly allowsSignup: boolean;
  /** Checks a user id and password (a login form, HTTP basic with a password). */
  authenticate(userId: string, password: string, opts?: { address?: string }): Promise<Authentication | undefined>;
  /** Checks a user id and API token (HTTP basic with a token). Undefined when not a match. */
  authenticateToken(userId: string, token: string): Authentication | undefined;
}

/** What a realm may use. */
export interface SecurityRealmContext {
  readonly store: HomeStore;
  readonly logger?: Logger;
  readonly audit?: AuditSink;
}

export interface SecurityRealmDescriptor extends Descriptor {
  /** Builds the realm from the global config.xml's `<securityRealm>` element. */
  create(element: XmlElementHandle, context: SecurityRealmContext): Promise<SecurityRealm>;
}

/** The extension point of security realms, by Jenkins class name. */
export const SECURITY_REALM = extensionPoint<SecurityRealmDescriptor>('SecurityRealm');

/**
 * Jenkins' own user database ("Jenkins' own user database"): users/ in the home, read and
 * written by a {@link UserStore}. Logged-in users belong to no group (only `authenticated`).
 */
export class HudsonPrivateSecurityRealm implements SecurityRealm {
  static readonly ID = 'hudson.security.HudsonPrivateSecurityRealm';
  readonly id = HudsonPrivateSecurityRealm.ID;
  readonly users: UserStore;
  readonly allowsSignup: boolean;

  constructor(users: UserStore, opts: { allowsSignup?: boolean } = {}) {
    this.users = users;
    this.allowsSignup = opts.allowsSignup ?? false;
  }

  static async load(store: HomeStore, opts: UserStoreOptions & { allowsSignup?: boolean } = {}): Promise<HudsonPrivateSecurityRealm> {
    const { allowsSignup, ...userOpts } = opts;
    return new HudsonPrivateSecurityRealm(await UserStore.load(store, userOpts), allowsSignup === undefined ? {} : { allowsSignup });
  }

  async authenticate(userId: string, password: string, opts: { address?: string } = {}): Promise<Authentication | undefined> {
    const user = await this.users.authenticate(userId, password, opts);
    return user === undefined ? undefined : { userId: user.id, groups: [] };
  }

  authenticateToken(userId: string, token: string): Authentication | undefined {
    const user = this.users.verifyToken(userId, token);
    return user === undefined ? undefined : { userId: user.id, groups: [] };
  }
}

/** Registers the built-in realm under SECURITY_REALM. */
export function registerBuiltInSecurityRealms(registry: ExtensionRegistry): void {
  registry.register(SECURITY_REALM, {
    id: HudsonPrivateSecurityRealm.ID,
    displayName: "Jenkins' own user database",
    ordinal: 100,
    create: (element, ctx) =>
      HudsonPrivateSecurityRealm.load(ctx.store, {
        // Jenkins writes <disableSignup>true</disableSignup> by default.
        allowsSignup: element.childText('disableSignup')?.trim() === 'false',
        ...(ctx.logger === undefined ? {} : { logger: ctx.logger }),
        ...(ctx.audit === undefined ? {} : { audit: ctx.audit }),
      }),
  });
}

/**
 * The realm the home's config.xml names in `<securityRealm class="...">` (pass that element).
 * A class that is not installed is refused with STW_CONFIG_INVALID.
 */
export async function createSecurityRealm(
  registry: ExtensionRegistry,
  element: XmlElementHandle,
  context: SecurityRealmContext,
): Promise<SecurityRealm> {
  const descriptor = configuredClass(registry, SECURITY_REALM, element, 'security realm');
  return descriptor.create(element, context);
}
