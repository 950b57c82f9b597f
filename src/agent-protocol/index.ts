/**
 * The agent protocol: the typed, versioned messages between the controller and a node's agent
 * (the built-in node's launcher process over IPC; `steward agent` over a WebSocket), and their
 * parsers for the receiving edge.
 */
export { PROTOCOL_VERSION, type ToAgent, type FromAgent, type StepBuild, type Unversioned } from './messages.js';
export { ORPHAN_GRACE_MS, WATCHDOG_EXIT_CODE, WATCHDOG_GRACE_DIVISOR } from './launcher-exit.js';
export { parseToAgent, parseFromAgent } from './parse.js';
export {
  CLOSE_HANDOVER,
  CLOSE_PROTOCOL,
  CLOSE_REFUSED,
  MAX_FRAME_BYTES,
  MAX_STEP_ID_LENGTH,
  NETWORK_VERSIONS,
  type Adoption,
  type AgentMessage,
  type ControllerMessage,
  type HeldStep,
  type Hello,
  type RefusalCode,
} from './network.js';
export { parseAgentMessage, parseControllerMessage, parseHello, parseJsonFrame } from './parse-network.js';
export { FRAME_FILE, FRAME_OUTPUT, decodeFrame, encodeFrame, frameHeader, type DataFrame, type FrameKind } from './frames.js';
