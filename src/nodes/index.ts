/**
 * Nodes and computers: where builds run, after Jenkins' hudson.model.Node (configuration, a value)
 * and hudson.model.Computer (the running side: online state and executors). The built-in node,
 * and the agent nodes of the home's nodes/ folder.
 */
export { BUILT_IN_NODE, LEGACY_BUILT_IN_LABEL, defineNode, parseNodeMode, type LauncherKind, type Node, type NodeFields, type NodeMode, type SshLauncherSettings } from './node.js';
export { builtInNode, type BuiltInNodeConfig } from './built-in-node.js';
export type { NodeChannel, LaunchOptions, StepOwner, StepProcess, TempFile, RefusedFile } from './channel.js';
export { Computer, type ComputerState, type ComputerStateName, type OfflineCause } from './computer.js';
export { Executor, type ExecutorState, type ExecutorStateName } from './executor.js';
export { parseLabelExpression, parseLabels, type LabelExpression } from './label/index.js';
/** The built-in node's side: its launcher process's client and its channel. */
export { Launcher, stepScript, shellQuote, ORPHAN_GRACE_MS, type LauncherOptions, type RunAs } from './local/launcher.js';
export { LocalChannel } from './local/local-channel.js';

/**
 * Agents' config.xml in Jenkins' DumbSlave shape (`<slave>`), read losslessly by
 * {@link parseAgentConfig} (STW_XML_MALFORMED, or STW_CONFIG_INVALID naming file, line and
 * field); inbound agents (JNLPLauncher) and agents started over SSH (SSHLauncher).
 */
export { parseAgentConfig, agentConfigFile, AGENT_ROOT, JNLP_LAUNCHER, SSH_LAUNCHER, MAX_AGENT_EXECUTORS, type AgentConfig } from './agent-config.js';
/**
 * A new agent's fields ({@link AgentSpec}) from Jenkins' node form (`json`, as python-jenkins'
 * create_node sends it: {@link parseAgentForm}) and the config.xml they make ({@link agentConfigXml}).
 */
export { parseAgentForm, agentConfigXml, DUMB_SLAVE_TYPES, type AgentSpec } from './agent-spec.js';
/**
 * The agent nodes of the home, a Computer each, created, reconfigured and deleted through the home
 * store; agents' secrets ({@link AgentNodes.agentSecret}) and their check
 * ({@link AgentNodes.authenticateAgent}). {@link checkNodeName} is Jenkins' rule for node names.
 */
export { AgentNodes, checkNodeName, type AgentCheck, type AgentChange, type AgentNodesOptions, type AgentSecrets } from './agent-nodes.js';
/** Agents' side: their connections and the channel over them. */
export { AgentConnections, DEFAULT_AGENT_GRACE_MS, type AgentConnectionsOptions } from './remote/agent-connections.js';
export { RemoteChannel } from './remote/remote-channel.js';
