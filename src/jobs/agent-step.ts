/**
 * The record a build keeps of the step it runs on an agent (`builds/N/agent-step.json`), written
 * before the step starts, so that a controller that starts after this one died can adopt the
 * step when the agent reconnects and continue the build from it (docs/agents.md).
 */
import type { Result } from './result.js';

export interface AgentStepRecord {
  /** The agent node the step runs on. */
  node: string;
  /** The step's id, as the agent holds it. */
  id: string;
  /** The build's cookie, in the step's environment. */
  cookie: string;
  /** The index of the builder that started the step. */
  builder: number;
  /** The build's result before that builder. */
  result: Result;
  /** The size of the build's log when the step started: its output's offset 0 in the log. */
  logOffset: number;
}

export const AGENT_STEP_FILE = 'agent-step.json';

const RESULTS: readonly Result[] = ['SUCCESS', 'UNSTABLE', 'FAILURE', 'NOT_BUILT', 'ABORTED'];

/** Reads the record; undefined when it is not one (a torn or foreign file is not adopted). */
export function parseAgentStepRecord(text: string): AgentStepRecord | undefined {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null) return undefined;
  const r = v as Record<string, unknown>;
  const whole = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
  if (typeof r.node !== 'string' || typeof r.id !== 'string' || typeof r.cookie !== 'string') return undefined;
  if (!whole(r.builder) || !whole(r.logOffset) || !RESULTS.includes(r.result as Result)) return undefined;
  return { node: r.node, id: r.id, cookie: r.cookie, builder: r.builder, result: r.result as Result, logOffset: r.logOffset };
}
