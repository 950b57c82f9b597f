import { readBoolean, type XmlElementHandle } from '../../xml/index.js';

/** "Delete workspace before build starts" (the ws-cleanup plugin's build wrapper). */
export const PRE_BUILD_CLEANUP = 'hudson.plugins.ws__cleanup.PreBuildCleanup';
/** "Delete workspace when build is done" (the ws-cleanup plugin's publisher). */
export const WS_CLEANUP = 'hudson.plugins.ws__cleanup.WsCleanup';

/** What both clean up: everything, or the files the patterns say. */
export interface CleanupPatterns {
  /** Ant patterns of files to delete (INCLUDE); none with excludes only means every file. */
  readonly include: readonly string[];
  /** Ant patterns of files to keep (EXCLUDE). */
  readonly exclude: readonly string[];
  readonly deleteDirs: boolean;
  /** A command of the node that deletes instead (`%s` the path): not run here. */
  readonly externalDelete: string;
}

export interface PreBuildCleanupStep extends CleanupPatterns {
  /** A build parameter: the clean-up runs only when its value is `true`. */
  readonly cleanupParameter: string;
}

export interface WsCleanupStep extends CleanupPatterns {
  /** Per result: SUCCESS, UNSTABLE, FAILURE, NOT_BUILT, ABORTED. */
  readonly cleanWhen: Readonly<Record<'SUCCESS' | 'UNSTABLE' | 'FAILURE' | 'NOT_BUILT' | 'ABORTED', boolean>>;
  readonly notFailBuild: boolean;
}

function patterns(el: XmlElementHandle): CleanupPatterns {
  const include: string[] = [];
  const exclude: string[] = [];
  for (const p of el.child('patterns')?.children() ?? []) {
    const pattern = p.childText('pattern')?.trim() ?? '';
    if (pattern === '') continue;
    (p.childText('type')?.trim() === 'EXCLUDE' ? exclude : include).push(pattern);
  }
  return { include, exclude, deleteDirs: readBoolean(el, 'deleteDirs', false), externalDelete: el.childText('externalDelete')?.trim() ?? '' };
}

export function parsePreBuildCleanup(el: XmlElementHandle): PreBuildCleanupStep {
  return { ...patterns(el), cleanupParameter: el.childText('cleanupParameter')?.trim() ?? '' };
}

export function parseWsCleanup(el: XmlElementHandle): WsCleanupStep {
  const when = {
    SUCCESS: readBoolean(el, 'cleanWhenSuccess', true),
    UNSTABLE: readBoolean(el, 'cleanWhenUnstable', true),
    FAILURE: readBoolean(el, 'cleanWhenFailure', true),
    NOT_BUILT: readBoolean(el, 'cleanWhenNotBuilt', true),
    ABORTED: readBoolean(el, 'cleanWhenAborted', true),
  };
  // As the plugin reads an older job (WsCleanup.readResolve): every result off means every result
  // on; the deprecated skipWhenFailed cleans after SUCCESS and UNSTABLE only.
  let cleanWhen = Object.values(when).every((v) => !v) ? { SUCCESS: true, UNSTABLE: true, FAILURE: true, NOT_BUILT: true, ABORTED: true } : when;
  if (readBoolean(el, 'skipWhenFailed', false)) cleanWhen = { SUCCESS: true, UNSTABLE: true, FAILURE: false, NOT_BUILT: false, ABORTED: false };
  return { ...patterns(el), cleanWhen, notFailBuild: readBoolean(el, 'notFailBuild', false) };
}
