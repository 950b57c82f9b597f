import { addCause, countOf, foldCauses, type Cause as QueueCause } from '../../queue/index.js';
import { valueClassOf, type ParameterValue } from './parameters.js';
import type { XmlElementHandle, XmlSpec } from '../../xml/index.js';

/*
 * The two actions that build.xml and queue.xml share: hudson.model.CauseAction (why a build was
 * started) and hudson.model.ParametersAction (with which parameter values).
 */

export type CauseKind = 'user' | 'timer' | 'scm' | 'remote' | 'upstream' | 'other';

/** Why a build was started, as Jenkins shows it ("Started by user alice"). */
/** The queue's Cause: one type from the request to the build record. */
export type Cause = QueueCause;

const CAUSE_CLASSES: Readonly<Record<CauseKind, string>> = {
  user: 'hudson.model.Cause_-UserIdCause',
  timer: 'hudson.triggers.TimerTrigger_-TimerTriggerCause',
  scm: 'hudson.triggers.SCMTrigger_-SCMTriggerCause',
  remote: 'hudson.model.Cause_-RemoteCause',
  upstream: 'hudson.model.Cause_-UpstreamCause',
  // Jenkins has no generic cause; Steward writes causes it cannot classify under this name.
  other: 'steward.OtherCause',
};

const KIND_OF_CLASS: ReadonlyMap<string, CauseKind> = new Map([
  ...Object.entries(CAUSE_CLASSES).map(([kind, type]) => [type, kind as CauseKind] as const),
  ['hudson.model.Cause_-UserCause', 'user'], // before Jenkins 1.427
]);

/** Jenkins' own wording (hudson/model/Messages.properties), computed from the cause's fields. */
function describe(kind: CauseKind, type: string, field: (name: string) => string | undefined): string {
  switch (kind) {
    case 'user':
      return `Started by user ${field('userName') ?? field('userId') ?? field('authenticationName') ?? 'anonymous'}`;
    case 'timer':
      return 'Started by timer';
    case 'scm':
      return 'Started by an SCM change';
    case 'remote': {
      const note = field('note');
      return `Started by remote host ${field('addr') ?? ''}${note === undefined ? '' : ` with note: ${note}`}`;
    }
    case 'upstream':
      return `Started by upstream project "${field('upstreamProject') ?? ''}" build number ${field('upstreamBuild') ?? ''}`;
    case 'other':
      return `Started by ${type}`;
  }
}

/**
 * Reads a CauseAction: the current `<causeBag>` (a map from cause to how many times it
 * happened) or the old `<causes>` list, where a cause repeats once per request. Either way
 * identical causes come out once, with their count. Unknown cause classes become
 * `kind: 'other'`. A `<shortDescription>` element, which Steward writes only when the description
 * cannot be derived from the other fields, wins over the derived one.
 */
export function readCauseAction(action: XmlElementHandle): Cause[] {
  const out: Cause[] = [];
  const bag = action.child('causeBag');
  if (bag !== undefined) {
    for (const entry of bag.childrenNamed('entry')) {
      const [cause, count] = entry.children();
      if (cause === undefined) continue;
      addCause(out, { ...readCause(cause), count: readCount(count) });
    }
  }
  for (const cause of action.child('causes')?.children() ?? []) addCause(out, readCause(cause));
  return out.map((c) => (c.count === 1 ? withoutCount(c) : c));
}

/** A causeBag count: a positive whole number; anything else counts once, as the cause is there. */
function readCount(el: XmlElementHandle | undefined): number {
  const text = el?.text().trim() ?? '';
  const n = /^\d{1,15}$/.test(text) ? Number(text) : 1;
  return n >= 1 ? n : 1;
}

function withoutCount(c: Cause): Cause {
  const { count: _count, ...rest } = c;
  return rest;
}

/** How deep upstream causes nest in a record as read; Jenkins writes at most 10 levels. */
const MAX_READ_DEPTH = 16;

function readCause(el: XmlElementHandle, depth = 0): Cause {
  const kind = KIND_OF_CLASS.get(el.name) ?? 'other';
  const field = (name: string): string | undefined => el.childText(name);
  const userId = field('userId') ?? field('authenticationName');
  const userName = field('userName');
  const upstreamProject = field('upstreamProject');
  const upstreamBuildText = field('upstreamBuild');
  const upstreamBuild = upstreamBuildText !== undefined && /^\d{1,15}$/.test(upstreamBuildText) ? Number(upstreamBuildText) : undefined;
  const upstreamUrl = field('upstreamUrl');
  const nested = depth < MAX_READ_DEPTH ? (el.child('upstreamCauses')?.children() ?? []).map((c) => readCause(c, depth + 1)) : [];
  const addr = field('addr');
  const note = field('note');
  return {
    kind,
    shortDescription: field('shortDescription') ?? describe(kind, el.name, field),
    ...(kind === 'user' && userId !== undefined ? { userId } : {}),
    ...(kind === 'user' && userName !== undefined ? { userName } : {}),
    ...(kind === 'upstream' && upstreamProject !== undefined ? { upstreamProject } : {}),
    ...(kind === 'upstream' && upstreamBuild !== undefined ? { upstreamBuild } : {}),
    ...(kind === 'upstream' && upstreamUrl !== undefined ? { upstreamUrl } : {}),
    ...(kind === 'upstream' && nested.length > 0 ? { upstreamCauses: nested } : {}),
    ...(kind === 'remote' && addr !== undefined ? { addr } : {}),
    ...(kind === 'remote' && note !== undefined ? { note } : {}),
  };
}

/** A CauseAction as Jenkins writes it: each distinct cause its own `<entry>` with its count. */
export function causeActionSpec(causes: readonly Cause[]): XmlSpec {
  return {
    name: 'hudson.model.CauseAction',
    children: [
      {
        name: 'causeBag',
        attributes: { class: 'linked-hash-map' },
        children: foldCauses(causes).map((c) => ({ name: 'entry', children: [causeSpec(c), { name: 'int', text: String(countOf(c)) }] })),
      },
    ],
  };
}

function causeSpec(cause: Cause): XmlSpec {
  const type = CAUSE_CLASSES[cause.kind];
  const fields: XmlSpec[] = [];
  if (cause.kind === 'user') {
    if (cause.userId !== undefined) fields.push({ name: 'userId', text: cause.userId });
    // Not a Jenkins field (Jenkins looks the name up); Jenkins skips unknown fields on load.
    if (cause.userName !== undefined) fields.push({ name: 'userName', text: cause.userName });
  }
  if (cause.kind === 'upstream') {
    // Jenkins' UpstreamCause fields, in its order.
    if (cause.upstreamProject !== undefined) fields.push({ name: 'upstreamProject', text: cause.upstreamProject });
    if (cause.upstreamUrl !== undefined) fields.push({ name: 'upstreamUrl', text: cause.upstreamUrl });
    if (cause.upstreamBuild !== undefined) fields.push({ name: 'upstreamBuild', text: String(cause.upstreamBuild) });
    // Jenkins lists the upstream build's own causes here and reads the list on load: never left out.
    fields.push({ name: 'upstreamCauses', children: (cause.upstreamCauses ?? []).map(causeSpec) });
  }
  if (cause.kind === 'remote') {
    if (cause.addr !== undefined) fields.push({ name: 'addr', text: cause.addr });
    if (cause.note !== undefined) fields.push({ name: 'note', text: cause.note });
  }
  const derived = describe(cause.kind, type, (name) => fields.find((f) => f.name === name)?.text);
  if (cause.shortDescription !== derived) fields.push({ name: 'shortDescription', text: cause.shortDescription });
  return { name: type, children: fields };
}

/**
 * Reads a ParametersAction's values. Any `*ParameterValue` with a `<name>` counts; its `<value>`
 * text is taken as is (a boolean reads as `true`/`false`). PasswordParameterValue is sensitive;
 * its value is whatever was stored (normally Jenkins' encrypted Secret).
 */
export function readParametersAction(action: XmlElementHandle): ParameterValue[] {
  const out: ParameterValue[] = [];
  for (const el of action.child('parameters')?.children() ?? []) {
    const name = el.childText('name');
    if (name === undefined) continue;
    const value: ParameterValue = { name, value: el.childText('value') ?? '', sensitive: /Password/.test(el.name) };
    out.push(value.sensitive || el.name === 'hudson.model.StringParameterValue' ? value : { ...value, type: el.name });
  }
  return out;
}

/**
 * A ParametersAction. Sensitive values are written as PasswordParameterValue with the value as
 * given: the caller encrypts it first, and nothing here logs it.
 */
export function parametersActionSpec(values: readonly ParameterValue[]): XmlSpec {
  return {
    name: 'hudson.model.ParametersAction',
    children: [
      { name: 'safeParameters', attributes: { class: 'sorted-set' } },
      {
        name: 'parameters',
        children: values.map((v) => ({
          name: valueClassOf(v),
          children: [
            { name: 'name', text: v.name },
            { name: 'value', text: v.value },
          ],
        })),
      },
      { name: 'parameterDefinitionNames', children: values.map((v) => ({ name: 'string', text: v.name })) },
    ],
  };
}
