import { isStewardError, type StewardError } from '../../errors/index.js';
import { configInvalid, type XmlElementHandle } from '../../xml/index.js';

/*
 * The credentials-binding plugin's build wrapper (Jenkins' "Use secret text(s) or file(s)"):
 *
 *   <org.jenkinsci.plugins.credentialsbinding.impl.SecretBuildWrapper plugin="credentials-binding@...">
 *     <bindings>
 *       <org.jenkinsci.plugins.credentialsbinding.impl.UsernamePasswordMultiBinding>
 *         <credentialsId>deploy</credentialsId>
 *         <usernameVariable>USER</usernameVariable>
 *         <passwordVariable>PASS</passwordVariable>
 *       </...>
 *       ...
 *     </bindings>
 *   </org.jenkinsci.plugins.credentialsbinding.impl.SecretBuildWrapper>
 */

const IMPL = 'org.jenkinsci.plugins.credentialsbinding.impl';

/** The element a job's `<buildWrappers>` holds for "Use secret text(s) or file(s)". */
export const SECRET_BUILD_WRAPPER = `${IMPL}.SecretBuildWrapper`;

/** One binding of a credential to environment variables. */
export type CredentialsBinding =
  /** UsernamePasswordMultiBinding: the username and the password in two variables. */
  | { readonly kind: 'usernamePasswordMulti'; readonly credentialsId: string; readonly usernameVariable: string; readonly passwordVariable: string }
  /** UsernamePasswordBinding: `username:password` in one variable. */
  | { readonly kind: 'usernamePassword'; readonly credentialsId: string; readonly variable: string }
  /** StringBinding: a secret text. */
  | { readonly kind: 'string'; readonly credentialsId: string; readonly variable: string }
  /** FileBinding: the path of a temporary file holding a secret file's content. */
  | { readonly kind: 'file'; readonly credentialsId: string; readonly variable: string }
  /** SSHUserPrivateKeyBinding: the path of a temporary key file, and optionally username and passphrase. */
  | {
      readonly kind: 'sshUserPrivateKey';
      readonly credentialsId: string;
      readonly keyFileVariable: string;
      readonly usernameVariable: string | undefined;
      readonly passphraseVariable: string | undefined;
    }
  /** A binding class Steward does not implement (ZipFileBinding, CertificateMultiBinding...). */
  | { readonly kind: 'unsupported'; readonly type: string; readonly credentialsId: string | undefined }
  /** A known binding without its credentialsId or a required variable: STW_CONFIG_INVALID naming the field. */
  | { readonly kind: 'invalid'; readonly type: string; readonly error: StewardError };

export interface SecretBuildWrapperStep {
  readonly bindings: readonly CredentialsBinding[];
}

/**
 * Reads the wrapper's `<bindings>` (`class="empty-list"` when there are none). As Jenkins loads a
 * job whatever its bindings hold, nothing here refuses the job: a known binding without its
 * credentialsId or a required variable is kept as `invalid` with the error naming the field, an
 * unknown binding class as `unsupported`, both for the build to fail on.
 */
export function parseSecretBuildWrapper(el: XmlElementHandle): SecretBuildWrapperStep {
  return {
    bindings: (el.child('bindings')?.children() ?? []).map((b) => {
      try {
        return parseBinding(b);
      } catch (err) {
        if (!isStewardError(err, 'STW_CONFIG_INVALID')) throw err;
        return { kind: 'invalid', type: b.name, error: err };
      }
    }),
  };
}

function parseBinding(b: XmlElementHandle): CredentialsBinding {
  switch (b.name) {
    case `${IMPL}.UsernamePasswordMultiBinding`:
      return {
        kind: 'usernamePasswordMulti',
        credentialsId: required(b, 'credentialsId'),
        usernameVariable: required(b, 'usernameVariable'),
        passwordVariable: required(b, 'passwordVariable'),
      };
    case `${IMPL}.UsernamePasswordBinding`:
      return { kind: 'usernamePassword', credentialsId: required(b, 'credentialsId'), variable: required(b, 'variable') };
    case `${IMPL}.StringBinding`:
      return { kind: 'string', credentialsId: required(b, 'credentialsId'), variable: required(b, 'variable') };
    case `${IMPL}.FileBinding`:
      return { kind: 'file', credentialsId: required(b, 'credentialsId'), variable: required(b, 'variable') };
    case `${IMPL}.SSHUserPrivateKeyBinding`:
      return {
        kind: 'sshUserPrivateKey',
        credentialsId: required(b, 'credentialsId'),
        keyFileVariable: required(b, 'keyFileVariable'),
        usernameVariable: optional(b, 'usernameVariable'),
        passphraseVariable: optional(b, 'passphraseVariable'),
      };
    default:
      return { kind: 'unsupported', type: b.name, credentialsId: optional(b, 'credentialsId') };
  }
}

function optional(el: XmlElementHandle, name: string): string | undefined {
  const text = el.childText(name)?.trim();
  return text === undefined || text === '' ? undefined : text;
}

function required(el: XmlElementHandle, name: string): string {
  const text = optional(el, name);
  if (text === undefined) throw configInvalid(el.child(name) ?? el, el.childPath(name), 'is missing or empty');
  return text;
}
