/**
 * The XML files of jobs: Jenkins' config.xml, build.xml and queue.xml, read as Jenkins writes
 * them and written back without losing what Steward does not understand (through src/xml).
 *
 * Errors are StewardErrors: STW_XML_MALFORMED (with `file`, `line`, `column`) for text that is
 * not XML, STW_CONFIG_INVALID (with `file`, `field` as an element path, and `line` when known)
 * for a value that is wrong, STW_PARAMETER_INVALID for build parameters that do not fit the job.
 *
 * @packageDocumentation
 */

/**
 * Freestyle jobs. {@link parseFreestyleConfig} reads a `<project>` config.xml into a typed
 * {@link FreestyleConfig} plus the document; other job kinds (`<flow-definition>`...) are
 * refused with STW_CONFIG_INVALID. {@link setDisabled} edits `<disabled>` and returns the text
 * to save.
 */
export { parseFreestyleConfig, readFreestyleJob, setDisabled } from './freestyle.js';
export type { FreestyleJob, FreestyleConfig, Step, LogRotator } from './freestyle.js';

/**
 * Parameters. {@link resolveParameters} applies Jenkins' rules (defaults, trim, boolean and
 * choice checks) to the values given for a build; unknown plugin parameter types pass through
 * as strings.
 */
export { resolveParameters, valueClassOf, VALUE_TYPES } from './parameters.js';
export type { ParameterDefinition, ParameterValue } from './parameters.js';

/** Why a build was started (hudson.model.CauseAction), shared by build records and the queue. */
export type { Cause, CauseKind } from './actions.js';

/**
 * builds/N/build.xml. {@link parseBuildRecord} reads Jenkins-written files too (unknown actions
 * and fields are ignored); the build number is the folder's, passed in.
 */
export { serializeBuildRecord, parseBuildRecord } from './build-record.js';
export type { BuildRecord, BuildResult } from './build-record.js';

/** queue.xml, so queued items survive a restart or a failover to a standby. */
export { serializeQueueFile, serializeQueueItem, parseQueueFile } from './queue-file.js';
export type { PersistedQueueItem } from './queue-file.js';
