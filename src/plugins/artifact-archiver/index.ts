/**
 * "Archive the artifacts" (core Jenkins' `hudson.tasks.ArtifactArchiver`): a publisher that copies
 * the workspace files matching its patterns into the build's archive.
 */
import { PUBLISHER } from '../../jobs/index.js';
import type { BuiltInPlugin } from '../../extensions/index.js';
import { artifactArchiver } from './publisher.js';

/** Ant patterns as the archiver reads them (comma separated; `dir/` means `dir/**`), as globs for BuildContext.listFiles. */
export { antGlob, antPatterns } from './publisher.js';

export { ARTIFACT_ARCHIVER, parseArtifactArchiver, type ArtifactArchiverStep } from './config.js';

export const plugin: BuiltInPlugin = {
  name: 'artifact-archiver',
  register(registry) {
    registry.register(PUBLISHER, artifactArchiver);
  },
};
