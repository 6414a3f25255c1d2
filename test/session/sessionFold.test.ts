// The fold written once and run two ways: `reduce` (a new state per event, the old one untouched) and
// SessionFold (one private accumulator changed in place). Both must give the same state for any log.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SessionEvent } from '../../src/core/events/sessionEvent.ts';
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
});
