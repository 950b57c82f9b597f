#!/usr/bin/env node
// Entry point of the `steward` command. Runs the compiled JavaScript in dist/ (built by
// `npm run build`, which `npm ci` runs) when it is at least as new as the sources; otherwise
// loads the TypeScript sources through tsx, so a checkout without a build still works.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const compiled = join(root, 'dist', 'cli', 'main.js');

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

const srcDir = join(root, 'src');
// An incremental build rewrites only what changed; `npm run build` stamps dist/.built every time.
const buildInfo = join(root, 'dist', '.built');
const useCompiled =
  existsSync(compiled) &&
  existsSync(buildInfo) &&
  (!existsSync(srcDir) || statSync(buildInfo).mtimeMs >= newestMtime(srcDir));

if (useCompiled) {
  await import(compiled);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
