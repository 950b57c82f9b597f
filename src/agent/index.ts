/**
 * The agent side of a node: `steward agent` (agent.ts) and what it shares with the built-in node's
 * launcher process (the step runner, the file work of a node's channel).
 */
export { Agent, AgentRefused, agentEndpoint, type AgentOptions } from './agent.js';
export { StepRunner, exitCode, type RunAs } from './step-runner.js';
export { listWorkspaceFiles, writePrivateTempFile, type PrivateTempFile } from './node-files.js';
