import { execFile } from 'node:child_process';
import os from 'node:os';
import { promisify } from 'node:util';
import { StewardError } from '../errors/index.js';

const run = promisify(execFile);

/** The user builds on the built-in node run as when the controller runs as root and names none. */
export const DEFAULT_BUILD_USER = 'steward-build';

/**
 * Who the steps of builds on the built-in node run as:
 * - `separate`: a user of their own, who cannot read the controller's private paths (secrets/,
 *   users/, credentials.xml...) and writes only the workspaces and its HOME;
 * - `controller`: the controller's own user, so a build can read everything the controller can.
 *   `warning` says so in words an operator can act on (the log at start, and `/manage`).
 */
export type BuildUser =
  | { readonly kind: 'separate'; readonly name: string; readonly uid: number; readonly gid: number }
  | { readonly kind: 'controller'; readonly name: string; readonly warning: string };

interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
}

/**
 * Decides the build user at start. As root: `requested`, else {@link DEFAULT_BUILD_USER}, which is
 * created (a system user with its own group, no login shell and no home) when missing; a named
 * user must exist. Naming root itself is allowed, with the warning. Not as root, steps can only
 * run as the controller's user: naming another user is refused, since the isolation asked for
 * cannot be given.
 */
export async function resolveBuildUser(requested: string | undefined): Promise<BuildUser> {
  const self = process.getuid?.() ?? -1;
  const selfName = controllerUserName(self);
  if (self !== 0) {
    if (requested !== undefined && requested !== selfName) {
      throw new StewardError(
        'STW_BUILD_USER_INVALID',
        `--build-user ${requested}: the controller runs as ${selfName} and cannot run builds as another user; start it as root, or leave --build-user out`,
      );
    }
    return { kind: 'controller', name: selfName, warning: exposedWarning(selfName, 'the controller runs as that user, not as root') };
  }
  const name = requested ?? DEFAULT_BUILD_USER;
  const user = (await lookUpUser(name)) ?? (requested === undefined ? await createSystemUser(name) : undefined);
  if (user === undefined) {
    throw new StewardError('STW_BUILD_USER_INVALID', `--build-user ${name}: there is no such user on this machine; create it, or leave --build-user out to use ${DEFAULT_BUILD_USER}`);
  }
  if (user.uid === 0) return { kind: 'controller', name: user.name, warning: exposedWarning(user.name, `--build-user names ${user.name}`) };
  return { kind: 'separate', name: user.name, uid: user.uid, gid: user.gid };
}

function exposedWarning(name: string, why: string): string {
  return (
    `Builds on the built-in node run as ${name} (${why}) and can read this controller's secrets: ` +
    `its keys, credentials and users' password hashes. Anyone who can configure a job can use them. ` +
    `Run the controller as root with --build-user (or without it, to use ${DEFAULT_BUILD_USER}), or run builds on agents.`
  );
}

function controllerUserName(uid: number): string {
  try {
    return os.userInfo().username;
  } catch {
    // A uid without a passwd entry (some containers).
    return `uid ${uid}`;
  }
}

async function lookUpUser(name: string): Promise<PasswdEntry | undefined> {
  let stdout: string;
  try {
    ({ stdout } = await run('getent', ['passwd', name]));
  } catch (err) {
    // getent exits 2 when the user does not exist.
    if ((err as { code?: unknown }).code === 2) return undefined;
    throw new StewardError('STW_BUILD_USER_INVALID', `cannot look up the build user ${name}: ${(err as Error).message}`, { cause: err });
  }
  const [entryName, , uid, gid] = stdout.trim().split(':');
  if (entryName === undefined || !/^\d+$/.test(uid ?? '') || !/^\d+$/.test(gid ?? '')) {
    throw new StewardError('STW_BUILD_USER_INVALID', `the passwd entry of the build user ${name} cannot be read: ${JSON.stringify(stdout.trim())}`);
  }
  return { name: entryName, uid: Number(uid), gid: Number(gid) };
}

/**
 * useradd, retried: controllers starting together on one machine race for /etc/passwd's lock, and
 * the loser finds the user the winner made.
 */
async function createSystemUser(name: string): Promise<PasswdEntry> {
  let last = '';
  for (let attempt = 0; attempt < 10; attempt++) {
    try {
      await run('useradd', ['--system', '--user-group', '--no-create-home', '--home-dir', '/nonexistent', '--shell', '/usr/sbin/nologin', name]);
    } catch (err) {
      last = String((err as { stderr?: unknown }).stderr ?? (err as Error).message).trim();
    }
    const made = await lookUpUser(name);
    if (made !== undefined) return made;
    await new Promise((r) => setTimeout(r, 100 + attempt * 100));
  }
  throw new StewardError('STW_BUILD_USER_INVALID', `cannot create the build user ${name} with useradd: ${last}; create it, or name another with --build-user`);
}
