import type { PersistedQueueItem } from '../../queue/index.js';
import { causeActionSpec, parametersActionSpec, readCauseAction, readParametersAction } from './actions.js';
import { configInvalid, readIntegerOr, requireInteger, JENKINS_XML_DECLARATION, parseXml, writeXmlSpec, QUEUE_XML_LIMITS, type XmlElementHandle, type XmlSpec } from '../../xml/index.js';

/** A queue item as saved in queue.xml (the queue's own type). */
export type { PersistedQueueItem };

const STATE = 'hudson.model.Queue_-State';
const WAITING_ITEM = 'hudson.model.Queue_-WaitingItem';

/** One item of queue.xml as text (an item does not change while queued, so callers may cache it). */
export function serializeQueueItem(item: PersistedQueueItem): string {
  const actions: XmlSpec[] = [causeActionSpec(item.causes)];
  if (item.parameters.length > 0) actions.push(parametersActionSpec(item.parameters));
  return writeXmlSpec(
    {
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
    },
    2,
  );
}

/**
 * Writes queue.xml shaped like Jenkins' (`<hudson.model.Queue_-State>`). As in Jenkins,
 * `<counter>` holds the last id handed out, so it is `nextId - 1`. Every item is written as a
 * WaitingItem: after a restart, blocked and buildable items are re-evaluated from waiting anyway.
 * The task is written as the job's full name, which is Steward's form, not Jenkins'.
 * `itemText` lets a caller reuse the text of items it wrote before.
 */
export function serializeQueueFile(
  items: readonly PersistedQueueItem[],
  nextId: number,
  itemText: (item: PersistedQueueItem) => string = serializeQueueItem,
): string {
  const head = `${JENKINS_XML_DECLARATION}\n<${STATE}>\n  <counter>${nextId - 1}</counter>\n  `;
  if (items.length === 0) return `${head}<items/>\n</${STATE}>`;
  let body = '<items>';
  for (const item of items) body += `\n    ${itemText(item)}`;
  return `${head}${body}\n  </items>\n</${STATE}>`;
}

/**
 * Reads queue.xml. Items of any Queue item class (waiting, blocked, buildable) are read;
 * `nextId` is above both the counter and every item's id.
 */
export function parseQueueFile(text: string, file: string): { items: PersistedQueueItem[]; nextId: number } {
  const { root } = parseXml(text, file, QUEUE_XML_LIMITS);
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
