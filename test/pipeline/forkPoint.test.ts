// The fork point's table: a log in, where a fork's files start and which calls they lack. No git, no HTTP.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EventInput } from '../../src/core/events/sessionEvent.ts';
import { findForkPoint, forkedEvent, forkNote } from '../../src/core/pipeline/sessionFork.ts';
import { logOf } from '../support/eventLog.ts';

const P = 'sthr_coord';
const C = 'sthr_coder';
const K = 'sthr_child';
const R = 'sthr_reviewer';
const SHA1 = 'a'.repeat(40);
const SHA2 = 'b'.repeat(40);

const thread = (id: string, agent: string, key?: string): EventInput => ({
  type: 'session.thread_created',
  thread: id,
  session_thread_id: id,
  agent_name: agent,
  parent_thread_id: id === P ? null : P,
  ...(key ? { thread_key: key } : {}),
});
const task: EventInput = { type: 'user.message', thread: P, content: [{ type: 'text', text: 'Fix it.' }] };
const use = (t: string, name: string, input: unknown): EventInput => ({
  type: 'agent.tool_use',
  thread: t,
  name,
  input,
  model_tool_use_id: 'toolu',
  evaluated_permission: 'allow',
});
const checkpoint = (commit: string, key?: string): EventInput => ({
  type: 'agent_os.checkpoint',
  thread: C,
  commit,
  moved: true,
  model_request_end_id: 'sevt_x',
  ...(key ? { thread_key: key } : {}),
});

const log = logOf(
  thread(P, 'Coordinator'), //                                    1
  task, //                                                        2
  thread(C, 'Coder'), //                                          3
  use(C, 'edit', { file_path: 'src/a.ts' }), //                   4
  use(C, 'read', { file_path: 'src/a.ts' }), //                   5
  checkpoint(SHA1), //                                            6
  thread(R, 'Reviewer'), //                                       7
  use(R, 'bash', { command: 'npm test' }), //                     8  a reader's bash changes no files
  use(C, 'write', { file_path: 'test/a.test.ts' }), //            9
  use(C, 'bash', { command: 'npm run fix' }), //                  10
  thread(K, 'Coder', 'ui'), //                                    11
  use(K, 'edit', { file_path: 'src/ui.ts' }), //                  12  a parallel Coder, not merged yet
  checkpoint(SHA2), //                                            13  the session's own checkpoint: not the child's work
  use(K, 'write', { file_path: 'src/ui2.ts' }), //                14
);

const row = (at: string) => {
  const p = findForkPoint(log, 'sesn_s', at);
  return { seq: p.event.seq, files: p.filesCommit, from: p.filesEventId, missing: p.unrecordedToolUseIds };
};

test("where a fork's files start, and which earlier calls they lack", () => {
  assert.deepEqual(
    row('2'),
    { seq: 2, files: undefined, from: undefined, missing: [] },
    'at the task: the base commit',
  );
  assert.deepEqual(
    row('4'),
    { seq: 4, files: undefined, from: undefined, missing: ['sevt_4'] },
    'after an edit, before any checkpoint',
  );
  assert.deepEqual(row('6'), { seq: 6, files: SHA1, from: 'sevt_6', missing: [] });
  assert.deepEqual(row('8'), { seq: 8, files: SHA1, from: 'sevt_6', missing: [] }, "the Reviewer's bash is a reader's");
  assert.deepEqual(row('sevt_10'), { seq: 10, files: SHA1, from: 'sevt_6', missing: ['sevt_9', 'sevt_10'] }, 'by id');
  assert.deepEqual(
    row('14'),
    { seq: 14, files: SHA2, from: 'sevt_13', missing: ['sevt_12', 'sevt_14'] },
    "a parallel Coder's calls count until its merge",
  );
  const merged = logOf(
    ...log.map(({ id: _i, seq: _s, processed_at: _p, schema_version: _v, ...e }) => e as EventInput),
    checkpoint(SHA2, 'ui'),
  );
  assert.deepEqual(findForkPoint(merged, 'sesn_s', '15').unrecordedToolUseIds, [], 'merged: in the files');
});

test('a verdict or a pull request records the files too (logs older than checkpoints)', () => {
  const evidence = { base_commit: SHA1, head_commit: SHA2, diff_sha256: 'x', test_run_event_ids: [] };
  const older = logOf(thread(P, 'Coordinator'), task, {
    type: 'agent_os.verdict_submitted',
    thread: R,
    verdict: { decision: 'APPROVE', summary: 'ok' },
    model_request_end_id: 'm',
    evidence,
  });
  assert.equal(findForkPoint(older, 'sesn_s', '3').filesCommit, SHA2);
});

test('a fork point that is not an event, or comes before the task, is refused with what to give', () => {
  assert.throws(
    () => findForkPoint(log, 'sesn_s', 'sevt_99'),
    /session sesn_s has no event "sevt_99" \(give an event id, sevt_…, or a seq from 1 to 14\)/,
  );
  assert.throws(() => findForkPoint(log, 'sesn_s', '0'), /has no event "0"/);
  assert.throws(() => findForkPoint(log, 'sesn_s', '15'), /has no event "15"/);
  assert.throws(
    () => findForkPoint(log, 'sesn_s', '1'),
    /event 1 comes before session sesn_s was started; fork from event 2 or later/,
  );
  assert.throws(
    () => findForkPoint(logOf(thread(P, 'Coordinator')), 'sesn_s', '1'),
    /session sesn_s was never started \(it has no task\): there is nothing to fork/,
  );
});

test('the agents of a fork are told what their files lack; a fork at a recorded commit only where it came from', () => {
  const point = findForkPoint(log, 'sesn_s', '10');
  const fork = logOf(
    ...log.slice(0, 10).map(({ id: _i, seq: _s, processed_at: _p, schema_version: _v, ...e }) => e as EventInput),
    forkedEvent(point, 'sesn_s', P, SHA1),
  );
  const note = forkNote(fork) ?? '';
  assert.match(note, /forked from session sesn_s at its event 10/);
  assert.match(note, new RegExp(`at commit ${SHA1.slice(0, 12)}`));
  assert.match(
    note,
    /The effects of 2 earlier call\(s\) in the history are NOT in the files .*write test\/a\.test\.ts; bash `npm run fix`/,
  );
  const clean = logOf(
    ...log.slice(0, 6).map(({ id: _i, seq: _s, processed_at: _p, schema_version: _v, ...e }) => e as EventInput),
    forkedEvent(findForkPoint(log, 'sesn_s', '6'), 'sesn_s', P, SHA1),
  );
  assert.doesNotMatch(forkNote(clean) ?? '', /NOT in the files/);
  assert.equal(forkNote(log), undefined, 'not a fork');
});
