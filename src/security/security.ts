import type { Logger } from 'pino';

import type { ExtensionRegistry } from '../extensions/index.js';
import type { HomeStore, RotationOptions } from '../home/index.js';
import { type JobDefinition } from '../jobs/index.js';
import { parseXml, type XmlElementHandle } from '../xml/index.js';
import { AuditLog, type AuditEvent } from './audit-log.js';
import { parseAuthorizationStrategy, type AuthorizationStrategy, type PermissionContext } from './authorization-strategy.js';
import { CrumbIssuer } from './crumb-issuer.js';
import { ensureInitialAdmin } from './initial-admin.js';
import { LoginThrottle } from './login-throttle.js';
import { createSecurityRealm, HudsonPrivateSecurityRealm, registerBuiltInSecurityRealms, type SecurityRealm } from './realm.js';
import { SessionCodec } from './sessions.js';
import { registerBuiltInAuthorizationStrategies } from './strategies.js';
import { parseJobAuthorization } from './job-matrix.js';
import type { UserStore } from './user-store.js';
import { CredentialsStore } from './credentials/index.js';
import { AgentSecretKey, JenkinsSecrets, MasterKey, type SecretKeys } from './secrets/index.js';

/**
 * What a home's config.xml gets when it names no realm or strategy: Jenkins' own user database
 * without sign-up, and "logged-in users can do anything" without anonymous read. Jenkins would
 * run such a home unsecured; Steward does not start open.
 */
export const DEFAULT_SECURITY_ELEMENTS = `  <authorizationStrategy class="hudson.security.FullControlOnceLoggedInAuthorizationStrategy">
    <denyAnonymousReadAccess>true</denyAnonymousReadAccess>
  </authorizationStrategy>
  <securityRealm class="hudson.security.HudsonPrivateSecurityRealm">
    <disableSignup>true</disableSignup>
    <enableCaptcha>false</enableCaptcha>
  </securityRealm>`;

/** A `<hudson>` holding only {@link DEFAULT_SECURITY_ELEMENTS}. */
export const DEFAULT_SECURITY_XML = `<hudson>\n${DEFAULT_SECURITY_ELEMENTS}\n</hudson>`;

const DEFAULTS = parseXml(DEFAULT_SECURITY_XML, 'config.xml (Steward defaults)').root;

export interface SecurityOptions {
  readonly store: HomeStore;
  readonly extensions: ExtensionRegistry;
  readonly logger: Logger;
  /** The global config.xml's root (`<hudson>`); its securityRealm and authorizationStrategy are used. */
  readonly config: XmlElementHandle;
  /** Hears the type of every audit event (for metrics). */
  readonly onAuditEvent?: (type: AuditEvent['type']) => void;
  /** Rotation of logs/audit.log; default AUDIT_ROTATION. */
  readonly auditRotation?: RotationOptions;
}

/**
 * The security of a running controller: realm, strategy, crumbs, sessions, login throttle, audit
 * log, the home's secret keys (agents' secrets' too) and its credentials, built from the home's
 * config.xml. Made only by the active controller: it writes (the first admin, the crumb salt, the
 * session key, the master key, the agent secret key, the audit log).
 */
export class Security {
  readonly realm: SecurityRealm;
  readonly strategy: AuthorizationStrategy;
  readonly crumbs: CrumbIssuer;
  readonly sessions: SessionCodec;
  readonly throttle: LoginThrottle;
  readonly audit: AuditLog;
  /** Steward's master key, and Jenkins' keys when the home came from Jenkins. */
  readonly keys: SecretKeys;
  readonly credentials: CredentialsStore;
  /** The key agents' secrets are derived from. */
  readonly agentSecrets: AgentSecretKey;
  readonly #jobContexts = new WeakMap<object, PermissionContext>();

  private constructor(parts: {
    realm: SecurityRealm;
    strategy: AuthorizationStrategy;
    crumbs: CrumbIssuer;
    sessions: SessionCodec;
    audit: AuditLog;
    keys: SecretKeys;
    credentials: CredentialsStore;
    agentSecrets: AgentSecretKey;
  }) {
    this.realm = parts.realm;
    this.strategy = parts.strategy;
    this.crumbs = parts.crumbs;
    this.sessions = parts.sessions;
    this.audit = parts.audit;
    this.keys = parts.keys;
    this.credentials = parts.credentials;
    this.agentSecrets = parts.agentSecrets;
    this.throttle = new LoginThrottle();
  }

  static async load(opts: SecurityOptions): Promise<Security> {
    const { store, extensions, logger, config } = opts;
    registerBuiltInSecurityRealms(extensions);
    registerBuiltInAuthorizationStrategies(extensions);
    const log = logger.child({ part: 'security' });
    const strategyElement = config.child('authorizationStrategy') ?? DEFAULTS.child('authorizationStrategy');
    const realmElement = config.child('securityRealm') ?? DEFAULTS.child('securityRealm');
    if (strategyElement === undefined || realmElement === undefined) throw new Error('the default security settings are missing');
    const strategy = parseAuthorizationStrategy(extensions, strategyElement, (message) => log.warn(`config.xml: ${message}`));
    const audit = await AuditLog.open(store, {
      ...(opts.onAuditEvent === undefined ? {} : { observe: opts.onAuditEvent }),
      ...(opts.auditRotation === undefined ? {} : { rotation: opts.auditRotation }),
    });
    try {
      const realm = await createSecurityRealm(extensions, realmElement, { store, logger: log, audit });
      if (realm instanceof HudsonPrivateSecurityRealm) await ensureInitialAdmin(realm.users, store, log);
      const keys: SecretKeys = { master: await MasterKey.load(store), jenkins: await JenkinsSecrets.load(store) };
      const credentials = await CredentialsStore.load(store, { keys, audit, logger: log });
      const security = new Security({
        realm,
        strategy,
        crumbs: await CrumbIssuer.load(store),
        sessions: await SessionCodec.load(store),
        audit,
        keys,
        credentials,
        agentSecrets: await AgentSecretKey.load(store),
      });
      log.info({ realm: realm.id, authorizationStrategy: strategy.id }, `security: realm ${realm.id}, authorization ${strategy.id}`);
      return security;
    } catch (err) {
      await audit.close();
      throw err;
    }
  }

  /** The users of the built-in realm; undefined when another realm says who users are. */
  get users(): UserStore | undefined {
    return this.realm instanceof HudsonPrivateSecurityRealm ? this.realm.users : undefined;
  }

  /** What the strategy needs to know of a job: its own grants, read once per loaded config. */
  jobContext(definition: JobDefinition): PermissionContext {
    let context = this.#jobContexts.get(definition);
    if (context === undefined) {
      if (definition.kind === 'freestyle') {
        const own = parseJobAuthorization(definition.parsed.document.root);
        context = { jobGrants: own.grants, jobInheritsGlobal: own.inheritsGlobal };
      } else {
        context = {};
      }
      this.#jobContexts.set(definition, context);
    }
    return context;
  }

  close(): Promise<void> {
    return this.audit.close();
  }
}
