import { configInvalid, readBoolean, readInteger, type XmlElementHandle } from '../../xml/index.js';

/*
 * The git plugin's SCM, as a job's config.xml holds it:
 *
 *   <scm class="hudson.plugins.git.GitSCM" plugin="git@5.2.1">
 *     <configVersion>2</configVersion>
 *     <userRemoteConfigs>
 *       <hudson.plugins.git.UserRemoteConfig>
 *         <name>origin</name>                                    (optional)
 *         <refspec>+refs/heads/*:refs/remotes/origin/*</refspec> (optional)
 *         <url>https://example.com/project.git</url>
 *         <credentialsId>deploy</credentialsId>                  (optional)
 *       </hudson.plugins.git.UserRemoteConfig>
 *     </userRemoteConfigs>
 *     <branches><hudson.plugins.git.BranchSpec><name>*&#47;master</name></hudson.plugins.git.BranchSpec></branches>
 *     <extensions>
 *       <hudson.plugins.git.extensions.impl.CloneOption>...</hudson.plugins.git.extensions.impl.CloneOption>
 *     </extensions>
 *   </scm>
 *
 * Jobs written by git plugin 1.x (and by older Jenkins Job Builder) carry some behaviours as fields
 * of the SCM itself (`<clean>`, `<wipeOutWorkspace>`, `<relativeTargetDir>`, `<localBranch>`...);
 * the plugin reads them as the extensions that replaced them (GitSCM.readBackExtensionsFromLegacy),
 * and so does this parser.
 */

/** The `<scm class>` of the git plugin. */
export const GIT_SCM = 'hudson.plugins.git.GitSCM';

const EXT = 'hudson.plugins.git.extensions.impl';

/** One repository to fetch from (UserRemoteConfig). */
export interface RemoteConfig {
  /** The remote's name: `origin` when not given, as the plugin names the first (then `origin1`...). */
  readonly name: string;
  readonly url: string;
  /** Undefined: `+refs/heads/*:refs/remotes/<name>/*`. */
  readonly refspec: string | undefined;
  readonly credentialsId: string | undefined;
}

/** The behaviours (GitSCMExtensions) Steward runs, read from `<extensions>` and the legacy fields. */
export interface GitExtensions {
  /** CleanBeforeCheckout: `git clean -fdx` before the fetch. */
  readonly cleanBeforeCheckout: boolean;
  /** CleanCheckout: `git clean -fdx` after the checkout. */
  readonly cleanAfterCheckout: boolean;
  /** WipeWorkspace: the checkout folder is emptied before anything else. */
  readonly wipeWorkspace: boolean;
  /** RelativeTargetDirectory: the checkout goes into this folder of the workspace. */
  readonly relativeTargetDir: string | undefined;
  /**
   * LocalBranch: the revision is checked out on this local branch instead of a detached HEAD; `**`
   * or empty means the branch's own name without the remote.
   */
  readonly localBranch: string | undefined;
  /** CloneOption. */
  readonly clone: {
    readonly shallow: boolean;
    /** Used when shallow; the plugin's default is 1. */
    readonly depth: number;
    readonly noTags: boolean;
    /** A local repository whose objects are borrowed (objects/info/alternates). */
    readonly reference: string | undefined;
    /** Minutes each git command may take; the plugin's default is 10. */
    readonly timeoutMinutes: number;
    readonly honorRefspec: boolean;
  };
  /** SubmoduleOption; undefined when the job has none (submodules are then updated, not recursively). */
  readonly submodules: { readonly disable: boolean; readonly recursive: boolean; readonly tracking: boolean; readonly timeoutMinutes: number } | undefined;
  /** PruneStaleBranch: the fetch removes remote-tracking branches gone from the remote. */
  readonly pruneStaleBranch: boolean;
  /**
   * AuthorInChangelog (legacy `<authorOrCommitter>`): the change set names each commit's author;
   * without it, as in the plugin, its committer.
   */
  readonly authorInChangelog: boolean;
  /** UserIdentity (legacy `<gitConfigName>`, `<gitConfigEmail>`): the repository's user.name and user.email. */
  readonly userIdentity: { readonly name: string | undefined; readonly email: string | undefined } | undefined;
  /** CheckoutOption: minutes the checkout itself may take (10 unless given). */
  readonly checkoutTimeoutMinutes: number;
  /** IgnoreNotifyCommit: /git/notifyCommit neither polls nor builds the job. */
  readonly ignoreNotifyCommit: boolean;
}

export interface GitScmConfig {
  readonly remotes: readonly RemoteConfig[];
  /** BranchSpec names as written (`*\/master`, `origin/main`, `refs/heads/x`, a sha1); `**` when none. */
  readonly branches: readonly string[];
  readonly extensions: GitExtensions;
  /** Extensions (and legacy settings) Steward does not run, by class: the checkout runs without them. */
  readonly unsupported: readonly string[];
}

const DEFAULT_TIMEOUT_MINUTES = 10;

/** Reads a `<scm class="hudson.plugins.git.GitSCM">`; STW_CONFIG_INVALID names the field that is wrong. */
export function parseGitScm(scm: XmlElementHandle): GitScmConfig {
  const remoteList = scm.child('userRemoteConfigs')?.children() ?? [];
  if (remoteList.length === 0) throw configInvalid(scm, scm.childPath('userRemoteConfigs'), 'names no repository: add a hudson.plugins.git.UserRemoteConfig with a url');
  const remotes = remoteList.map((r, i): RemoteConfig => {
    const url = text(r, 'url');
    if (url === undefined) throw configInvalid(r.child('url') ?? r, r.childPath('url'), 'is missing or empty: the repository URL is required');
    // GitSCM names unnamed remotes origin, origin1, origin2...
    const name = text(r, 'name') ?? (i === 0 ? 'origin' : `origin${i}`);
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) throw configInvalid(r.child('name') ?? r, r.childPath('name'), `${JSON.stringify(name)} is not a remote name git accepts`);
    return { name, url, refspec: text(r, 'refspec'), credentialsId: text(r, 'credentialsId') };
  });
  const names = new Set<string>();
  for (const [i, r] of remotes.entries()) {
    if (names.has(r.name)) throw configInvalid(remoteList[i] ?? scm, scm.childPath('userRemoteConfigs'), `names the remote ${r.name} twice`);
    names.add(r.name);
  }
  const branches = (scm.child('branches')?.children() ?? []).map((b) => text(b, 'name') ?? '**');
  const { extensions, unsupported } = readExtensions(scm);
  return { remotes, branches: branches.length === 0 ? ['**'] : branches, extensions, unsupported };
}

function readExtensions(scm: XmlElementHandle): { extensions: GitExtensions; unsupported: string[] } {
  const unsupported: string[] = [];
  let cleanBeforeCheckout = false;
  let cleanAfterCheckout = readBoolean(scm, 'clean', false);
  let wipeWorkspace = readBoolean(scm, 'wipeOutWorkspace', false);
  let relativeTargetDir = text(scm, 'relativeTargetDir');
  let localBranch = scm.child('localBranch') === undefined ? undefined : (scm.childText('localBranch') ?? '').trim();
  let pruneStaleBranch = readBoolean(scm, 'pruneBranches', false);
  let ignoreNotifyCommit = readBoolean(scm, 'ignoreNotifyCommit', false);
  let authorInChangelog = readBoolean(scm, 'authorOrCommitter', false);
  const legacyName = text(scm, 'gitConfigName');
  const legacyEmail = text(scm, 'gitConfigEmail');
  let userIdentity: GitExtensions['userIdentity'] = legacyName !== undefined || legacyEmail !== undefined ? { name: legacyName, email: legacyEmail } : undefined;
  let checkoutTimeoutMinutes = DEFAULT_TIMEOUT_MINUTES;
  const legacyReference = text(scm, 'reference');
  let clone: GitExtensions['clone'] = {
    shallow: readBoolean(scm, 'useShallowClone', false),
    depth: 1,
    noTags: false,
    reference: legacyReference,
    timeoutMinutes: DEFAULT_TIMEOUT_MINUTES,
    honorRefspec: false,
  };
  const legacyDisable = readBoolean(scm, 'disableSubmodules', false);
  const legacyRecursive = readBoolean(scm, 'recursiveSubmodules', false);
  let submodules: GitExtensions['submodules'] =
    legacyDisable || legacyRecursive ? { disable: legacyDisable, recursive: legacyRecursive, tracking: false, timeoutMinutes: DEFAULT_TIMEOUT_MINUTES } : undefined;
  // Legacy fields whose extensions Steward does not run.
  if (scm.child('skipTag') !== undefined && !readBoolean(scm, 'skipTag', true)) unsupported.push(`extension ${EXT}.PerBuildTag (<skipTag>false</skipTag>)`);
  if (text(scm, 'excludedUsers') !== undefined) unsupported.push(`extension ${EXT}.UserExclusion (<excludedUsers>)`);
  if (text(scm, 'includedRegions') !== undefined || text(scm, 'excludedRegions') !== undefined) unsupported.push(`extension ${EXT}.PathRestriction (<excludedRegions>)`);
  const chooser = scm.child('buildChooser')?.attribute('class');
  if (chooser !== undefined && chooser !== 'hudson.plugins.git.util.DefaultBuildChooser') unsupported.push(`build chooser ${chooser}`);

  for (const ext of scm.child('extensions')?.children() ?? []) {
    switch (ext.name) {
      case `${EXT}.CleanBeforeCheckout`:
        cleanBeforeCheckout = true;
        break;
      case `${EXT}.CleanCheckout`:
        cleanAfterCheckout = true;
        break;
      case `${EXT}.WipeWorkspace`:
        wipeWorkspace = true;
        break;
      case `${EXT}.RelativeTargetDirectory`:
        relativeTargetDir = text(ext, 'relativeTargetDir');
        break;
      case `${EXT}.LocalBranch`:
        localBranch = (ext.childText('localBranch') ?? '').trim();
        break;
      case `${EXT}.PruneStaleBranch`:
        pruneStaleBranch = true;
        break;
      case `${EXT}.IgnoreNotifyCommit`:
        ignoreNotifyCommit = true;
        break;
      case `${EXT}.AuthorInChangelog`:
        authorInChangelog = true;
        break;
      case `${EXT}.UserIdentity`:
        userIdentity = { name: text(ext, 'name'), email: text(ext, 'email') };
        break;
      case `${EXT}.CheckoutOption`:
        checkoutTimeoutMinutes = timeout(ext);
        break;
      case `${EXT}.CloneOption`:
        clone = {
          shallow: readBoolean(ext, 'shallow', false),
          depth: Math.max(1, readInteger(ext, 'depth', 0) ?? 1),
          noTags: readBoolean(ext, 'noTags', false),
          reference: text(ext, 'reference'),
          timeoutMinutes: timeout(ext),
          honorRefspec: readBoolean(ext, 'honorRefspec', false),
        };
        break;
      case `${EXT}.SubmoduleOption`:
        submodules = {
          disable: readBoolean(ext, 'disableSubmodules', false),
          recursive: readBoolean(ext, 'recursiveSubmodules', false),
          tracking: readBoolean(ext, 'trackingSubmodules', false),
          timeoutMinutes: timeout(ext),
        };
        break;
      default:
        unsupported.push(`extension ${ext.name}`);
    }
  }
  return {
    extensions: { cleanBeforeCheckout, cleanAfterCheckout, wipeWorkspace, relativeTargetDir, localBranch, clone, submodules, pruneStaleBranch, authorInChangelog, userIdentity, checkoutTimeoutMinutes, ignoreNotifyCommit },
    unsupported,
  };
}

/** `<timeout>` in minutes; empty or absent is the plugin's default, 10. */
function timeout(ext: XmlElementHandle): number {
  const minutes = readInteger(ext, 'timeout', 0);
  return minutes === undefined || minutes === 0 ? DEFAULT_TIMEOUT_MINUTES : minutes;
}

/** A child's trimmed text; undefined when absent or empty. */
function text(el: XmlElementHandle, name: string): string | undefined {
  const value = el.childText(name)?.trim();
  return value === undefined || value === '' ? undefined : value;
}
