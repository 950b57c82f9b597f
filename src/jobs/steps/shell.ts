import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseShellStep } from '../config/index.js';
import { removeTreeNoFollow } from '../../home/index.js';
import type { BuilderDescriptor } from './api.js';

/**
 * hudson.tasks.Shell: runs the command with `/bin/sh -xe`, as Jenkins does. A command that starts
 * with `#!` runs with that interpreter instead, from a script file. Exit code 0 is SUCCESS, the
 * step's unstableReturn code UNSTABLE, anything else FAILURE.
 */
export const shellBuilder: BuilderDescriptor = {
  id: 'hudson.tasks.Shell',
  displayName: 'Execute shell',
  create(step) {
    const { command, unstableReturn } = parseShellStep(step.element);
    return {
      displayName: 'Execute shell',
      async perform(ctx) {
        let code: number;
        if (command.startsWith('#!')) {
          const dir = await mkdtemp(path.join(os.tmpdir(), 'steward-sh-'));
          const script = path.join(dir, 'script.sh');
          try {
            await writeFile(script, command, { mode: 0o700 });
            await ctx.handOver(dir, script);
            const [interpreter = '/bin/sh', ...args] = (command.slice(2).split('\n')[0] ?? '').trim().split(/\s+/);
            code = await ctx.launch(interpreter, [...args, script]);
          } finally {
            // The folder is the build user's: a process it left running may swap a folder in it for a link.
            await removeTreeNoFollow(dir);
          }
        } else {
          code = await ctx.launch('/bin/sh', ['-xe', '-c', command]);
        }
        if (code === 0) return 'SUCCESS';
        if (unstableReturn !== undefined && unstableReturn !== 0 && code === unstableReturn) return 'UNSTABLE';
        return 'FAILURE';
      },
    };
  },
};
