import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Real git repositories for tests, made with the git CLI in a temporary folder. */
export class TestRepo {
  readonly dir: string;
  #tick = 0;

  private constructor(dir: string) {
    this.dir = dir;
  }

  /** A new repository at `dir` on branch `main` (bare: for `git daemon`, filled through a clone). */
  static async create(dir: string): Promise<TestRepo> {
    await mkdir(dir, { recursive: true });
    const repo = new TestRepo(dir);
    await repo.git('init', '-q', '-b', 'main');
    return repo;
  }

  get url(): string {
    return `file://${this.dir}`;
  }

  async git(...args: string[]): Promise<string> {
    // Fixed identities and dates: what the change set shows is known in advance.
    const date = `2026-03-0${1 + (this.#tick % 9)}T10:00:00+0000`;
    const { stdout } = await run('git', args, {
      cwd: this.dir,
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: this.dir,
        GIT_AUTHOR_NAME: 'Ann Author',
        GIT_AUTHOR_EMAIL: 'ann@example.com',
        GIT_COMMITTER_NAME: 'Carl Committer',
        GIT_COMMITTER_EMAIL: 'carl@example.com',
        GIT_AUTHOR_DATE: date,
        GIT_COMMITTER_DATE: date,
      },
    });
    return stdout;
  }

  /** Writes the files and commits them; the new HEAD. */
  async commit(message: string, files: Record<string, string>): Promise<string> {
    this.#tick++;
    for (const [name, content] of Object.entries(files)) {
      await mkdir(path.dirname(path.join(this.dir, name)), { recursive: true });
      await writeFile(path.join(this.dir, name), content);
    }
    await this.git('add', '-A');
    await this.git('commit', '-q', '-m', message);
    return this.head();
  }

  /** Pushes branch main to `url` (a bare repository). */
  async push(url: string): Promise<void> {
    await this.git('push', '-q', url, 'main');
  }

  async head(ref = 'HEAD'): Promise<string> {
    return (await this.git('rev-parse', ref)).trim();
  }
}

/** A freestyle job checking out with GitSCM: remotes as [url, name?, credentialsId?], branches, extensions XML, a shell step, and where it runs. */
export function gitJobXml(opts: {
  remotes: readonly (readonly [string, string?, string?])[];
  branches?: readonly string[];
  extensions?: string;
  command: string;
  /** The label expression; the job roams when not given. */
  assignedNode?: string;
}): string {
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const remotes = opts.remotes
    .map(
      ([url, name, credentialsId]) => `
      <hudson.plugins.git.UserRemoteConfig>${name === undefined ? '' : `
        <name>${esc(name)}</name>`}
        <url>${esc(url)}</url>${credentialsId === undefined ? '' : `
        <credentialsId>${esc(credentialsId)}</credentialsId>`}
      </hudson.plugins.git.UserRemoteConfig>`,
    )
    .join('');
  const branches = (opts.branches ?? ['*/main']).map((b) => `
      <hudson.plugins.git.BranchSpec>
        <name>${esc(b)}</name>
      </hudson.plugins.git.BranchSpec>`).join('');
  return `<?xml version='1.1' encoding='UTF-8'?>
<project>
  <description>checks out with git</description>
  <keepDependencies>false</keepDependencies>
  <properties/>
  <scm class="hudson.plugins.git.GitSCM" plugin="git@5.2.2">
    <configVersion>2</configVersion>
    <userRemoteConfigs>${remotes}
    </userRemoteConfigs>
    <branches>${branches}
    </branches>
    <doGenerateSubmoduleConfigurations>false</doGenerateSubmoduleConfigurations>
    <submoduleCfg class="empty-list"/>
    <extensions>${opts.extensions ?? ''}</extensions>
  </scm>${opts.assignedNode === undefined ? `
  <canRoam>true</canRoam>` : `
  <assignedNode>${esc(opts.assignedNode)}</assignedNode>
  <canRoam>false</canRoam>`}
  <disabled>false</disabled>
  <blockBuildWhenDownstreamBuilding>false</blockBuildWhenDownstreamBuilding>
  <blockBuildWhenUpstreamBuilding>false</blockBuildWhenUpstreamBuilding>
  <triggers/>
  <concurrentBuild>false</concurrentBuild>
  <builders>
    <hudson.tasks.Shell>
      <command>${esc(opts.command)}</command>
      <configuredLocalRules/>
    </hudson.tasks.Shell>
  </builders>
  <publishers/>
  <buildWrappers/>
</project>
`;
}
