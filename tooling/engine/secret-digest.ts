/**
 * Change detection for values the tenant never returns (ESV secrets). Owns the digest written into a
 * secret's description: a salted scrypt hash of the value the tool wrote and the version number AIC
 * gave it. A new version written by anyone else shows as a version the tool did not write.
 *
 * Why salted scrypt and not a plain hash: the description is readable by every tenant admin; a
 * plain SHA-256 of a low-entropy secret could be reversed by a dictionary. A per-write random salt
 * and a slow hash make the digest useless for that while still letting the tool tell "unchanged".
 */
import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';

const DIGEST_PATTERN = /\s*\[value-digest scrypt:([0-9a-f]{32}):([0-9a-f]{64})(?: version:([0-9A-Za-z._-]+))?\]/;

function scryptHex(value: string, saltHex: string): string {
  return scryptSync(value, Buffer.from(saltHex, 'hex'), 32).toString('hex');
}

/** The description without any digest token. */
export function stripDigest(description: string): string {
  return description.replace(DIGEST_PATTERN, '').trimEnd();
}

/** Whether the description carries a digest of exactly this value. */
function digestMatches(description: string | undefined, value: string): boolean {
  const match = DIGEST_PATTERN.exec(description ?? '');
  if (!match) return false;
  const expected = Buffer.from(match[2], 'hex');
  const actual = Buffer.from(scryptHex(value, match[1]), 'hex');
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/** The secret version the digest was written for, if it says. */
export function digestVersion(description: string | undefined): string | undefined {
  return DIGEST_PATTERN.exec(description ?? '')?.[3];
}

/** Description to write: the managed description followed by a fresh digest of the value and its version. */
export function describeWithDigest(description: string, value: string, version: string): string {
  const salt = randomBytes(16).toString('hex');
  const token = `[value-digest scrypt:${salt}:${scryptHex(value, salt)} version:${version}]`;
  const clean = stripDigest(description);
  return clean ? `${clean} ${token}` : token;
}

/** A new managed description that keeps the digest token of the current one (the value is unchanged). */
export function keepDigest(description: string, current: string): string {
  const token = DIGEST_PATTERN.exec(current)?.[0].trim();
  return token ? `${stripDigest(description)} ${token}`.trim() : stripDigest(description);
}

/** The secret holds exactly this value as its active version, as the tool wrote it. */
export function secretHolds(secret: { description: string; activeVersion: string }, value: string): boolean {
  return digestMatches(secret.description, value) && digestVersion(secret.description) === secret.activeVersion;
}
