import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Computer, defineNode } from '../../src/nodes/index.js';
import { computerJson } from '../../src/web/model.js';

const disconnected = { state: 'offline', cause: { kind: 'disconnected', reason: 'the agent has not connected', since: 7 } } as const;

describe("an agent's computer in the API", () => {
  test('is a SlaveComputer named by its node, with its description, offline until its agent connects', () => {
    const node = defineNode({ name: 'linux-1', description: 'rack B', numExecutors: 2, launcher: 'inbound', remoteFS: '/srv/a', labelString: 'linux' });
    const json = computerJson('http://x/', new Computer(node, disconnected), () => true);
    assert.deepEqual(
      {
        _class: json._class,
        displayName: json.displayName,
        description: json.description,
        jnlpAgent: json.jnlpAgent,
        launchSupported: json.launchSupported,
        offline: json.offline,
        temporarilyOffline: json.temporarilyOffline,
        offlineCauseReason: json.offlineCauseReason,
        numExecutors: json.numExecutors,
        executors: (json.executors as unknown[]).length,
        idle: json.idle,
      },
      {
        _class: 'hudson.slaves.SlaveComputer',
        displayName: 'linux-1',
        description: 'rack B',
        jnlpAgent: true,
        launchSupported: false,
        offline: true,
        temporarilyOffline: false,
        offlineCauseReason: 'the agent has not connected',
        numExecutors: 2,
        executors: 2,
        idle: true,
      },
    );
  });

  test('an agent the controller starts over SSH can be launched, and is no JNLP agent', () => {
    const node = defineNode({ name: 'b', numExecutors: 1, launcher: 'ssh', remoteFS: '/b', ssh: { host: 'h', port: 22, credentialsId: 'k', hostKey: { kind: 'none' }, prefix: '', suffix: '', retryWaitMs: 15_000, launchTimeoutMs: 60_000 } });
    const json = computerJson('http://x/', new Computer(node, disconnected), () => true);
    assert.deepEqual([json.jnlpAgent, json.launchSupported], [false, true]);
  });
});
