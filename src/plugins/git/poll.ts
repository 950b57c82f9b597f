import { MAX_POLL_OUTPUT_BYTES, type PollContext, type PollResult } from '../../jobs/index.js';
import { excerpt } from '../../errors/index.js';
import { branchMatches, isSha1 } from './branch-spec.js';
import { BUILD_DATA, readBuildData } from './build-data.js';
import type { GitScmConfig, RemoteConfig } from './config.js';
import { gitAuth, removeFiles } from './credentials.js';
import { looselyMatches, redact, repositoryLocation, stripPassword } from './urls.js';

/** A remote's branch heads: `refs/heads/master` → sha1. */
type Heads = ReadonlyMap<string, string>;

/**
 * Polls as the plugin's "fast remote polling" does (GitSCM.compareRemoteRevisionWith without a
 * workspace): `git ls-remote -h` of each remote, shared by every job of the cycle with the same URL
 * and credentials, and each head the branch specs name compared with what the last built build
 * recorded in its BuildData. No build yet, or a head not built: changes.
 */
export async function pollGit(config: GitScmConfig, ctx: PollContext): Promise<PollResult> {
  const variable = [...config.remotes.map((r) => r.url), ...config.branches].find((t) => t.includes('$'));
  if (variable !== undefined) {
    return { kind: 'failed', reason: `ERROR: ${redact(variable)} holds a variable, which only a build can expand; this job cannot be polled` };
  }
  // As the plugin's getBuildData: the newest build that recorded what it built (a failed fetch records nothing).
  const actions = await ctx.lastBuiltActions(BUILD_DATA);
  const remoteUrls = config.remotes.map((r) => stripPassword(r.url));
  const built = actions === undefined ? undefined : readBuildData(actions, remoteUrls);
  const last = built?.lastBuild;
  if (built === undefined || last === undefined) {
    ctx.log('[poll] No previous build, so forcing an initial build.');
    return { kind: 'changes', reason: 'no previous build' };
  }
  ctx.log(`[poll] Last Built Revision: Revision ${last.sha1} (${last.branch})`);
  // A head a signed push vouches for, on a branch the job builds and not built yet: no need to ask the remote.
  const pushed = ctx.pushed;
  const at = pushed === undefined ? undefined : repositoryLocation(pushed.url);
  if (pushed !== undefined && at !== undefined && pushed.ref.startsWith('refs/heads/')) {
    for (const remote of config.remotes) {
      const here = repositoryLocation(remote.url);
      if (here === undefined || !looselyMatches(here, at)) continue;
      const branch = `${remote.name}/${pushed.ref.slice('refs/heads/'.length)}`;
      if (!config.branches.some((spec) => !isSha1(spec) && branchMatches(spec, branch))) continue;
      if (built.builds.get(branch)?.sha1 === pushed.sha1) continue;
      ctx.log(`[poll] Pushed head revision on ${pushed.ref} is: ${pushed.sha1}, as the signed push notification says`);
      return { kind: 'changes', reason: 'a pushed head not built yet' };
    }
  }
  let changes = false;
  for (const remote of config.remotes) {
    const heads = await ctx.shared(`git ls-remote\u0000${remote.url}\u0000${remote.credentialsId ?? ''}`, () => lsRemote(ctx, remote));
    ctx.log(`Found ${heads.size} remote heads on ${redact(remote.url)}`);
    for (const spec of config.branches) {
      // A spec naming one commit never changes.
      if (isSha1(spec)) continue;
      for (const [ref, sha1] of heads) {
        const branch = `${remote.name}/${ref.slice('refs/heads/'.length)}`;
        if (!branchMatches(spec, branch)) continue;
        const before = built.builds.get(branch);
        if (before?.sha1 === sha1) {
          ctx.log(`[poll] Latest remote head revision on ${ref} is: ${sha1} - already built by ${before.buildNumber}`);
        } else {
          ctx.log(`[poll] Latest remote head revision on ${ref} is: ${sha1}`);
          changes = true;
        }
      }
    }
  }
  return changes ? { kind: 'changes', reason: 'a head not built yet' } : { kind: 'none', reason: 'every head was built' };
}

/** `git ls-remote -h -- URL` with the remote's credentials, on the built-in node, bounded in time and output. */
async function lsRemote(ctx: PollContext, remote: RemoteConfig): Promise<Heads> {
  const auth = remote.credentialsId === undefined ? undefined : await gitAuth(ctx, remote.credentialsId, remote.url);
  try {
    ctx.log(` > git ls-remote -h -- ${redact(remote.url)} # timeout=${Math.ceil(ctx.timeoutMs / 60_000)}`);
    const chunks: Buffer[] = [];
    let size = 0;
    let overflow = false;
    const code = await ctx.launch('git', ['ls-remote', '-h', '--', remote.url], {
      env: { GIT_TERMINAL_PROMPT: '0', ...(auth?.env ?? {}) },
      output: (chunk) => {
        size += chunk.length;
        if (size > MAX_POLL_OUTPUT_BYTES) overflow = true;
        else chunks.push(chunk);
      },
    });
    const out = Buffer.concat(chunks).toString('utf8');
    if (overflow) throw new Error(`the heads of ${redact(remote.url)} are more than ${MAX_POLL_OUTPUT_BYTES / 1024 / 1024} MiB of text`);
    if (code === 143) throw new Error(`git ls-remote of ${redact(remote.url)} was stopped after ${Math.round(ctx.timeoutMs / 1000)} s (its timeout)`);
    if (code === 127) throw new Error('git could not be run on the built-in node: install git there');
    if (code !== 0) throw new Error(`git ls-remote of ${redact(remote.url)} returned status code ${code}: ${excerpt(out.trim().replaceAll(remote.url, redact(remote.url)), 500)}`);
    const heads = new Map<string, string>();
    for (const line of out.split('\n')) {
      const m = /^([0-9a-f]{40})\t(refs\/heads\/\S+)$/.exec(line.trim());
      if (m !== null) heads.set(m[2] as string, m[1] as string);
    }
    return heads;
  } finally {
    if (auth !== undefined) await removeFiles(auth.files);
  }
}
