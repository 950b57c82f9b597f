import websocket from '@fastify/websocket';
import type { FastifyInstance } from 'fastify';
import { AgentConnections } from '../nodes/index.js';
import type { StewardApi } from './api.js';

/**
 * `/agent`: agents connect here over a WebSocket on the HTTP port (as Jenkins' WebSocket agents
 * do on `/wsagents/`). No user authentication: the agent authenticates with its node's secret in
 * its first message. A standby answers the upgrade with 503 like every other request, so an agent
 * tries its next URL.
 */
export async function registerAgentRoutes(app: FastifyInstance, api: StewardApi): Promise<void> {
  await app.register(websocket, { options: { ...AgentConnections.socketOptions } });
  // The plugin destroys the socket of an upgrade answered with a plain HTTP response only when its
  // own onRequest hook ran; the standby gate and authentication run before it and may answer first
  // (a standby's 503). Such a socket is read by nobody and would hold the server's close open.
  app.addHook('onResponse', async (req) => {
    if (req.ws !== true && req.headers.upgrade !== undefined) req.raw.socket.destroy();
  });
  app.get('/agent', { websocket: true }, (socket, req) => {
    const agents = api.agents();
    if (agents === undefined) {
      socket.close(1013, 'this controller is not active');
      return;
    }
    agents.accept(socket, req.ip);
  });
}
