// A last line of defence: the secret values the runtime holds (the Anthropic API key, the GitHub token,
// values configuration names as secret) are replaced in tool output before it reaches the model or the
// log. Commands never get these values (a scrubbed environment, no credential files); this catches what
// leaks anyway — a key in a file the agent reads, a token echoed from somewhere. Exact values only, in
// the forms a command can turn them into without effort: base64 (at any byte alignment, padded or not,
// URL-safe too) and percent-encoding.

export const REDACTED = '[redacted]';

/** Shorter values would redact ordinary words (and no real key or token is this short). */
export const MIN_SECRET_LENGTH = 8;

/** The texts to look for, longest first (so a longer form is replaced before a shorter one inside it). */
export function secretForms(secrets: readonly string[]): string[] {
  const forms = new Set<string>();
  for (const secret of secrets) {
    if (secret.length < MIN_SECRET_LENGTH) continue;
    forms.add(secret);
    forms.add(encodeURIComponent(secret));
    const bytes = utf8(secret);
    for (const core of base64Cores(bytes)) {
      if (core.length < MIN_SECRET_LENGTH) continue;
      forms.add(core);
      forms.add(core.replace(/\+/g, '-').replace(/\//g, '_'));
    }
  }
  return [...forms].sort((a, b) => b.length - a.length);
}

/** Replaces every occurrence of every form; `count` says how many were replaced. */
export function redactSecrets(
  text: string,
  forms: readonly string[],
  replacement = REDACTED,
): { text: string; count: number } {
  let out = text;
  let count = 0;
  for (const form of forms) {
    if (!out.includes(form)) continue;
    const parts = out.split(form);
    count += parts.length - 1;
    out = parts.join(replacement);
  }
  return { text: out, count };
}

/** Builds a redactor for a fixed set of secrets (the forms are computed once). */
export function secretRedactor(secrets: readonly string[]): (text: string) => string {
  const forms = secretForms(secrets);
  return forms.length === 0 ? (text) => text : (text) => redactSecrets(text, forms).text;
}

/**
 * The part of the secret's base64 that is the same wherever the secret starts in a longer encoded
 * stream: for each of the three byte alignments, the characters that depend on the secret's bytes
 * alone (the first group, shared with a preceding byte, and the last, shared with what follows or with
 * padding, are dropped). At alignment 0 the whole encoding counts too, padded and not.
 */
function base64Cores(bytes: Uint8Array): string[] {
  const whole = base64(bytes);
  const cores = [whole, whole.replace(/=+$/, '')];
  for (const offset of [0, 1, 2]) {
    const shifted = new Uint8Array(offset + bytes.length);
    shifted.set(bytes, offset);
    const encoded = base64(shifted).replace(/=+$/, '');
    // Characters are 6 bits: character i covers bits 6i..6i+5. Keep those whose bits fall inside the secret.
    const firstBit = offset * 8;
    const endBit = (offset + bytes.length) * 8;
    const first = Math.ceil(firstBit / 6);
    const end = Math.floor(endBit / 6);
    if (end > first) cores.push(encoded.slice(first, end));
  }
  return cores;
}

/** UTF-8 bytes of a string (core has no TextEncoder in its types: it runs in no particular host). */
function utf8(text: string): Uint8Array {
  const out: number[] = [];
  for (const char of text) {
    const c = char.codePointAt(0) ?? 0;
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
  }
  return Uint8Array.from(out);
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

function base64(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const a = bytes[i] ?? 0;
    const b = bytes[i + 1] ?? 0;
    const c = bytes[i + 2] ?? 0;
    const n = (a << 16) | (b << 8) | c;
    out += ALPHABET[(n >> 18) & 63]! + ALPHABET[(n >> 12) & 63]!;
    out += i + 1 < bytes.length ? ALPHABET[(n >> 6) & 63]! : '=';
    out += i + 2 < bytes.length ? ALPHABET[n & 63]! : '=';
  }
  return out;
}
