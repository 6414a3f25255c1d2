// The approval machine's table: a log in, what the latest decision still needs done out — open the pull
// request, answer the Coordinator's call the APPROVE verdict held open, or nothing — and whether a verdict
// may be decided. No git, HTTP or disk: each row is a few events. Checking the work against the verdict's
// diff (files changed since) is the runtime's (approvalRunner.ts), so test/pipeline/approval.test.ts has it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AgentOsError } from '../../src/core/errors.ts';
import type { EventInput, EventOfType, SessionEvent } from '../../src/core/events/sessionEvent.ts';
import {
  approvalOutcomeText,
  approvedButNotCarriedOut,
  decidableVerdict,
  latestApprovalOf,
  nextApprovalStep,
  type ApprovalStep,
} from '../../src/core/pipeline/approval.ts';
import { foldSession } from '../../src/core/session/sessionState.ts';
import { logOf } from '../support/eventLog.ts';

const C = 'sthr_coord';
const R = 'sthr_rev';

const coordinator: EventInput = {
  type: 'session.thread_created',
  thread: C,
  session_thread_id: C,
  agent_name: 'Coordinator',
  parent_thread_id: null,
};
const task: EventInput = { type: 'user.message', thread: C, content: [{ type: 'text', text: 'fix #1' }] };
const reviewer: EventInput = {
  type: 'session.thread_created',
  thread: C,
  session_thread_id: R,
  agent_name: 'Reviewer',
  parent_thread_id: C,
};
const delegate = (modelId: string): EventInput => ({
  type: 'agent.tool_use',
  thread: C,
  name: 'delegate',
  input: { agent: 'Reviewer', message: 'review' },
  model_tool_use_id: modelId,
  evaluated_permission: 'allow',
});
const sendToReviewer = (useId: string): EventInput => ({
  type: 'agent.thread_message_sent',
  thread: C,
  to_session_thread_id: R,
  content: [{ type: 'text', text: 'review' }],
  delegation_tool_use_id: useId,
});
const verdict = (decision: 'APPROVE' | 'REJECT', thread = R): EventInput => ({
  type: 'agent_os.verdict_submitted',
  thread,
  verdict:
    decision === 'APPROVE'
      ? { decision, summary: 'tests pass' }
      : { decision, summary: 'broken', fixes: [{ problem: 'p', fix: 'f' }] },
  model_request_end_id: 'sevt_x',
  evidence: { base_commit: 'b0', head_commit: 'h1', diff_sha256: 'd1', test_run_event_ids: [] },
});
const approve = (verdictId: string): EventInput => ({
  type: 'agent_os.approval',
  thread: C,
  verdict_event_id: verdictId,
  decision: 'approve',
});
const reject = (verdictId: string, feedback?: string): EventInput => ({
  type: 'agent_os.approval',
  thread: C,
  verdict_event_id: verdictId,
  decision: 'reject',
  ...(feedback !== undefined ? { feedback } : {}),
});
const opened = (n: number): EventInput => ({
  type: 'agent_os.pull_request_opened',
  thread: C,
  url: `https://example.test/pr/${n}`,
  number: n,
  branch: 'agent-os/s',
  head_commit: `c${n}`,
});
const replyToCoordinator = (useId: string, text: string): EventInput => ({
  type: 'agent.thread_message_sent',
  thread: R,
  to_session_thread_id: C,
  content: [{ type: 'text', text }],
  delegation_tool_use_id: useId,
});
const resultOf = (useId: string, text = 'done'): EventInput => ({
  type: 'agent.tool_result',
  thread: C,
  tool_use_id: useId,
  content: [{ type: 'text', text }],
  is_error: false,
});

/** Coordinator, task, Reviewer thread, the delegation call (sevt_4) and its message, the verdict (sevt_6). */
const reviewed = (decision: 'APPROVE' | 'REJECT' = 'APPROVE'): EventInput[] => [
  coordinator,
  task,
  reviewer,
  delegate('toolu_r1'),
  sendToReviewer('sevt_4'),
  verdict(decision),
];

function stepOf(events: SessionEvent[]): ApprovalStep {
  return nextApprovalStep(foldSession('sesn_a', events), () => events);
}
const eventById = (events: SessionEvent[], id: string) => events.find((e) => e.id === id) as SessionEvent;
const approvedText = (n: number) =>
  `The person approved the verdict. Pull request #${n} was opened: https://example.test/pr/${n}. Finish with a short summary.`;
/** The two events that answer the held call `useId` with `text`. */
const answer = (useId: string, text: string): ApprovalStep => ({
  kind: 'answer_held_review',
  events: [replyToCoordinator(useId, text), { ...resultOf(useId, text) }],
});

test('nothing to do before a verdict, and while the latest verdict waits for the person', () => {
  assert.deepEqual(stepOf(logOf(coordinator, task)), { kind: 'none' });
  assert.deepEqual(stepOf(logOf(...reviewed())), { kind: 'none' });
  // An approval names its verdict: one for an event that is no verdict changes nothing.
  assert.deepEqual(stepOf(logOf(...reviewed(), approve('sevt_4'))), { kind: 'none' });
});

test('an approval not carried out opens the pull request first, with the verdict and the approval it carries out', () => {
  const events = logOf(...reviewed(), approve('sevt_6'));
  assert.deepEqual(stepOf(events), {
    kind: 'open_pull_request',
    verdict: eventById(events, 'sevt_6'),
    approval: eventById(events, 'sevt_7'),
  });
  // A crash anywhere in commit, push or pull request leaves no record of its own: the log still holds the
  // approval without `pull_request_opened`, so the step is the same (the runtime finds a pull request first).
  const afterCrash = logOf(...reviewed(), approve('sevt_6'), { type: 'agent_os.wake', thread: C, recovered: [] });
  assert.equal(stepOf(afterCrash).kind, 'open_pull_request');
  // The held call is answered only once the pull request is in the log.
  assert.notEqual(stepOf(events).kind, 'answer_held_review');
});

test("once the pull request is in the log, the Coordinator's held call is answered with it, then nothing is left", () => {
  const withPr = logOf(...reviewed(), approve('sevt_6'), opened(7));
  assert.deepEqual(stepOf(withPr), answer('sevt_4', approvedText(7)));
  const answered = logOf(
    ...reviewed(),
    approve('sevt_6'),
    opened(7),
    replyToCoordinator('sevt_4', approvedText(7)),
    resultOf('sevt_4', approvedText(7)),
  );
  assert.deepEqual(stepOf(answered), { kind: 'none' });
});

test('a request for changes opens nothing and answers the held call with the feedback', () => {
  const rejected = logOf(...reviewed(), reject('sevt_6', 'name the flag --dry-run'));
  const text =
    'The person did not approve and requested changes: name the flag --dry-run\n' +
    'Send this feedback to the Coder, then ask the Reviewer to review again.';
  assert.deepEqual(stepOf(rejected), answer('sevt_4', text));
  const noText = stepOf(logOf(...reviewed(), reject('sevt_6')));
  assert.equal(noText.kind, 'answer_held_review');
  assert.match(JSON.stringify(noText), /requested changes: \(no text\)/);
});

test('an approval that could not be carried out, replaced by a request for changes: the latest decision counts', () => {
  const events = logOf(...reviewed(), approve('sevt_6'), reject('sevt_6', 'redo'));
  assert.equal(latestApprovalOf(events, 'sevt_6')?.id, 'sevt_8');
  const step = stepOf(events);
  assert.equal(step.kind, 'answer_held_review');
  assert.match(JSON.stringify(step), /requested changes: redo/);
});

test('a new verdict waits for its own decision; a pull request from an earlier round does not carry out a later approval', () => {
  // Round 1 approved and delivered (#1, answered); the person asks for more: call sevt_12, verdict sevt_15.
  const round1 = [
    ...reviewed(),
    approve('sevt_6'),
    opened(1),
    replyToCoordinator('sevt_4', approvedText(1)),
    resultOf('sevt_4', approvedText(1)),
    { type: 'user.message', thread: C, content: [{ type: 'text', text: 'also the docs' }] } as EventInput,
    delegate('toolu_r2'),
    sendToReviewer('sevt_12'),
  ];
  assert.equal(round1.length, 13);
  const pending = logOf(...round1, { type: 'agent.thinking', thread: R }, verdict('APPROVE'));
  assert.deepEqual(stepOf(pending), { kind: 'none' });
  const approved = logOf(...round1, { type: 'agent.thinking', thread: R }, verdict('APPROVE'), approve('sevt_15'));
  assert.deepEqual(stepOf(approved), {
    kind: 'open_pull_request',
    verdict: eventById(approved, 'sevt_15'),
    approval: eventById(approved, 'sevt_16'),
  });
  // The answer names the latest pull request, and answers round 2's call, not round 1's.
  const delivered = logOf(
    ...round1,
    { type: 'agent.thinking', thread: R },
    verdict('APPROVE'),
    approve('sevt_15'),
    opened(2),
  );
  assert.deepEqual(stepOf(delivered), answer('sevt_12', approvedText(2)));
  // An approval of round 1's verdict recorded after round 2's verdict is not the latest verdict's: nothing.
  const stale = logOf(...round1, { type: 'agent.thinking', thread: R }, verdict('APPROVE'), approve('sevt_6'));
  assert.deepEqual(stepOf(stale), { kind: 'none' });
});

test("only the call delegated to the verdict's Reviewer thread is answered; no held call, no answer", () => {
  // The Coordinator also has a bash call pending (sevt_7): it is not the held review.
  const other: EventInput = {
    type: 'agent.tool_use',
    thread: C,
    name: 'bash',
    input: { command: 'ls' },
    model_tool_use_id: 'toolu_b',
    evaluated_permission: 'ask',
  };
  const events = logOf(...reviewed(), other, reject('sevt_6', 'x'));
  const step = stepOf(events);
  assert.equal(step.kind, 'answer_held_review');
  assert.deepEqual(
    step.kind === 'answer_held_review' &&
      step.events.map((e) => (e.type === 'agent.tool_result' ? e.tool_use_id : e.type)),
    ['agent.thread_message_sent', 'sevt_4'],
  );
  // The delegation call already answered (by a crash's "interrupted" result, say): nothing to answer.
  const closed = logOf(...reviewed(), resultOf('sevt_4', 'interrupted'), reject('sevt_6', 'x'));
  assert.deepEqual(stepOf(closed), { kind: 'none' });
  // A verdict of the primary thread (a Reviewer run on its own) has no caller to answer.
  const primary = logOf(
    { ...coordinator, agent_name: 'Reviewer' },
    task,
    verdict('APPROVE', C),
    approve('sevt_3'),
    opened(3),
  );
  assert.deepEqual(stepOf(primary), { kind: 'none' });
});

test("after a request for changes, the next round's review call is not the held one: it waits for its own verdict", () => {
  // Round 1's verdict rejected and answered (sevt_4); the Coordinator asks for a review again (sevt_10),
  // and the Reviewer's turn ends. A crash before its verdict is recorded leaves the rejection the latest
  // decision: answering the new call with it would end round 2 with round 1's answer.
  const text = approvalOutcomeText([], { decision: 'reject', feedback: 'docs' } as EventOfType<'agent_os.approval'>);
  const round2 = [
    ...reviewed(),
    reject('sevt_6', 'docs'),
    replyToCoordinator('sevt_4', text),
    resultOf('sevt_4', text),
    delegate('toolu_r2'),
    sendToReviewer('sevt_10'),
    { type: 'agent.thinking', thread: R } as EventInput,
  ];
  assert.deepEqual(stepOf(logOf(...round2)), { kind: 'none' });
  // Its own verdict, rejected in turn, is answered on the new call.
  const rejectedAgain = logOf(...round2, verdict('APPROVE'), reject('sevt_13', 'more'));
  const step = stepOf(rejectedAgain);
  assert.equal(step.kind, 'answer_held_review');
  assert.ok(
    step.kind === 'answer_held_review' &&
      step.events.some((e) => e.type === 'agent.tool_result' && e.tool_use_id === 'sevt_10'),
  );
});

test('a crash between the reply to the Coordinator and its tool result answers only what is missing', () => {
  // The two answer events are two records: the first can be on disk without the second.
  const torn = logOf(...reviewed(), approve('sevt_6'), opened(7), replyToCoordinator('sevt_4', approvedText(7)));
  assert.deepEqual(stepOf(torn), {
    kind: 'answer_held_review',
    events: [resultOf('sevt_4', approvedText(7))],
  });
});

test('approvedButNotCarriedOut: the latest verdict approved and no pull request since', () => {
  const cases: [string, EventInput[], string, boolean][] = [
    ['pending verdict', reviewed(), 'sevt_6', false],
    ['approved, nothing carried out', [...reviewed(), approve('sevt_6')], 'sevt_6', true],
    ['approved and delivered', [...reviewed(), approve('sevt_6'), opened(1)], 'sevt_6', false],
    ['changes requested', [...reviewed(), reject('sevt_6', 'x')], 'sevt_6', false],
    [
      'approval replaced by a request for changes',
      [...reviewed(), approve('sevt_6'), reject('sevt_6', 'x')],
      'sevt_6',
      false,
    ],
    ['not the latest verdict', [...reviewed(), approve('sevt_6'), verdict('APPROVE')], 'sevt_6', false],
    ['a pull request before the approval', [...reviewed(), opened(1), approve('sevt_6')], 'sevt_6', true],
  ];
  for (const [name, inputs, id, expected] of cases) {
    const events = logOf(...inputs);
    assert.equal(approvedButNotCarriedOut(foldSession('sesn_a', events), events, id), expected, name);
  }
});

test('decidableVerdict: only the latest APPROVE verdict, once, unless an approval not carried out is replaced', () => {
  const refused = (inputs: EventInput[], id: string, override: boolean, reason: RegExp) => {
    const events = logOf(...inputs);
    assert.throws(
      () => decidableVerdict(foldSession('sesn_a', events), events, id, override),
      (e: unknown) => e instanceof AgentOsError && e.code === 'APPROVAL_REFUSED' && reason.test(e.message),
    );
  };
  refused(reviewed(), 'sevt_99', false, /is not a verdict/);
  refused(reviewed(), 'sevt_4', false, /is not a verdict/);
  refused([...reviewed(), verdict('APPROVE')], 'sevt_6', false, /not the latest verdict/);
  refused(reviewed('REJECT'), 'sevt_6', false, /only an APPROVE verdict/);
  refused(reviewed('REJECT'), 'sevt_6', true, /only an APPROVE verdict/);
  refused([...reviewed(), approve('sevt_6')], 'sevt_6', false, /already decided/);
  refused([...reviewed(), reject('sevt_6', 'x')], 'sevt_6', false, /already decided/);
  const fresh = logOf(...reviewed());
  assert.equal(decidableVerdict(foldSession('sesn_a', fresh), fresh, 'sevt_6', false).id, 'sevt_6');
  const failed = logOf(...reviewed(), approve('sevt_6'));
  assert.equal(decidableVerdict(foldSession('sesn_a', failed), failed, 'sevt_6', true).id, 'sevt_6');
});

test('approvalOutcomeText: an approval without a pull request in the log says so plainly', () => {
  const events = logOf(...reviewed(), approve('sevt_6'));
  const approval = latestApprovalOf(events, 'sevt_6') as EventOfType<'agent_os.approval'>;
  assert.equal(approvalOutcomeText(events, approval), 'The person approved the verdict.');
});

test('a wake with nothing left to carry out decides from the fold and never reads the log', () => {
  const unread = (): never => {
    throw new Error('the log was read');
  };
  const noRead = (events: SessionEvent[]) => nextApprovalStep(foldSession('sesn_a', events), unread);
  assert.deepEqual(noRead(logOf(coordinator, task)), { kind: 'none' });
  assert.deepEqual(noRead(logOf(...reviewed())), { kind: 'none' }, 'a verdict waiting for the person');
  const approved = logOf(...reviewed(), approve('sevt_6'));
  assert.equal(noRead(approved).kind, 'open_pull_request');
  const delivered = logOf(
    ...reviewed(),
    approve('sevt_6'),
    opened(1),
    replyToCoordinator('sevt_4', approvedText(1)),
    resultOf('sevt_4', approvedText(1)),
  );
  assert.deepEqual(noRead(delivered), { kind: 'none' }, 'carried out and answered');
  // Still owed an answer: then it reads, and answers.
  assert.equal(stepOf(logOf(...reviewed(), approve('sevt_6'), opened(1))).kind, 'answer_held_review');
});
