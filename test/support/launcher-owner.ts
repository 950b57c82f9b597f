/**
 * A process that owns a launcher, standing in for a controller that dies while its steps run:
 *   node --import tsx test/support/launcher-owner.ts POOL_SIZE SCRIPT
 * It starts one step, `/bin/sh -c SCRIPT`, and prints the step's output lines that start with
 * `started ` to its standard output; the launcher's own standard error is this process's.
 */
import { createInterface } from 'node:readline';
import { PassThrough } from 'node:stream';
import { Launcher } from '../../src/nodes/index.js';

const [poolSize, script] = process.argv.slice(2);
if (script === undefined) throw new Error('usage: launcher-owner.ts POOL_SIZE SCRIPT');
const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
const launcher = new Launcher({ poolSize: Number(poolSize), poolEnv: env });
launcher.warm();
// Waiting shells, when asked for, are started before the step takes one.
await new Promise((r) => setTimeout(r, Number(poolSize) > 0 ? 300 : 0));
const output = new PassThrough();
createInterface({ input: output }).on('line', (line) => {
  if (line.startsWith('started ')) process.stdout.write(`${line}\n`);
});
const step = launcher.spawn({ build: { job: 'j', number: 1, cookie: 'owner-cookie' }, mask: [], command: '/bin/sh', args: ['-c', script], cwd: '/', env, onOutput: (chunk) => void output.write(chunk) });
process.exitCode = await step.exited;
await launcher.close();
