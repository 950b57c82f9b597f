import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseFreestyleConfig } from '../../jobs/index.js';
import { parseXml } from '../../xml/index.js';
import { at } from '../../../test/jobs/config/helpers.js';
import { parseBuildTrigger, parseReverseBuildTrigger } from './index.js';

const upstream = (name: string): string => readFileSync(new URL(`../../../test/e2e/fixtures/upstream/${name}`, import.meta.url), 'utf8');

describe('upstream and downstream trigger parsers', () => {
  it('reads "Build other projects" as Jenkins 1.x wrote it, without completeBuild', () => {
    const a = parseFreestyleConfig(upstream('A.xml'), 'jobs/A/config.xml').config;
    assert.deepEqual(parseBuildTrigger(at(a.publishers, 0).element), { childProjects: ['B'], threshold: 'SUCCESS' });
  });

  it('reads "Build after other projects are built" with its comma-separated upstream jobs', () => {
    const r = parseFreestyleConfig(upstream('reverse-trigger.xml'), 'jobs/r/config.xml').config;
    assert.deepEqual(parseReverseBuildTrigger(at(r.triggers, 0).element), { upstreamProjects: ['freestyle leopard', 'freestyle-aardvark'], threshold: 'SUCCESS' });
  });

  it('reads both as Jenkins Job Builder 3.11 writes them', () => {
    const up = parseFreestyleConfig(upstream('jjb-upstream.xml'), 'jobs/jjb-upstream/config.xml').config;
    assert.deepEqual(parseBuildTrigger(at(up.publishers, 0).element), { childProjects: ['jjb-downstream'], threshold: 'UNSTABLE' });
    const down = parseFreestyleConfig(upstream('jjb-downstream.xml'), 'jobs/jjb-downstream/config.xml').config;
    assert.deepEqual(parseReverseBuildTrigger(at(down.triggers, 0).element), { upstreamProjects: ['jjb-upstream'], threshold: 'UNSTABLE' });
    assert.equal(down.blockBuildWhenUpstreamBuilding, true);
    assert.equal(up.blockBuildWhenDownstreamBuilding, true);
  });

  it('takes the threshold by its ordinal, as Jenkins reads a Result, then by its name; SUCCESS without either', () => {
    const read = (threshold: string) =>
      parseBuildTrigger(parseXml(`<hudson.tasks.BuildTrigger><childProjects>x, y ,x,,</childProjects>${threshold}</hudson.tasks.BuildTrigger>`, 'f.xml').root);
    assert.deepEqual(read('<threshold><name>FAILURE</name><ordinal>2</ordinal><color>RED</color></threshold>'), { childProjects: ['x', 'y'], threshold: 'FAILURE' });
    assert.equal(read('<threshold><name>SUCCESS</name><ordinal>1</ordinal></threshold>').threshold, 'UNSTABLE');
    assert.equal(read('<threshold><name>UNSTABLE</name></threshold>').threshold, 'UNSTABLE');
    assert.equal(read('').threshold, 'SUCCESS');
  });
});
