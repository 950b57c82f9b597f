import websocket from '@fastify/websocket';
import Fastify, { type FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { AgentConnections, Computer, defineNode, type NodeChannel, type StepOwner } from '../../src/nodes/index.js';

/**
 * The controller's side of agent connections (src/nodes/remote) on a small fastify server of its
 * own: one agent node `name` whose secret is `secret`, and the builds it aborts recorded.
 */
export class AgentServer {
  readonly app: FastifyInstance;
  readonly agents: AgentConnections;
  readonly computer: Computer;
  readonly aborted: { owner?: StepOwner; node?: string; reason: string }[] = [];
  port = 0;

  private constructor(name: string, secret: string, graceMs: number) {
    this.computer = new Computer(defineNode({ name, numExecutors: 1, launcher: 'inbound', remoteFS: '/' }), {
      state: 'offline',
      cause: { kind: 'disconnected', reason: 'not connected yet', since: Date.now() },
    });
    this.agents = new AgentConnections({
      authenticate: (n, s) => {
        if (n !== name) return { ok: false, refusal: `there is no agent node called ${n} on this controller` };
        if (s !== secret) return { ok: false, refusal: `the secret given for node ${n} is wrong` };
        return { ok: true, computer: this.computer };
      },
      controllerId: 'test-controller',
      logger: pino({ level: 'silent' }),
      graceMs,
      abortBuild: (owner, reason) => this.aborted.push({ owner, reason }),
      abortBuildsOn: (node, reason) => this.aborted.push({ node, reason }),
      nodesChanged: () => undefined,
    });
    this.app = Fastify();
  }

  static async start(opts: { name?: string; secret?: string; graceMs?: number } = {}): Promise<AgentServer> {
    const s = new AgentServer(opts.name ?? 'agent-1', opts.secret ?? 'right-secret', opts.graceMs ?? 60_000);
    await s.app.register(websocket, { options: { ...AgentConnections.socketOptions } });
    s.app.get('/agent', { websocket: true }, (socket, req) => s.agents.accept(socket, req.ip));
    await s.app.listen({ port: 0, host: '127.0.0.1' });
    const address = s.app.server.address();
    s.port = typeof address === 'object' && address !== null ? address.port : 0;
    return s;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/`;
  }

  get channel(): NodeChannel {
    const c = this.computer.channel;
    if (c === undefined) throw new Error('the agent is not connected');
    return c;
  }

  async close(): Promise<void> {
    await this.agents.close();
    await this.app.close();
  }
}
