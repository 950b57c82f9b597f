/*
 * Jenkins' permissions, with their ids, group titles and `impliedBy` chains, as declared in
 * hudson.security.Permission, jenkins.model.Jenkins, hudson.model.Item, Run, Computer and View.
 * A permission is granted when it, or anything up its impliedBy chain, is granted; so
 * Overall/Administer implies everything, Job/Read implies Job/Discover, and the "generic"
 * permissions (GenericRead, GenericUpdate...) sit between Administer and the specific ones.
 */

/**
 * Where a permission can be granted, as Jenkins' PermissionScope: the whole controller, a folder
 * of items (Job/Create, View/*), one item (Job/*, SCM/Tag), one run of it (Run/*), or an agent.
 */
export type PermissionScope = 'JENKINS' | 'ITEM_GROUP' | 'ITEM' | 'RUN' | 'COMPUTER';

/** One Jenkins permission. `id` is what config.xml grants name (`hudson.model.Item.Build`). */
export interface Permission {
  /** `<owner class>.<name>`, e.g. `hudson.model.Item.Build`. */
  readonly id: string;
  /** The permission group's title as Jenkins shows it: Overall, Job, Run, Agent, View, SCM. */
  readonly group: string;
  readonly name: string;
  /** The permission that implies this one (Jenkins' `impliedBy`); undefined only for Administer. */
  readonly impliedBy: Permission | undefined;
  /**
   * False for permissions Jenkins disables by default (ExtendedRead, WipeOut, Artifacts...):
   * a grant of a disabled permission is ignored, so only what implies it counts.
   */
  readonly enabled: boolean;
  readonly scope: PermissionScope;
}

const HUDSON = 'hudson.model.Hudson';
const GENERIC = 'hudson.security.Permission';
const ITEM = 'hudson.model.Item';
const RUN = 'hudson.model.Run';
const COMPUTER = 'hudson.model.Computer';
const VIEW = 'hudson.model.View';
const SCM = 'hudson.scm.SCM';

/** The scope Jenkins declares for the permissions of each class, Job/Create aside. */
const SCOPE_OF: Readonly<Record<string, PermissionScope>> = {
  [HUDSON]: 'JENKINS',
  [GENERIC]: 'JENKINS',
  [ITEM]: 'ITEM',
  [RUN]: 'RUN',
  [COMPUTER]: 'COMPUTER',
  [VIEW]: 'ITEM_GROUP',
  [SCM]: 'ITEM',
};

function permission(owner: string, group: string, name: string, impliedBy: Permission | undefined, enabled = true, scope = SCOPE_OF[owner] ?? 'JENKINS'): Permission {
  return Object.freeze({ id: `${owner}.${name}`, group, name, impliedBy, enabled, scope });
}

const ADMINISTER = permission(HUDSON, 'Overall', 'Administer', undefined);
const GENERIC_READ = permission(GENERIC, 'Permission', 'GenericRead', ADMINISTER);
const GENERIC_WRITE = permission(GENERIC, 'Permission', 'GenericWrite', ADMINISTER);
const GENERIC_CREATE = permission(GENERIC, 'Permission', 'GenericCreate', GENERIC_WRITE);
const GENERIC_UPDATE = permission(GENERIC, 'Permission', 'GenericUpdate', GENERIC_WRITE);
const GENERIC_DELETE = permission(GENERIC, 'Permission', 'GenericDelete', GENERIC_WRITE);
const GENERIC_CONFIGURE = permission(GENERIC, 'Permission', 'GenericConfigure', GENERIC_UPDATE);
const ITEM_READ = permission(ITEM, 'Job', 'Read', GENERIC_READ);
const ITEM_CONFIGURE = permission(ITEM, 'Job', 'Configure', GENERIC_CONFIGURE);
const COMPUTER_CONFIGURE = permission(COMPUTER, 'Agent', 'Configure', GENERIC_CONFIGURE);
const COMPUTER_DISCONNECT = permission(COMPUTER, 'Agent', 'Disconnect', ADMINISTER);

/** The permissions Steward knows, by the names Jenkins' Java code gives them. */
export const Permissions = Object.freeze({
  ADMINISTER,
  /** hudson.model.Hudson.Manage (Jenkins 2.222+), implied by Administer. */
  MANAGE: permission(HUDSON, 'Overall', 'Manage', ADMINISTER),
  /** Overall/SystemRead is disabled in Jenkins unless a system property turns it on. */
  SYSTEM_READ: permission(HUDSON, 'Overall', 'SystemRead', ADMINISTER, false),
  READ: permission(HUDSON, 'Overall', 'Read', GENERIC_READ),
  RUN_SCRIPTS: permission(HUDSON, 'Overall', 'RunScripts', ADMINISTER),
  GENERIC_READ,
  GENERIC_WRITE,
  GENERIC_CREATE,
  GENERIC_UPDATE,
  GENERIC_DELETE,
  GENERIC_CONFIGURE,
  // Creating is done in the folder that will hold the job, not on a job.
  ITEM_CREATE: permission(ITEM, 'Job', 'Create', GENERIC_CREATE, true, 'ITEM_GROUP'),
  ITEM_DELETE: permission(ITEM, 'Job', 'Delete', GENERIC_DELETE),
  ITEM_CONFIGURE,
  ITEM_READ,
  ITEM_DISCOVER: permission(ITEM, 'Job', 'Discover', ITEM_READ),
  ITEM_EXTENDED_READ: permission(ITEM, 'Job', 'ExtendedRead', ITEM_CONFIGURE, false),
  ITEM_BUILD: permission(ITEM, 'Job', 'Build', GENERIC_UPDATE),
  ITEM_WORKSPACE: permission(ITEM, 'Job', 'Workspace', GENERIC_READ),
  ITEM_WIPEOUT: permission(ITEM, 'Job', 'WipeOut', undefined, false),
  ITEM_CANCEL: permission(ITEM, 'Job', 'Cancel', GENERIC_UPDATE),
  RUN_DELETE: permission(RUN, 'Run', 'Delete', GENERIC_DELETE),
  RUN_UPDATE: permission(RUN, 'Run', 'Update', GENERIC_UPDATE),
  RUN_ARTIFACTS: permission(RUN, 'Run', 'Artifacts', GENERIC_READ, false),
  COMPUTER_CONFIGURE,
  COMPUTER_EXTENDED_READ: permission(COMPUTER, 'Agent', 'ExtendedRead', COMPUTER_CONFIGURE, false),
  COMPUTER_DELETE: permission(COMPUTER, 'Agent', 'Delete', GENERIC_DELETE),
  COMPUTER_CREATE: permission(COMPUTER, 'Agent', 'Create', GENERIC_CREATE),
  COMPUTER_DISCONNECT,
  COMPUTER_CONNECT: permission(COMPUTER, 'Agent', 'Connect', COMPUTER_DISCONNECT),
  COMPUTER_BUILD: permission(COMPUTER, 'Agent', 'Build', GENERIC_WRITE),
  VIEW_CREATE: permission(VIEW, 'View', 'Create', GENERIC_CREATE),
  VIEW_DELETE: permission(VIEW, 'View', 'Delete', GENERIC_DELETE),
  VIEW_CONFIGURE: permission(VIEW, 'View', 'Configure', GENERIC_CONFIGURE),
  VIEW_READ: permission(VIEW, 'View', 'Read', GENERIC_READ),
  SCM_TAG: permission(SCM, 'SCM', 'Tag', GENERIC_CREATE),
});

const BY_ID = new Map<string, Permission>(Object.values(Permissions).map((p) => [p.id, p]));
// Jenkins.ADMINISTER used to be declared on jenkins.model.Jenkins in some plugins' docs; and
// Permission.FULL_CONTROL is the deprecated twin of Administer.
BY_ID.set('jenkins.model.Jenkins.Administer', ADMINISTER);
BY_ID.set('jenkins.model.Jenkins.Read', Permissions.READ);
BY_ID.set('hudson.security.Permission.FullControl', ADMINISTER);

/** The permission with this id (`hudson.model.Item.Build`), or undefined when Steward has none. */
export function findPermission(id: string): Permission | undefined {
  return BY_ID.get(id);
}

/** Jenkins' display form, as in its "missing the Job/Build permission" messages. */
export function permissionDisplayName(p: Permission): string {
  return `${p.group}/${p.name}`;
}

/**
 * The permission followed by everything that implies it, skipping disabled ones (Jenkins'
 * `for (; p != null; p = p.impliedBy) if (p.getEnabled()) ...`), always ending with Administer.
 */
export function impliedChain(p: Permission): Permission[] {
  const out: Permission[] = [];
  for (let at: Permission | undefined = p; at !== undefined; at = at.impliedBy) {
    if (at.enabled) out.push(at);
  }
  // Administer implies everything, even a disabled permission that nothing else implies (WipeOut).
  if (out.at(-1) !== ADMINISTER) out.push(ADMINISTER);
  return out;
}

/**
 * Whether a job's own matrix may grant the permission: Jenkins' `isContainedBy(PermissionScope.ITEM)`,
 * true for Job/* but Create, Run/* and SCM/Tag. matrix-auth drops any other grant of a job's
 * AuthorizationMatrixProperty ("inapplicable permission"), so a job cannot widen what its
 * configurers may do on the controller.
 */
export function appliesToJob(p: Permission): boolean {
  return p.scope === 'ITEM' || p.scope === 'RUN';
}
