/** The credentials classes Steward reads, writes and binds, by kind (the Jenkins plugins' classes). */
export const CREDENTIALS_CLASSES = {
  usernamePassword: 'com.cloudbees.plugins.credentials.impl.UsernamePasswordCredentialsImpl',
  string: 'org.jenkinsci.plugins.plaincredentials.impl.StringCredentialsImpl',
  sshPrivateKey: 'com.cloudbees.jenkins.plugins.sshcredentials.impl.BasicSSHUserPrivateKey',
  file: 'org.jenkinsci.plugins.plaincredentials.impl.FileCredentialsImpl',
} as const;

/** Username with password, secret text, SSH username with private key, secret file. */
export type CredentialsKind = keyof typeof CREDENTIALS_CLASSES;

/**
 * Jenkins' CredentialsScope: GLOBAL credentials are available to builds, SYSTEM ones only to the
 * controller itself (for agents), never to a build.
 */
export type CredentialsScope = 'GLOBAL' | 'SYSTEM';

/** What may be shown of a credential: never a secret value. */
export interface CredentialsInfo {
  readonly id: string;
  /** `other` for a class Steward keeps but does not know (certificates, cloud keys...). */
  readonly kind: CredentialsKind | 'other';
  /** The Jenkins class, as the JSON API's `_class`. */
  readonly className: string;
  readonly description: string;
  /** As written; GLOBAL when the file does not say. */
  readonly scope: string;
  /** The name of the credentials domain; undefined for the global domain. */
  readonly domain: string | undefined;
  /** For username/password and SSH credentials whose username is not itself secret. */
  readonly username?: string;
  /** For secret files: the name the file is given when bound. */
  readonly fileName?: string;
}

interface CommonInput {
  /** Letters, digits, `_`, `.` and `-`; a random UUID when not given, as in Jenkins. */
  readonly id?: string | undefined;
  readonly description?: string | undefined;
  /** GLOBAL when not given. */
  readonly scope?: CredentialsScope | undefined;
}

/** A new credential, values in clear; they are encrypted before anything is written. */
export type CredentialsInput =
  | (CommonInput & {
      readonly kind: 'usernamePassword';
      readonly username: string;
      readonly password: string;
      readonly usernameSecret?: boolean | undefined;
    })
  | (CommonInput & { readonly kind: 'string'; readonly secret: string })
  | (CommonInput & {
      readonly kind: 'sshPrivateKey';
      readonly username: string;
      readonly privateKey: string;
      readonly passphrase?: string | undefined;
      readonly usernameSecret?: boolean | undefined;
    })
  | (CommonInput & { readonly kind: 'file'; readonly fileName: string; readonly content: Uint8Array });

interface CommonUpdate {
  readonly description?: string | undefined;
  readonly scope?: CredentialsScope | undefined;
}

/**
 * Changes to a credential of `kind` (which cannot change). Fields not given keep their value;
 * in particular a secret not given is kept as stored, as Jenkins' form keeps an unchanged secret.
 */
export type CredentialsUpdate =
  | (CommonUpdate & {
      readonly kind: 'usernamePassword';
      readonly username?: string | undefined;
      readonly password?: string | undefined;
      readonly usernameSecret?: boolean | undefined;
    })
  | (CommonUpdate & { readonly kind: 'string'; readonly secret?: string | undefined })
  | (CommonUpdate & {
      readonly kind: 'sshPrivateKey';
      readonly username?: string | undefined;
      readonly privateKey?: string | undefined;
      readonly passphrase?: string | undefined;
      readonly usernameSecret?: boolean | undefined;
    })
  | (CommonUpdate & { readonly kind: 'file'; readonly fileName?: string | undefined; readonly content?: Uint8Array | undefined });
