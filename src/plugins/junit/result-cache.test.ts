import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { WeightedCache } from './result-cache.js';

describe('the cache of test results', () => {
  it('keeps what fits in its weight, dropping the least recently used first, and nothing heavier than its bound', () => {
    const cache = new WeightedCache<string>(10);
    cache.set('a', 'A', 4);
    cache.set('b', 'B', 4);
    assert.equal(cache.get('a'), 'A'); // a is now the most recently used
    cache.set('c', 'C', 4);
    assert.deepEqual([cache.get('a'), cache.get('b'), cache.get('c')], ['A', undefined, 'C']);
    cache.set('huge', 'H', 11);
    assert.equal(cache.get('huge'), undefined);
    cache.set('a', 'A2', 6);
    assert.deepEqual([cache.get('a'), cache.get('c')], ['A2', 'C']);
  });
});
