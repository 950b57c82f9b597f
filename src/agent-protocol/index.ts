/**
 * The agent protocol: the typed, versioned messages between the controller and a node's agent
 * (the built-in node's launcher process today), and their parsers for the receiving edge.
 */
export { PROTOCOL_VERSION, type ToAgent, type FromAgent, type StepBuild, type Unversioned } from './messages.js';
export { ORPHAN_GRACE_MS, WATCHDOG_EXIT_CODE, WATCHDOG_GRACE_DIVISOR } from './launcher-exit.js';
export { parseToAgent, parseFromAgent } from './parse.js';
