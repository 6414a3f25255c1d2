// What the person is told when a session's run ends in failure: the error it ended on, or its budget, or the
// model's refusal — once per stop; nothing for a run that ends well, even after a child thread's error it got
// past, nor for an error of an earlier run.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EventInput } from '../../src/core/events/sessionEvent.ts';
import { SessionStops } from '../../src/views/sessionStops.ts';
import { logOf } from '../support/eventLog.ts';

const T = 'sthr_primary';
const running: EventInput = { type: 'session.status_running', thread: T };
const error = (message: string, thread = T): EventInput => ({
  type: 'session.error',
  thread,
  error: { type: 'unknown_error', message, retry_status: { type: 'exhausted' } },
});
const idle = (type: 'end_turn' | 'retries_exhausted' | 'budget_reached' | 'refusal'): EventInput => ({
  type: 'session.status_idle',
  thread: T,
  stop_reason: { type },
});

test('a run that ends on an error is told with that error, once', () => {
  const stops = new SessionStops();
  const full =
    'session sesn_1: its log has reached the 96.0 KiB a session may hold; nothing more is appended but how its run ended.';
  assert.deepEqual(stops.onEvents('sesn_1', logOf(running, error(full), idle('retries_exhausted'))), [full]);
  assert.deepEqual(stops.onEvents('sesn_1', logOf(idle('retries_exhausted'))), [
    'its run failed; the Event Log says where',
  ]);
});

test('the events may come in any batches: the error and the stop are matched across them', () => {
  const stops = new SessionStops();
  assert.deepEqual(stops.onEvents('sesn_1', logOf(running, error('the sandbox is missing'))), []);
  assert.deepEqual(stops.onEvents('sesn_1', logOf(idle('retries_exhausted'))), ['the sandbox is missing']);
});

test('budget and refusal say so; a run that ends well says nothing, even after an error it got past', () => {
  const stops = new SessionStops();
  assert.match(stops.onEvents('a', logOf(running, idle('budget_reached')))[0] ?? '', /reached its budget; raise/);
  assert.deepEqual(stops.onEvents('b', logOf(running, idle('refusal'))), ['the model refused to go on']);
  assert.deepEqual(
    stops.onEvents('c', logOf(running, error('the Coder thread failed', 'sthr_coder'), idle('end_turn'))),
    [],
  );
});

test("an earlier run's error is not the next run's, nor another session's", () => {
  const stops = new SessionStops();
  stops.onEvents('a', logOf(running, error('first run'), idle('end_turn')));
  assert.deepEqual(stops.onEvents('a', logOf(running, idle('retries_exhausted'))), [
    'its run failed; the Event Log says where',
  ]);
  stops.onEvents('a', logOf(running, error('of a')));
  assert.deepEqual(stops.onEvents('b', logOf(running, idle('retries_exhausted'))), [
    'its run failed; the Event Log says where',
  ]);
  stops.forget('a');
  assert.deepEqual(stops.onEvents('a', logOf(idle('retries_exhausted'))), ['its run failed; the Event Log says where']);
});
