import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import type { EventOfType, SessionEvent } from '../../src/core/events/sessionEvent.ts';
import { foldSession } from '../../src/core/session/sessionState.ts';
import { startDemoWorld } from '../support/demoWorld.ts';

test('issue → Planner → Coder → Reviewer (REJECT) → Coder → Reviewer (APPROVE) → person approves → one pull request', async () => {
  const world = await startDemoWorld();
  try {
    const { rt, sample } = world;
    const meta = await rt.runtime.start({ issue: world.issueRef, repository: sample.workdir });
    const stop = await rt.runtime.settled(meta.id);
    assert.equal(stop?.type, 'requires_action', JSON.stringify(stop));

    let events: SessionEvent[] = await rt.store.read(meta.id);
    let state = foldSession(meta.id, events);
    // Every scripted turn was served as written: no request refused, no thread failed.
    assert.deepEqual(
      rt.server.requests.filter((r) => r.outcome.kind !== 'turn').map((r) => r.outcome),
      [],
    );
    assert.deepEqual(
      events.filter((e) => e.type === 'session.error'),
      [],
    );
    assert.deepEqual(
      events
        .filter((e) => e.type === 'agent.tool_result' && e.is_error)
        .map((e) => e.type === 'agent.tool_result' && e.content[0]?.text),
      [],
    );
    const names = Object.values(state.threads)
      .map((t) => t.agentName)
      .sort();
    assert.deepEqual(names, ['Coder', 'Coordinator', 'Planner', 'Reviewer']);
    assert.ok(state.latestPlan, 'the plan was validated and recorded');
    const verdicts = events.filter(
      (e): e is EventOfType<'agent_os.verdict_submitted'> => e.type === 'agent_os.verdict_submitted',
    );
    assert.deepEqual(
      verdicts.map((v) => v.verdict.decision),
      ['REJECT', 'APPROVE'],
    );
    const approveVerdict = verdicts[1] as EventOfType<'agent_os.verdict_submitted'>;
    assert.deepEqual(stop, { type: 'requires_action', event_ids: [approveVerdict.id] });
    assert.ok(approveVerdict.evidence.test_run_event_ids.length >= 1, 'the verdict names the test runs it saw');
    for (const id of approveVerdict.evidence.test_run_event_ids) {
      const use = events.find((e) => e.id === id);
      assert.equal(use?.type, 'agent.tool_use');
      assert.equal(use?.thread, approveVerdict.thread);
    }
    assert.equal(world.github.pullRequests().length, 0, 'no pull request before the person approves');

    // The Coder's second round was sent in the same thread: its request carries the first attempt.
    const coderRequests = rt.server.requests.filter((r) => r.agent === 'Coder' && r.outcome.kind === 'turn');
    assert.equal(coderRequests.length, 9);
    const secondRound = coderRequests[6]?.body as { messages: { role: string; content: unknown }[] };
    const history = JSON.stringify(secondRound.messages);
    assert.match(history, /Step 1: Read compound durations/, 'the Coder thread remembers its first attempt');
    assert.match(history, /Both steps are done/);
    assert.match(
      JSON.stringify(secondRound.messages.at(-1)),
      /formatDuration\(ms\)/,
      'the fixes arrive as the newest message',
    );

    // Only one Coder thread, reused.
    assert.equal(events.filter((e) => e.type === 'session.thread_created' && e.agent_name === 'Coder').length, 1);

    await rt.runtime.approve(meta.id, approveVerdict.id);
    events = await rt.store.read(meta.id);
    state = foldSession(meta.id, events);
    assert.equal(state.status, 'idle');
    assert.equal(state.stopReason?.type, 'end_turn');
    assert.ok(state.pullRequest);
    const prs = world.github.pullRequests();
    assert.equal(prs.length, 1);
    assert.equal(prs[0]?.head, state.pullRequest?.branch);
    assert.match(prs[0]?.body ?? '', /## Plan/);
    assert.match(prs[0]?.body ?? '', /APPROVE/);
    assert.match(prs[0]?.body ?? '', /node --test/);

    // The pushed branch holds a change that passes the project's tests.
    const branchHead = execFileSync(
      'git',
      ['--git-dir', sample.barePath, 'rev-parse', `refs/heads/${state.pullRequest?.branch}`],
      { encoding: 'utf8' },
    ).trim();
    assert.equal(branchHead, state.pullRequest?.head_commit);

    // Usage covers every thread, and the session total is their sum.
    const sum = Object.values(state.threads).reduce((acc, t) => acc + t.usage.cost_usd, 0);
    assert.ok(Math.abs(sum - state.usage.cost_usd) < 1e-9);
    assert.ok(Object.values(state.threads).every((t) => t.usage.model_requests > 0));
  } finally {
    await world.close();
  }
});
