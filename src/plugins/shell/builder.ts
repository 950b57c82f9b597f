import type { BuilderDescriptor } from '../../jobs/index.js';
import { SHELL, parseShellStep } from './config.js';

/**
 * hudson.tasks.Shell: runs the command with `/bin/sh -xe`, as Jenkins does. A command that starts
 * with `#!` runs with that interpreter instead, from a script file. Exit code 0 is SUCCESS, the
 * step's unstableReturn code UNSTABLE, anything else FAILURE.
 */
export const shellBuilder: BuilderDescriptor = {
  id: SHELL,
  displayName: 'Execute shell',
  create(step) {
    const { command, unstableReturn } = parseShellStep(step.element);
    return {
      displayName: 'Execute shell',
      async perform(ctx) {
        let code: number;
        if (command.startsWith('#!')) {
          const script = await ctx.tempFile('script.sh', command, 0o700);
          try {
            const [interpreter = '/bin/sh', ...args] = (command.slice(2).split('\n')[0] ?? '').trim().split(/\s+/);
            code = await ctx.launch(interpreter, [...args, script.path]);
          } finally {
            await script.remove();
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
