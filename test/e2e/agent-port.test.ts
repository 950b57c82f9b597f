/**
 * The agent port (`steward start --agent-port`, Jenkins' TCP agent listener): real agents connect
 * there as they do on the HTTP port's /agent, with TLS when the controller has a certificate; the
 * port serves nothing else; a port another process holds leaves the controller running and says so.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { describe, test } from 'node:test';
import { promisify } from 'node:util';
import { AgentProcess, createInboundNode } from '../support/agent-process.js';
import { StewardProcess, eventually, freestyleXml, tempDir } from '../support/steward-process.js';

const run = promisify(execFile);

/** The port the controller logged it listens on for agents. */
function agentPortOf(s: StewardProcess): Promise<number> {
  return eventually(() => {
    const line = s.lines.find((l) => typeof l.msg === 'string' && l.msg.startsWith('agents can connect on port'));
    return line === undefined ? undefined : Number(line.port);
  }, 'the agent port to open');
}


async function buildOn(s: StewardProcess, job: string): Promise<{ result: string; log: string }> {
  await s.createJob(job, freestyleXml({ command: 'echo "on $NODE_NAME"', assignedNode: 'tcp' }));
  const n = await s.buildNumberOf(await s.queueBuild(job));
  const result = await s.waitForResult(job, n);
  return { result, log: await (await s.fetch(`job/${job}/${n}/consoleText`)).text() };
}

describe('the agent port', () => {
  test('an agent connects on it and builds; anything but /agent there is 404 saying what the port is', async () => {
    await using home = await tempDir();
    await using work = await tempDir('steward-agent-');
    const s = await StewardProcess.start(home.dir, ['--agent-port', '0']);
    let agent: AgentProcess | undefined;
    try {
      const port = await agentPortOf(s);
      assert.notEqual(port, s.port);
      const secret = await createInboundNode(s, 'tcp-1', { numExecutors: '1', remoteFS: work.dir, labelString: 'tcp' });
      agent = AgentProcess.start(['--url', `http://127.0.0.1:${port}/`, '--name', 'tcp-1', '--secret', secret, '--work-dir', work.dir]);
      await agent.logged(/connected to the controller as node tcp-1/);
      const { result, log } = await buildOn(s, 'over-tcp');
      assert.equal(result, 'SUCCESS', log);
      assert.match(log, /\non tcp-1\n/);

      const other = await fetch(`http://127.0.0.1:${port}/api/json`);
      assert.equal(other.status, 404);
      assert.match(await other.text(), /agent port: agents connect here with a WebSocket at \/agent/);
    } finally {
      await agent?.stop();
      await s.stop();
    }
  });

  test('with a certificate, agents connect with TLS and one that does not trust it is not connected', async () => {
    await using home = await tempDir();
    await using work = await tempDir('steward-agent-');
    const cert = path.join(home.dir, 'agent.crt');
    const key = path.join(home.dir, 'agent.key');
    await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert]);
    const s = await StewardProcess.start(home.dir, ['--agent-port', '0', '--agent-tls-cert', cert, '--agent-tls-key', key]);
    const agents: AgentProcess[] = [];
    try {
      const port = await agentPortOf(s);
      const secret = await createInboundNode(s, 'tls-1', { numExecutors: '1', remoteFS: work.dir, labelString: 'tcp' });
      const args = ['--url', `https://127.0.0.1:${port}/`, '--name', 'tls-1', '--secret', secret, '--work-dir', work.dir];
      const untrusting = AgentProcess.start(args);
      agents.push(untrusting);
      await untrusting.logged(/the connection to wss:\/\/127\.0\.0\.1:\d+\/agent failed: self[- ]signed certificate/);
      await untrusting.stop();
      const trusting = AgentProcess.start(args, { NODE_EXTRA_CA_CERTS: cert });
      agents.push(trusting);
      await trusting.logged(/connected to the controller as node tls-1/);
      const { result, log } = await buildOn(s, 'over-tls');
      assert.equal(result, 'SUCCESS', log);
    } finally {
      for (const a of agents) await a.stop();
      await s.stop();
    }
  });

  test('a port another process holds is reported in the log and /manage, and the controller runs on', async () => {
    await using home = await tempDir();
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(0, '0.0.0.0', resolve));
    const held = (holder.address() as net.AddressInfo).port;
    const s = await StewardProcess.start(home.dir, ['--agent-port', String(held)]);
    try {
      const monitors = await s.json<{ administrativeMonitors: { id: string; message: string }[] }>('manage/api/json');
      const monitor = monitors.administrativeMonitors.find((m) => m.id === 'agentPort');
      assert.match(monitor?.message ?? '', new RegExp(`^agents cannot connect on port ${held}: another process listens there; they can still connect to http://.*/agent`));
      assert.ok(s.lines.some((l) => l.level === 50 && String(l.msg).startsWith(`agents cannot connect on port ${held}`)));
    } finally {
      await s.stop();
      holder.close();
    }
  });
});
