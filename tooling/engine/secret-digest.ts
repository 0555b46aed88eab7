/**
 * Change detection for values the tenant never returns (ESV secrets, the agent password).
 * Owns: the digest written into a secret's description and its verification.
 *
 * Why salted scrypt and not a plain hash: the description is readable by every tenant admin; a
 * plain SHA-256 of a low-entropy secret could be reversed by a dictionary. A per-write random salt
 * and a slow hash make the digest useless for that while still letting the tool tell "unchanged".
 */
import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';

const DIGEST_PATTERN = /\s*\[value-digest scrypt:([0-9a-f]{32}):([0-9a-f]{64})\]/;

function scryptHex(value: string, saltHex: string): string {
  return scryptSync(value, Buffer.from(saltHex, 'hex'), 32).toString('hex');
}

/** A fresh digest token for a value, to append to a description. */
export function digestToken(value: string): string {
  const salt = randomBytes(16).toString('hex');
  return `[value-digest scrypt:${salt}:${scryptHex(value, salt)}]`;
}

/** The description without any digest token. */
export function stripDigest(description: string): string {
  return description.replace(DIGEST_PATTERN, '').trimEnd();
}

/** Whether the description carries a digest of exactly this value. */
export function digestMatches(description: string | undefined, value: string): boolean {
  const match = DIGEST_PATTERN.exec(description ?? '');
  if (!match) return false;
  const expected = Buffer.from(match[2], 'hex');
  const actual = Buffer.from(scryptHex(value, match[1]), 'hex');
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/** Description to write: the managed description followed by a fresh digest of the value. */
export function describeWithDigest(description: string, value: string): string {
  const clean = stripDigest(description);
  return clean ? `${clean} ${digestToken(value)}` : digestToken(value);
}
