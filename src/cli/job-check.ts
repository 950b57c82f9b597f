import { readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { coerceError } from '../errors/index.js';
import { ExtensionRegistry } from '../extensions/index.js';
import { compileDefinition, totalNotRun, type NotRunElement, type NotRunTreatment } from '../jobs/index.js';
import { registerBuiltInPlugins } from '../plugins/index.js';
import { notRunLine } from './not-run-lines.js';

/**
 * `steward job check`'s exit statuses: 0 when every file was read and nothing fails builds
 * (skipped and ignored elements are listed but pass), 1 when some job has an element that
 * fails its builds, 2 when a file cannot be read as a freestyle job (missing, not well-formed,
 * another job type, a field in error), which outweighs 1.
 */
export const CHECK_EXIT = { ok: 0, failsBuilds: 1, unreadable: 2 } as const;

/** The largest config.xml read, as the controller's own bound on a posted one. */
const MAX_CONFIG_BYTES = 16 * 1024 * 1024;

export type CheckResult =
  | { file: string; notRun: readonly NotRunElement[]; counts: Readonly<Record<NotRunTreatment, number>> }
  | { file: string; error: string };

/**
 * The config.xml files an argument names: a file itself; a job's folder (holding config.xml);
 * a Jenkins home or its jobs/ folder (each jobs/NAME/config.xml, by name).
 */
async function configFiles(arg: string): Promise<string[]> {
  const s = await stat(arg).catch(() => undefined);
  if (s === undefined || !s.isDirectory()) return [arg];
  const own = path.join(arg, 'config.xml');
  const jobsDir = path.join(arg, 'jobs');
  if ((await stat(jobsDir).catch(() => undefined))?.isDirectory()) return jobFolders(jobsDir);
  if ((await stat(own).catch(() => undefined))?.isFile()) return [own];
  return jobFolders(arg);
}

async function jobFolders(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const files: string[] = [];
  for (const e of entries.filter((x) => x.isDirectory()).sort((a, b) => a.name.localeCompare(b.name))) {
    const file = path.join(dir, e.name, 'config.xml');
    if ((await stat(file).catch(() => undefined))?.isFile()) files.push(file);
  }
  return files;
}

/** Reads each file as the controller would load it, offline, with the built-in plugins. */
export async function checkJobs(args: readonly string[]): Promise<CheckResult[]> {
  const extensions = new ExtensionRegistry();
  registerBuiltInPlugins(extensions);
  const results: CheckResult[] = [];
  for (const arg of args) {
    let files: string[];
    try {
      files = await configFiles(arg);
    } catch (err) {
      results.push({ file: arg, error: `${arg}: ${coerceError(err).message}` });
      continue;
    }
    if (files.length === 0) results.push({ file: arg, error: `${arg}: no jobs/NAME/config.xml in this folder` });
    for (const file of files) results.push(await checkFile(file, extensions));
  }
  return results;
}

async function checkFile(file: string, extensions: ExtensionRegistry): Promise<CheckResult> {
  try {
    const size = (await stat(file)).size;
    if (size > MAX_CONFIG_BYTES) return { file, error: `${file}: ${size} bytes is more than a job's config.xml may be (16 MiB)` };
    const xml = await readFile(file, 'utf8');
    const def = await compileDefinition(xml, file, extensions);
    return { file, notRun: def.notRun, counts: def.notRunCounts };
  } catch (err) {
    const e = coerceError(err, 'STW_CONFIG_INVALID');
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { file, error: `${file}: no such file` };
    if (code === 'EACCES') return { file, error: `${file}: permission denied` };
    return { file, error: e.message.startsWith(file) ? e.message : `${file}: ${e.message}` };
  }
}

/** The report a user reads, one block per file, and the exit status (CHECK_EXIT). */
export function checkReport(results: readonly CheckResult[]): { text: string; errors: string; status: number } {
  let text = '';
  let errors = '';
  let status: number = CHECK_EXIT.ok;
  for (const r of results) {
    if ('error' in r) {
      errors += `steward: ${r.error}\n`;
      status = CHECK_EXIT.unreadable;
      continue;
    }
    if (r.notRun.length === 0) {
      text += `${r.file}: everything runs\n`;
      continue;
    }
    const total = totalNotRun(r.counts);
    text += `${r.file}: ${total} element${total === 1 ? '' : 's'} will not run\n`;
    for (const e of r.notRun) text += `  ${notRunLine(e)}\n`;
    if (total > r.notRun.length) text += `  and ${total - r.notRun.length} more\n`;
    if (status === CHECK_EXIT.ok && r.counts['fails-build'] > 0) status = CHECK_EXIT.failsBuilds;
  }
  return { text, errors, status };
}
