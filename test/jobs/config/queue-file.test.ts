import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseQueueFile, serializeQueueFile, type PersistedQueueItem } from '../../../src/jobs/config/index.js';
import { catchSteward } from './helpers.js';

const items: PersistedQueueItem[] = [
  {
    id: 41,
    job: 'shop/shop-api',
    inQueueSince: 1717400000000,
    dueAt: 1717400005000,
    parameters: [
      { name: 'BRANCH', value: 'main', sensitive: false },
      { name: 'TOKEN', value: '{AQAAABAAAAAQencrypted=}', sensitive: true },
    ],
    causes: [{ kind: 'user', shortDescription: 'Started by user alice', userId: 'alice' }],
  },
  { id: 42, job: 'nightly & <co>', inQueueSince: 1717400001000, dueAt: 1717400001000, parameters: [], causes: [{ kind: 'timer', shortDescription: 'Started by timer' }] },
];

describe('queue persistence (queue.xml)', () => {
  it('round-trips items and the next id', () => {
    const text = serializeQueueFile(items, 43);
    assert.deepEqual(parseQueueFile(text, 'queue.xml'), { items, nextId: 43 });
  });

  it('writes the Jenkins shape, with counter as the last id handed out', () => {
    const text = serializeQueueFile(items.slice(1), 43);
    assert.equal(
      text,
      `<?xml version='1.1' encoding='UTF-8'?>
<hudson.model.Queue_-State>
  <counter>42</counter>
  <items>
    <hudson.model.Queue_-WaitingItem>
      <actions>
        <hudson.model.CauseAction>
          <causeBag class="linked-hash-map">
            <entry>
              <hudson.triggers.TimerTrigger_-TimerTriggerCause/>
              <int>1</int>
            </entry>
          </causeBag>
        </hudson.model.CauseAction>
      </actions>
      <id>42</id>
      <inQueueSince>1717400001000</inQueueSince>
      <task class="hudson.model.FreeStyleProject">nightly &amp; &lt;co&gt;</task>
      <timestamp>
        <time>1717400001000</time>
        <timezone>Etc/UTC</timezone>
      </timestamp>
    </hudson.model.Queue_-WaitingItem>
  </items>
</hudson.model.Queue_-State>`,
    );
  });

  it('reads back a queue of 10,000 items, beyond the element limit of XML from outside', () => {
    const many = Array.from({ length: 10_000 }, (_, i) => ({ ...(items[0] as PersistedQueueItem), id: i + 1 }));
    const { items: read } = parseQueueFile(serializeQueueFile(many, 10_001), 'queue.xml');
    assert.equal(read.length, 10_000);
  });

  it('round-trips an empty queue', () => {
    assert.deepEqual(parseQueueFile(serializeQueueFile([], 1), 'queue.xml'), { items: [], nextId: 1 });
  });

  it('reads blocked and buildable items and keeps nextId above every item id', () => {
    const text = `<hudson.model.Queue_-State><counter>3</counter><items>
      <hudson.model.Queue_-BuildableItem><id>9</id><inQueueSince>100</inQueueSince><task><fullName>a/b</fullName></task></hudson.model.Queue_-BuildableItem>
    </items></hudson.model.Queue_-State>`;
    assert.deepEqual(parseQueueFile(text, 'queue.xml'), {
      items: [{ id: 9, job: 'a/b', inQueueSince: 100, dueAt: 100, parameters: [], causes: [] }],
      nextId: 10,
    });
  });

  it('refuses another root, an item without a task and a bad id, naming the field', () => {
    assert.equal(catchSteward('STW_CONFIG_INVALID', () => parseQueueFile('<queue/>', 'queue.xml')).field, 'queue');
    const noTask = '<hudson.model.Queue_-State><items><hudson.model.Queue_-WaitingItem><id>1</id><inQueueSince>1</inQueueSince></hudson.model.Queue_-WaitingItem></items></hudson.model.Queue_-State>';
    assert.equal(catchSteward('STW_CONFIG_INVALID', () => parseQueueFile(noTask, 'queue.xml')).field, 'items/hudson.model.Queue_-WaitingItem[1]/task');
    const badId = '<hudson.model.Queue_-State><items><hudson.model.Queue_-WaitingItem><id>x</id></hudson.model.Queue_-WaitingItem></items></hudson.model.Queue_-State>';
    assert.equal(catchSteward('STW_CONFIG_INVALID', () => parseQueueFile(badId, 'queue.xml')).field, 'items/hudson.model.Queue_-WaitingItem[1]/id');
  });

  it('reports malformed queue.xml with file and line', () => {
    const err = catchSteward('STW_XML_MALFORMED', () => parseQueueFile('<hudson.model.Queue_-State>\n<items>\n</hudson.model.Queue_-State>', 'queue.xml'));
    assert.deepEqual([err.file, err.line], ['queue.xml', 3]);
  });
});
