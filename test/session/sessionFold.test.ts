// The fold written once and run two ways: `reduce` (a new state per event, the old one untouched) and
// SessionFold (one private accumulator changed in place). Both must give the same state for any log.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EventInput, SessionEvent } from '../../src/core/events/sessionEvent.ts';
import { initialSessionState, reduce, SessionFold } from '../../src/core/session/sessionState.ts';
import type { SessionState } from '../../src/core/session/sessionState.ts';
import { stampEvent } from '../../src/core/session/storeRules.ts';
import { agentCycle } from './realisticEvents.ts';

function log(cycles: number): SessionEvent[] {
  const events: SessionEvent[] = [
    stampEvent(
      {
        type: 'session.thread_created',
        thread: 'sthr_coordinator',
        session_thread_id: 'sthr_coordinator',
        agent_name: 'coordinator',
        parent_thread_id: null,
      },
      1,
      new Date(),
    ),
    stampEvent(
      {
        type: 'session.thread_created',
        thread: 'sthr_coordinator',
        session_thread_id: 'sthr_coder',
        agent_name: 'coder',
        parent_thread_id: 'sthr_coordinator',
        thread_key: 'k',
      },
      2,
      new Date(),
    ),
  ];
  for (let i = 0; i < cycles; i++) {
    const use = events.length + 3;
    for (const input of agentCycle(i, i % 3 === 0 ? 'sevt_unanswered' : `use${use}`)) {
      const event = stampEvent(input, events.length + 1, new Date());
      events.push(event.seq === use ? { ...event, id: `use${use}` } : event);
    }
    events.push(
      stampEvent(
        {
          type: 'session.thread_status_idle',
          thread: 'sthr_coder',
          session_thread_id: 'sthr_coder',
          agent_name: 'coder',
          stop_reason: { type: 'end_turn' },
        },
        events.length + 1,
        new Date(),
      ),
    );
  }
  return events;
}

describe('the session fold', () => {
  it('gives the same state in place as reduce does step by step, and reduce changes nothing it was given', () => {
    const events = log(40);
    const fold = new SessionFold(initialSessionState('sesn_fold'));
    let state = initialSessionState('sesn_fold');
    const seen: Array<{ state: SessionState; copy: SessionState }> = [];
    for (const [i, event] of events.entries()) {
      const before = state;
      if (i % 10 === 0) seen.push({ state: before, copy: structuredClone(before) });
      state = reduce(before, event);
      fold.apply(event);
      if (i % 25 === 0) assert.deepEqual(fold.state, state, `after seq ${event.seq}`);
    }
    assert.deepEqual(fold.state, state);
    for (const { state: kept, copy } of seen) assert.deepEqual(kept, copy, 'an earlier state was changed');
    assert.equal(state.threads['sthr_coder']?.threadKey, 'k');
    assert.ok((state.threads['sthr_coder']?.pendingToolUses.size ?? 0) > 0, 'unanswered tool uses stay pending');
  });

  it('hands out copies: a state taken from a fold does not move on with it', () => {
    const events = log(5);
    const fold = new SessionFold(initialSessionState('sesn_fold'));
    for (const event of events.slice(0, 20)) fold.apply(event);
    const taken = fold.state;
    const copy = structuredClone(taken);
    for (const event of events.slice(20)) fold.apply(event);
    assert.deepEqual(taken, copy);
    // And a fold started from a state leaves that state as it was.
    const next = new SessionFold(taken);
    for (const event of events.slice(20)) next.apply(event);
    assert.deepEqual(taken, copy);
    assert.deepEqual(next.state, fold.state);
  });

  it("keeps what a run's agents are told (memory, preferences, fork, environment, the unconfined notice), so a wake never looks for it in the log", () => {
    const t = 'sthr_coordinator';
    const ready = (cache_key: string): EventInput => ({
      type: 'agent_os.environment_ready',
      thread: t,
      source: 'detected',
      cached: false,
      cache_key,
      test_command: 'npm test',
      dependency_dirs: ['node_modules'],
      copied_files: [],
      duration_ms: 5,
    });
    const inputs: EventInput[] = [
      {
        type: 'agent_os.session_forked',
        thread: t,
        from_session_id: 'sesn_a',
        from_event_id: 'sevt_a',
        from_seq: 9,
        files_commit: 'c0ffee',
        unrecorded_tool_use_ids: [],
      },
      {
        type: 'agent_os.project_memory',
        thread: t,
        files: [{ path: 'AGENTS.md', sha256: 'a', bytes: 1, content: 'first', truncated: false }],
      },
      { type: 'agent_os.project_memory', thread: t, files: [] },
      { type: 'agent_os.preferences_pinned', thread: t, version: 2, text: 'tabs' },
      ready('k1'),
      { type: 'agent_os.sandbox_unconfined', thread: t, kind: 'worktree' },
      { type: 'agent_os.sandbox_unconfined', thread: t, kind: 'worktree' },
      { type: 'agent_os.environment_failed', thread: t, output_tail: '', message: 'npm ci failed' },
    ];
    const events = inputs.map((input, i) => stampEvent(input, i + 1, new Date()));
    let state = initialSessionState('sesn_fold');
    for (const event of events) state = reduce(state, event);
    assert.equal(state.forked?.from_session_id, 'sesn_a');
    assert.equal(state.projectMemory?.files[0]?.content, 'first', 'the first pinned memory counts, as at the start');
    assert.equal(state.preferences?.text, 'tabs');
    assert.equal(state.unconfinedNoticeSeq, 6, 'said once: the first notice');
    assert.equal(state.environment?.type, 'agent_os.environment_failed', 'a failure after the ready event undoes it');
    state = reduce(state, stampEvent(ready('k2'), events.length + 1, new Date()));
    assert.equal(state.environment?.type === 'agent_os.environment_ready' && state.environment.cache_key, 'k2');
    const fold = new SessionFold(initialSessionState('sesn_fold'));
    for (const event of events) fold.apply(event);
    assert.equal(fold.state.environment?.type, 'agent_os.environment_failed', 'the in-place fold agrees');
  });

  it("keeps each thread's latest mirrored platform event, where a managed re-attach reads the history on from", () => {
    const mirrored = (thread: string, platform_event_id: string | undefined, seq: number): SessionEvent =>
      stampEvent(
        {
          type: 'agent.message',
          thread,
          content: [{ type: 'text', text: 'hi' }],
          ...(platform_event_id ? { platform_event_id } : {}),
        },
        seq,
        new Date(),
      );
    const events = [
      ...log(1),
      mirrored('sthr_coordinator', 'sevt_p1', 100),
      mirrored('sthr_coder', 'sevt_c1', 101),
      mirrored('sthr_coordinator', 'sevt_p2', 102),
      mirrored('sthr_coordinator', undefined, 103),
    ];
    let state = initialSessionState('sesn_fold');
    for (const event of events) state = reduce(state, event);
    const fold = new SessionFold(initialSessionState('sesn_fold'));
    for (const event of events) fold.apply(event);
    for (const s of [state, fold.state]) {
      assert.equal(s.threads.sthr_coordinator?.lastPlatformEventId, 'sevt_p2', 'a local event does not move it');
      assert.equal(s.threads.sthr_coder?.lastPlatformEventId, 'sevt_c1');
    }
  });
});
