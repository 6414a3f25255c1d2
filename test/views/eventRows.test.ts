import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { initialSessionState, reduce } from '../../src/core/session/sessionState.ts';
import type { SessionEvent } from '../../src/core/events/sessionEvent.ts';
import { eventKind, readVerdict, toolInputSummary } from '../../src/views/eventRows.ts';
import { sessionDisplayStatus } from '../../src/views/sessionStatus.ts';

let seq = 0;
const ev = (payload: Record<string, unknown>): SessionEvent =>
  ({
    id: `sevt_${++seq}`,
    seq,
    thread: 'sthr_a',
    processed_at: '2026-01-01T00:00:00Z',
    schema_version: 1,
    ...payload,
  }) as SessionEvent;

describe('Event Log rows and statuses', () => {
  test('a tool call reads as its command, path or pattern', () => {
    assert.equal(toolInputSummary('bash', { command: 'npm test' }), 'npm test');
    assert.equal(toolInputSummary('read', { path: 'src/a.ts', view_range: [1, 3] }), 'src/a.ts');
    assert.equal(toolInputSummary('grep', { pattern: 'TODO', path: 'src' }), 'TODO in src');
    assert.equal(toolInputSummary('glob', { pattern: '**/*.ts' }), '**/*.ts');
    assert.equal(toolInputSummary('send_to_agent', { agent_name: 'Coder', message: 'go' }), 'go');
    assert.equal(toolInputSummary('custom', { a: 1 }), '{ "a": 1 }');
    assert.equal(toolInputSummary('bash', { command: 'x'.repeat(500) }).length, 200);
  });

  test("verdicts are read as the Reviewer's schema gave them", () => {
    assert.deepEqual(readVerdict({ decision: 'APPROVE', summary: 'ok' }), { decision: 'APPROVE', summary: 'ok' });
    assert.deepEqual(readVerdict({ decision: 'REJECT', summary: 'no', fixes: [{ problem: 'p', fix: 'f' }] }), {
      decision: 'REJECT',
      summary: 'no',
    });
  });

  test('kinds group event types for the filter', () => {
    assert.equal(eventKind(ev({ type: 'agent.tool_result', tool_use_id: 'x', content: [], is_error: false })), 'tool');
    assert.equal(
      eventKind(ev({ type: 'session.error', error: { type: 'x', message: 'm', retry_status: { type: 'terminal' } } })),
      'error',
    );
    assert.equal(eventKind(ev({ type: 'span.model_request_start', model: 'm' })), 'usage');
    assert.equal(eventKind(ev({ type: 'agent_os.wake', recovered: [] })), 'status');
    assert.equal(
      eventKind(ev({ type: 'agent.thread_message_sent', to_session_thread_id: 'b', content: [] })),
      'thread',
    );
  });

  test('session status: running only with a harness; done once the pull request is open', () => {
    let s = initialSessionState('s');
    assert.equal(sessionDisplayStatus(s, false), 'idle');
    s = reduce(s, ev({ type: 'session.status_running' }));
    assert.equal(sessionDisplayStatus(s, true), 'running');
    assert.equal(sessionDisplayStatus(s, false), 'interrupted');
    s = reduce(s, ev({ type: 'session.status_rescheduled' }));
    assert.equal(sessionDisplayStatus(s, false), 'interrupted');
    s = reduce(s, ev({ type: 'session.status_idle', stop_reason: { type: 'budget_reached' } }));
    assert.equal(sessionDisplayStatus(s, false), 'failed');
    s = reduce(s, ev({ type: 'session.status_idle', stop_reason: { type: 'requires_action', event_ids: [] } }));
    assert.equal(sessionDisplayStatus(s, false), 'waiting');
    s = reduce(s, ev({ type: 'agent_os.pull_request_opened', url: 'u', number: 1, branch: 'b', head_commit: 'h' }));
    assert.equal(sessionDisplayStatus(s, false), 'done');
    s = reduce(s, ev({ type: 'session.status_terminated' }));
    assert.equal(sessionDisplayStatus(s, false), 'terminated');
  });
});
