import type { PublisherDescriptor } from '../../jobs/index.js';
import { ARTIFACT_ARCHIVER, parseArtifactArchiver } from './config.js';

/** Ant patterns (comma separated; `dir/` means `dir/**`) as globs. */
export function antPatterns(text: string): string[] {
  return text
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '')
    .map((p) => (p.endsWith('/') ? `${p}**` : p));
}

/**
 * hudson.tasks.ArtifactArchiver: copies the workspace files that match into the build's archive.
 * No match fails the build unless allowEmptyArchive, as in Jenkins.
 */
export const artifactArchiver: PublisherDescriptor = {
  id: ARTIFACT_ARCHIVER,
  displayName: 'Archive the artifacts',
  create(step) {
    const s = parseArtifactArchiver(step.element);
    return {
      async perform(ctx, result) {
        if (result === 'ABORTED') return undefined;
        ctx.log('Archiving artifacts');
        const files = await ctx.listFiles(antPatterns(s.artifacts), antPatterns(s.excludes));
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
