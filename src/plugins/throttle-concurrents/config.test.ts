import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseFreestyleConfig } from '../../jobs/index.js';
import { parseXml } from '../../xml/index.js';
import { parseThrottleCategories, parseThrottleProperty, THROTTLE_JOB_PROPERTY } from './index.js';

const upstream = (name: string): string => readFileSync(new URL(`../../../test/e2e/fixtures/upstream/${name}`, import.meta.url), 'utf8');
const property = (name: string) => {
  const el = parseFreestyleConfig(upstream(name), `jobs/${name}/config.xml`).document.root.child('properties')?.child(THROTTLE_JOB_PROPERTY);
  assert.ok(el !== undefined);
  return parseThrottleProperty(el);
};

describe('throttle-concurrents parsers', () => {
  it('reads the job property of throttle-concurrents 1.8.4 as a Jenkins export holds it', () => {
    assert.deepEqual(property('throttle-job.xml'), { throttleEnabled: false, throttleOption: 'project', maxConcurrentPerNode: 0, maxConcurrentTotal: 0, categories: [] });
  });

  it('reads the property as Jenkins Job Builder 3.11 writes it, by project and by category', () => {
    assert.deepEqual(property('jjb-upstream.xml'), { throttleEnabled: true, throttleOption: 'project', maxConcurrentPerNode: 1, maxConcurrentTotal: 1, categories: [] });
    assert.deepEqual(property('jjb-downstream.xml'), { throttleEnabled: true, throttleOption: 'category', maxConcurrentPerNode: 0, maxConcurrentTotal: 0, categories: ['one_per_node'] });
  });

  it('takes a property without throttleEnabled (before 1.8) as enabled, its one <category>, and a limit that is no number as none', () => {
    const el = parseXml(
      `<${THROTTLE_JOB_PROPERTY}><maxConcurrentPerNode>x</maxConcurrentPerNode><maxConcurrentTotal>-2</maxConcurrentTotal><category>db</category><throttleOption>category</throttleOption></${THROTTLE_JOB_PROPERTY}>`,
      'f.xml',
    ).root;
    assert.deepEqual(parseThrottleProperty(el), { throttleEnabled: true, throttleOption: 'category', maxConcurrentPerNode: 0, maxConcurrentTotal: 0, categories: ['db'] });
  });

  it('reads the categories of the plugin\'s global configuration, leaving its pipeline bookkeeping', () => {
    const root = parseXml(upstream('hudson.plugins.throttleconcurrents.ThrottleJobProperty.xml'), 'hudson.plugins.throttleconcurrents.ThrottleJobProperty.xml').root;
    assert.deepEqual([...parseThrottleCategories(root).values()], [
      { name: 'one_per_node', maxConcurrentPerNode: 1, maxConcurrentTotal: 0 },
      { name: 'two_total', maxConcurrentPerNode: 0, maxConcurrentTotal: 2 },
      { name: 'other_one_per_node', maxConcurrentPerNode: 1, maxConcurrentTotal: 0 },
    ]);
  });
});
