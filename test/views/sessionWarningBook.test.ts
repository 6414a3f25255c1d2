// VS Code's bookkeeping of session warnings: every warning goes to the output channel, and a session's
// first one only becomes a notification (each resume, answer or decision opens the writer and warns again).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SessionWarningBook } from '../../src/views/sessionWarningBook.ts';

test('each warning is logged; each session is notified once', () => {
  const logged: string[] = [];
  const notified: string[] = [];
  const book = new SessionWarningBook({
    log: (id, message) => logged.push(`${id} ${message}`),
    notify: (id, message) => notified.push(`${id} ${message}`),
  });
  book.warn('sesn_a', 'near the limit');
  book.warn('sesn_a', 'nearer the limit');
  book.warn('sesn_b', 'near the limit');
  assert.deepEqual(logged, ['sesn_a near the limit', 'sesn_a nearer the limit', 'sesn_b near the limit']);
  assert.deepEqual(notified, ['sesn_a near the limit', 'sesn_b near the limit']);
});
