import { isWorseOrEqualTo, type NotRunOption, type PublisherDescriptor } from '../../jobs/index.js';
import { ARTIFACT_ARCHIVER, parseArtifactArchiver } from './config.js';

/** Ant patterns (comma separated; `dir/` means `dir/**`) as globs. */
export function antPatterns(text: string): string[] {
  return text
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '')
    .map(antGlob);
}

/** One Ant pattern as a glob: `dir/` means `dir/**`. */
export function antGlob(pattern: string): string {
  return pattern.endsWith('/') ? `${pattern}**` : pattern;
}

/**
 * Ant's default excludes (DirectoryScanner.getDefaultExcludes) that a glob without dot files does
 * not leave out already: editor backups and the folders of CVS, SCCS and Visual SourceSafe.
 */
const DEFAULT_EXCLUDES = ['**/*~', '**/#*#', '**/%*%', '**/CVS', '**/CVS/**', '**/SCCS', '**/SCCS/**', '**/vssver.scc'];

/**
 * hudson.tasks.ArtifactArchiver: copies the workspace files that match into the build's archive.
 * No match fails the build unless allowEmptyArchive, as in Jenkins; onlyIfSuccessful skips a
 * build worse than UNSTABLE; Ant's default excludes apply unless defaultExcludes is false.
 */
export const artifactArchiver: PublisherDescriptor = {
  id: ARTIFACT_ARCHIVER,
  displayName: 'Archive the artifacts',
  create(step) {
    const s = parseArtifactArchiver(step.element);
    const notRun: NotRunOption[] = [];
    if (s.followSymlinks) notRun.push({ name: 'followSymlinks', treatment: 'ignored', reason: 'links are never followed: a file reached through a link is skipped, with a WARNING in the log' });
    if (!s.caseSensitive) notRun.push({ name: 'caseSensitive', treatment: 'ignored', reason: 'patterns match case-sensitively' });
    if (s.fingerprint) notRun.push({ name: 'fingerprint', treatment: 'ignored', reason: 'fingerprints are not recorded' });
    return {
      ...(notRun.length === 0 ? {} : { notRun }),
      async perform(ctx, result) {
        if (result === 'ABORTED') return undefined;
        if (s.onlyIfSuccessful && isWorseOrEqualTo(result, 'FAILURE')) {
          ctx.log('Skipped archiving because build is not successful');
          return undefined;
        }
        ctx.log('Archiving artifacts');
        const files = await ctx.listFiles(antPatterns(s.artifacts), [...antPatterns(s.excludes), ...(s.defaultExcludes ? DEFAULT_EXCLUDES : [])]);
        if (files.length === 0) {
          if (s.allowEmptyArchive) {
            ctx.log(`No artifacts found that match the file pattern "${s.artifacts}". Nothing to archive.`);
            return undefined;
          }
          ctx.log(`ERROR: No artifacts found that match the file pattern "${s.artifacts}". Configuration error?`);
          return 'FAILURE';
        }
        // The glob lists what was there; each file is opened again without following links, since
        // a process the build left running may have swapped a folder for a link since.
        for (const file of files) {
          const done = await ctx.archive(file);
          if (!done.archived) ctx.log(`WARNING: skipped ${file}: ${done.skipped}`);
        }
        return undefined;
      },
    };
  },
};
