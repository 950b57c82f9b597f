import { readBoolean, type XmlElementHandle } from '../../xml/index.js';

/** The element a job's `<publishers>` holds for "Archive the artifacts" (core Jenkins). */
export const ARTIFACT_ARCHIVER = 'hudson.tasks.ArtifactArchiver';

/** `hudson.tasks.ArtifactArchiver`. */
export interface ArtifactArchiverStep {
  /** Comma-separated Ant patterns of files to archive. */
  readonly artifacts: string;
  readonly excludes: string;
  readonly allowEmptyArchive: boolean;
  /** Skip archiving when the build is worse than UNSTABLE. */
  readonly onlyIfSuccessful: boolean;
  readonly fingerprint: boolean;
  /** Ant's default excludes (version control folders, editor backups) apply; Jenkins' default. */
  readonly defaultExcludes: boolean;
  readonly caseSensitive: boolean;
  /** Jenkins' default is true (links are followed); Steward never follows a link. */
  readonly followSymlinks: boolean;
}

export function parseArtifactArchiver(el: XmlElementHandle): ArtifactArchiverStep {
  return {
    artifacts: el.childText('artifacts')?.trim() ?? '',
    excludes: el.childText('excludes')?.trim() ?? '',
    allowEmptyArchive: readBoolean(el, 'allowEmptyArchive', false),
    onlyIfSuccessful: readBoolean(el, 'onlyIfSuccessful', false),
    fingerprint: readBoolean(el, 'fingerprint', false),
    defaultExcludes: readBoolean(el, 'defaultExcludes', true),
    caseSensitive: readBoolean(el, 'caseSensitive', true),
    followSymlinks: readBoolean(el, 'followSymlinks', true),
  };
}
