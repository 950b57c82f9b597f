import { excerpt } from '../../errors/index.js';
import type { NotifiedJob, NotifyAnswer, NotifyContext, NotifyRequest, UnprotectedRootActionDescriptor } from '../../jobs/index.js';
import { branchMatches } from './branch-spec.js';
import type { GitScmConfig } from './config.js';
import { GitScm } from './scm.js';
import { looselyMatches, repositoryLocation, type RepositoryLocation } from './urls.js';

/** The longest repository URL a notification may name. */
const MAX_URL_LENGTH = 2048;
/** The most branch names one notification may list. */
const MAX_BRANCHES = 100;

/** What a notification does to a job whose remote matches it. */
type Match = { kind: 'poll' } | { kind: 'build' } | { kind: 'skip' };

/**
 * The remote of `job` that `location` names, and what to do: a job without "Poll SCM" or
 * ignoring post-commit hooks, or with IgnoreNotifyCommit, is skipped; branches must match a
 * branch spec unless none are given (a spec with a variable always polls).
 */
export function matchGitJob(job: NotifiedJob, location: RepositoryLocation, branches: readonly string[], sha1: string | undefined): Match | undefined {
  if (!(job.scm instanceof GitScm)) return undefined;
  const config: GitScmConfig = job.scm.config;
  for (const remote of config.remotes) {
    const at = repositoryLocation(remote.url);
    if (at === undefined || !looselyMatches(at, location)) continue;
    if (config.extensions.ignoreNotifyCommit) return { kind: 'skip' };
    if (job.polling === undefined || job.polling.ignorePostCommitHooks) return { kind: 'skip' };
    let found = branches.length === 0;
    let variable = false;
    for (const spec of config.branches) {
      if (spec.includes('$')) {
        found = true;
        variable = true;
      } else if (branches.some((b) => branchMatches(spec, `${remote.name}/${b}`))) {
        found = true;
      }
    }
    if (!found) return undefined;
    return sha1 !== undefined && !variable ? { kind: 'build' } : { kind: 'poll' };
  }
  return undefined;
}

/**
 * The git plugin's `/git/notifyCommit?url=URL[&branches=a,b][&sha1=SHA1]` (GitStatus), by GET or
 * POST, without a user or crumb: every job with "Poll SCM" whose GitSCM has a remote at that
 * repository (and a branch spec matching one of the branches, when given) is polled, and answered
 * with the plugin's text. A sha1 builds at once, as the plugin does, only for a caller who may
 * build the job (Job/Build, an API token); anyone else's sha1 polls, which finds the commit all the
 * same and cannot be used to queue builds of a commit that changed nothing. The answer names
 * only the jobs the caller may read.
 */
export const notifyCommitDescriptor: UnprotectedRootActionDescriptor = {
  id: 'hudson.plugins.git.GitStatus',
  displayName: 'Git',
  urlName: 'git',
  maxBodyBytes: 64 * 1024,
  async handle(req: NotifyRequest, ctx: NotifyContext): Promise<NotifyAnswer> {
    if (req.subPath !== '/notifyCommit' && req.subPath !== '/notifyCommit/') {
      return { status: 404, text: `Not found: /git${excerpt(req.subPath, 100)}\n` };
    }
    const url = req.query.url;
    if (url === undefined || url.trim() === '') return { status: 400, text: 'Illegal URL: the url parameter is required\n' };
    if (url.length > MAX_URL_LENGTH) return { status: 400, text: `Illegal URL: longer than ${MAX_URL_LENGTH} characters\n` };
    const location = repositoryLocation(url.trim());
    if (location === undefined) return { status: 400, text: `Illegal URL: ${excerpt(url, 200)}\n` };
    const branches = (req.query.branches ?? '')
      .split(',')
      .map((b) => b.trim())
      .filter((b) => b !== '');
    if (branches.length > MAX_BRANCHES) return { status: 400, text: `Too many branches: at most ${MAX_BRANCHES}\n` };
    const sha1Text = req.query.sha1?.trim();
    if (sha1Text !== undefined && sha1Text !== '' && !/^[0-9a-fA-F]{4,40}$/.test(sha1Text)) return { status: 400, text: `Illegal sha1: ${excerpt(sha1Text, 60)}\n` };
    const sha1 = sha1Text === undefined || sha1Text === '' ? undefined : sha1Text.toLowerCase();

    const lines: string[] = [];
    let hidden = 0;
    let gitJobs = 0;
    let matched = 0;
    for (const job of ctx.jobs()) {
      if (job.scm instanceof GitScm) gitJobs++;
      const match = matchGitJob(job, location, branches, sha1);
      if (match === undefined || match.kind === 'skip') continue;
      matched++;
      if (job.disabled) continue;
      const visible = ctx.canSee(job.name);
      if (match.kind === 'build' && ctx.canBuild(job.name)) {
        try {
          ctx.schedule(job.name, { kind: 'other', shortDescription: `commit notification ${sha1 ?? ''}` });
          if (visible) lines.push(`Scheduled ${job.name}`);
          else hidden++;
        } catch (err) {
          if (visible) lines.push(`${job.name} could not be scheduled: ${(err as Error).message}`);
          else hidden++;
        }
        continue;
      }
      ctx.poll(job.name);
      if (visible) lines.push(`Scheduled polling of ${job.name}`);
      else hidden++;
    }
    if (hidden > 0) lines.push(`Scheduled polling of ${hidden} job${hidden === 1 ? '' : 's'} you may not see`);
    if (gitJobs === 0) lines.push('No git jobs found');
    else if (matched === 0) lines.push(`No git jobs using repository: ${excerpt(url, 200)} and branches: ${branches.join(',')}`);
    return { status: 200, text: lines.map((l) => `${l}\n`).join('') };
  },
};
