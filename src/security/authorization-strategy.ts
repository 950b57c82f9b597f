import { extensionPoint, type Descriptor, type ExtensionRegistry } from '../extensions/index.js';
import type { XmlElementHandle } from '../xml/index.js';
import type { Authentication } from './authentication.js';
import type { Permission } from './permissions.js';
import { configuredClass } from './configured-class.js';

/** What a permission is asked about, beyond the controller as a whole. */
export interface PermissionContext {
  /**
   * Raw grant strings of the job's `<hudson.security.AuthorizationMatrixProperty>` (see
   * parseJobAuthorization). Only the project-based matrix looks at them. Pass the same array
   * for the same job config: parsed tables are cached by array identity.
   */
  readonly jobGrants?: readonly string[];
  /** False when the job's property uses matrix-auth's NonInheritingStrategy. Default true. */
  readonly jobInheritsGlobal?: boolean;
}

/** Jenkins' AuthorizationStrategy: who may do what. */
export interface AuthorizationStrategy {
  /** The Jenkins class name, as `<authorizationStrategy class="...">` holds it. */
  readonly id: string;
  hasPermission(auth: Authentication, permission: Permission, context?: PermissionContext): boolean;
}

export interface AuthorizationStrategyDescriptor extends Descriptor {
  /** Reads the strategy's settings from the global config.xml's `<authorizationStrategy>`. */
  parse(element: XmlElementHandle, log?: (message: string) => void): AuthorizationStrategy;
}

/** The extension point of authorization strategies, by Jenkins class name. */
export const AUTHORIZATION_STRATEGY = extensionPoint<AuthorizationStrategyDescriptor>('AuthorizationStrategy');

/**
 * The strategy the home's config.xml names in `<authorizationStrategy class="...">` (pass that
 * element). A class that is not installed is refused with STW_CONFIG_INVALID rather than
 * replaced by something more permissive: the controller must not start wide open.
 */
export function parseAuthorizationStrategy(
  registry: ExtensionRegistry,
  element: XmlElementHandle,
  log?: (message: string) => void,
): AuthorizationStrategy {
  const descriptor = configuredClass(registry, AUTHORIZATION_STRATEGY, element, 'authorization strategy');
  return descriptor.parse(element, log);
}
