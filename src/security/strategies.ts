import type { XmlElementHandle } from '../xml/index.js';
import type { ExtensionRegistry } from '../extensions/index.js';
import type { Authentication } from './authentication.js';
import {
  AUTHORIZATION_STRATEGY,
  type AuthorizationStrategy,
  type AuthorizationStrategyDescriptor,
  type PermissionContext,
} from './authorization-strategy.js';
import { GrantTable } from './grants.js';
import { Permissions, appliesToJob, impliedChain, type Permission } from './permissions.js';

/**
 * "Logged-in users can do anything". Anonymous gets Jenkins' generic Read (Overall/Read,
 * Job/Read, Job/Discover, Job/Workspace, View/Read) only when anonymous read is allowed.
 */
export class FullControlOnceLoggedInAuthorizationStrategy implements AuthorizationStrategy {
  static readonly ID = 'hudson.security.FullControlOnceLoggedInAuthorizationStrategy';
  readonly id = FullControlOnceLoggedInAuthorizationStrategy.ID;
  readonly allowAnonymousRead: boolean;

  constructor(opts: { allowAnonymousRead?: boolean } = {}) {
    this.allowAnonymousRead = opts.allowAnonymousRead ?? false;
  }

  hasPermission(auth: Authentication, permission: Permission): boolean {
    if (auth.userId !== undefined) return true;
    return this.allowAnonymousRead && impliedChain(permission).includes(Permissions.GENERIC_READ);
  }
}

/** Jenkins' `AuthorizationStrategy$Unsecured`: everyone, anonymous included, can do anything. */
export class UnsecuredAuthorizationStrategy implements AuthorizationStrategy {
  static readonly ID = 'hudson.security.AuthorizationStrategy$Unsecured';
  readonly id = UnsecuredAuthorizationStrategy.ID;

  hasPermission(): boolean {
    return true;
  }
}

/** Matrix-based security: `<permission>` grants for the controller as a whole. */
export class GlobalMatrixAuthorizationStrategy implements AuthorizationStrategy {
  static readonly ID: string = 'hudson.security.GlobalMatrixAuthorizationStrategy';
  readonly id: string = GlobalMatrixAuthorizationStrategy.ID;
  readonly global: GrantTable;

  constructor(grants: readonly string[], unknown?: (permissionId: string) => void) {
    this.global = GrantTable.parse(grants, unknown);
  }

  hasPermission(auth: Authentication, permission: Permission, _context?: PermissionContext): boolean {
    return this.global.has(auth, permission);
  }
}

/**
 * Project-based matrix: the global grants plus those of the job's AuthorizationMatrixProperty.
 * A job that does not inherit (NonInheritingStrategy) sees only its own grants, except that a
 * global Administer still allows everything, as in matrix-auth. A job's grant of a permission
 * that is not the job's (Overall/Administer, Agent/*, Job/Create...) counts for nothing, there
 * or anywhere: whoever may configure a job can write its matrix.
 */
export class ProjectMatrixAuthorizationStrategy extends GlobalMatrixAuthorizationStrategy {
  static override readonly ID = 'hudson.security.ProjectMatrixAuthorizationStrategy';
  override readonly id: string = ProjectMatrixAuthorizationStrategy.ID;
  readonly #jobTables = new WeakMap<readonly string[], GrantTable>();
  readonly #unknown: ((permissionId: string) => void) | undefined;

  constructor(grants: readonly string[], unknown?: (permissionId: string) => void) {
    super(grants, unknown);
    this.#unknown = unknown;
  }

  override hasPermission(auth: Authentication, permission: Permission, context?: PermissionContext): boolean {
    const inherits = context?.jobInheritsGlobal ?? true;
    if (inherits ? this.global.has(auth, permission) : this.global.has(auth, Permissions.ADMINISTER)) return true;
    const raw = context?.jobGrants;
    if (raw === undefined || raw.length === 0) return false;
    let table = this.#jobTables.get(raw);
    if (table === undefined) {
      table = GrantTable.parse(raw, this.#unknown, appliesToJob);
      this.#jobTables.set(raw, table);
    }
    return table.has(auth, permission);
  }
}

function grantsOf(element: XmlElementHandle): string[] {
  return element.childrenNamed('permission').map((p) => p.text().trim());
}

function unknownReporter(log: ((message: string) => void) | undefined): ((id: string) => void) | undefined {
  if (log === undefined) return undefined;
  const seen = new Set<string>();
  return (id) => {
    if (seen.has(id)) return;
    seen.add(id);
    log(`ignoring a grant of unknown permission ${id}`);
  };
}

const DESCRIPTORS: readonly AuthorizationStrategyDescriptor[] = [
  {
    id: FullControlOnceLoggedInAuthorizationStrategy.ID,
    displayName: 'Logged-in users can do anything',
    ordinal: 100,
    parse: (el) =>
      // Jenkins' field is denyAnonymousReadAccess; Steward denies when it is missing too.
      new FullControlOnceLoggedInAuthorizationStrategy({ allowAnonymousRead: el.childText('denyAnonymousReadAccess')?.trim() === 'false' }),
  },
  {
    id: GlobalMatrixAuthorizationStrategy.ID,
    displayName: 'Matrix-based security',
    ordinal: 50,
    parse: (el, log) => new GlobalMatrixAuthorizationStrategy(grantsOf(el), unknownReporter(log)),
  },
  {
    id: ProjectMatrixAuthorizationStrategy.ID,
    displayName: 'Project-based Matrix Authorization Strategy',
    ordinal: 40,
    parse: (el, log) => new ProjectMatrixAuthorizationStrategy(grantsOf(el), unknownReporter(log)),
  },
  {
    id: UnsecuredAuthorizationStrategy.ID,
    displayName: 'Anyone can do anything',
    ordinal: -100,
    parse: () => new UnsecuredAuthorizationStrategy(),
  },
];

/** Registers the built-in strategies under AUTHORIZATION_STRATEGY. */
export function registerBuiltInAuthorizationStrategies(registry: ExtensionRegistry): void {
  for (const d of DESCRIPTORS) registry.register(AUTHORIZATION_STRATEGY, d);
}

