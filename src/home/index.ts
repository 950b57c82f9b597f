/**
 * The home store: the only writer of the Steward home (`config.xml`, `jobs/`, `secrets/`,
 * `.steward/`...). Writes are atomic, durable and fenced by the lease's epoch; reads are lazy and
 * unfenced. This index is the part's whole public face.
 */

/**
 * Reads and writes the home by home-relative path. Every write asks a {@link Fence} first and a
 * refused write leaves the home as it was; files are replaced atomically (temp file, fsync,
 * rename, fsync of the folder); the private paths (`secrets/`, `users/`, `logs/`, `credentials.xml`,
 * `queue.xml`) get folders 0700 and files 0600.
 */
export { HomeStore, type FolderOwner } from './home-store.js';
/**
 * Whether the home's disk takes writes, as the last write found it ({@link HomeStore.health}):
 * full (ENOSPC, EDQUOT) and failing (EIO, EROFS) make it unwritable until a write goes through.
 */
export type { HomeHealth } from './home-store.js';
/**
 * Whether an error is a write the home's disk refused as a whole: full (STW_HOME_FULL) or failing
 * (STW_HOME_IO with EIO or EROFS as its cause), rather than a problem of one file.
 */
export { isDiskTrouble, type DiskTrouble } from './io-error.js';
/** Options of {@link HomeStore}: the home folder, the fence and a pino logger. */
export type { HomeStoreOptions } from './home-store.js';
/** A byte range of a home file being read as a stream ({@link HomeStore.openRange}). */
export type { FileRange } from './file-range.js';

/**
 * An append-only file such as a build's console log: writes land in call order even when not
 * awaited; the lease is checked on every append, the epoch file at most every
 * {@link APPEND_FENCE_CACHE_MS} ms.
 */
export type { AppendLog } from './append-log.js';
/** How a rotating append log ({@link HomeStore.openRotating}) is bounded: bytes a file, files in all. */
export type { RotationOptions } from './rotating-log.js';
/** How long an append log trusts the epoch file it read, in ms (250). */
export { APPEND_FENCE_CACHE_MS } from './append-log.js';

/** Decides whether this process may write to the home; throws a StewardError when it may not. */
export type { Fence } from './fence.js';
/**
 * The fence of an active controller: refuses writes (STW_LEASE_LOST) once the lease is no longer
 * held, and (STW_HOME_FENCED) when `<home>/.steward/epoch` holds an epoch above the lease's.
 */
export { leaseFence } from './fence.js';
/** A fence its owner shuts for good: a controller stepping down stops writing at that instant. */
export { stoppableFence, type StoppableFence } from './fence.js';
/** Reads an epoch file (`<home>/.steward/epoch`): a decimal integer; 0 when missing. */
export { readEpochFile } from './fence.js';

/**
 * The write audit (STEWARD_WRITE_AUDIT): one JSON line per completed write of the home, with the
 * writer's epoch, appended synchronously to a file outside the home, for proving fencing by test.
 */
export { openWriteAudit, type WriteAudit, type WriteAuditRecord, type WriteOperation } from './write-audit.js';

/** Runs tasks one after another per key, in call order (used for read-modify-write of one file). */
export { KeyedSerializer } from './serial.js';

/**
 * The longest name (UTF-8 bytes) a file or folder of the home may be given from outside, such as a
 * job's folder: 255 less what an atomic write's temporary name adds (237).
 */
export { MAX_NAME_BYTES } from './paths.js';

/**
 * The name of a job or node, whose folder the home keeps (`jobs/NAME`, `nodes/NAME`), checked as
 * Jenkins' checkGoodName does and so that it is a safe folder name; {@link goodNameProblem} says
 * why a folder found in the home cannot be one.
 */
export { checkGoodName, goodNameProblem } from './good-name.js';

/**
 * Opens a regular file beneath a folder another user may be changing (a workspace), following no
 * symbolic link at any level; a refusal says why (`link`, `missing`, `not-a-file`).
 */
export { openFileBeneath, type RefusedPath } from './open-beneath.js';
/**
 * Removes a folder another user may be changing (a step's temporary folder handed over to the
 * build user) without following a link at any level.
 */
export { removeTreeNoFollow } from './open-beneath.js';
