import { createServer as createHttpServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import { WebSocketServer } from 'ws';
import { AgentConnections } from '../nodes/index.js';
import type { StewardApi } from './api.js';

export interface AgentPortOptions {
  /** The TCP port (0: any free one). */
  port: number;
  host: string;
  /** A certificate and its key (PEM): agents connect with TLS (https:// URLs). */
  tls?: { readonly cert: string; readonly key: string } | undefined;
  api: StewardApi;
  logger: Logger;
}

export interface AgentPort {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * The agent port (`--agent-port`, 50000 by default as Jenkins' TCP agent listener): the same
 * WebSocket connection as `/agent` on the HTTP port, on a port of its own, for networks that
 * open only that port to agents; with TLS when a certificate is given. Nothing else is served
 * there: any other request is 404 and names what the port is for.
 */
export async function listenAgentPort(o: AgentPortOptions): Promise<AgentPort> {
  const log = o.logger.child({ part: 'agent-port' });
  const wss = new WebSocketServer({ noServer: true, ...AgentConnections.socketOptions });
  const server: Server = o.tls === undefined ? createHttpServer() : createHttpsServer({ cert: o.tls.cert, key: o.tls.key });
  // Requests are small and few: bound what a stranger can hold.
  server.headersTimeout = 10_000;
  server.requestTimeout = 10_000;
  server.maxHeadersCount = 50;
  server.on('request', (_req, res) => {
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
    res.end("This is Steward's agent port: agents connect here with a WebSocket at /agent (steward agent --url URL).\n");
  });
  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const path = (req.url ?? '').split('?')[0];
    if (path !== '/agent') {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const agents = o.api.agents();
      if (agents === undefined) {
        ws.close(1013, 'this controller is not active');
        return;
      }
      agents.accept(ws, req.socket.remoteAddress ?? '');
    });
  });
  server.on('tlsClientError', (err) => log.debug({ err: err.message }, 'a TLS handshake on the agent port failed'));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : o.port;
  log.info({ port, tls: o.tls !== undefined }, `agents can connect on port ${port}${o.tls === undefined ? '' : ' with TLS'}`);
  return {
    port,
    close: async () => {
      for (const ws of wss.clients) ws.terminate();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}
