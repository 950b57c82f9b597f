/*
 * What builds need of the security part, as an interface this part defines: security depends on
 * jobs (it reads Jenkins XML with jobs' model), so jobs cannot import it. The composition root
 * passes an implementation (security/credentials' `buildSecrets`) to Jobs.
 */

/**
 * A credential as a build binds it, its values in clear: Jenkins' credentials kinds
 * (UsernamePasswordCredentialsImpl, StringCredentialsImpl, BasicSSHUserPrivateKey,
 * FileCredentialsImpl). Held only while a build sets up its bindings.
 */
export type BuildCredential =
  | {
      readonly kind: 'usernamePassword';
      readonly id: string;
      readonly username: string;
      readonly password: string;
      /** The username is masked in logs too. */
      readonly usernameSecret: boolean;
    }
  | { readonly kind: 'string'; readonly id: string; readonly secret: string }
  | {
      readonly kind: 'sshPrivateKey';
      readonly id: string;
      readonly username: string;
      readonly usernameSecret: boolean;
      /** The private key text (PEM or OpenSSH), as entered. */
      readonly privateKey: string;
      /** '' when the key has none. */
      readonly passphrase: string;
    }
  | { readonly kind: 'file'; readonly id: string; readonly fileName: string; readonly content: Buffer };

/** Masks secrets in one stream of log chunks, also when a secret is split across chunks. */
export interface LogMasker {
  /** The masked bytes that can be written now (the start of a possible secret is held back). */
  write(chunk: Buffer): Buffer;
  /** The masked rest; the masker is not used after this. */
  end(): Buffer;
}

/** Where a secret value came from, for the error when it does not decrypt. */
export interface SecretOrigin {
  readonly file?: string;
  readonly field?: string;
}

export interface BuildSecrets {
  /**
   * The credential `id` for a build of `job`; undefined when no credential with that id is
   * available to builds (none, or one of SYSTEM scope). Throws STW_SECRET_INVALID naming the file
   * and the id when a stored value does not decrypt.
   */
  credential(id: string, job: string): Promise<BuildCredential | undefined>;
  /**
   * The form in which a password parameter value is written to build.xml: encrypted with the
   * master key. `value` is taken as Jenkins' Secret.fromString takes it (see `open`); a value in an
   * encrypted form that does not decrypt is returned as it is (it holds no clear text) and fails
   * the build when opened.
   */
  seal(value: string): string;
  /**
   * A keyed digest of the clear value of `value` (taken as `seal` takes it), equal for equal clear
   * values though each sealed form differs: how identical build requests are recognised without
   * keeping clear text. Undefined for an encrypted form that does not decrypt (it equals nothing).
   */
  digest(value: string): string | undefined;
  /**
   * The clear value of a password parameter value as given or stored: Steward's and Jenkins'
   * encrypted forms decrypt (STW_SECRET_INVALID when they do not), other text is the value itself.
   */
  open(value: string, from: SecretOrigin): string;
  /** A masker replacing each of `secrets` by `****`. */
  masker(secrets: readonly string[]): LogMasker;
}
