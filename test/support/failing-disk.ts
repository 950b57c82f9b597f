import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'failing-fs.py');

/**
 * A disk the test makes fail with EIO: a FUSE file system (failing-fs.py, python3-fusepy) over a
 * temporary folder that passes every call through until `fail()`, after which every call that
 * writes fails with EIO while reads go on; `mend()` ends that. Mounting needs root and /dev/fuse,
 * as CI has; elsewhere `mount` throws saying so, and the test fails with that reason.
 */
export class FailingDisk implements AsyncDisposable {
  readonly dir: string;
  readonly #root: string;
  readonly #control: string;
  readonly #child: ChildProcess;

  private constructor(root: string, child: ChildProcess) {
    this.#root = root;
    this.dir = path.join(root, 'mnt');
    this.#control = path.join(root, 'fail');
    this.#child = child;
  }

  static async mount(): Promise<FailingDisk> {
    if (process.getuid?.() !== 0) {
      throw new Error(`this test mounts a FUSE file system that fails with EIO, which needs root (CI runs the tests as root); running as uid ${process.getuid?.() ?? '?'}`);
    }
    const root = await mkdtemp(path.join(os.tmpdir(), 'steward-failing-disk-'));
    // Passable for the build user, whose workspaces are in a home on the disk.
    await chmod(root, 0o755);
    await mkdir(path.join(root, 'backing'));
    await mkdir(path.join(root, 'mnt'));
    const stderr: string[] = [];
    const child = spawn('/usr/bin/python3', [SCRIPT, path.join(root, 'backing'), path.join(root, 'mnt'), path.join(root, 'fail')], { stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr?.on('data', (d: Buffer) => stderr.push(d.toString()));
    const disk = new FailingDisk(root, child);
    const deadline = Date.now() + 10_000;
    while (!(await disk.#mounted())) {
      if (child.exitCode !== null || Date.now() > deadline) {
        await disk[Symbol.asyncDispose]();
        throw new Error(`could not mount the failing file system (scripts/test-deps.sh installs python3-fusepy and fuse): ${stderr.join('')}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    return disk;
  }

  async #mounted(): Promise<boolean> {
    const mounts = await readFile('/proc/self/mounts', 'utf8');
    return mounts.split('\n').some((l) => l.split(' ')[1] === this.dir);
  }

  /** A folder on the disk for a home. */
  home(name = 'home'): string {
    return path.join(this.dir, name);
  }

  /** From now on, every write fails with EIO. */
  async fail(): Promise<void> {
    await writeFile(this.#control, '');
  }

  /** Writes work again. */
  async mend(): Promise<void> {
    await rm(this.#control, { force: true });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await run('/usr/bin/fusermount', ['-u', '-z', this.dir]).catch(() => undefined);
    if (this.#child.exitCode === null) {
      const exited = new Promise((r) => this.#child.once('exit', r));
      this.#child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
      if (this.#child.exitCode === null) this.#child.kill('SIGKILL');
    }
    await rm(this.#root, { recursive: true, force: true });
  }
}
