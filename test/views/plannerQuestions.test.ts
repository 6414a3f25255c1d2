// What VS Code shows while the Planner's questions wait for the person, folded from the log alone: the Event
// Log's question card (with the questions and the plan's confidence), one notification that offers Answer…,
// the Threads tree's "waiting for you" with the menu flag, and all of it gone once the answers are an event.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SessionEvent } from '../../src/core/events/sessionEvent.ts';
import type { SessionMeta } from '../../src/core/session/sessionStore.ts';
import { ALL_KINDS_FILTER, CardAction, MAX_ANSWERS, SessionSummary } from '../../src/shared/eventLogProtocol.ts';
import { EventLogModel } from '../../src/views/eventLogModel.ts';
import { recordedLog } from '../support/recordedLog.ts';
import { noticeFor, noticeWithLinks, PersonWaits } from '../../src/views/personWaits.ts';
import { ThreadsTreeModel } from '../../src/views/threadsTreeModel.ts';
import { LogBuilder, T } from './overviewLog.ts';

const SESSION = 'sesn_q1';
const QUESTIONS = [
  'Should "1h30" without a unit mean minutes?',
  "The Planner's confidence in this plan is 40%. Is the plan right?",
];

function asking(): { log: LogBuilder; asked: SessionEvent } {
  const log = new LogBuilder();
  log.thread(T.coordinator, 'Coordinator', null, 0);
  log.thread(T.planner, 'Planner', T.coordinator, 10);
  const asked = log.add(T.planner, {
    type: 'agent_os.questions_asked',
    plan_event_id: 'sevt_plan',
    reason: 'low_confidence',
    questions: QUESTIONS,
    confidence: 0.4,
  });
  log.add(T.coordinator, {
    type: 'session.status_idle',
    stop_reason: { type: 'requires_action', event_ids: [asked.id] },
  });
  return { log, asked };
}
const meta = (): SessionMeta => ({
  id: SESSION,
  title: 'Compound durations',
  created_at: '2026-12-01T10:00:00.000Z',
  updated_at: '2026-12-01T10:00:00.000Z',
  metadata: {},
});

test('the Event Log card, the notification and the tree ask while the questions are open, and stop once answered', async () => {
  const { log, asked } = asking();
  const model = await EventLogModel.open(recordedLog(log.events), SESSION, ALL_KINDS_FILTER);
  const summary = SessionSummary.parse(await model.summary(meta(), false));
  assert.deepEqual(summary.questions, {
    eventId: asked.id,
    seq: asked.seq,
    reason: 'low_confidence',
    questions: QUESTIONS,
    confidence: 0.4,
  });
  assert.equal(summary.status, 'waiting');

  const waits = new PersonWaits();
  waits.apply(SESSION, log.events);
  const wait = waits.current(SESSION);
  assert.equal(wait?.kind, 'questions');
  assert.equal(wait?.key, `questions:${asked.id}`);
  const notice = noticeWithLinks(noticeFor(SESSION, 'Compound durations', wait!));
  assert.match(
    notice,
    /^The Planner asks before the Coder starts on "Compound durations" \(low confidence\): Should "1h30" without a unit mean minutes\? \(\+1 more\) — \[Answer…\]\(command:agentOs\.answerQuestions\?/,
  );
  assert.ok(notice.includes(encodeURIComponent(JSON.stringify([{ sessionId: SESSION, questionsEventId: asked.id }]))));

  const tree = new ThreadsTreeModel(() => false);
  tree.upsertSession(meta());
  tree.apply(SESSION, log.events);
  const node = tree.session(SESSION);
  assert.match(node?.description ?? '', /^waiting for you/);
  assert.match(node?.contextValue ?? '', /\bquestions\b/);

  log.add(T.planner, {
    type: 'agent_os.questions_answered',
    questions_event_id: asked.id,
    answers: ['minutes', 'go ahead'],
  });
  model.append(log.events);
  waits.apply(SESSION, log.events);
  tree.apply(SESSION, log.events);
  assert.equal((await model.summary(meta(), false)).questions, undefined);
  assert.equal(waits.current(SESSION), undefined);
  assert.doesNotMatch(tree.session(SESSION)?.contextValue ?? '', /questions/);
});

test("the card's answers are checked like any message from the webview", () => {
  const ok = CardAction.safeParse({ action: 'answerQuestions', questionsEventId: 'sevt_q', answers: ['minutes', ''] });
  assert.equal(ok.success, true);
  assert.equal(
    CardAction.safeParse({ action: 'answerQuestions', questionsEventId: 'sevt_q', answers: [3] }).success,
    false,
  );
  assert.equal(
    CardAction.safeParse({
      action: 'answerQuestions',
      questionsEventId: 'sevt_q',
      answers: Array(MAX_ANSWERS + 1).fill('a'),
    }).success,
    false,
  );
  assert.equal(
    CardAction.safeParse({ action: 'answerQuestions', questionsEventId: 'sevt_q', answers: ['x'.repeat(20_001)] })
      .success,
    false,
  );
});
