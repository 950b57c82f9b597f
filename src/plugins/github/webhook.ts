import { createHmac, timingSafeEqual } from 'node:crypto';
import { coerceError, excerpt } from '../../errors/index.js';
import type { NotifyAnswer, NotifyContext, NotifyRequest, UnprotectedRootActionDescriptor } from '../../jobs/index.js';
import { matchGitJob, repositoryLocation, type RepositoryLocation } from '../git/index.js';
import { GITHUB_PLUGIN_CONFIGURATION, GITHUB_PUSH_TRIGGER, hookSecretIds } from './config.js';

/** GitHub sends at most 25 MB; a push event's payload is far smaller. Larger bodies are refused unread. */
const MAX_BODY_BYTES = 1024 * 1024;

function refuse(status: number, text: string): NotifyAnswer {
  return { status, text: `${text}\n` };
}

/** Whether `header` (`sha256=HEX`) is the HMAC-SHA256 of `body` with one of `secrets`, compared in constant time. */
export function signatureMatches(header: string, body: Buffer, secrets: readonly string[]): boolean {
  const m = /^sha256=([0-9a-fA-F]{64})$/.exec(header.trim());
  if (m === null) return false;
  const given = Buffer.from(m[1] as string, 'hex');
  return secrets.some((s) => timingSafeEqual(createHmac('sha256', s).update(body).digest(), given));
}

/** The repository a push event names: every URL of it GitHub gives, as the plugin matches them. */
function pushedRepository(payload: unknown): RepositoryLocation[] {
  const repo = (payload as { repository?: Record<string, unknown> } | null)?.repository;
  if (repo === null || typeof repo !== 'object') return [];
  const urls = ['html_url', 'clone_url', 'git_url', 'ssh_url', 'url'].map((k) => repo[k]).filter((u): u is string => typeof u === 'string' && u.length <= 2048);
  return urls.map(repositoryLocation).filter((l): l is RepositoryLocation => l !== undefined);
}

/**
 * The github plugin's `/github-webhook/` (GitHubWebHook), for anyone, without a crumb: a `push`
 * event (X-GitHub-Event: push; JSON, or a form with `payload=`) polls every job with "GitHub hook
 * trigger for GITScm polling" whose Git remotes are the pushed repository; `ping` is answered.
 * When `github-plugin-configuration.xml` names shared secrets (Secret text credentials), the body
 * must carry a valid `X-Hub-Signature-256`, checked before the payload is read; the plugin's
 * words answer a missing or wrong one, with 400. The head a signed push names (`ref`, `after`)
 * is what its polls take for that branch, without asking the remote; an unsigned push only polls.
 */
export const gitHubWebhookDescriptor: UnprotectedRootActionDescriptor = {
  id: 'com.cloudbees.jenkins.GitHubWebHook',
  displayName: 'GitHub Webhook',
  urlName: 'github-webhook',
  maxBodyBytes: MAX_BODY_BYTES,
  async handle(req: NotifyRequest, ctx: NotifyContext): Promise<NotifyAnswer> {
    if (req.subPath !== '' && req.subPath !== '/') return refuse(404, `Not found: /github-webhook${excerpt(req.subPath, 100)}`);
    if (req.method !== 'POST') return refuse(405, 'Method POST required');
    const event = req.header('x-github-event');
    if (event === undefined || !/^[a-z_]{1,64}$/.test(event)) return refuse(400, 'Hook should contain event type');
    if (req.body.length === 0) return refuse(400, 'Hook should contain payload');

    let ids: string[];
    try {
      ids = hookSecretIds(await ctx.readHomeFile(GITHUB_PLUGIN_CONFIGURATION));
    } catch (err) {
      // The administrator's file is wrong: no push is taken unsigned meanwhile.
      return refuse(503, `The webhook's shared secret cannot be read: ${coerceError(err).message}`);
    }
    if (ids.length > 0) {
      const secrets = (await Promise.all(ids.map((id) => ctx.secretText(id).catch(() => undefined)))).filter((s): s is string => s !== undefined);
      const signature = req.header('x-hub-signature-256');
      if (signature === undefined) return refuse(400, 'Signature was expected, but not provided');
      if (!signatureMatches(signature, req.body, secrets)) return refuse(400, 'Provided signature did not match to calculated');
    }

    const type = (req.header('content-type') ?? '').split(';')[0]?.trim().toLowerCase();
    let text: string;
    if (type === 'application/x-www-form-urlencoded') {
      text = new URLSearchParams(req.body.toString('utf8')).get('payload') ?? '';
    } else if (type === 'application/json') {
      text = req.body.toString('utf8');
    } else {
      return refuse(400, `Hook payload must be application/json or application/x-www-form-urlencoded, not ${excerpt(type ?? '', 60)}`);
    }
    let payload: unknown;
    try {
      payload = JSON.parse(text);
    } catch {
      return refuse(400, 'Hook should contain payload: it is not JSON');
    }
    if (event === 'ping') return { status: 200, text: 'pong\n' };
    if (event !== 'push') return { status: 200, text: `Event ${event} is not handled\n` };
    const locations = pushedRepository(payload);
    if (locations.length === 0) return refuse(400, 'The push event names no repository URL');
    // A signed push says what the branch now holds: its polls may take that instead of asking the remote.
    const push = payload as { ref?: unknown; after?: unknown; repository?: { clone_url?: unknown } };
    const pushed =
      ids.length > 0 && typeof push.ref === 'string' && typeof push.after === 'string' && /^[0-9a-f]{40}$/.test(push.after) && !/^0+$/.test(push.after) && typeof push.repository?.clone_url === 'string'
        ? { url: push.repository.clone_url, ref: push.ref, sha1: push.after }
        : undefined;

    const lines: string[] = [];
    let hidden = 0;
    for (const job of ctx.jobs()) {
      if (job.disabled || !job.triggerTypes.includes(GITHUB_PUSH_TRIGGER)) continue;
      // The hook trigger polls whatever SCMTrigger says about post-commit hooks.
      const asPolled = { ...job, polling: { ignorePostCommitHooks: false } };
      if (!locations.some((l) => matchGitJob(asPolled, l, [], undefined)?.kind === 'poll')) continue;
      ctx.poll(job.name, pushed);
      if (ctx.canSee(job.name)) lines.push(`Scheduled polling of ${job.name}`);
      else hidden++;
    }
    if (hidden > 0) lines.push(`Scheduled polling of ${hidden} job${hidden === 1 ? '' : 's'} you may not see`);
    return { status: 200, text: lines.map((l) => `${l}\n`).join('') };
  },
};
