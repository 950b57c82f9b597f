import type { Logger } from 'pino';
import type { RawData, WebSocket } from 'ws';
import {
  CLOSE_PROTOCOL,
  CLOSE_REFUSED,
  FRAME_OUTPUT,
  MAX_FRAME_BYTES,
  decodeFrame,
  parseAgentMessage,
  parseHello,
  parseJsonFrame,
  type HeldStep,
  type Hello,
  type RefusalCode,
  type Unversioned,
  type ControllerMessage,
} from '../../agent-protocol/index.js';
import { isStewardError } from '../../errors/index.js';
import { NETWORK_VERSIONS } from '../../agent-protocol/index.js';
import type { StepOwner } from '../channel.js';
import type { AgentCheck } from '../agent-nodes.js';
import type { Computer } from '../computer.js';
import { RemoteChannel, versionedToAgent } from './remote-channel.js';


export interface AgentConnectionsOptions {
  /** Finds the node's Computer by the agent's name and checks its secret. */
  authenticate: (name: string, secret: string) => AgentCheck | Promise<AgentCheck>;
  /** This controller's identity, told to agents in the welcome. */
  controllerId: string;
  logger: Logger;
  /** How long a disconnected agent's running builds wait for it (default 60 s). */
  graceMs?: number;
  /** How often agents are pinged; a connection that answers none for two of these is dropped. */
  pingMs?: number;
  /** Ends a build, ABORTED with the reason (a lost step, or its node away past its grace period). */
  abortBuild: (owner: StepOwner, reason: string) => void;
  /** Ends every build running on the node, ABORTED with the reason. */
  abortBuildsOn: (node: string, reason: string) => void;
  /** Nodes went online or offline: the queue looks again. */
  nodesChanged: () => void;
  /**
   * A held step the node's channel does not know (started by an earlier controller): adopts it
   * into its build through `channel.adopt` and resolves true, or resolves false to have the agent
   * drop it.
   */
  adoptStep?: (computer: Computer, channel: RemoteChannel, held: HeldStep) => Promise<boolean>;
}

export const DEFAULT_AGENT_GRACE_MS = 60_000;

/** How long a new connection has to send its hello. */
const HELLO_TIMEOUT_MS = 10_000;

interface NodeLink {
  readonly computer: Computer;
  readonly channel: RemoteChannel;
  socket: WebSocket | undefined;
  grace: NodeJS.Timeout | undefined;
}

/** A close reason is at most 123 bytes. */
function closeReason(text: string): string {
  let s = text;
  while (Buffer.byteLength(s, 'utf8') > 123) s = s.slice(0, -2);
  return s;
}

/**
 * The agents connected to this controller (`/agent`): each connection is authenticated by its
 * hello, gives the node's Computer its channel and puts it online; when it ends, the Computer goes
 * offline ("disconnected", with the reason) and the node's running builds wait `graceMs` for the
 * agent to come back, then end ABORTED saying why. A second connection for a connected node is
 * refused. Whatever an agent sends that breaks the protocol (a malformed or oversized frame, data
 * for a step it was not given) closes its connection with the reason, and nothing of it is written.
 */
export class AgentConnections {
  readonly #o: AgentConnectionsOptions;
  readonly #log: Logger;
  readonly #nodes = new Map<string, NodeLink>();
  readonly #sockets = new Set<WebSocket>();
  #closed = false;
  #closeCode = 1001;
  #closeReason = 'the controller is stopping';

  constructor(o: AgentConnectionsOptions) {
    this.#o = o;
    this.#log = o.logger.child({ part: 'agents' });
  }

  /** The WebSocket server options connections must be accepted with. */
  static readonly socketOptions = { maxPayload: MAX_FRAME_BYTES, perMessageDeflate: false } as const;

  /** Whether the node's agent is connected now. */
  connected(node: string): boolean {
    return this.#nodes.get(node)?.socket !== undefined;
  }

  /** Serves one WebSocket from an agent, from its hello to its close. */
  accept(socket: WebSocket, address: string): void {
    if (this.#closed) {
      socket.close(this.#closeCode, closeReason(this.#closeReason));
      return;
    }
    this.#sockets.add(socket);
    const log = this.#log.child({ address });
    let node: NodeLink | undefined;
    let closing = false;
    const close = (code: number, reason: string): void => {
      if (closing) return;
      closing = true;
      socket.close(code, closeReason(reason));
      // A peer that does not finish the closing handshake is cut after a while.
      setTimeout(() => socket.terminate(), 5_000).unref();
    };
    const refuse = (code: RefusalCode, reason: string, name?: string): void => {
      log.warn({ node: name, refusal: code }, `refused an agent${name === undefined ? '' : ` for node ${name}`} from ${address}: ${reason}`);
      if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(versionedToAgent({ type: 'refused', code, reason })));
      close(CLOSE_REFUSED, reason);
    };
    const violation = (reason: string): void => {
      log.error({ node: node?.computer.name }, `closing the connection of ${node === undefined ? 'an agent' : `agent ${node.computer.name}`} from ${address}: it sent ${reason}; nothing of it was written`);
      close(CLOSE_PROTOCOL, reason);
    };
    const helloTimer = setTimeout(() => refuse('malformed', `no hello within ${HELLO_TIMEOUT_MS / 1000} s`), HELLO_TIMEOUT_MS);
    let alive = true;
    const pingMs = this.#o.pingMs ?? 10_000;
    const pinger = setInterval(() => {
      if (!alive) {
        log.warn({ node: node?.computer.name }, `the agent${node === undefined ? '' : ` of node ${node.computer.name}`} at ${address} answered no ping for ${(2 * pingMs) / 1000} s; dropping its connection`);
        socket.terminate();
        return;
      }
      alive = false;
      socket.ping();
    }, pingMs);
    socket.on('pong', () => (alive = true));
    socket.on('ping', () => (alive = true));
    let helloSeen = false;
    socket.on('message', (data: RawData, isBinary: boolean) => {
      alive = true;
      // Once the controller closes its connections, nothing an agent sends is taken: after a
      // handover the next controller has the build's log from exactly what was written here.
      if (closing || this.#closed) return;
      const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
      if (!helloSeen) {
        helloSeen = true;
        clearTimeout(helloTimer);
        let hello: Hello;
        try {
          if (isBinary) return refuse('malformed', 'the first message must be a hello in a text frame');
          hello = parseHello(parseJsonFrame(bytes.toString('utf8')));
        } catch (err) {
          const message = err instanceof Error ? err.message : String(err);
          const version = isStewardError(err) && err.field === 'versions' && message.includes('speaks protocol version');
          return refuse(version ? 'version' : 'malformed', message);
        }
        void this.#welcome(socket, hello, log, refuse).then((n) => {
          node = n;
        });
        return;
      }
      if (node === undefined) return violation('a message before it was welcomed');
      const channel = node.channel;
      try {
        if (isBinary) {
          const frame = decodeFrame(bytes);
          const problem = frame.kind === FRAME_OUTPUT ? channel.output(frame.id, frame.offset, frame.payload) : channel.fileData(Number(frame.id), frame.offset, frame.payload);
          if (problem !== undefined) violation(problem);
          return;
        }
        const problem = channel.receive(parseAgentMessage(parseJsonFrame(bytes.toString('utf8'))));
        if (problem !== undefined) violation(problem);
      } catch (err) {
        violation(err instanceof Error ? err.message : String(err));
      }
    });
    socket.on('error', (err) => {
      // ws closes the connection itself after an error (an oversized or malformed frame).
      log.warn({ node: node?.computer.name, err: err.message }, `the connection of ${node === undefined ? 'an agent' : `agent ${node.computer.name}`} from ${address} failed: ${err.message}`);
    });
    socket.on('close', (code: number, reasonBytes: Buffer) => {
      clearTimeout(helloTimer);
      clearInterval(pinger);
      this.#sockets.delete(socket);
      if (node !== undefined && node.socket === socket) {
        const reason = reasonBytes.length > 0 ? reasonBytes.toString('utf8') : `the connection closed (${code})`;
        this.#disconnected(node, reason);
      }
    });
  }

  async #welcome(socket: WebSocket, hello: Hello, log: Logger, refuse: (code: RefusalCode, reason: string, name?: string) => void): Promise<NodeLink | undefined> {
    const auth = await this.#o.authenticate(hello.name, hello.secret);
    if (socket.readyState !== socket.OPEN) return undefined;
    if (!auth.ok) {
      refuse('credentials', auth.refusal, hello.name);
      return undefined;
    }
    const computer = auth.computer;
    let node = this.#nodes.get(computer.name);
    if (node !== undefined && node.computer !== computer) node = undefined;
    if (node?.socket !== undefined) {
      refuse('connected', `an agent for node ${computer.name} is connected already`, computer.name);
      return undefined;
    }
    if (node === undefined) {
      node = {
        computer,
        channel: new RemoteChannel({ node: computer.name, logger: this.#log, abortBuild: (owner, reason) => this.#o.abortBuild(owner, reason) }),
        socket: undefined,
        grace: undefined,
      };
      this.#nodes.set(computer.name, node);
    }
    if (node.grace !== undefined) clearTimeout(node.grace);
    node.grace = undefined;
    node.socket = socket;
    const adoptStep = this.#o.adoptStep;
    if (adoptStep !== undefined) {
      for (const held of hello.holds) {
        if (node.channel.knows(held.id)) continue;
        const adopted = await adoptStep(computer, node.channel, held).catch((err: unknown) => {
          log.error({ node: computer.name, job: held.job, build: held.number, err: err instanceof Error ? err.message : String(err) }, `could not adopt ${held.job} #${held.number} from agent ${computer.name}`);
          return false;
        });
        if (adopted) log.info({ node: computer.name, job: held.job, build: held.number }, `adopted ${held.job} #${held.number}, running on agent ${computer.name} since an earlier controller`);
      }
      if (socket.readyState !== socket.OPEN) {
        // Closed meanwhile: what was adopted waits for the agent's next connection, as after any drop.
        this.#disconnected(node, 'the connection closed while it was being welcomed');
        return undefined;
      }
    }
    const send = (m: Unversioned<ControllerMessage>): void => {
      if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(versionedToAgent(m)));
    };
    const { reattachment, resume } = node.channel.attach({ send }, hello.holds);
    send({ type: 'welcome', version: Math.max(...hello.versions.filter((v) => NETWORK_VERSIONS.includes(v))), controller: this.#o.controllerId, ...reattachment });
    resume();
    computer.setChannel(node.channel);
    if (!computer.online && !computer.temporarilyOffline) computer.transition({ state: 'online' });
    log.info(
      { node: computer.name, agentVersion: hello.agentVersion, os: hello.os, arch: hello.arch, executors: hello.executors, labels: hello.labels, adopted: reattachment.adopt.length },
      `agent ${computer.name} connected (${hello.os} ${hello.arch}, Steward ${hello.agentVersion})${reattachment.adopt.length > 0 ? `; continuing ${reattachment.adopt.length} running steps` : ''}`,
    );
    this.#o.nodesChanged();
    return node;
  }

  #disconnected(node: NodeLink, reason: string): void {
    node.socket = undefined;
    node.channel.detach(reason);
    const computer = node.computer;
    // The builds running there keep the channel; new ones see the node disconnected.
    if (computer.channel === node.channel) computer.setChannel(undefined);
    if (computer.online) computer.transition({ state: 'offline', cause: { kind: 'disconnected', reason: `the agent disconnected: ${reason}`, since: Date.now() } });
    this.#o.nodesChanged();
    if (this.#closed) return;
    const graceMs = this.#o.graceMs ?? DEFAULT_AGENT_GRACE_MS;
    const waiting = node.channel.steps;
    this.#log[waiting > 0 ? 'warn' : 'info'](
      { node: computer.name, reason, steps: waiting, graceMs },
      `agent ${computer.name} disconnected: ${reason}${waiting > 0 ? `; its ${waiting} running steps wait ${graceMs / 1000} s for it to come back` : ''}`,
    );
    node.grace = setTimeout(() => {
      node.grace = undefined;
      if (node.socket !== undefined) return;
      const why = `Aborted: agent ${computer.name} did not come back within ${graceMs / 1000} s after its connection was lost (${reason})`;
      this.#log.error({ node: computer.name }, why);
      this.#o.abortBuildsOn(computer.name, why);
      node.channel.expire(why);
    }, graceMs);
    node.grace.unref();
  }

  /** Ends the connection of the node's agent, if it has one (its node was deleted). */
  disconnect(node: string, reason: string): void {
    const socket = this.#nodes.get(node)?.socket;
    if (socket !== undefined) socket.close(1000, closeReason(reason));
  }

  /**
   * Closes every agent connection (the controller stops; by default with 1001, or 1012 "service
   * restart" for a handover); agents keep their steps and reconnect, to the next controller.
   * Connections that come after are closed at once, and what open ones still send is dropped.
   */
  async close(code = 1001, reason = 'the controller is stopping'): Promise<void> {
    if (!this.#closed) {
      this.#closeCode = code;
      this.#closeReason = reason;
    }
    this.#closed = true;
    for (const node of this.#nodes.values()) if (node.grace !== undefined) clearTimeout(node.grace);
    const sockets = [...this.#sockets];
    await Promise.all(
      sockets.map(
        (s) =>
          new Promise<void>((resolve) => {
            if (s.readyState === s.CLOSED) return resolve();
            s.once('close', () => resolve());
            s.close(code, closeReason(reason));
            setTimeout(() => s.terminate(), 2_000).unref();
          }),
      ),
    );
  }
}
