import path from 'node:path';
import { StewardError } from '../../errors/index.js';
import type { BuildContext, BuildCredential, BuildWrapperDescriptor } from '../../jobs/index.js';
import type { TempFile } from '../../nodes/index.js';
import { SECRET_BUILD_WRAPPER, parseSecretBuildWrapper, type CredentialsBinding } from './config.js';

/** Jenkins' display names of the credentials kinds, for messages. */
const KIND_NAMES: Readonly<Record<BuildCredential['kind'], string>> = {
  usernamePassword: 'Username with password',
  string: 'Secret text',
  sshPrivateKey: 'SSH Username with private key',
  file: 'Secret file',
};

/**
 * The credentials-binding plugin's SecretBuildWrapper for freestyle jobs: each binding puts a
 * credential into the build's environment (secret files and SSH keys as the path of a temporary
 * file on the build's node, 0400 in a 0700 folder outside the workspace, removed when the build ends). The bound values are
 * masked in the log from then on. A credential that does not exist, is of another kind, or cannot
 * be decrypted fails the build before any builder runs, naming the id and the job; so does a
 * binding that lacks a field or that Steward does not implement (the job itself loads).
 */
export const credentialsBindingWrapper: BuildWrapperDescriptor = {
  id: SECRET_BUILD_WRAPPER,
  displayName: 'Use secret text(s) or file(s)',
  create(step) {
    const { bindings } = parseSecretBuildWrapper(step.element);
    return {
      notRun: bindings.flatMap((b) => {
        if (b.kind === 'unsupported') return [{ name: `binding ${b.type}`, treatment: 'fails-build' as const, reason: 'this credentials binding is not implemented here: builds fail before any step runs' }];
        if (b.kind === 'invalid') return [{ name: `binding ${b.type}`, treatment: 'fails-build' as const, reason: `builds fail before any step runs: ${b.error.message}` }];
        return [];
      }),
      async setUp(ctx) {
        const bound = new Bound();
        try {
          for (const binding of bindings) await bind(ctx, binding, bound);
        } catch (err) {
          await bound.removeFiles();
          throw err;
        }
        return { env: bound.env, secrets: bound.secrets, tearDown: () => bound.removeFiles() };
      },
    };
  },
};

/** What the bindings of one build have made so far. */
class Bound {
  readonly env: Record<string, string> = {};
  readonly secrets: string[] = [];
  readonly #files: TempFile[] = [];

  /** Writes `content` to a new file called `name` (0400) that only the steps' user can read; returns its path. */
  async writeFile(ctx: BuildContext, name: string, content: string | Buffer): Promise<string> {
    const file = await ctx.tempFile(name, content);
    this.#files.push(file);
    return file.path;
  }

  async removeFiles(): Promise<void> {
    const files = this.#files.splice(0);
    for (const f of files) await f.remove();
  }
}

async function bind(ctx: BuildContext, binding: CredentialsBinding, bound: Bound): Promise<void> {
  if (binding.kind === 'invalid') throw binding.error;
  if (binding.kind === 'unsupported') {
    throw new StewardError(
      'STW_CONFIG_INVALID',
      `the credentials binding ${binding.type}${binding.credentialsId === undefined ? '' : ` (credentials '${binding.credentialsId}')`} is not supported by this controller`,
    );
  }
  const id = expandParameter(binding.credentialsId, ctx.env);
  const credential = await ctx.credential(id);
  if (credential === undefined) {
    throw new StewardError('STW_CREDENTIALS_NOT_FOUND', `Could not find credentials entry with ID '${id}' for job ${ctx.jobName}`, { field: id });
  }
  switch (binding.kind) {
    case 'usernamePasswordMulti': {
      const c = expect(credential, 'usernamePassword', ctx.jobName);
      bound.env[binding.usernameVariable] = c.username;
      bound.env[binding.passwordVariable] = c.password;
      bound.secrets.push(c.password, ...(c.usernameSecret ? [c.username] : []));
      return;
    }
    case 'usernamePassword': {
      const c = expect(credential, 'usernamePassword', ctx.jobName);
      const joined = `${c.username}:${c.password}`;
      bound.env[binding.variable] = joined;
      bound.secrets.push(joined, c.password, ...(c.usernameSecret ? [c.username] : []));
      return;
    }
    case 'string': {
      const c = expect(credential, 'string', ctx.jobName);
      bound.env[binding.variable] = c.secret;
      bound.secrets.push(c.secret);
      return;
    }
    case 'file': {
      const c = expect(credential, 'file', ctx.jobName);
      bound.env[binding.variable] = await bound.writeFile(ctx, safeFileName(c.fileName), c.content);
      bound.secrets.push(...textForms(c.content));
      return;
    }
    case 'sshUserPrivateKey': {
      const c = expect(credential, 'sshPrivateKey', ctx.jobName);
      // OpenSSH refuses a key file whose last line has no newline.
      const key = c.privateKey.endsWith('\n') ? c.privateKey : `${c.privateKey}\n`;
      bound.env[binding.keyFileVariable] = await bound.writeFile(ctx, `ssh-key-${safeFileName(binding.keyFileVariable)}`, key);
      if (binding.usernameVariable !== undefined) bound.env[binding.usernameVariable] = c.username;
      if (binding.passphraseVariable !== undefined) bound.env[binding.passphraseVariable] = c.passphrase;
      bound.secrets.push(...textForms(Buffer.from(key, 'utf8')), c.passphrase, ...(c.usernameSecret ? [c.username] : []));
      return;
    }
  }
}

/** The credential when it is of `kind`; else STW_CONFIG_INVALID in Jenkins' words. */
function expect<K extends BuildCredential['kind']>(c: BuildCredential, kind: K, job: string): Extract<BuildCredential, { kind: K }> {
  if (c.kind !== kind) {
    throw new StewardError(
      'STW_CONFIG_INVALID',
      `Credentials '${c.id}' is of type '${KIND_NAMES[c.kind]}' where '${KIND_NAMES[kind]}' was expected (job ${job})`,
      { field: c.id },
    );
  }
  return c as Extract<BuildCredential, { kind: K }>;
}

/** A credentialsId of `${NAME}` names a build parameter holding the id, as Jenkins allows. */
function expandParameter(id: string, env: Readonly<Record<string, string>>): string {
  const name = /^\$\{(\w+)\}$/.exec(id)?.[1];
  return name === undefined ? id : (env[name] ?? id);
}

/** A file name that stays in its folder. */
function safeFileName(name: string): string {
  const base = path.basename(name.trim());
  return base === '' || base === '.' || base === '..' ? 'secret' : base;
}

/**
 * The content as masked in the log: without its surrounding whitespace, so that a `cat` of the
 * file still ends its line; none when the content is not text.
 */
function textForms(content: Buffer): string[] {
  const text = content.toString('utf8');
  return Buffer.from(text, 'utf8').equals(content) ? [text.trim()] : [];
}
