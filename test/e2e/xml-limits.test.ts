import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { XML_LIMITS } from '../../src/xml/index.js';
import { freestyleXml, stringParam, useController } from '../support/steward-process.js';

interface ErrorBody {
  error: { code: string; message: string; line?: number; column?: number; field?: string };
}

/** A freestyle config.xml padded with unknown plugin elements to `bytes` bytes, near the element limit. */
function paddedConfig(bytes: number): string {
  const base = freestyleXml({ command: 'true' });
  const elements = XML_LIMITS.maxElements - 100;
  const open = '\n  <com.example.Padding>';
  const close = '</com.example.Padding>';
  const budget = bytes - Buffer.byteLength(base) - elements * '<p></p>'.length - open.length - close.length;
  const perElement = Math.floor(budget / elements);
  const body = `<p>${'x'.repeat(perElement)}</p>`.repeat(elements);
  const xml = base.replace('\n</project>', `${open}${body}${close}\n</project>`);
  assert.ok(Buffer.byteLength(xml) <= bytes);
  return xml;
}

describe('XML and names from outside, over HTTP', () => {
  const ctl = useController();

  const createItem = (name: string, body: string) =>
    ctl.s.fetch(`createItem?name=${encodeURIComponent(name)}`, { method: 'POST', headers: { 'content-type': 'application/xml' }, body });

  test('/health/live answers while a config of the largest size allowed is posted, and the config is accepted', async () => {
    const xml = paddedConfig(XML_LIMITS.maxBytes);
    let stop = false;
    const answers: number[] = [];
    const poll = (async () => {
      while (!stop) answers.push((await fetch(new URL('health/live', ctl.s.url))).status);
    })();
    try {
      const res = await createItem('biggest', xml);
      assert.equal(res.status, 200, await res.text());
    } finally {
      stop = true;
      await poll;
    }
    assert.ok(answers.length > 1, 'health was asked while the config was being read');
    assert.ok(answers.every((s) => s === 200));
    const saved = await ctl.s.fetch('job/biggest/config.xml');
    assert.equal(await saved.text(), xml);
  });

  test('a config over the size limit, or with millions of elements, is refused with 413 and nothing is created', async () => {
    const biggest = paddedConfig(XML_LIMITS.maxBytes);
    const oneByteMore = biggest.replace('<p>', `<p>${'x'.repeat(XML_LIMITS.maxBytes - Buffer.byteLength(biggest) + 1)}`);
    const over = await createItem('too-big', oneByteMore);
    assert.equal(over.status, 413);
    assert.equal(((await over.json()) as ErrorBody).error.code, 'STW_REQUEST_TOO_LARGE');
    const flood = await createItem('flood', `<project>${'<a/>'.repeat(3_900_000)}</project>`);
    assert.equal(flood.status, 413);
    assert.match(((await flood.json()) as ErrorBody).error.message, /at most 4 MiB/);
    assert.equal(existsSync(path.join(ctl.home, 'jobs', 'too-big')), false);
    assert.equal(existsSync(path.join(ctl.home, 'jobs', 'flood')), false);
  });

  test('a config with two root elements or a reference to NUL is refused with its line and column', async () => {
    const two = await createItem('two-roots', '<project/>\n<project/>');
    assert.equal(two.status, 400);
    const twoError = ((await two.json()) as ErrorBody).error;
    assert.deepEqual([twoError.code, twoError.line, twoError.column], ['STW_XML_MALFORMED', 2, 1]);
    const nul = await ctl.s.fetch('createItem?name=nul', {
      method: 'POST',
      headers: { 'content-type': 'application/xml' },
      body: freestyleXml({ command: 'true' }).replace('<command>true', '<command>true&#0;'),
    });
    assert.equal(nul.status, 400);
    assert.equal(((await nul.json()) as ErrorBody).error.code, 'STW_XML_MALFORMED');
    assert.equal(existsSync(path.join(ctl.home, 'jobs', 'two-roots')), false);
  });

  test('names too long in bytes, starting with a dot or holding invisible characters are refused with 400 saying why', async () => {
    for (const [name, why] of [
      ['é'.repeat(128), /at most 237 bytes/],
      ['.hidden', /may not start with '\.'/],
      ['a\u200bb', /U\+200B/],
    ] as const) {
      const res = await createItem(name, freestyleXml({ command: 'true' }));
      assert.equal(res.status, 400);
      const { error } = (await res.json()) as ErrorBody;
      assert.equal(error.code, 'STW_NAME_INVALID');
      assert.match(error.message, why);
    }
  });

  test('a NUL in a parameter value given to buildWithParameters is refused with 400 naming the parameter', async () => {
    await ctl.s.createJob('params', freestyleXml({ command: 'echo "$P"', parameters: stringParam('P', 'x') }));
    const res = await ctl.s.fetch('job/params/buildWithParameters', { method: 'POST', body: new URLSearchParams({ P: 'a\u0000b' }) });
    assert.equal(res.status, 400);
    const { error } = (await res.json()) as ErrorBody;
    assert.deepEqual([error.code, error.field], ['STW_PARAMETER_INVALID', 'P']);
  });
});
