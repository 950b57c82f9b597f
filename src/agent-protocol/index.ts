/**
 * The agent protocol: the typed, versioned messages between the controller and a node's agent
 * (the built-in node's launcher process today), and their parsers for the receiving edge.
 */
export { PROTOCOL_VERSION, type ToAgent, type FromAgent, type Unversioned } from './messages.js';
export { parseToAgent, parseFromAgent } from './parse.js';
