import { readBoolean, type XmlElementHandle } from '../../xml/index.js';

/** The element a job's `<publishers>` holds for "Archive the artifacts" (core Jenkins). */
export const ARTIFACT_ARCHIVER = 'hudson.tasks.ArtifactArchiver';

/** `hudson.tasks.ArtifactArchiver`. */
export interface ArtifactArchiverStep {
  /** Comma-separated Ant patterns of files to archive. */
  readonly artifacts: string;
  readonly excludes: string;
  readonly allowEmptyArchive: boolean;
  readonly fingerprint: boolean;
}

export function parseArtifactArchiver(el: XmlElementHandle): ArtifactArchiverStep {
  return {
    artifacts: el.childText('artifacts')?.trim() ?? '',
    excludes: el.childText('excludes')?.trim() ?? '',
    allowEmptyArchive: readBoolean(el, 'allowEmptyArchive', false),
    fingerprint: readBoolean(el, 'fingerprint', false),
  };
}
