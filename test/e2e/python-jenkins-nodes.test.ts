import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, test } from 'node:test';
import { REPO, adminPassword, useController } from '../support/steward-process.js';

/**
 * A real client: Debian's python3-jenkins (python-jenkins 1.4.0) run by the system python, driven
 * by test/e2e/python-jenkins-node-calls.py, which prints one JSON line per call.
 */
const PYTHON = '/usr/bin/python3';
const SCRIPT = path.join(REPO, 'test', 'e2e', 'python-jenkins-node-calls.py');

interface Call {
  call: string;
  ok: boolean;
  value?: unknown;
  error?: string;
}

type Obj = Record<string, unknown>;

function hasPythonJenkins(): boolean {
  return existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import jenkins'], { stdio: 'ignore' }).status === 0;
}

describe("python-jenkins 1.4.0 manages a real controller's nodes", { skip: hasPythonJenkins() ? false : 'needs /usr/bin/python3 with python3-jenkins (apt-get install python3-jenkins)' }, () => {
  const ctl = useController();

  test('create_node, get_nodes, get_node_info, node_exists, reconfig_node, disable_node, enable_node and delete_node work', { timeout: 120_000 }, async () => {
    const { stdout, stderr } = await promisify(execFile)(PYTHON, [SCRIPT, ctl.s.url, 'admin', await adminPassword(ctl.home)], { timeout: 100_000 });
    const calls = stdout
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as Call);
    const one = (name: string): Call => {
      const found = calls.filter((c) => c.call === name);
      assert.equal(found.length, 1, `one "${name}" line in the output:\n${stdout}\n${stderr}`);
      return found[0]!;
    };
    const ok = (name: string): unknown => {
      const c = one(name);
      assert.equal(c.ok, true, `${name} failed: ${c.error ?? ''}`);
      return c.value;
    };
    const failed = (name: string): string => {
      const c = one(name);
      assert.equal(c.ok, false, `${name} was expected to fail, it gave ${JSON.stringify(c.value)}`);
      return c.error ?? '';
    };

    assert.deepEqual(ok('get_nodes_before'), [{ name: 'Built-In Node', offline: false }]);
    assert.equal(ok('node_exists_before'), false);
    assert.equal(ok('create_node_jnlp'), null);
    assert.equal(ok('create_node_ssh'), null);
    // Steward starts no agent by running a command on the controller: refused, and no node is made.
    assert.match(failed('create_node_command'), /HTTPError: 400 Client Error/);
    assert.equal(ok('node_exists_command'), false);
    assert.match(failed('create_node_again'), /JenkinsException: node\[py-inbound\] already exists/);
    assert.equal(ok('node_exists'), true);
    assert.deepEqual(ok('get_nodes'), [
      { name: 'Built-In Node', offline: false },
      { name: 'py-inbound', offline: true },
      { name: 'py-ssh', offline: true },
    ]);
    assert.deepEqual(ok('get_node_info'), {
      _class: 'hudson.slaves.SlaveComputer',
      displayName: 'py-inbound',
      description: 'made by python-jenkins',
      numExecutors: 3,
      offline: true,
      temporarilyOffline: false,
      offlineCauseReason: 'the agent has not connected',
      jnlpAgent: true,
      idle: true,
      labels: ['linux', 'py', 'py-inbound'],
      executors: 3,
    });
    assert.equal((ok('get_node_info_ssh') as Obj).jnlpAgent, false);
    const config = ok('get_node_config') as string;
    assert.match(config, /<launcher class="hudson\.plugins\.sshslaves\.SSHLauncher" plugin="ssh-slaves">\n {4}<host>build\.example<\/host>\n {4}<port>2222<\/port>\n {4}<credentialsId>build-key<\/credentialsId>/);
    assert.equal(ok('reconfig_node'), null);
    assert.equal((ok('get_node_info_reconfigured') as Obj).numExecutors, 5);
    assert.match(await readFile(path.join(ctl.home, 'nodes', 'py-ssh', 'config.xml'), 'utf8'), /<numExecutors>5<\/numExecutors>/);

    assert.equal(ok('disable_node_built_in'), null);
    assert.deepEqual(pick(ok('get_node_info_built_in_disabled')), { offline: true, temporarilyOffline: true, offlineCauseReason: 'maintenance window' });
    assert.equal(ok('enable_node_built_in'), null);
    assert.deepEqual(pick(ok('get_node_info_built_in_enabled')), { offline: false, temporarilyOffline: false, offlineCauseReason: '' });

    assert.equal(ok('disable_node_agent'), null);
    assert.deepEqual(pick(ok('get_node_info_agent_after_disable')), { offline: true, temporarilyOffline: false, offlineCauseReason: 'the agent has not connected' });
    assert.equal(ok('enable_node_agent'), null);
    assert.deepEqual(pick(ok('get_node_info_agent_after_enable')), { offline: true, temporarilyOffline: true, offlineCauseReason: '' });
    assert.equal(ok('enable_node_agent_again'), null);
    assert.deepEqual(pick(ok('get_node_info_agent_after_enable_again')), { offline: true, temporarilyOffline: false, offlineCauseReason: 'the agent is not connected' });

    assert.deepEqual(ok('get_running_builds'), []);
    assert.equal(ok('delete_node'), null);
    assert.equal(ok('node_exists_after_delete'), false);
    assert.match(failed('delete_node_missing'), /JenkinsException: node\[py-inbound\] does not exist/);
    assert.deepEqual(ok('get_nodes_after_delete'), [
      { name: 'Built-In Node', offline: false },
      { name: 'py-ssh', offline: true },
    ]);

    const expectedFailures = new Set(['create_node_command', 'create_node_again', 'delete_node_missing']);
    assert.deepEqual(calls.filter((c) => !c.ok && !expectedFailures.has(c.call)), []);
  });
});

function pick(value: unknown): Obj {
  const v = value as Obj;
  return { offline: v.offline, temporarilyOffline: v.temporarilyOffline, offlineCauseReason: v.offlineCauseReason };
}
