// Redaction of known secret values in tool output: exact substrings, and the same value base64-encoded
// (at any alignment inside a longer encoded text, padded or not, URL-safe) or percent-encoded.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { REDACTED, redactSecrets, secretForms, secretRedactor } from '../../src/core/tools/redactSecrets.ts';

const KEY = 'sk-ant-api03-Zq8vX2mN5pL7rT9wY1bC3dF6gH4jK0-AAAA';
const PASSWORD = 'p@ss w/rd+secret=value&more';

test('exact values are replaced, every occurrence, and the count says how many', () => {
  const forms = secretForms([KEY]);
  const { text, count } = redactSecrets(`ANTHROPIC_API_KEY=${KEY}\nagain: "${KEY}"`, forms);
  assert.equal(text, `ANTHROPIC_API_KEY=${REDACTED}\nagain: "${REDACTED}"`);
  assert.equal(count, 2);
});

test('the base64 of a value is found whatever comes before and after it in the encoded text', () => {
  const redact = secretRedactor([KEY]);
  for (const before of ['', 'a', 'ab', 'abc', 'Authorization: Bearer ', '{"key":"']) {
    for (const after of ['', '\n', 'xy', '"}']) {
      for (const encode of [
        (s: string) => Buffer.from(s).toString('base64'),
        (s: string) => Buffer.from(s).toString('base64url'),
      ]) {
        const encoded = encode(before + KEY + after);
        const out = redact(`output: ${encoded}`);
        assert.ok(out.includes(REDACTED), `${JSON.stringify(before)} + key + ${JSON.stringify(after)}: ${out}`);
      }
    }
  }
});

test('percent-encoded forms are replaced, as in a URL or a form body', () => {
  const redact = secretRedactor([PASSWORD]);
  assert.equal(
    redact(`https://user:${encodeURIComponent(PASSWORD)}@example.com/`),
    `https://user:${REDACTED}@example.com/`,
  );
  assert.equal(redact(`password: ${PASSWORD}`), `password: ${REDACTED}`);
});

test('short values and text without secrets pass unchanged', () => {
  const redact = secretRedactor(['short', '']);
  assert.equal(redact('a short text'), 'a short text');
  assert.equal(secretRedactor([])('anything'), 'anything');
  assert.equal(secretRedactor([KEY])('nothing secret here'), 'nothing secret here');
});

test('a longer secret containing a shorter one is replaced whole', () => {
  const inner = 'ghp_abcdefghijklmnop';
  const outer = `${inner}-and-more-of-it`;
  assert.equal(secretRedactor([inner, outer])(`token ${outer}`), `token ${REDACTED}`);
});

test('a value with characters beyond ASCII is found in its UTF-8 base64', () => {
  const secret = 'pässwörd-€-𝄞-secret';
  const out = secretRedactor([secret])(Buffer.from(`x${secret}y`).toString('base64'));
  assert.ok(out.includes(REDACTED), out);
});
