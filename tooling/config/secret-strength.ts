/**
 * How strong the gateway secret must be, and a generator for one. A short or guessable agent
 * password is an account anyone can log in as; it would also collide with ordinary text.
 */
import { randomBytes, randomInt } from 'node:crypto';

export const SECRET_RULE = 'at least 24 characters with at least three of: lower-case letters, upper-case letters, digits, other characters';
const MIN_LENGTH = 24;

/** Undefined when strong enough, else what is wrong (never the value). */
export function secretWeakness(secret: string): string | undefined {
  if (secret.length < MIN_LENGTH) return `${secret.length} characters; expected ${SECRET_RULE}`;
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((pattern) => pattern.test(secret)).length;
  if (classes < 3) return `only ${classes} kind(s) of character; expected ${SECRET_RULE}`;
  if (new Set(secret).size < 8) return `too few distinct characters; expected ${SECRET_RULE}`;
  return undefined;
}

/** 32 random URL-safe characters, with every class present (so it always passes the rule). */
export function generateSecret(): string {
  const alphabet = { lower: 'abcdefghijkmnopqrstuvwxyz', upper: 'ABCDEFGHJKLMNPQRSTUVWXYZ', digit: '23456789', other: '-_.~' };
  const all = Object.values(alphabet).join('');
  const chars = [...randomBytes(28)].map((byte) => all[byte % all.length]);
  for (const set of Object.values(alphabet)) chars.splice(randomInt(chars.length + 1), 0, set[randomInt(set.length)]);
  return chars.join('');
}
