import { randomBytes, randomUUID } from 'node:crypto';

import type { XmlElementHandle, XmlSpec } from '../xml/index.js';
import { sha256Hex } from './constant-time.js';

/*
 * API tokens as Jenkins' ApiTokenStore makes them: the user sees `11` + 32 hex characters once;
 * the store keeps only the SHA-256 of the 32 hex characters (as ASCII), in hex, under
 * `<value><version>11</version><hash>...</hash></value>`. Tokens made by Jenkins verify here and
 * tokens made here verify in Jenkins.
 */

export const TOKEN_VERSION = '11';
const TOKEN_PATTERN = /^11[0-9a-f]{32}$/;
export const HASHED_TOKEN_ELEMENT = 'jenkins.security.apitoken.ApiTokenStore_-HashedToken';

/** A stored token: never its value, only the hash. */
export interface HashedToken {
  readonly uuid: string;
  readonly name: string;
  readonly creationDate: Date;
  readonly version: string;
  /** Hex SHA-256 of the secret part of the token. */
  readonly hash: string;
}

/** What a user may see of a token: everything but the hash. */
export interface ApiTokenInfo {
  readonly uuid: string;
  readonly name: string;
  readonly creationDate: Date;
}

/** A new token: the plain value (to show once) and what to store. */
export function generateToken(name: string, now: Date): { plain: string; stored: HashedToken } {
  const secret = randomBytes(16).toString('hex');
  return {
    plain: TOKEN_VERSION + secret,
    stored: { uuid: randomUUID(), name, creationDate: now, version: TOKEN_VERSION, hash: sha256Hex(secret) },
  };
}

/** The stored hash a presented token must match; undefined when it is not a token at all. */
export function hashOfPresentedToken(token: string): string | undefined {
  if (!TOKEN_PATTERN.test(token)) return undefined;
  return sha256Hex(token.slice(TOKEN_VERSION.length));
}

/** XStream's java.util.Date form: `2024-01-02 03:04:05.678 UTC`. */
export function formatXStreamDate(date: Date): string {
  return `${date.toISOString().replace('T', ' ').replace('Z', '')} UTC`;
}

function parseXStreamDate(text: string): Date | undefined {
  const t = text.trim();
  const m = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d(?:\.\d+)?) (UTC|GMT|[+-]\d\d:?\d\d)$/.exec(t);
  const date = m === null ? new Date(t) : new Date(`${m[1]}T${m[2]}${m[3] === 'UTC' || m[3] === 'GMT' ? 'Z' : (m[3] ?? '')}`);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** Reads one `<...ApiTokenStore_-HashedToken>`; undefined when it lacks a uuid or a hash. */
export function parseHashedToken(el: XmlElementHandle): HashedToken | undefined {
  const uuid = el.childText('uuid')?.trim();
  const hash = el.child('value')?.childText('hash')?.trim().toLowerCase();
  if (uuid === undefined || uuid === '' || hash === undefined || !/^[0-9a-f]{64}$/.test(hash)) return undefined;
  return {
    uuid,
    name: el.childText('name') ?? '',
    creationDate: parseXStreamDate(el.childText('creationDate') ?? '') ?? new Date(0),
    version: el.child('value')?.childText('version')?.trim() ?? TOKEN_VERSION,
    hash,
  };
}

export function hashedTokenSpec(token: HashedToken): XmlSpec {
  return {
    name: HASHED_TOKEN_ELEMENT,
    children: [
      { name: 'uuid', text: token.uuid },
      { name: 'name', text: token.name },
      { name: 'creationDate', text: formatXStreamDate(token.creationDate) },
      {
        name: 'value',
        children: [
          { name: 'version', text: token.version },
          { name: 'hash', text: token.hash },
        ],
      },
    ],
  };
}
