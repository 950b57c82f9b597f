/**
 * Nodes and executors: where builds run. The built-in node now; agents join through the same Node.
 */
export { Node, BUILT_IN_NODE, type NodeMode } from './node.js';
export { Executor, type ExecutorState, type ExecutorStateName } from './executor.js';
export { parseLabelExpression, parseLabels, type LabelExpression } from './label/index.js';
