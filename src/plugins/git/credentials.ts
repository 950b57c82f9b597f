import { coerceError } from '../../errors/index.js';
import type { BuildCredential } from '../../jobs/index.js';
import type { TempFile } from '../../nodes/index.js';
import type { ScmContext } from '../../jobs/index.js';

/*
 * Credentials for git's own transports, as the plugin's git-client gives them:
 * - username/password (HTTPS): GIT_ASKPASS names a small script that answers git's questions
 *   from two variables of the fetch's environment. The password is never in an argument, a
 *   file or the log (it is masked there).
 * - SSH private key: the key is written to a file only the steps' user can read (0400, in a
 *   folder of its own outside the workspace) and GIT_SSH_COMMAND points ssh at it; a passphrase
 *   is answered through SSH_ASKPASS the same way. The files are removed after the checkout.
 */

const ASKPASS = `#!/bin/sh
case "$1" in
  Username*|username*) printf '%s\\n' "$STEWARD_GIT_USERNAME" ;;
  *) printf '%s\\n' "$STEWARD_GIT_PASSWORD" ;;
esac
`;

const SSH_ASKPASS = `#!/bin/sh
printf '%s\\n' "$STEWARD_GIT_PASSPHRASE"
`;

/** What making a remote's credentials usable needs: a checkout's context, or a poll's. */
export type GitAuthContext = Pick<ScmContext, 'credential' | 'mask' | 'log' | 'tempFile'>;

/** The environment one remote's git commands run with, and the files to remove afterwards. */
export interface GitAuth {
  readonly env: Record<string, string>;
  readonly files: TempFile[];
}

/** Jenkins' names of the credentials kinds, for messages. */
const KIND_NAMES: Readonly<Record<BuildCredential['kind'], string>> = {
  usernamePassword: 'Username with password',
  string: 'Secret text',
  sshPrivateKey: 'SSH Username with private key',
  file: 'Secret file',
};

/**
 * The environment for fetching with credentials `id`: undefined with a warning in the log when
 * there is no such credential (the plugin then fetches without); throws when it cannot be used.
 */
export async function gitAuth(ctx: GitAuthContext, id: string, url: string): Promise<GitAuth | undefined> {
  const credential = await ctx.credential(id);
  if (credential === undefined) {
    ctx.log(`WARNING: credentials '${id}' were not found; fetching without credentials`);
    return undefined;
  }
  const files: TempFile[] = [];
  try {
    switch (credential.kind) {
      case 'usernamePassword': {
        ctx.mask([credential.password, ...(credential.usernameSecret ? [credential.username] : [])]);
        ctx.log(`using GIT_ASKPASS to set credentials ${id}`);
        const script = await ctx.tempFile('askpass.sh', ASKPASS, 0o500);
        files.push(script);
        return {
          env: { GIT_ASKPASS: script.path, STEWARD_GIT_USERNAME: credential.username, STEWARD_GIT_PASSWORD: credential.password, GIT_TERMINAL_PROMPT: '0' },
          files,
        };
      }
      case 'sshPrivateKey': {
        const key = credential.privateKey.endsWith('\n') ? credential.privateKey : `${credential.privateKey}\n`;
        ctx.mask([credential.passphrase, ...(credential.usernameSecret ? [credential.username] : [])].filter((v) => v !== ''));
        ctx.log(`using GIT_SSH to set credentials ${id}`);
        const keyFile = await ctx.tempFile('ssh-key', key, 0o400);
        files.push(keyFile);
        // A host seen first is remembered in the known_hosts of the build's HOME (the plugin's
        // "Accept first connection"); a changed host key is refused.
        const ssh = ['ssh', '-i', quote(keyFile.path), '-o', 'IdentitiesOnly=yes', '-o', 'StrictHostKeyChecking=accept-new', '${HOME:+-o "UserKnownHostsFile=$HOME/.ssh/known_hosts"}'];
        // ssh's -l wins over a user named in the URL (git@host:...), which must stay the user.
        if (credential.username !== '' && !namesUser(url)) ssh.push('-l', quote(credential.username));
        const env: Record<string, string> = { GIT_TERMINAL_PROMPT: '0' };
        if (credential.passphrase === '') {
          ssh.push('-o', 'BatchMode=yes');
        } else {
          const askpass = await ctx.tempFile('ssh-askpass.sh', SSH_ASKPASS, 0o500);
          files.push(askpass);
          Object.assign(env, { SSH_ASKPASS: askpass.path, SSH_ASKPASS_REQUIRE: 'force', DISPLAY: env.DISPLAY ?? ':0', STEWARD_GIT_PASSPHRASE: credential.passphrase });
        }
        env.GIT_SSH_COMMAND = ssh.join(' ');
        return { env, files };
      }
      default:
        throw new Error(`credentials '${id}' are of type '${KIND_NAMES[credential.kind]}' where 'Username with password' or 'SSH Username with private key' was expected`);
    }
  } catch (err) {
    await removeFiles(files);
    throw coerceError(err);
  }
}

export async function removeFiles(files: readonly TempFile[]): Promise<void> {
  for (const f of files) await f.remove().catch(() => undefined);
}

/** Whether an SSH URL names its user: `ssh://git@host/...` or scp-like `git@host:path`. */
function namesUser(url: string): boolean {
  return /^[a-z+]*ssh:\/\/[^/@]+@/i.test(url) || /^[^/:@]+@[^/:]+:/.test(url);
}

/** A word for sh (GIT_SSH_COMMAND is run by the shell). */
function quote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}
