// Identifiers with the platform's prefixes (docs/reference/managedAgents.md, "Identifiers"). Random, URL-safe, sortable enough
// for humans; uniqueness comes from 96 random bits.

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

export type IdPrefix = 'sesn' | 'sthr' | 'sevt' | 'agent' | 'toolu';

export function newId(prefix: IdPrefix, random: (bytes: number) => Uint8Array = defaultRandom): string {
  const bytes = random(16);
  let out = '';
  for (const b of bytes) out += ALPHABET[b % ALPHABET.length];
  return `${prefix}_${out}`;
}

function defaultRandom(n: number): Uint8Array {
  const bytes = new Uint8Array(n);
  globalThis.crypto.getRandomValues(bytes);
  return bytes;
}
