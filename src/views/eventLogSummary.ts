// The Event Log's header and cards for one session: status, costs, threads, the tool calls waiting for the
// person, the Planner's questions and the verdict card. Built from the session's fold; the few earlier
// events the verdict card names (its test runs) are looked up on disk once per verdict, never kept.
import type { EventOfType, SessionEvent } from '../core/events/sessionEvent.ts';
import type { SessionMeta } from '../core/session/sessionStore.ts';
import { totalTokens, type SessionState } from '../core/session/sessionState.ts';
import type { SessionSummary, ToolAsk, VerdictCard } from '../shared/eventLogProtocol.ts';
import { oneLine, readVerdict, toolInputSummary } from './eventRows.ts';
import { EVENTS_PER_PAGE, type EventPages } from './eventPages.ts';
import { sessionDisplayStatus, threadDisplayStatus } from './sessionStatus.ts';
import { showControlCharactersIn } from './controlCharacters.ts';

type Verdict = NonNullable<SessionState['latestVerdict']>;
export type TestRuns = VerdictCard['testRuns'];

export function sessionSummary(
  sessionId: string,
  state: SessionState,
  meta: Pick<SessionMeta, 'title'>,
  live: boolean,
  toolAsks: ToolAsk[],
  testRuns: TestRuns,
): SessionSummary {
  const status = sessionDisplayStatus(state, live);
  const summary: SessionSummary = {
    sessionId,
    title: meta.title,
    status,
    costUsd: state.usage.cost_usd,
    tokens: totalTokens(state.usage),
    eventCount: state.eventCount,
    threads: Object.values(state.threads).map((t) => ({
      id: t.id,
      agentName: t.agentName,
      status: threadDisplayStatus(t, status),
      tokens: totalTokens(t.usage),
    })),
    toolAsks,
  };
  const verdict = verdictCard(state, testRuns);
  if (verdict) summary.verdict = verdict;
  const asked = state.openQuestions;
  if (asked) {
    summary.questions = {
      eventId: asked.id,
      seq: asked.seq,
      reason: asked.reason,
      questions: asked.questions,
      ...(asked.confidence !== undefined ? { confidence: asked.confidence } : {}),
    };
  }
  if (state.pullRequest) summary.pullRequest = { url: state.pullRequest.url, number: state.pullRequest.number };
  return showControlCharactersIn(summary);
}

/** `always_ask` tool calls still pending; `confirmed` holds those the person has answered. */
export function pendingAsks(state: SessionState, confirmed: ReadonlySet<string>): ToolAsk[] {
  return askedUses(state)
    .filter(({ use }) => !confirmed.has(use.id))
    .map(({ use, agent }) => ({
      eventId: use.id,
      seq: use.seq,
      thread: use.thread,
      agent,
      tool: use.name,
      input: oneLine(toolInputSummary(use.name, use.input), 400),
    }))
    .sort((a, b) => a.seq - b.seq);
}

/** Pending tool calls that asked the person: what the confirmations read at open are looked for. */
export function askedUses(state: SessionState): { use: EventOfType<'agent.tool_use'>; agent: string }[] {
  const out: { use: EventOfType<'agent.tool_use'>; agent: string }[] = [];
  for (const thread of Object.values(state.threads))
    for (const use of thread.pendingToolUses.values())
      if (use.evaluated_permission === 'ask') out.push({ use, agent: thread.agentName });
  return out;
}

function verdictCard(state: SessionState, testRuns: TestRuns): VerdictCard | undefined {
  const v = state.latestVerdict;
  if (!v) return undefined;
  const { decision, summary } = readVerdict(v.verdict);
  const card: VerdictCard = {
    eventId: v.id,
    seq: v.seq,
    decision,
    summary,
    testRuns,
    baseCommit: v.evidence.base_commit,
    headCommit: v.evidence.head_commit,
  };
  const approval = state.latestApproval;
  if (approval && approval.verdict_event_id === v.id) card.answered = approval.decision;
  else if (state.pullRequest) card.answered = 'approve';
  return card;
}

/** The verdict's test runs: the events its evidence names, found by reading back from the verdict (they are
 * the review's own runs, just before it) until each is found or the log's start is reached. */
export async function verdictTestRuns(v: Verdict, pages: EventPages): Promise<TestRuns> {
  const suite = v.evidence.suite_run;
  const wanted = new Set(v.evidence.test_run_event_ids);
  if (suite) wanted.add(suite.event_id);
  const found = new Map<string, SessionEvent>();
  /** Uses of wanted results, and results of wanted uses. */
  const neededUses = new Set<string>();
  const uses = new Map<string, EventOfType<'agent.tool_use'>>();
  const results = new Map<string, EventOfType<'agent.tool_result'>>();
  const done = () => found.size === wanted.size && [...neededUses].every((id) => uses.has(id));
  for (let hi = v.seq - 1; hi >= 1 && !done(); hi -= EVENTS_PER_PAGE) {
    const events = await pages.range(Math.max(1, hi - EVENTS_PER_PAGE + 1), hi);
    for (let i = events.length - 1; i >= 0; i--) {
      const e = events[i] as SessionEvent;
      if (wanted.has(e.id)) {
        found.set(e.id, e);
        if (e.type === 'agent.tool_result') neededUses.add(e.tool_use_id);
      }
      if (e.type === 'agent.tool_use' && neededUses.has(e.id)) uses.set(e.id, e);
      if (e.type === 'agent.tool_result' && wanted.has(e.tool_use_id)) results.set(e.tool_use_id, e);
    }
  }
  const runs: TestRuns = [];
  const suiteEvent = suite ? found.get(suite.event_id) : undefined;
  if (suite && suiteEvent)
    runs.push({ seq: suiteEvent.seq, command: `${suite.command} (run by Agent OS)`, ok: suite.exit_code === 0 });
  for (const id of v.evidence.test_run_event_ids) {
    const e = found.get(id);
    if (!e) continue;
    const use = e.type === 'agent.tool_use' ? e : e.type === 'agent.tool_result' ? uses.get(e.tool_use_id) : undefined;
    const result = use ? (results.get(use.id) ?? resultOf(e)) : resultOf(e);
    runs.push({
      seq: (use ?? e).seq,
      command: use ? toolInputSummary(use.name, use.input) : id,
      ok: result ? !result.is_error : null,
    });
  }
  return runs;
}

function resultOf(e: SessionEvent): EventOfType<'agent.tool_result'> | undefined {
  return e.type === 'agent.tool_result' ? e : undefined;
}
