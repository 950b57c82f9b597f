import type { XmlSpec } from '../../xml/index.js';

/*
 * The git plugin's record of what a build built, kept in build.xml as an action:
 *
 *   <hudson.plugins.git.util.BuildData plugin="git@...">
 *     <buildsByBranchName>
 *       <entry>
 *         <string>origin/master</string>
 *         <hudson.plugins.git.util.Build>
 *           <marked><sha1>…</sha1><branches class="list"><hudson.plugins.git.Branch>…</hudson.plugins.git.Branch></branches></marked>
 *           <revision>… (what was built; XStream writes reference="../marked" when the same)</revision>
 *           <hudsonBuildNumber>12</hudsonBuildNumber>
 *         </hudson.plugins.git.util.Build>
 *       </entry>
 *     </buildsByBranchName>
 *     <lastBuild>…</lastBuild>
 *     <remoteUrls><string>https://…</string></remoteUrls>
 *   </hudson.plugins.git.util.BuildData>
 *
 * Each build's BuildData carries the previous build's entries forward, so the newest one knows
 * the last build of every branch (GIT_PREVIOUS_COMMIT). Steward writes each Build in full, without
 * XStream's references, which XStream reads as well.
 */

export const BUILD_DATA = 'hudson.plugins.git.util.BuildData';
const BUILD = 'hudson.plugins.git.util.Build';

/** One build of one branch. */
export interface BranchBuild {
  /** `origin/master` (a Jenkins-written `refs/remotes/origin/master` is read as that). */
  readonly branch: string;
  readonly sha1: string;
  readonly buildNumber: number;
}

export interface BuildData {
  /** By branch name. */
  readonly builds: ReadonlyMap<string, BranchBuild>;
  readonly lastBuild: BranchBuild | undefined;
  readonly remoteUrls: readonly string[];
}

/**
 * The BuildData among a build's actions that belongs to these remotes (one with the same URLs,
 * else the first); undefined when the build has none.
 */
export function readBuildData(actions: readonly XmlSpec[], remoteUrls: readonly string[]): BuildData | undefined {
  const all = allBuildData(actions);
  return all.find((d) => d.remoteUrls.length === remoteUrls.length && d.remoteUrls.every((u, i) => u === remoteUrls[i])) ?? all[0];
}

/** This build's BuildData: the previous one's branches, with `built` added. */
export function nextBuildData(previous: BuildData | undefined, built: BranchBuild, remoteUrls: readonly string[]): BuildData {
  const builds = new Map(previous?.builds ?? []);
  builds.set(built.branch, built);
  return { builds, lastBuild: built, remoteUrls };
}

export function buildDataSpec(data: BuildData): XmlSpec {
  return {
    name: BUILD_DATA,
    attributes: { plugin: 'git' },
    children: [
      {
        name: 'buildsByBranchName',
        children: [...data.builds.values()].map((b) => ({ name: 'entry', children: [{ name: 'string', text: b.branch }, buildSpec(BUILD, b)] })),
      },
      ...(data.lastBuild === undefined ? [] : [buildSpec('lastBuild', data.lastBuild)]),
      { name: 'remoteUrls', children: data.remoteUrls.map((u) => ({ name: 'string', text: u })) },
    ],
  };
}

function buildSpec(name: string, b: BranchBuild): XmlSpec {
  const revision = (n: string): XmlSpec => ({
    name: n,
    children: [
      { name: 'sha1', text: b.sha1 },
      { name: 'branches', attributes: { class: 'list' }, children: [{ name: 'hudson.plugins.git.Branch', children: [{ name: 'sha1', text: b.sha1 }, { name: 'name', text: b.branch }] }] },
    ],
  });
  return { name, children: [revision('marked'), revision('revision'), { name: 'hudsonBuildNumber', text: String(b.buildNumber) }] };
}

function parseBuildData(spec: XmlSpec): BuildData {
  const builds = new Map<string, BranchBuild>();
  for (const entry of child(spec, 'buildsByBranchName')?.children ?? []) {
    const key = text(child(entry, 'string'));
    const build = readBuild(key, child(entry, BUILD));
    if (build !== undefined) builds.set(build.branch, build);
  }
  const last = child(spec, 'lastBuild');
  let lastBuild = readBuild(undefined, last);
  // XStream writes lastBuild as a reference to an entry when it is one: the newest build number wins.
  if (lastBuild === undefined && builds.size > 0) lastBuild = [...builds.values()].reduce((a, b) => (b.buildNumber > a.buildNumber ? b : a));
  const remoteUrls = (child(spec, 'remoteUrls')?.children ?? []).map((s) => text(s)).filter((u): u is string => u !== undefined);
  return { builds, lastBuild, remoteUrls };
}

function readBuild(key: string | undefined, build: XmlSpec | undefined): BranchBuild | undefined {
  if (build === undefined) return undefined;
  const marked = child(build, 'marked');
  const revision = child(build, 'revision');
  const sha1 = text(child(revision ?? marked ?? build, 'sha1')) ?? text(child(marked ?? build, 'sha1'));
  const name = key ?? text(child(child(child(revision ?? marked ?? build, 'branches') ?? build, 'hudson.plugins.git.Branch') ?? build, 'name'));
  const number = Number(text(child(build, 'hudsonBuildNumber')) ?? '0');
  if (sha1 === undefined || !/^[0-9a-f]{40}$/.test(sha1) || name === undefined) return undefined;
  return { branch: shortBranchName(name), sha1, buildNumber: Number.isSafeInteger(number) ? number : 0 };
}

/** `refs/remotes/origin/master` as the plugin shows it: `origin/master`. */
export function shortBranchName(name: string): string {
  return name.startsWith('refs/remotes/') ? name.slice('refs/remotes/'.length) : name;
}

function child(spec: XmlSpec, name: string): XmlSpec | undefined {
  return spec.children?.find((c) => c.name === name);
}

function text(spec: XmlSpec | undefined): string | undefined {
  const t = spec?.text?.trim();
  return t === undefined || t === '' ? undefined : t;
}

/** BuildData as Jenkins' JSON API shows it among a build's actions. */
export function buildDataJson(data: BuildData): Record<string, unknown> {
  const revision = (b: BranchBuild) => ({ SHA1: b.sha1, branch: [{ SHA1: b.sha1, name: b.branch }] });
  return {
    _class: BUILD_DATA,
    buildsByBranchName: Object.fromEntries(
      [...data.builds.values()].map((b) => [b.branch, { _class: BUILD, buildNumber: b.buildNumber, buildResult: null, marked: revision(b), revision: revision(b) }]),
    ),
    lastBuiltRevision: data.lastBuild === undefined ? null : revision(data.lastBuild),
    remoteUrls: data.remoteUrls,
    scmName: '',
  };
}

/** Every BuildData among a build's actions. */
export function allBuildData(actions: readonly XmlSpec[]): BuildData[] {
  return actions.filter((a) => a.name === BUILD_DATA).map(parseBuildData);
}
