/**
 * Security, as Jenkins has it: a SecurityRealm says who a user is (the built-in one keeps users
 * in users/ like Jenkins 2.x), an AuthorizationStrategy says what they may do (Jenkins'
 * permission ids and implications), plus API tokens, CSRF crumbs, login throttling and an
 * audit log. Every file is written through the {@link HomeStore}; nothing here holds a timer or
 * a handle except {@link AuditLog} (close it).
 *
 * Errors: STW_AUTH_REQUIRED (401) and STW_FORBIDDEN (403) from {@link checkPermission},
 * STW_CRUMB_INVALID (403), STW_LOGIN_THROTTLED (429), STW_USER_NOT_FOUND (404),
 * STW_USER_EXISTS (400), STW_TOKEN_NOT_FOUND (404), STW_NAME_INVALID for a user id Jenkins
 * refuses, STW_CONFIG_INVALID for a realm or strategy that is not installed.
 *
 * @packageDocumentation
 */

/** Who a request runs as; {@link ANONYMOUS} when nobody logged in. {@link idKey} is the case-insensitive key of a user or group id. */
export { ANONYMOUS, ANONYMOUS_NAME, idKey, type Authentication } from './authentication.js';

/**
 * Jenkins' permissions ({@link Permissions}.ITEM_BUILD is `hudson.model.Item.Build`) with their
 * impliedBy chains; {@link findPermission} by id, {@link permissionDisplayName} gives `Job/Build`.
 */
export { Permissions, appliesToJob, findPermission, permissionDisplayName, impliedChain, type Permission, type PermissionScope } from './permissions.js';

/** Matrix grants (`USER:hudson.model.Item.Build:bob`, `GROUP:...`, old `perm:sid`) and a table answering them. */
export { parseGrant, GrantTable, type Grant, type GrantSid } from './grants.js';

/**
 * The AUTHORIZATION_STRATEGY extension point and {@link parseAuthorizationStrategy}, which
 * builds the strategy from the home config.xml's `<authorizationStrategy class="...">`.
 */
export {
  AUTHORIZATION_STRATEGY,
  parseAuthorizationStrategy,
  type AuthorizationStrategy,
  type AuthorizationStrategyDescriptor,
  type PermissionContext,
} from './authorization-strategy.js';

/**
 * The built-in strategies: logged-in users can do anything (anonymous read off unless
 * `<denyAnonymousReadAccess>false</...>`), global matrix, project matrix (plus per-job grants
 * read by {@link parseJobAuthorization}), and Unsecured (only when config.xml names it).
 */
export {
  FullControlOnceLoggedInAuthorizationStrategy,
  GlobalMatrixAuthorizationStrategy,
  ProjectMatrixAuthorizationStrategy,
  UnsecuredAuthorizationStrategy,
  registerBuiltInAuthorizationStrategies,
} from './strategies.js';

/**
 * A job's own matrix: its grants ({@link parseJobAuthorization}), and what in it is not a
 * permission on a job ({@link jobMatrixObjections}: STW_CONFIG_INVALID naming permission and line).
 */
export { parseJobAuthorization, jobMatrixObjections, type JobAuthorization } from './job-matrix.js';

/** Throws STW_AUTH_REQUIRED (anonymous) or STW_FORBIDDEN: `bob is missing the Job/Build permission`. */
export { checkPermission } from './check-permission.js';

/**
 * The SECURITY_REALM extension point, the built-in {@link HudsonPrivateSecurityRealm}
 * ("Jenkins' own user database") and {@link createSecurityRealm} from `<securityRealm class>`.
 */
export {
  SECURITY_REALM,
  HudsonPrivateSecurityRealm,
  createSecurityRealm,
  registerBuiltInSecurityRealms,
  type SecurityRealm,
  type SecurityRealmContext,
  type SecurityRealmDescriptor,
} from './realm.js';

/**
 * Users of the built-in realm in users/users.xml and users/DIR/config.xml (Jenkins' layout,
 * unknown elements kept): passwords (argon2id; Jenkins' `#jbcrypt:` read and upgraded on login)
 * and API tokens (shown once, stored as SHA-256).
 */
export { UserStore, type User, type UserStoreOptions } from './user-store.js';
export type { ApiTokenInfo } from './api-token.js';

/** Recent successful token verifications, keyed by SHA-256(user + token); invalidated per user. */
export { TokenCache, type TokenCacheOptions } from './token-cache.js';

/** `#argon2id:` / `#jbcrypt:` password hashes, for tools that import users. */
export { hashPassword, verifyPassword } from './password-hash.js';

/** Compares two secrets in a time that does not depend on where they differ. */
export { constantTimeEqual } from './constant-time.js';

/** On a home without users: `admin` with a random password in secrets/initialAdminPassword. */
export { ensureInitialAdmin, INITIAL_ADMIN_PASSWORD_FILE, INITIAL_ADMIN_ID } from './initial-admin.js';

/** CSRF crumbs (Jenkins' DefaultCrumbIssuer, header `Jenkins-Crumb`), salt in secrets/. */
export { CrumbIssuer, CRUMB_SALT_FILE, type CrumbJson } from './crumb-issuer.js';

/** Locks a user id or client address for a growing time after repeated failed logins. */
export { LoginThrottle, LoginThrottledError, type LockedBy, type LoginAttempt, type LoginThrottleOptions, type Reservation, type ThrottleVerdict } from './login-throttle.js';

/** logs/audit.log: JSON lines of security events, never holding a password or token. */
export { AuditLog, AUDIT_FIELD_MAX, AUDIT_LOG, AUDIT_ROTATION, type AuditEvent, type AuditLogOptions, type AuditSink } from './audit-log.js';
/** A login refused by the throttle, and the audit event that counts such refusals. */
export type { ThrottledAttempt, ThrottledSummary } from './audit-log.js';

/** Login sessions carried in a signed cookie, valid on every controller of the home. */
export { SessionCodec, SESSION_COOKIE, SESSION_KEY_FILE, type Session, type SessionCodecOptions } from './sessions.js';

/** The security of a running controller, built from config.xml; {@link DEFAULT_SECURITY_XML} when it names none. */
export { Security, DEFAULT_SECURITY_ELEMENTS, DEFAULT_SECURITY_XML, type SecurityOptions } from './security.js';

/**
 * A Secret field's clear text as Jenkins' Secret.fromString reads it, with the home's keys
 * (Steward's and Jenkins' encrypted forms; other text is the value itself).
 */
export { secretFromString, type SecretKeys } from './secrets/index.js';
