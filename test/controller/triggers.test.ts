import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { pino } from 'pino';
import { TriggerRunner } from '../../src/controller/triggers.js';
import { ExtensionRegistry } from '../../src/extensions/index.js';
import { Jobs, TRIGGER, type TriggerDescriptor } from '../../src/jobs/index.js';
import { registerBuiltInPlugins } from '../../src/plugins/index.js';
import { Queue } from '../../src/queue/index.js';
import { FakeHost, user } from '../queue/fake-host.js';
import { freestyleXml, tempDir } from '../support/steward-process.js';
import { openHome } from '../jobs/home.js';

/** A trigger that asks for a build as soon as it starts, so that the test need not wait for a minute to turn. */
const atOnce: TriggerDescriptor = {
  id: 'test.AtOnceTrigger',
  displayName: 'At once',
  create: () => ({
    start(ctx) {
      ctx.schedule({ kind: 'timer', shortDescription: 'Started by timer' });
      return { stop() {} };
    },
  }),
};

describe('triggers against a full queue', () => {
  test('a trigger refused by a full queue logs a warning naming the job and the limit, and the controller goes on', async () => {
    await using dir = await tempDir();
    await using home = await openHome(dir.dir);
    const extensions = new ExtensionRegistry();
    registerBuiltInPlugins(extensions);
    extensions.register(TRIGGER, atOnce);
    const warnings: Record<string, unknown>[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(JSON.parse(line) as Record<string, unknown>) });
    const jobs = new Jobs({ store: home.store, extensions, logger: pino({ level: 'silent' }) });

    const host = new FakeHost();
    host.addTask('other');
    host.addTask('nightly');
    const queue = new Queue({ host, limits: { total: 1 } });
    queue.schedule({ task: 'other', parameters: [], cause: user, quietPeriodMs: 60_000 });
    const runner = new TriggerRunner(jobs, (job, cause) => void queue.schedule({ task: job, parameters: [], cause, quietPeriodMs: 0 }), () => undefined, logger);
    try {
      await jobs.create('nightly', freestyleXml({ command: 'true' }).replace('<triggers/>', '<triggers><test.AtOnceTrigger/></triggers>'));
      assert.equal(queue.items().length, 1, 'the request was refused');
      const warning = warnings.find((w) => w.msg === 'test.AtOnceTrigger could not queue a build of nightly');
      assert.ok(warning !== undefined, JSON.stringify(warnings));
      assert.equal((warning.err as { code: string }).code, 'STW_QUEUE_FULL');
      assert.match((warning.err as { message: string }).message, /the build queue holds 1 item already, its limit \(--max-queued\)/);
    } finally {
      runner.close();
      queue.close();
    }
  });
});
