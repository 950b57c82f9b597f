import type { BuildContext, NotRunOption } from '../../jobs/index.js';
import { antGlob } from '../artifact-archiver/index.js';
import type { CleanupPatterns } from './config.js';

/** The plugin's prefix of its lines in the build's log. */
export const LOG_PREFIX = '[WS-CLEANUP] ';

/** Files removed by one `rm`: well under any command line's limit. */
const RM_BATCH = 200;

/** What the clean-up does not do as the plugin does, said when the job loads. */
export function cleanupNotRun(p: CleanupPatterns): NotRunOption[] {
  const out: NotRunOption[] = [];
  if (p.externalDelete !== '') out.push({ name: 'externalDelete', treatment: 'ignored', reason: 'the workspace is deleted by this controller itself, not by the command given' });
  if (p.deleteDirs && (p.include.length > 0 || p.exclude.length > 0)) {
    out.push({ name: 'deleteDirs', treatment: 'ignored', reason: 'with patterns, only files are matched: a folder that matches is emptied of the files that match, not removed' });
  }
  return out;
}

/**
 * Deletes the workspace's contents (not the folder itself, which is the node's), or the files the
 * patterns match, on the build's node and as the steps' user. Throws with the reason when a
 * deletion fails.
 */
export async function cleanWorkspace(ctx: BuildContext, p: CleanupPatterns): Promise<void> {
  if (p.include.length === 0 && p.exclude.length === 0) {
    const code = await ctx.launch('/bin/sh', ['-c', 'if [ -d "$1" ]; then find "$1" -mindepth 1 -delete; fi', 'ws-cleanup', ctx.workspace]);
    if (code !== 0) throw new Error(`the workspace could not be deleted (status ${code})`);
    return;
  }
  const files = await ctx.listFiles(p.include.length === 0 ? ['**'] : p.include.map(antGlob), p.exclude.map(antGlob));
  for (let i = 0; i < files.length; i += RM_BATCH) {
    const code = await ctx.launch('/bin/sh', ['-c', 'cd -- "$1" && shift && rm -f -- "$@"', 'ws-cleanup', ctx.workspace, ...files.slice(i, i + RM_BATCH)]);
    if (code !== 0) throw new Error(`files of the workspace could not be deleted (status ${code})`);
  }
}
