import path from 'node:path';
import { coerceError } from '../../errors/index.js';
import type { CheckoutResult, PollContext, PollResult, SCM, ScmContext, ScmDescriptor } from '../../jobs/index.js';
import type { XmlSpec } from '../../xml/index.js';
import { branchMatches, isSha1 } from './branch-spec.js';
import { BUILD_DATA, allBuildData, buildDataJson, buildDataSpec, nextBuildData, readBuildData, type BuildData } from './build-data.js';
import { MAX_CHANGELOG_COMMITS, RAW_FORMAT, changeSetJson, parseChangelog } from './changelog.js';
import { GIT_SCM, parseGitScm, type GitScmConfig, type RemoteConfig } from './config.js';
import { gitAuth, removeFiles, type GitAuth } from './credentials.js';
import { redact, stripPassword, urlPassword } from './urls.js';
import { pollGit } from './poll.js';

/** What a command's output read back may hold at most (a changelog of 1,024 commits fits). */
const MAX_CAPTURE_BYTES = 8 * 1024 * 1024;
const DEFAULT_TIMEOUT_MINUTES = 10;

/** The git plugin's SCM for freestyle jobs: `<scm class="hudson.plugins.git.GitSCM">`. */
export const gitScmDescriptor: ScmDescriptor = {
  id: GIT_SCM,
  displayName: 'Git',
  create(step) {
    return new GitScm(parseGitScm(step.element));
  },
};

/** Why a checkout stops; its message ends the build's log. */
class CheckoutFailed extends Error {}

/**
 * Checks out with the git CLI on the build's node, as the plugin's git-client does: `git init`
 * once, then each time `git fetch` from every remote, the revision to build chosen among the
 * remote-tracking branches the job's branch specs name (one not built yet first), and
 * `git checkout -f` of it (detached, unless LocalBranch). Each command is written to the log as
 * the plugin writes it (` > git fetch … # timeout=10`) with its output.
 */
export class GitScm implements SCM {
  readonly displayName = 'Git';
  readonly #config: GitScmConfig;

  constructor(config: GitScmConfig) {
    this.#config = config;
  }

  get unsupported(): readonly string[] {
    return this.#config.unsupported;
  }

  /** The job's remotes and branch specs, as push notifications match them. */
  get config(): GitScmConfig {
    return this.#config;
  }

  poll(ctx: PollContext): Promise<PollResult> {
    return pollGit(this.#config, ctx);
  }

  async checkout(ctx: ScmContext): Promise<CheckoutResult> {
    for (const part of this.#config.unsupported) ctx.log(`WARNING: SCM ${part} is not supported by this controller; the checkout runs without it`);
    const auths: GitAuth[] = [];
    try {
      return { ok: true, env: await this.#checkout(ctx, auths) };
    } catch (err) {
      if (err instanceof CheckoutFailed) return { ok: false, reason: err.message };
      const e = coerceError(err);
      return { ok: false, reason: `the checkout failed: ${e.message}` };
    } finally {
      for (const a of auths) await removeFiles(a.files);
    }
  }

  async #checkout(ctx: ScmContext, auths: GitAuth[]): Promise<Record<string, string>> {
    const { extensions: ext } = this.#config;
    const env = ctx.env;
    const remotes = this.#config.remotes.map((r) => ({ ...r, url: expand(r.url, env), refspec: expand(r.refspec ?? `+refs/heads/*:refs/remotes/${r.name}/*`, env) }));
    // A password written into a URL is a secret like any other.
    ctx.mask(remotes.flatMap((r) => urlPassword(r.url)));
    const branchSpecs = this.#config.branches.map((b) => expand(b, env));
    const dir = checkoutDir(ctx.workspace, ext.relativeTargetDir === undefined ? undefined : expand(ext.relativeTargetDir, env));
    const git = new GitRunner(ctx, dir);

    const authOf = new Map<string, Record<string, string>>();
    for (const r of remotes) {
      if (r.credentialsId === undefined) continue;
      let auth: GitAuth | undefined;
      try {
        auth = await gitAuth(ctx, expand(r.credentialsId, env), r.url);
      } catch (err) {
        throw new CheckoutFailed(coerceError(err).message);
      }
      if (auth !== undefined) {
        auths.push(auth);
        authOf.set(r.name, auth.env);
      }
    }

    if (ext.wipeWorkspace) {
      ctx.log('Wiping out workspace first.');
      // Its contents: the workspace folder itself belongs to the controller's layout.
      await git.sh('if [ -d "$1" ]; then find "$1" -mindepth 1 -delete; fi', [dir], 'the workspace could not be wiped out');
    }
    const existing = (await git.capture(['rev-parse', '--resolve-git-dir', path.join(dir, '.git')], { quiet: false })).code === 0;
    if (existing) {
      ctx.log('Fetching changes from the remote Git repository');
    } else {
      ctx.log('Cloning the remote Git repository');
      ctx.log(`Cloning repository ${redact(remotes[0]?.url ?? '')}`);
      // Without the hint git gives about the name of an unborn branch: the revision is checked out detached.
      await git.run(['init', dir], { bare: true, env: { GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'init.defaultBranch', GIT_CONFIG_VALUE_0: 'master' } });
      if (ext.clone.reference !== undefined) await this.#reference(ctx, git, expand(ext.clone.reference, env));
    }
    if (ext.userIdentity !== undefined) {
      if (ext.userIdentity.name !== undefined) await git.run(['config', 'user.name', expand(ext.userIdentity.name, env)]);
      if (ext.userIdentity.email !== undefined) await git.run(['config', 'user.email', expand(ext.userIdentity.email, env)]);
    }
    for (const r of remotes) {
      await git.run(['config', `remote.${r.name}.url`, r.url]);
      await git.run(['config', '--replace-all', `remote.${r.name}.fetch`, r.refspec.split(/\s+/)[0] ?? r.refspec]);
    }
    if (existing && ext.cleanBeforeCheckout) {
      ctx.log('Cleaning workspace');
      if ((await git.capture(['rev-parse', '--verify', '-q', 'HEAD'])).code === 0) {
        ctx.log('Resetting working tree');
        await git.run(['reset', '--hard']);
        await git.run(['clean', '-fdx']);
      }
    }
    const fetchTimeout = ext.clone.timeoutMinutes;
    for (const r of remotes) {
      ctx.log(`Fetching upstream changes from ${redact(r.url)}`);
      const args = ['fetch', ext.clone.noTags ? '--no-tags' : '--tags', '--force'];
      if (ext.pruneStaleBranch) args.push('--prune');
      if (ext.clone.shallow) args.push(`--depth=${ext.clone.depth}`);
      args.push('--', r.url, ...r.refspec.split(/\s+/).filter((s) => s !== ''));
      await git.run(args, { env: authOf.get(r.name) ?? {}, timeoutMinutes: fetchTimeout, failure: `Error fetching remote repo '${r.name}'` });
    }

    const previousBuilt = await ctx.previousActions('built');
    const previousSuccessful = await ctx.previousActions('successful');
    const remoteUrls = remotes.map((r) => stripPassword(r.url));
    const buildData = previousBuilt === undefined ? undefined : readBuildData(previousBuilt, remoteUrls);
    const successfulData = previousSuccessful === undefined ? undefined : readBuildData(previousSuccessful, remoteUrls);
    const { sha1, branch } = await this.#chooseRevision(git, remotes, branchSpecs, buildData);

    ctx.log(`Checking out Revision ${sha1} (${branch === 'detached' ? 'detached' : `refs/remotes/${branch}`})`);
    let localBranch: string | undefined;
    if (ext.localBranch !== undefined) {
      const given = expand(ext.localBranch, env);
      localBranch = given === '' || given === '**' ? branch.slice(branch.indexOf('/') + 1) : given;
      await git.run(['checkout', '-f', '-B', localBranch, sha1], { timeoutMinutes: ext.checkoutTimeoutMinutes, failure: `Could not checkout ${localBranch} with start point ${sha1}` });
    } else {
      await git.run(['checkout', '-f', sha1], { timeoutMinutes: ext.checkoutTimeoutMinutes, failure: `Could not checkout ${sha1}` });
    }
    const subject = await git.capture(['log', '-1', '--format=%s', sha1]);
    if (subject.code === 0) ctx.log(`Commit message: "${subject.out.trim()}"`);
    if (ext.cleanAfterCheckout) {
      ctx.log('Cleaning workspace');
      await git.run(['clean', '-fdx']);
    }
    if (ext.submodules !== undefined && !ext.submodules.disable) {
      const timeoutMinutes = ext.submodules.timeoutMinutes;
      const auth = authOf.get(remotes[0]?.name ?? '') ?? {};
      await git.run(['submodule', 'init'], { timeoutMinutes });
      await git.run(['submodule', 'sync'], { timeoutMinutes });
      const update = ['submodule', 'update', '--init'];
      if (ext.submodules.recursive) update.push('--recursive');
      if (ext.submodules.tracking) update.push('--remote');
      await git.run(update, { env: auth, timeoutMinutes, failure: 'Could not update the submodules' });
    }

    const previousSha = buildData?.builds.get(branch)?.sha1;
    await this.#changelog(ctx, git, previousSha, sha1);
    const number = ctx.buildNumber;
    ctx.addAction(buildDataSpec(nextBuildData(buildData, { branch, sha1, buildNumber: number }, remoteUrls)));

    const out: Record<string, string> = { GIT_COMMIT: sha1, GIT_BRANCH: branch };
    if (previousSha !== undefined) out.GIT_PREVIOUS_COMMIT = previousSha;
    const successfulSha = successfulData?.builds.get(branch)?.sha1;
    if (successfulSha !== undefined) out.GIT_PREVIOUS_SUCCESSFUL_COMMIT = successfulSha;
    if (localBranch !== undefined) out.GIT_LOCAL_BRANCH = localBranch;
    Object.assign(out, urlVariables(remoteUrls));
    if (ext.relativeTargetDir !== undefined) out.GIT_CHECKOUT_DIR = expand(ext.relativeTargetDir, env);
    // UserIdentity, as the plugin sets it: commits the build makes carry this identity.
    const name = ext.userIdentity?.name;
    const email = ext.userIdentity?.email;
    if (name !== undefined) Object.assign(out, { GIT_COMMITTER_NAME: expand(name, env), GIT_AUTHOR_NAME: expand(name, env) });
    if (email !== undefined) Object.assign(out, { GIT_COMMITTER_EMAIL: expand(email, env), GIT_AUTHOR_EMAIL: expand(email, env) });
    return out;
  }

  /** Borrows the objects of a local repository (CloneOption's reference), as `git clone --reference`. */
  async #reference(ctx: ScmContext, git: GitRunner, reference: string): Promise<void> {
    ctx.log(`Using reference repository: ${reference}`);
    await git.sh(
      'if [ -d "$1/.git/objects" ]; then o="$1/.git/objects"; elif [ -d "$1/objects" ]; then o="$1/objects"; else echo "Reference path does not exist: $1"; exit 0; fi; ' +
        'printf "%s\\n" "$o" >> "$2/.git/objects/info/alternates"',
      [reference, git.dir],
      'the reference repository could not be used',
    );
  }

  /**
   * The revision to build (the plugin's DefaultBuildChooser): for each branch spec in turn, the
   * remote-tracking branches it names, preferring one whose head was not built yet.
   */
  async #chooseRevision(git: GitRunner, remotes: readonly RemoteConfig[], specs: readonly string[], built: BuildData | undefined): Promise<{ sha1: string; branch: string }> {
    const refs = await git.capture(['for-each-ref', '--format=%(objectname) %(refname)', 'refs/remotes/']);
    const branches: { sha1: string; branch: string }[] = [];
    for (const line of refs.out.split('\n')) {
      const [sha1, ref] = line.trim().split(' ');
      if (sha1 === undefined || ref === undefined || !ref.startsWith('refs/remotes/')) continue;
      const branch = ref.slice('refs/remotes/'.length);
      if (branch.endsWith('/HEAD') || !remotes.some((r) => branch.startsWith(`${r.name}/`))) continue;
      branches.push({ sha1, branch });
    }
    const candidates: { sha1: string; branch: string }[] = [];
    for (const spec of specs) {
      if (isSha1(spec)) {
        const found = await git.capture(['rev-parse', '--verify', '-q', `${spec.toLowerCase()}^{commit}`]);
        if (found.code === 0) candidates.push({ sha1: found.out.trim(), branch: 'detached' });
        continue;
      }
      if (spec.startsWith('refs/tags/')) {
        const found = await git.capture(['rev-parse', '--verify', '-q', `${spec}^{commit}`]);
        if (found.code === 0) candidates.push({ sha1: found.out.trim(), branch: spec });
        continue;
      }
      for (const b of branches) if (branchMatches(spec, b.branch)) candidates.push(b);
    }
    const fresh = candidates.find((c) => built?.builds.get(c.branch)?.sha1 !== c.sha1);
    const chosen = fresh ?? candidates[0];
    if (chosen === undefined) throw new CheckoutFailed("Couldn't find any revision to build. Verify the repository and branch configuration for this job.");
    return chosen;
  }

  /** Writes changelog.xml: the commits since the branch's previous build, none on its first. */
  async #changelog(ctx: ScmContext, git: GitRunner, previous: string | undefined, sha1: string): Promise<void> {
    if (previous === undefined) {
      ctx.log('First time build. Skipping changelog.');
      await ctx.writeChangelog('');
      return;
    }
    if ((await git.capture(['rev-list', '--no-walk', previous], { quiet: false })).code !== 0) {
      ctx.log(`Could not record history. Previous build's commit, ${previous}, does not exist in the current repository.`);
      await ctx.writeChangelog('');
      return;
    }
    const log = await git.capture(['log', '--raw', '--no-merges', '--no-abbrev', '-M', `--max-count=${MAX_CHANGELOG_COMMITS}`, `--format=${RAW_FORMAT}`, `${previous}..${sha1}`], {
      truncate: true,
    });
    if (log.truncated) {
      // The commits that came whole; the log stopped taking output past its bound.
      ctx.log(`WARNING: the changes since ${previous} are more than ${MAX_CAPTURE_BYTES / 1024 / 1024} MiB of text; the changelog keeps the first of them`);
      await ctx.writeChangelog(log.out.slice(0, Math.max(0, log.out.lastIndexOf('\ncommit ') + 1)));
      return;
    }
    if (log.code !== 0) {
      ctx.log(`WARNING: the changelog could not be read (git log exited with ${log.code})`);
      await ctx.writeChangelog('');
      return;
    }
    await ctx.writeChangelog(log.out);
  }

  environment(actions: readonly XmlSpec[]): Record<string, string> {
    const remoteUrls = this.#config.remotes.map((r) => stripPassword(r.url));
    const data = readBuildData(actions.filter((a) => a.name === BUILD_DATA), remoteUrls);
    const last = data?.lastBuild;
    if (last === undefined) return {};
    return { GIT_COMMIT: last.sha1, GIT_BRANCH: last.branch, ...urlVariables(remoteUrls) };
  }

  actionsJson(actions: readonly XmlSpec[]): Record<string, unknown>[] {
    return allBuildData(actions).map(buildDataJson);
  }

  changeSet(changelog: string | undefined): Record<string, unknown> {
    return changeSetJson(changelog === undefined ? [] : parseChangelog(changelog), this.#config.extensions.authorInChangelog);
  }
}

/** Runs git in the checkout folder through the build, writing each command to the log. */
class GitRunner {
  readonly #ctx: ScmContext;
  readonly dir: string;

  constructor(ctx: ScmContext, dir: string) {
    this.#ctx = ctx;
    this.dir = dir;
  }

  /** Runs `git args` with its output in the log; throws CheckoutFailed when it fails. */
  async run(args: readonly string[], opts: { env?: Record<string, string>; timeoutMinutes?: number; failure?: string; bare?: boolean } = {}): Promise<void> {
    const timeoutMinutes = opts.timeoutMinutes ?? DEFAULT_TIMEOUT_MINUTES;
    this.#ctx.log(` > git ${args.map(redact).join(' ')} # timeout=${timeoutMinutes}`);
    const code = await this.#ctx.launch('git', opts.bare === true ? args : ['-C', this.dir, ...args], {
      env: { GIT_TERMINAL_PROMPT: '0', ...(opts.env ?? {}) },
      timeoutMs: timeoutMinutes * 60_000,
    });
    if (this.#ctx.signal.aborted) throw new CheckoutFailed('the checkout was stopped');
    if (code === 127) throw new CheckoutFailed(`git could not be run on this node: install git there, on the PATH builds get (${opts.failure ?? `git ${args[0] ?? ''}`})`);
    if (code !== 0) throw new CheckoutFailed(`${opts.failure ?? `Command "git ${args.map(redact).join(' ')}"`} returned status code ${code}`);
  }

  /**
   * Runs `git args` and gives back its output (standard output and error together), which does
   * not go to the log; `quiet: false` still writes the command there.
   */
  async capture(args: readonly string[], opts: { quiet?: boolean; truncate?: boolean } = {}): Promise<{ code: number; out: string; truncated: boolean }> {
    if (opts.quiet === false) this.#ctx.log(` > git ${args.map(redact).join(' ')} # timeout=${DEFAULT_TIMEOUT_MINUTES}`);
    const chunks: Buffer[] = [];
    let size = 0;
    let overflow = false;
    const code = await this.#ctx.launch('git', ['-C', this.dir, ...args], {
      env: { GIT_TERMINAL_PROMPT: '0' },
      timeoutMs: DEFAULT_TIMEOUT_MINUTES * 60_000,
      output: (chunk) => {
        if (size + chunk.length > MAX_CAPTURE_BYTES) {
          overflow = true;
          return;
        }
        size += chunk.length;
        chunks.push(chunk);
      },
    });
    if (this.#ctx.signal.aborted) throw new CheckoutFailed('the checkout was stopped');
    if (overflow && opts.truncate !== true) throw new CheckoutFailed(`the output of "git ${args.join(' ')}" is larger than ${MAX_CAPTURE_BYTES / 1024 / 1024} MiB`);
    return { code, out: Buffer.concat(chunks).toString('utf8'), truncated: overflow };
  }

  /** Runs a small sh script (its arguments as $1, $2...), for what git does not do itself. */
  async sh(script: string, args: readonly string[], failure: string): Promise<void> {
    const code = await this.#ctx.launch('/bin/sh', ['-c', script, 'sh', ...args]);
    if (this.#ctx.signal.aborted) throw new CheckoutFailed('the checkout was stopped');
    if (code !== 0) throw new CheckoutFailed(`${failure} (status ${code})`);
  }
}

/** The folder the checkout goes to: the workspace, or RelativeTargetDirectory inside it. */
function checkoutDir(workspace: string, relative: string | undefined): string {
  if (relative === undefined || relative === '' || relative === '.') return workspace;
  const clean = path.posix.normalize(relative);
  if (path.posix.isAbsolute(clean) || clean === '..' || clean.startsWith('../')) {
    throw new CheckoutFailed(`the checkout folder ${relative} (RelativeTargetDirectory) is outside the workspace`);
  }
  return path.posix.join(workspace, clean);
}

/** GIT_URL with one remote; GIT_URL_1, GIT_URL_2... with several, as the plugin sets them. */
function urlVariables(urls: readonly string[]): Record<string, string> {
  if (urls.length === 1) return { GIT_URL: urls[0] ?? '' };
  return Object.fromEntries(urls.map((u, i) => [`GIT_URL_${i + 1}`, u]));
}

/** `${NAME}` and `$NAME` from the build's environment (parameters included), as Jenkins expands them. */
function expand(text: string, env: Readonly<Record<string, string>>): string {
  return text.replace(/\$\{(\w+)\}|\$(\w+)/g, (whole, a: string | undefined, b: string | undefined) => env[a ?? b ?? ''] ?? whole);
}
