import { causeActionSpec, parametersActionSpec, readCauseAction, readParametersAction, type Cause } from './actions.js';
import type { ParameterValue } from './parameters.js';
import { configInvalid, readIntegerOr, requireInteger } from './values.js';
import { createXmlDocument, parseXml, serializeXml, type XmlElementHandle, type XmlSpec } from './xml.js';

/** A queue item as saved in queue.xml, so the queue survives a restart or a failover. */
export interface PersistedQueueItem {
  id: number;
  /** The job's full name (`folder/job`). */
  job: string;
  /** When the item entered the queue, ms since the epoch. */
  inQueueSince: number;
  /** When its quiet period ends, ms since the epoch (Jenkins' WaitingItem.timestamp). */
  dueAt: number;
  parameters: ParameterValue[];
  causes: Cause[];
}

const STATE = 'hudson.model.Queue_-State';
const WAITING_ITEM = 'hudson.model.Queue_-WaitingItem';

/**
 * Writes queue.xml shaped like Jenkins' (`<hudson.model.Queue_-State>`). As in Jenkins,
 * `<counter>` holds the last id handed out, so it is `nextId - 1`. Every item is written as a
 * WaitingItem: after a restart, blocked and buildable items are re-evaluated from waiting anyway.
 * The task is written as the job's full name, which is Steward's form, not Jenkins'.
 */
export function serializeQueueFile(items: readonly PersistedQueueItem[], nextId: number): string {
  const itemSpecs = items.map((item): XmlSpec => {
    const actions: XmlSpec[] = [causeActionSpec(item.causes)];
    if (item.parameters.length > 0) actions.push(parametersActionSpec(item.parameters));
    return {
      name: WAITING_ITEM,
      children: [
        { name: 'actions', children: actions },
        { name: 'id', text: String(item.id) },
        { name: 'inQueueSince', text: String(item.inQueueSince) },
        { name: 'task', attributes: { class: 'hudson.model.FreeStyleProject' }, text: item.job },
        {
          name: 'timestamp',
          children: [
            { name: 'time', text: String(item.dueAt) },
            { name: 'timezone', text: 'Etc/UTC' },
          ],
        },
      ],
    };
  });
  const root: XmlSpec = {
    name: STATE,
    children: [
      { name: 'counter', text: String(nextId - 1) },
      { name: 'items', children: itemSpecs },
    ],
  };
  return serializeXml(createXmlDocument(root, 'queue.xml'));
}

/**
 * Reads queue.xml. Items of any Queue item class (waiting, blocked, buildable) are read;
 * `nextId` is above both the counter and every item's id.
 */
export function parseQueueFile(text: string, file: string): { items: PersistedQueueItem[]; nextId: number } {
  const { root } = parseXml(text, file);
  if (root.name !== STATE) {
    throw configInvalid(root, root.name, `expected <${STATE}> as the root element`);
  }
  const items = (root.child('items')?.children() ?? []).map(readItem);
  const counter = readIntegerOr(root, 'counter', 0, 0);
  const nextId = Math.max(counter + 1, ...items.map((i) => i.id + 1));
  return { items, nextId };
}

function readItem(el: XmlElementHandle): PersistedQueueItem {
  const id = requireInteger(el, 'id', 0);
  const inQueueSince = requireInteger(el, 'inQueueSince', 0);
  const task = el.child('task');
  // Steward writes the full name as text; accept a <fullName> or <name> child as well.
  const job = (task?.childText('fullName') ?? task?.childText('name') ?? task?.text() ?? '').trim();
  if (task === undefined || job === '') throw configInvalid(task ?? el, el.childPath('task'), 'names no job');
  const timestamp = el.child('timestamp');
  const dueAt = timestamp === undefined ? inQueueSince : readIntegerOr(timestamp, 'time', inQueueSince, 0);
  const actions = el.child('actions')?.children() ?? [];
  return {
    id,
    job,
    inQueueSince,
    dueAt,
    parameters: actions.filter((a) => a.name === 'hudson.model.ParametersAction').flatMap(readParametersAction),
    causes: actions.filter((a) => a.name === 'hudson.model.CauseAction').flatMap(readCauseAction),
  };
}
