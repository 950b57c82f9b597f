import { StewardError } from '../errors/index.js';
import type { XmlElementHandle } from '../xml/index.js';
import { parseGrant } from './grants.js';
import { appliesToJob, permissionDisplayName } from './permissions.js';

/*
 * A job's own grants: matrix-auth's `<properties><hudson.security.AuthorizationMatrixProperty>` in
 * the job's config.xml, read by the project-based matrix.
 */

const NON_INHERITING = 'org.jenkinsci.plugins.matrixauth.inheritance.NonInheritingStrategy';
const MATRIX_PROPERTY = 'hudson.security.AuthorizationMatrixProperty';

/** The grants of a job, read from its config.xml. */
export interface JobAuthorization {
  readonly grants: readonly string[];
  readonly inheritsGlobal: boolean;
}

/**
 * Reads a job's `<properties><hudson.security.AuthorizationMatrixProperty>`: pass the job's root
 * element (`<project>`). A job without the property has no grants of its own and inherits.
 */
export function parseJobAuthorization(jobRoot: XmlElementHandle): JobAuthorization {
  const property = jobRoot.child('properties')?.child(MATRIX_PROPERTY);
  if (property === undefined) return { grants: [], inheritsGlobal: true };
  return {
    grants: property.childrenNamed('permission').map((p) => p.text().trim()),
    inheritsGlobal: property.child('inheritanceStrategy')?.attribute('class') !== NON_INHERITING,
  };
}

/**
 * One STW_CONFIG_INVALID for each grant of the job's matrix that is not a permission on a job
 * (Overall/*, Agent/*, View/*, Job/Create), naming the permission, the file, the line and the
 * element. The project-based matrix ignores such grants; a config that holds one is refused
 * when it is posted, copied or renamed, and only logged when a job is loaded from the home.
 * Grants of permissions Steward does not know (a plugin's) are not reported here: they grant
 * nothing in Steward, and Jenkins' exports hold them (Credentials/View on a job).
 */
export function jobMatrixObjections(jobRoot: XmlElementHandle): StewardError[] {
  const property = jobRoot.child('properties')?.child(MATRIX_PROPERTY);
  if (property === undefined) return [];
  const out: StewardError[] = [];
  for (const element of property.childrenNamed('permission')) {
    const grant = parseGrant(element.text());
    if (grant === undefined || appliesToJob(grant.permission)) continue;
    const { file, line, path: field } = element;
    const where = line === undefined ? file : `${file}:${line}`;
    const name = permissionDisplayName(grant.permission);
    out.push(
      new StewardError(
        'STW_CONFIG_INVALID',
        `${where}: a job's ${MATRIX_PROPERTY} cannot grant ${grant.permission.id} (${name}): only Job, Run and SCM permissions apply to a job; grant ${name} in the global matrix of config.xml`,
        { file, field, ...(line === undefined ? {} : { line }) },
      ),
    );
  }
  return out;
}
