import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { openHome, runOneBuild } from '../../../test/jobs/home.js';
import { freestyleXml, tempDir } from '../../../test/support/steward-process.js';

// The wrapper as the ansicolor plugin 0.6 and later writes it into a job's config.xml (its
// AnsiColorBuildWrapper keeps one field, colorMapName), and as Jenkins Job Builder's
// `ansicolor` wrapper writes it (`colormap: xterm`).
const wrapper = (map: string) => `<hudson.plugins.ansicolor.AnsiColorBuildWrapper plugin="ansicolor@1.0.2"><colorMapName>${map}</colorMapName></hudson.plugins.ansicolor.AnsiColorBuildWrapper>`;
const job = (map: string) => freestyleXml({ command: "printf '\\033[32mgreen\\033[0m\\n'", wrappers: wrapper(map) });

describe('the AnsiColor plugin', () => {
  test('its wrapper runs: no warning in the log, and the escape sequences stay as the step wrote them', async () => {
    await using dir = await tempDir();
    await using h = await openHome(dir.dir);
    await h.jobs.create('colours', job('xterm'));
    const def = h.jobs.require('colours').definition;
    assert.deepEqual(def.kind === 'freestyle' ? def.notRun : undefined, []);
    const { result, log } = await runOneBuild(h.jobs, dir.dir, 'colours');
    assert.equal(result, 'SUCCESS');
    assert.doesNotMatch(log, /WARNING/);
    assert.ok(log.includes('\u001b[32mgreen\u001b[0m\n'), 'the escape sequences are kept');
  });

  test('a colour map of its own is said among what does not run', async () => {
    await using dir = await tempDir();
    await using h = await openHome(dir.dir);
    await h.jobs.create('mine', job('solarized'));
    const def = h.jobs.require('mine').definition;
    assert.deepEqual(def.kind === 'freestyle' ? def.notRun.map((e) => [e.name, e.treatment]) : [], [['colorMapName solarized', 'ignored']]);
  });
});
