import { extensionPoint, type Descriptor } from '../extensions/index.js';
import type { XmlSpec } from '../xml/index.js';
import type { BuildRecord } from './config/index.js';

/**
 * A build as a plugin reads it after the fact: its record, the files of its folder, and the
 * job's builds before it (Jenkins' Run with getPreviousBuild).
 */
export interface RunView {
  readonly job: string;
  readonly record: BuildRecord;
  /**
   * A file of the build's folder (`builds/N/<name>`, a plain file name) as text; undefined when
   * there is none. One over `maxBytes` throws STW_REQUEST_TOO_LARGE naming it.
   */
  readFile(name: string, maxBytes: number): Promise<string | undefined>;
  /**
   * The build's changes as Jenkins' JSON API shows them (`changeSet`, whose `items` have
   * `author.fullName`, `authorEmail`, `comment`), read from its changelog by the job's SCM; an
   * empty set without an SCM or a changelog, or with one over 4 MiB.
   */
  changeSet(): Promise<Readonly<Record<string, unknown>>>;
  /** The job's builds before this one that have ended, newest first, read as they are asked for. */
  previous(): AsyncIterable<RunView>;
}

/**
 * A kind of action a plugin adds to builds (Jenkins' Action on a Run, kept in build.xml's
 * `<actions>`), registered under {@link RUN_ACTION} with its element name as `id`
 * (`hudson.tasks.junit.TestResultAction`): what /job/NAME/N/api/json lists of it, and the
 * answer of /job/NAME/N/<urlName>/api/json.
 */
export interface RunActionDescriptor extends Descriptor {
  /** Its part of the build's URL (`testReport`). */
  readonly urlName: string;
  /** The action in the build's `actions` (with `_class`), from its element in the record. */
  summary(action: XmlSpec): Record<string, unknown>;
  /**
   * The answer of its URL's api/json, in Jenkins' shape; undefined when the build has nothing to
   * show there (its files are gone).
   */
  api(action: XmlSpec, run: RunView): Promise<Record<string, unknown> | undefined>;
}

export const RUN_ACTION = extensionPoint<RunActionDescriptor>('RunAction');
