import { BUILT_IN_NODE, LEGACY_BUILT_IN_LABEL, defineNode, type Node, type NodeMode } from './node.js';

/** The built-in node's settings, which Jenkins keeps in the home's config.xml (`<hudson>`). */
export interface BuiltInNodeConfig {
  readonly numExecutors: number;
  readonly mode: NodeMode;
  readonly label: string;
}

/**
 * The built-in node as the home's config.xml defines it; its root is the home, as in Jenkins. It
 * answers to `built-in` and to `master`, its name before Jenkins 2.307 (LEGACY_BUILT_IN_LABEL).
 */
export function builtInNode(config: BuiltInNodeConfig, home: string): Node {
  return defineNode({
    name: BUILT_IN_NODE,
    selfLabels: [BUILT_IN_NODE, LEGACY_BUILT_IN_LABEL],
    numExecutors: config.numExecutors,
    labelString: config.label,
    mode: config.mode,
    launcher: 'local',
    remoteFS: home,
  });
}
