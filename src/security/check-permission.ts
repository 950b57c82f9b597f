import { StewardError } from '../errors/index.js';
import { ANONYMOUS_NAME, type Authentication } from './authentication.js';
import type { AuthorizationStrategy, PermissionContext } from './authorization-strategy.js';
import { permissionDisplayName, type Permission } from './permissions.js';

/**
 * Throws unless `auth` has `permission`: STW_AUTH_REQUIRED (401) for anonymous, so a client
 * knows to log in, and STW_FORBIDDEN (403) for a logged-in user. The message is Jenkins':
 * `bob is missing the Job/Build permission`.
 */
export function checkPermission(
  strategy: AuthorizationStrategy,
  auth: Authentication,
  permission: Permission,
  context?: PermissionContext,
): void {
  if (strategy.hasPermission(auth, permission, context)) return;
  const who = auth.userId ?? ANONYMOUS_NAME;
  const message = `${who} is missing the ${permissionDisplayName(permission)} permission`;
  throw new StewardError(auth.userId === undefined ? 'STW_AUTH_REQUIRED' : 'STW_FORBIDDEN', message);
}
