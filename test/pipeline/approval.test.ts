// The person's decision on an APPROVE verdict: approval is refused once the worktree changed after the
// verdict (and the session stays usable), and "request changes" goes through the Coordinator to the
// Coder and a new review.
import assert from 'node:assert/strict';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { AgentOsError } from '../../src/core/errors.ts';
import { foldSession } from '../../src/core/session/sessionState.ts';
import { acceptPushes, rejectPushes } from '../git/gitTestRepo.ts';
import { startDemoWorld } from '../support/demoWorld.ts';
import {
  approveText,
  lastUserText,
  README_FEEDBACK,
  requestChangesScript,
  requestsOf,
  runToFirstVerdict,
  text,
  tool,
  turn,
  verdictsOf,
} from './scriptParts.ts';

const FEEDBACK = README_FEEDBACK;

/** To the first APPROVE; on request changes the Coder edits the README and the Reviewer looks again. */
const script = (): unknown =>
  requestChangesScript([turn(tool('bash', { command: 'git diff --stat' })), turn(text(approveText()))]);

test('approval after the worktree changed is refused; the session stays usable and opens one pull request later', async () => {
  const world = await startDemoWorld(script());
  try {
    const { rt } = world;
    const { meta, verdict: first } = await runToFirstVerdict(world);

    // Someone (a person, a stray process) changes the work after the Reviewer looked at it.
    const { worktree } = await rt.runtime.changes(meta.id);
    appendFileSync(join(worktree, 'src/parseDuration.js'), '\n// changed after the review\n');
    await assert.rejects(rt.runtime.approve(meta.id, first.id), (error: unknown) => {
      assert.ok(error instanceof AgentOsError);
      assert.equal(error.code, 'APPROVAL_REFUSED');
      assert.match(error.message, /changed after the Reviewer's verdict/);
      return true;
    });
    assert.equal(world.github.pullRequests().length, 0);
    assert.equal(world.github.requests.filter((r) => r.method === 'POST').length, 0, 'nothing was sent to GitHub');
    let events = await rt.store.read(meta.id);
    assert.equal(
      events.filter((e) => e.type === 'agent_os.approval').length,
      0,
      'a refused approval leaves no approval',
    );
    assert.equal(
      foldSession(meta.id, events).stopReason?.type,
      'requires_action',
      'the session still waits for the person',
    );

    // Still resumable: the person asks for changes instead, a new review follows, and that one is approved.
    await rt.runtime.requestChanges(meta.id, first.id, FEEDBACK);
    events = await rt.store.read(meta.id);
    const second = verdictsOf(events)[1];
    assert.ok(second, 'a second review happened');
    assert.deepEqual(foldSession(meta.id, events).stopReason, { type: 'requires_action', event_ids: [second.id] });
    await rt.runtime.approve(meta.id, second.id);
    const state = foldSession(meta.id, await rt.store.read(meta.id));
    assert.equal(state.stopReason?.type, 'end_turn');
    assert.equal(world.github.pullRequests().length, 1);
    assert.deepEqual(
      rt.server.requests.filter((r) => r.outcome.kind !== 'turn').map((r) => r.outcome),
      [],
    );
  } finally {
    await world.close();
  }
});

test('request changes: the feedback reaches the Coordinator, then the Coder thread, and a new review happens', async () => {
  const world = await startDemoWorld(script());
  try {
    const { rt } = world;
    const { meta, verdict: first } = await runToFirstVerdict(world);
    const coordinatorBefore = requestsOf(rt.server, 'Coordinator').length;
    const reviewerBefore = requestsOf(rt.server, 'Reviewer').length;

    await assert.rejects(rt.runtime.requestChanges(meta.id, first.id, '   '), /say what should change/);
    await rt.runtime.requestChanges(meta.id, first.id, FEEDBACK);

    const coordinator = requestsOf(rt.server, 'Coordinator');
    const next = coordinator[coordinatorBefore];
    assert.ok(next, 'the Coordinator was asked again');
    assert.match(
      lastUserText(next),
      new RegExp(FEEDBACK.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')),
      "the feedback is in the Coordinator's next request",
    );
    const coder = requestsOf(rt.server, 'Coder');
    assert.equal(coder.length, 7);
    // The same Coder thread: its history holds the first attempt, and the feedback arrives as the newest message.
    assert.match(JSON.stringify(coder[5]?.messages), /Step 1: PASSED/);
    assert.match(lastUserText(coder[5]!), /document compound durations/);
    assert.equal(requestsOf(rt.server, 'Reviewer').length, reviewerBefore + 2, 'a new review happened');

    let events = await rt.store.read(meta.id);
    assert.equal(events.filter((e) => e.type === 'session.thread_created' && e.agent_name === 'Coder').length, 1);
    const approval = events.find((e) => e.type === 'agent_os.approval');
    assert.equal(approval?.type === 'agent_os.approval' && approval.decision, 'reject');
    const verdicts = verdictsOf(events);
    assert.equal(verdicts.length, 2);
    const second = verdicts[1]!;
    assert.notEqual(second.evidence.diff_sha256, first.evidence.diff_sha256, 'the new verdict covers the new work');
    // The old verdict can no longer be approved; the new one can.
    await assert.rejects(
      rt.runtime.approve(meta.id, first.id),
      (e: unknown) => e instanceof AgentOsError && e.code === 'APPROVAL_REFUSED',
    );
    await rt.runtime.approve(meta.id, second.id);
    events = await rt.store.read(meta.id);
    const state = foldSession(meta.id, events);
    assert.equal(state.stopReason?.type, 'end_turn');
    const prs = world.github.pullRequests();
    assert.equal(prs.length, 1);
    assert.equal(prs[0]?.head, state.pullRequest?.branch);
    assert.deepEqual(
      rt.server.requests.filter((r) => r.outcome.kind !== 'turn').map((r) => r.outcome),
      [],
    );
  } finally {
    await world.close();
  }
});

test('an approval whose push failed is not carried out on a worktree changed since: refused, and request changes still works', async () => {
  const world = await startDemoWorld(script());
  try {
    const { rt, sample } = world;
    rejectPushes(sample.barePath, 'pushes are closed');
    const { meta, verdict: first } = await runToFirstVerdict(world);
    await assert.rejects(
      rt.runtime.approve(meta.id, first.id),
      (e: unknown) => e instanceof AgentOsError && e.code === 'GIT_FAILED',
    );

    // Between the failed push and the next try, the work changes.
    const { worktree } = await rt.runtime.changes(meta.id);
    appendFileSync(join(worktree, 'src/parseDuration.js'), '\n// not reviewed\n');
    acceptPushes(sample.barePath);
    const refused = (e: unknown) =>
      e instanceof AgentOsError &&
      e.code === 'APPROVAL_REFUSED' &&
      /changed after the Reviewer's verdict/.test(e.message);
    await assert.rejects(rt.runtime.approve(meta.id, first.id), refused);
    await assert.rejects(rt.runtime.resume(meta.id), refused);
    assert.equal(world.github.pullRequests().length, 0, 'unreviewed work was not published');
    assert.equal(rt.runtime.isRunning(meta.id), false);

    // The person asks for changes instead: a new round reviews the work as it is now, and that is approved.
    await rt.runtime.requestChanges(meta.id, first.id, FEEDBACK);
    const second = verdictsOf(await rt.store.read(meta.id))[1];
    assert.ok(second, 'a second review happened');
    await rt.runtime.approve(meta.id, second.id);
    assert.equal(world.github.pullRequests().length, 1);
    assert.equal(foldSession(meta.id, await rt.store.read(meta.id)).stopReason?.type, 'end_turn');
  } finally {
    await world.close();
  }
});
