import assert from 'node:assert/strict';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, test } from 'node:test';
import { freestyleXml, useController, type StewardProcess } from '../support/steward-process.js';

const AS_ROOT = process.getuid?.() === 0;
const SWAPPED_FOLDERS = 12;

function archiving(command: string, artifacts: string): string {
  return freestyleXml({ command }).replace(
    '<publishers/>',
    `<publishers>
    <hudson.tasks.ArtifactArchiver>
      <artifacts>${artifacts}</artifacts>
      <allowEmptyArchive>true</allowEmptyArchive>
    </hudson.tasks.ArtifactArchiver>
  </publishers>`,
  );
}

async function build(s: StewardProcess, job: string): Promise<{ n: number; log: string }> {
  const n = await s.buildNumberOf(await s.queueBuild(job));
  await s.waitForResult(job, n);
  return { n, log: await (await s.fetch(`job/${job}/${n}/consoleText`)).text() };
}

/** Every file under `dir` with its content. */
function filesUnder(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) out.set(path.join(entry.parentPath, entry.name), readFileSync(path.join(entry.parentPath, entry.name), 'utf8'));
  }
  return out;
}

describe('archiving artifacts from a workspace the build can change', () => {
  const ctl = useController();

  test('links to a file or a folder outside the workspace are never archived', async () => {
    const s = ctl.s;
    const command = [
      'echo kept > plain.txt',
      'ln -s "$JENKINS_HOME/secrets/steward.key" key.txt',
      'ln -s /etc/passwd passwd.txt',
      'mkdir sub && ln -s "$JENKINS_HOME/secrets" sub/secrets',
    ].join('\n');
    await s.createJob('links', archiving(command, '**/*.txt, sub/**'));
    const { n, log } = await build(s, 'links');
    const b = await s.json<{ artifacts: { relativePath: string }[] }>(`job/links/${n}/api/json?tree=artifacts[relativePath]`);
    assert.deepEqual(b.artifacts.map((a) => a.relativePath), ['plain.txt'], log);
    assert.equal((await s.fetch(`job/links/${n}/artifact/key.txt`)).status, 404);
    const key = readFileSync(path.join(ctl.home, 'secrets/steward.key'), 'utf8').trim();
    for (const content of filesUnder(path.join(ctl.home, 'jobs/links/builds', String(n)))) assert.equal(content[1].includes(key), false, content[0]);
  });

  test(
    'a folder swapped for a link to secrets/ while the archiver runs never brings the secret into the archive',
    { skip: AS_ROOT ? false : 'needs root, to run the build as the build user' },
    async () => {
      const s = ctl.s;
      // Each folder holds a file named like the key; a process the build leaves behind
      // (dontKillMe) swaps each folder for a link to secrets/ and back with rename(2), as fast as it
      // can. The 300 other files come first, so the folders change between listing and copying.
      const swap =
        'my $i = shift; symlink "$ENV{JENKINS_HOME}/secrets", "l$i"; ' +
        'until (-e "stop") { rename "d$i", "r$i"; rename "l$i", "d$i"; rename "d$i", "l$i"; rename "r$i", "d$i" }';
      const command = [
        'rm -rf d* l* r* a-many stop swappers && mkdir a-many',
        'for i in $(seq 1 300); do echo "file $i" > a-many/f$i.txt; done',
        `for i in $(seq 10 ${9 + SWAPPED_FOLDERS}); do`,
        '  mkdir d$i && echo innocent > d$i/steward.key',
        `  JENKINS_NODE_COOKIE=dontKillMe timeout 60 perl -e '${swap}' $i </dev/null >/dev/null 2>&1 &`,
        '  echo $! >> swappers',
        'done',
      ].join('\n');
      await s.createJob('race', archiving(command, 'd*/**, a-many/**'));
      const workspace = path.join(ctl.home, 'workspace/race');
      const key = readFileSync(path.join(ctl.home, 'secrets/steward.key'), 'utf8').trim();
      try {
        for (let round = 0; round < 3; round++) {
          const { n, log } = await build(s, 'race');
          writeFileSync(path.join(workspace, 'stop'), '');
          await stopSwappers(workspace);
          const archived = filesUnder(path.join(ctl.home, 'jobs/race/builds', String(n), 'archive'));
          for (const [file, content] of archived) assert.equal(content.includes(key), false, `${file} holds the key\n${log}`);
          assert.ok([...archived.keys()].filter((f) => f.includes('/a-many/')).length === 300, log);
          for (const line of log.split('\n').filter((l) => l.startsWith('WARNING: skipped'))) {
            // The glob may list a swapped folder's link target (any file of secrets/): refused the same way.
            assert.match(line, /^WARNING: skipped d\d+\/[^/]+: (it leads outside the workspace|it is no longer there)$/);
          }
        }
      } finally {
        writeFileSync(path.join(workspace, 'stop'), '');
        await stopSwappers(workspace);
      }
    },
  );
});

describe("removing a step's temporary folder that the build can change", () => {
  const ctl = useController();

  test(
    'a folder swapped for a link to secrets/ while the script folder is removed leaves secrets/ as it was',
    { skip: AS_ROOT ? false : 'needs root, to run the build as the build user' },
    async () => {
      const s = ctl.s;
      const secrets = path.join(ctl.home, 'secrets');
      const before = filesUnder(secrets);
      // A `#!` script's folder is the build user's; the script leaves a process swapping folders
      // in it for links to secrets/, each holding a file named like the key, and making them again
      // as they are removed.
      const swap =
        'while (1) { for my $i (0..11) { ' +
        'if (mkdir "d$i") { open(my $f, ">", "d$i/steward.key"); close $f } symlink "$ENV{JENKINS_HOME}/secrets", "l$i"; ' +
        'rename "d$i", "r$i"; rename "l$i", "d$i"; rename "d$i", "l$i"; rename "r$i", "d$i" } }';
      const command = [
        '#!/bin/sh',
        'cd "$(dirname "$0")" && pwd >> "$WORKSPACE/folders"',
        `JENKINS_NODE_COOKIE=dontKillMe timeout 60 perl -e '${swap}' </dev/null >/dev/null 2>&1 &`,
        'echo $! > "$WORKSPACE/swappers"',
        'sleep 0.3',
      ].join('\n');
      await s.createJob('script', freestyleXml({ command }));
      const workspace = path.join(ctl.home, 'workspace/script');
      try {
        for (let round = 0; round < 6; round++) {
          const { log } = await build(s, 'script');
          await stopSwappers(workspace);
          assert.deepEqual(filesUnder(secrets), before, log);
        }
      } finally {
        await stopSwappers(workspace);
        // What the swapper made as the folder was being removed stays behind (see removeTreeNoFollow).
        for (const folder of readFileSync(path.join(workspace, 'folders'), 'utf8').split('\n').filter((l) => l.startsWith('/'))) {
          rmSync(folder, { recursive: true, force: true });
        }
      }
    },
  );
});

/** Ends the swapping processes (they also stop on their own at `stop` or after 60 s). */
async function stopSwappers(workspace: string): Promise<void> {
  let pids: number[];
  try {
    pids = readFileSync(path.join(workspace, 'swappers'), 'utf8').split('\n').filter((l) => l !== '').map(Number);
  } catch {
    return;
  }
  const alive = (pid: number): boolean => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  // Each pid is timeout's, which passes TERM on to its loop.
  for (const pid of pids.filter(alive)) process.kill(pid, 'SIGTERM');
  for (let i = 0; i < 100 && pids.some(alive); i++) await sleep(50);
}
