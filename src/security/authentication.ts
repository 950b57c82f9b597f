/**
 * Who a request runs as: a user id (undefined for anonymous) and the groups the SecurityRealm
 * gave them. Every logged-in user also belongs to Jenkins' special `authenticated` sid; that is
 * implied by `userId !== undefined`, not listed in `groups`.
 */
export interface Authentication {
  readonly userId: string | undefined;
  readonly groups: readonly string[];
}

/** The anonymous user (Jenkins' `ACL.ANONYMOUS`). */
export const ANONYMOUS: Authentication = Object.freeze({ userId: undefined, groups: Object.freeze([]) });

/** The name Jenkins uses for the anonymous user in messages and crumbs. */
export const ANONYMOUS_NAME = 'anonymous';

/**
 * Jenkins' IdStrategy.CaseInsensitive: user and group ids compare by their lower-cased form
 * (Locale.ENGLISH in Jenkins; `toLowerCase` here, which agrees for the ids Jenkins allows).
 */
export function idKey(id: string): string {
  return id.toLowerCase();
}
