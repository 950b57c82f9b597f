/**
 * Nodes and computers: where builds run, after Jenkins' hudson.model.Node (configuration, a value)
 * and hudson.model.Computer (the running side: online state and executors). The built-in node now;
 * agents join through the same two.
 */
export { BUILT_IN_NODE, defineNode, parseNodeMode, type LauncherKind, type Node, type NodeFields, type NodeMode } from './node.js';
export { builtInNode, type BuiltInNodeConfig } from './built-in-node.js';
export type { NodeChannel, LaunchOptions, StepOwner, StepProcess, TempFile, RefusedFile } from './channel.js';
export { Computer, type ComputerState, type ComputerStateName, type OfflineCause } from './computer.js';
export { Executor, type ExecutorState, type ExecutorStateName } from './executor.js';
export { parseLabelExpression, parseLabels, type LabelExpression } from './label/index.js';
/** The built-in node's side: its launcher process's client and its channel. */
export { Launcher, stepScript, shellQuote, ORPHAN_GRACE_MS, type LauncherOptions, type RunAs } from './local/launcher.js';
export { LocalChannel } from './local/local-channel.js';
