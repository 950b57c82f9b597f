import type { TestResult } from './test-result.js';

/**
 * Most recently used values, bounded by their weight (the size of the junitResult.xml they come
 * from, which their memory follows): a value over the bound is not kept, and the least recently
 * used go first.
 */
export class WeightedCache<T> {
  readonly #maxWeight: number;
  readonly #entries = new Map<string, { value: T; weight: number }>();
  #weight = 0;

  constructor(maxWeight: number) {
    this.#maxWeight = maxWeight;
  }

  get(key: string): T | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    return entry.value;
  }

  set(key: string, value: T, weight: number): void {
    this.delete(key);
    if (weight > this.#maxWeight) return;
    this.#entries.set(key, { value, weight });
    this.#weight += weight;
    for (const [k, e] of this.#entries) {
      if (this.#weight <= this.#maxWeight) break;
      this.#entries.delete(k);
      this.#weight -= e.weight;
    }
  }

  delete(key: string): void {
    const entry = this.#entries.get(key);
    if (entry === undefined) return;
    this.#entries.delete(key);
    this.#weight -= entry.weight;
  }
}

/**
 * Builds' test results as last read from their junitResult.xml, and the test reports last
 * answered, so that asking again costs no parse: a report of 10,000 cases is read in tens of
 * milliseconds, and the report of a build reads the previous build's results too. Each is weighed
 * by the characters of its junitResult.xml (a result of 10,000 cases, 3 MiB of XML, holds about as
 * much memory). A build's results do not change once recorded; a key holds the build's start
 * time, so that a job made again under the same name does not see the old job's.
 */
export class TestResultCache {
  readonly results: WeightedCache<{ result: TestResult; weight: number }>;
  /** Reports (the JSON model) by their build's key and the previous build's. */
  readonly reports: WeightedCache<Record<string, unknown>>;

  constructor(maxChars = 64 * 1024 * 1024) {
    this.results = new WeightedCache(maxChars);
    this.reports = new WeightedCache(maxChars / 2);
  }

  static key(job: string, number: number, startTime: number): string {
    return `${job}\u0000${number}\u0000${startTime}`;
  }

  get(key: string): { result: TestResult; weight: number } | undefined {
    return this.results.get(key);
  }

  /** Keeps `result`, read from (or written as) a junitResult.xml of `chars` characters. */
  set(key: string, result: TestResult, chars: number): void {
    this.results.set(key, { result, weight: chars }, chars);
  }
}
