import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { after, before } from 'node:test';
import { ControllerClient } from './controller-client.js';

export { adminPassword, basic, createApiToken } from './controller-client.js';
export { eventually } from './eventually.js';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const STEWARD_BIN = path.join(REPO, 'bin', 'steward.js');

export async function tempDir(prefix = 'steward-test-'): Promise<{ dir: string; [Symbol.asyncDispose](): Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  return { dir, [Symbol.asyncDispose]: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * A real `steward start` process on a home, on a free port; its log lines are kept for
 * assertions. Once ready, `fetch` and the helpers of ControllerClient send the home's `admin` with
 * an API token (made at ready()); `fetchAnonymous` sends no credentials.
 */
export class StewardProcess extends ControllerClient {
  readonly child: ChildProcess;
  readonly lines: Record<string, unknown>[] = [];
  readonly stderr: string[] = [];
  readonly exited: Promise<number | null>;

  private constructor(child: ChildProcess, home: string) {
    super(home);
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      try {
        this.lines.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        this.stderr.push(line);
      }
    });
    createInterface({ input: child.stderr! }).on('line', (line) => this.stderr.push(line));
  }

  static spawn(home: string, args: string[] = [], env: Record<string, string> = {}): StewardProcess {
    // No agent port unless a test asks for one: controllers of parallel tests would all want 50000.
    const agentPort = args.includes('--agent-port') ? [] : ['--agent-port', '-1'];
    const child = spawn(process.execPath, [STEWARD_BIN, 'start', '--home', home, '--port', '0', '--host', '127.0.0.1', ...agentPort, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, STEWARD_LOG_LEVEL: 'info', ...env },
    });
    return new StewardProcess(child, home);
  }

  /** Starts a controller and waits until it reports ready. */
  static async start(home: string, args: string[] = []): Promise<StewardProcess> {
    const p = StewardProcess.spawn(home, args);
    await p.ready();
    return p;
  }

  async ready(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const line = this.lines.find((l) => typeof l.msg === 'string' && l.msg.startsWith('Steward is ready'));
      if (line !== undefined) {
        this.port = Number(line.port);
        await this.signIn('test');
        return;
      }
      if (this.child.exitCode !== null) throw new Error(`steward exited with ${this.child.exitCode}: ${this.stderr.join('\n')}`);
      if (Date.now() > deadline) throw new Error(`steward did not become ready: ${this.stderr.join('\n')}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    return this.exited;
  }
}

/**
 * Runs one controller on a temporary home for a describe block (before/after hooks); the getters
 * give the running process and the home folder.
 */
export function useController(args: string[] = []): { readonly s: StewardProcess; readonly home: string } {
  let proc: StewardProcess | undefined;
  let dir: Awaited<ReturnType<typeof tempDir>> | undefined;
  before(async () => {
    dir = await tempDir();
    proc = await StewardProcess.start(dir.dir, args);
  });
  after(async () => {
    await proc?.stop();
    await dir?.[Symbol.asyncDispose]();
  });
  return {
    get s(): StewardProcess {
      if (proc === undefined) throw new Error('the controller is not started yet');
      return proc;
    },
    get home(): string {
      if (dir === undefined) throw new Error('the home is not made yet');
      return dir.dir;
    },
  };
}

/**
 * A home's config.xml with Jenkins' project-based matrix and its own user database: `admin`
 * administers, signed-in users read, and `grants` (`USER:hudson.model.Item.Create:eve`) are added.
 */
export function projectMatrixConfig(grants: readonly string[] = []): string {
  const extra = grants.map((g) => `\n    <permission>${g}</permission>`).join('');
  return `<?xml version='1.1' encoding='UTF-8'?>
<hudson>
  <numExecutors>2</numExecutors>
  <quietPeriod>0</quietPeriod>
  <useSecurity>true</useSecurity>
  <authorizationStrategy class="hudson.security.ProjectMatrixAuthorizationStrategy">
    <permission>USER:hudson.model.Hudson.Administer:admin</permission>
    <permission>GROUP:hudson.model.Hudson.Read:authenticated</permission>${extra}
  </authorizationStrategy>
  <securityRealm class="hudson.security.HudsonPrivateSecurityRealm">
    <disableSignup>true</disableSignup>
  </securityRealm>
</hudson>
`;
}

/** A freestyle job whose own matrix (AuthorizationMatrixProperty) holds `grants`, one a line. */
export function jobWithMatrix(grants: readonly string[], command = 'echo built'): string {
  const lines = grants.map((g) => `\n      <permission>${g}</permission>`).join('');
  return freestyleXml({ command }).replace(
    '<properties>',
    `<properties>\n    <hudson.security.AuthorizationMatrixProperty>${lines}\n    </hudson.security.AuthorizationMatrixProperty>`,
  );
}

/** A freestyle config.xml the way Jenkins writes it. */
export function freestyleXml(opts: {
  command: string;
  parameters?: string;
  concurrent?: boolean;
  assignedNode?: string;
  quietPeriod?: number;
  extra?: string;
  wrappers?: string;
  publishers?: string;
  description?: string;
}): string {
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return `<?xml version='1.1' encoding='UTF-8'?>
<project>
  <description>${esc(opts.description ?? 'made by a test')}</description>
  <keepDependencies>false</keepDependencies>
  <properties>${opts.parameters === undefined ? '' : `
    <hudson.model.ParametersDefinitionProperty>
      <parameterDefinitions>${opts.parameters}
      </parameterDefinitions>
    </hudson.model.ParametersDefinitionProperty>`}
  </properties>
  <scm class="hudson.scm.NullSCM"/>${opts.assignedNode === undefined ? '<canRoam>true</canRoam>' : `
  <assignedNode>${esc(opts.assignedNode)}</assignedNode>
  <canRoam>false</canRoam>`}
  <disabled>false</disabled>
  <blockBuildWhenDownstreamBuilding>false</blockBuildWhenDownstreamBuilding>
  <blockBuildWhenUpstreamBuilding>false</blockBuildWhenUpstreamBuilding>${opts.quietPeriod === undefined ? '' : `
  <quietPeriod>${opts.quietPeriod}</quietPeriod>`}
  <triggers/>
  <concurrentBuild>${opts.concurrent === true ? 'true' : 'false'}</concurrentBuild>
  <builders>
    <hudson.tasks.Shell>
      <command>${esc(opts.command)}</command>
      <configuredLocalRules/>
    </hudson.tasks.Shell>
  </builders>
  ${opts.publishers === undefined ? '<publishers/>' : `<publishers>${opts.publishers}</publishers>`}
  <buildWrappers>${opts.wrappers ?? ''}</buildWrappers>${opts.extra ?? ''}
</project>
`;
}

export function stringParam(name: string, defaultValue: string): string {
  return `
        <hudson.model.StringParameterDefinition>
          <name>${name}</name>
          <description></description>
          <defaultValue>${defaultValue}</defaultValue>
          <trim>false</trim>
        </hudson.model.StringParameterDefinition>`;
}
