// The Session Overview's model: a fold over one session's log into the picture the overview page
// draws (issue, sandbox, plan checklist, verdict with evidence, lanes, cost per thread). Events are
// added in log order as they arrive; `overview()` is cheap enough to call after every batch. The fold
// is a LogFold (OVERVIEW_FOLD): the store keeps checkpoints of it, so opening the overview of a long
// session folds only the records after the last one. No `vscode` import: plain node tests and the
// bench drive it.
import type { EventOfType, SessionEvent } from '../core/events/sessionEvent.ts';
import type { LogFold } from '../core/session/logFold.ts';
import type { SessionMeta } from '../core/session/sessionStore.ts';
import {
  FOLD_VERSION,
  initialSessionState,
  SessionFold,
  totalTokens,
  type SessionState,
  type ThreadState,
} from '../core/session/sessionState.ts';
import { SESSION_STATE_FOLD } from '../core/session/sessionStateFold.ts';
import type { ChangedFile, CommandRun, PlanView, SessionOverview, VerdictView } from '../shared/overviewProtocol.ts';
import { outputTail } from '../core/tools/commandOutput.ts';
import { readVerdict } from './eventRows.ts';
import { OverviewFacts, type UseDigest } from './overviewFacts.ts';
import { normalizeCommand, stepViews } from './planProgress.ts';
import { sandboxPlain } from './sandboxWords.ts';
import {
  STATUS_LABEL,
  formatTokens,
  formatUsd,
  sessionDisplayStatus,
  threadDisplayStatus,
  type DisplayStatus,
} from './sessionStatus.ts';
import { TimelineBuilder, type LaneThread } from './timelineSpans.ts';
import { showControlCharactersIn } from './controlCharacters.ts';

export interface OverviewInput {
  meta: Pick<SessionMeta, 'title' | 'source'>;
  /** A harness in this process runs the session now. */
  live: boolean;
  /** The verdict's change file by file, once the host has read it from git (or why it cannot). */
  changes?: { verdictEventId: string; files?: ChangedFile[]; note?: string };
  /** Open spans of a live session reach this time (epoch ms); default: the last event. */
  now?: number;
}

export class SessionOverviewModel {
  /** The session's state, folded in place; `state` is its copy as of the last overview made. */
  private readonly fold: SessionFold;
  private state: SessionState;
  private readonly timeline: TimelineBuilder;
  private readonly facts: OverviewFacts;
  /** The last overview and what it was made from: a reloaded page or a second ask costs nothing. */
  private cached: { key: string; overview: SessionOverview } | undefined;

  constructor(
    readonly sessionId: string,
    from?: { fold: SessionFold; timeline: TimelineBuilder; facts: OverviewFacts },
  ) {
    this.fold = from?.fold ?? new SessionFold(initialSessionState(sessionId));
    this.timeline = from?.timeline ?? new TimelineBuilder();
    this.facts = from?.facts ?? new OverviewFacts();
    this.state = this.fold.state;
  }

  get sessionState(): SessionState {
    if (this.state.lastSeq !== this.fold.lastSeq) this.state = this.fold.state;
    return this.state;
  }

  get lastSeq(): number {
    return this.fold.lastSeq;
  }

  /** Adds events in log order; already-seen seqs are skipped. Returns how many were new. */
  append(events: readonly SessionEvent[]): number {
    let added = 0;
    for (const e of events) if (this.take(e)) added++;
    return added;
  }

  /** Adds one event (skipped when its seq was seen); whether it was new. */
  take(e: SessionEvent): boolean {
    if (e.seq <= this.fold.lastSeq) return false;
    this.fold.apply(e);
    this.timeline.add(e, (id) => this.fold.agentName(id) ?? id);
    this.facts.take(e);
    return true;
  }

  /** The model as plain JSON: what its checkpoint holds. */
  save(): unknown {
    return { session: SESSION_STATE_FOLD.save(this.fold), timeline: this.timeline.save(), facts: this.facts.save() };
  }

  /** The model from what `save` gave, or undefined when it does not fit. */
  static load(saved: unknown, sessionId: string): SessionOverviewModel | undefined {
    const s = saved as { session?: unknown; timeline?: unknown; facts?: unknown } | null;
    const fold = SESSION_STATE_FOLD.load(s?.session, sessionId);
    if (!fold || !s) return undefined;
    try {
      return new SessionOverviewModel(sessionId, {
        fold,
        timeline: TimelineBuilder.load(s.timeline),
        facts: OverviewFacts.load(s.facts),
      });
    } catch {
      return undefined;
    }
  }

  overview(input: OverviewInput): SessionOverview {
    this.state = this.sessionState;
    const status = sessionDisplayStatus(this.state, input.live);
    const key = JSON.stringify([
      this.state.lastSeq,
      status,
      input.meta.title,
      input.meta.source,
      input.changes,
      status === 'running' ? input.now : 0,
    ]);
    // Plan steps, command output, issue text and the verdict are model and tool text: shown, never obeyed.
    if (this.cached?.key !== key) this.cached = { key, overview: showControlCharactersIn(this.build(input, status)) };
    return this.cached.overview;
  }

  private build(input: OverviewInput, status: DisplayStatus): SessionOverview {
    const s = this.state;
    const threads = this.orderedThreads(status);
    const validations = new Set(
      this.facts.plan?.read.steps.map((step) => normalizeCommand(step.validation)).filter(Boolean),
    );
    const overview: SessionOverview = {
      sessionId: this.sessionId,
      title: input.meta.title,
      status,
      statusLabel: STATUS_LABEL[status],
      timeline: {
        startTime: new Date(this.timeline.startTime).toISOString(),
        durationMs: Math.max(
          this.timeline.durationMs,
          input.now && status === 'running' ? input.now - this.timeline.startTime : 0,
        ),
        lanes: this.timeline.lanes(threads, validations, status === 'running' ? input.now : undefined),
        arrows: this.timeline.arrowsView(),
      },
      costs: {
        bars: threads.map((t) => {
          const usage = s.threads[t.id]?.usage;
          const tokens = usage ? totalTokens(usage) : 0;
          const requests = usage?.model_requests ?? 0;
          return {
            threadId: t.id,
            agentName: t.agentName,
            costUsd: usage?.cost_usd ?? 0,
            tokens,
            requests,
            costLabel: formatUsd(usage?.cost_usd ?? 0),
            tokensLabel: `${formatTokens(tokens)} tokens, ${requests} request${requests === 1 ? '' : 's'}`,
          };
        }),
        totalUsd: s.usage.cost_usd,
        totalTokens: totalTokens(s.usage),
        totalLabel: `${formatUsd(s.usage.cost_usd)} · ${formatTokens(totalTokens(s.usage))} tokens`,
      },
      eventCount: s.eventCount,
    };
    if (input.meta.source) overview.source = input.meta.source;
    if (this.facts.issueText !== undefined) overview.issueText = this.facts.issueText;
    const budget = s.configured?.budget;
    if (budget?.max_usd !== undefined) overview.costs.budgetUsd = budget.max_usd;
    if (budget?.max_tokens !== undefined) overview.costs.budgetTokens = budget.max_tokens;
    const limits = [
      budget?.max_usd !== undefined ? formatUsd(budget.max_usd) : undefined,
      budget?.max_tokens !== undefined ? `${formatTokens(budget.max_tokens)} tokens` : undefined,
    ].filter(Boolean);
    if (limits.length) overview.costs.budgetLabel = `budget ${limits.join(' or ')}`;
    const sandbox = s.configured?.sandbox;
    if (sandbox) {
      overview.sandbox = { kind: sandbox.kind, confined: sandbox.confined, plain: sandboxPlain(sandbox) };
      if (sandbox.detail) overview.sandbox.detail = sandbox.detail;
    }
    const plan = this.planView(status);
    if (plan) overview.plan = plan;
    const verdict = this.verdictView(input.changes);
    if (verdict) overview.verdict = verdict;
    if (s.pullRequest) overview.pullRequest = { url: s.pullRequest.url, number: s.pullRequest.number };
    return overview;
  }

  private planView(status: DisplayStatus): PlanView | undefined {
    const plan = this.facts.plan;
    if (!plan) return undefined;
    const { read, event } = plan;
    // Runs of each step's validation after this plan. Two steps with one command share its runs in
    // order: a run counts for the first of them that has not passed yet.
    const stepsByCommand = new Map<string, string[]>();
    for (const step of read.steps) {
      if (!step.validation) continue;
      const key = normalizeCommand(step.validation);
      stepsByCommand.set(key, [...(stepsByCommand.get(key) ?? []), step.id]);
    }
    const runsByStep = new Map<string, CommandRun[]>();
    // The runtime's own runs of this plan's steps, when it has any (issue 14); before, the agents' shell calls.
    const ownRuns = this.facts.stepRuns.filter((r) => r.plan_event_id === event.id);
    for (const r of ownRuns)
      runsByStep.set(r.step_id!, [...(runsByStep.get(r.step_id!) ?? []), validationCommandRun(r)]);
    for (const call of ownRuns.length > 0 ? [] : this.facts.shellCalls) {
      const ids = stepsByCommand.get(call.command);
      if (!ids) continue;
      const run = this.commandRun(call.use);
      const target = ids.find((id) => runsByStep.get(id)?.at(-1)?.ok !== true) ?? ids[ids.length - 1]!;
      runsByStep.set(target, [...(runsByStep.get(target) ?? []), run]);
    }
    const verdictAfter = this.state.latestVerdict !== undefined && this.state.latestVerdict.seq > event.seq;
    const view: PlanView = {
      seq: event.seq,
      summary: read.summary,
      revision: plan.revision,
      questions: read.questions,
      steps: stepViews(read, runsByStep, status === 'running' && !verdictAfter).map((step) => {
        // The runtime's word on a step's state, where it has one (a failed attempt with attempts left is running).
        const own = this.facts.stepStates.get(`${event.id}\u0000${step.id}`);
        return own && own !== 'pending' ? { ...step, state: own } : step;
      }),
    };
    if (read.confidence !== undefined) view.confidence = read.confidence;
    return view;
  }

  private verdictView(changes: OverviewInput['changes']): VerdictView | undefined {
    const v = this.state.latestVerdict;
    if (!v) return undefined;
    const { decision, summary } = readVerdict(v.verdict);
    const fixesRaw = (v.verdict as { fixes?: unknown } | null)?.fixes;
    const fixes = Array.isArray(fixesRaw)
      ? fixesRaw.map((f) => {
          const r = (f ?? {}) as Record<string, unknown>;
          const fix: VerdictView['fixes'][number] = {
            problem: String(r['problem'] ?? ''),
            fix: String(r['fix'] ?? ''),
          };
          if (typeof r['file'] === 'string') fix.file = r['file'];
          return fix;
        })
      : [];
    const testRuns: CommandRun[] = [];
    const suite = v.evidence.suite_run ? this.facts.validationRuns.get(v.evidence.suite_run.event_id) : undefined;
    if (suite) testRuns.push(validationCommandRun(suite));
    for (const id of v.evidence.test_run_event_ids) {
      const use = this.facts.uses.get(id) ?? this.facts.uses.get(this.facts.resultIds.get(id) ?? '');
      if (use) testRuns.push(this.commandRun(use));
    }
    const view: VerdictView = {
      eventId: v.id,
      seq: v.seq,
      decision,
      summary,
      fixes,
      round: Math.max(1, this.facts.verdicts),
      testRuns,
      baseCommit: v.evidence.base_commit,
      headCommit: v.evidence.head_commit,
      diffSha256: v.evidence.diff_sha256,
    };
    if (changes && changes.verdictEventId === v.id) {
      if (changes.files) view.changedFiles = changes.files;
      if (changes.note) view.changedFilesNote = changes.note;
    }
    const approval = this.state.latestApproval;
    if (approval && approval.verdict_event_id === v.id) view.answered = approval.decision;
    else if (this.state.pullRequest) view.answered = 'approve';
    return view;
  }

  /** The run of a tool call, as the checklist and the verdict card show it. */
  private commandRun(use: UseDigest): CommandRun {
    const result = this.facts.shellResults.get(use.id);
    const run: CommandRun = {
      seq: use.seq,
      command: use.summary,
      ok: result ? !result.isError : null,
      exitCode: null,
      outputTail: '',
      time: use.time,
    };
    if (!result) return run;
    run.exitCode = result.exitCode;
    run.outputTail = result.outputTail;
    if (result.passed !== undefined) run.passed = result.passed;
    if (result.failed !== undefined) run.failed = result.failed;
    return run;
  }

  /** Threads as the tree shows them: the primary first, each thread's children after it. */
  private orderedThreads(status: DisplayStatus): LaneThread[] {
    const all = Object.values(this.state.threads);
    const children = new Map<string | null, ThreadState[]>();
    for (const t of all) {
      const parent = t.parentThreadId !== null && this.state.threads[t.parentThreadId] ? t.parentThreadId : null;
      children.set(parent, [...(children.get(parent) ?? []), t]);
    }
    const out: LaneThread[] = [];
    const visit = (t: ThreadState, depth: number) => {
      out.push({ id: t.id, agentName: t.agentName, status: threadDisplayStatus(t, status), depth });
      for (const c of children.get(t.id) ?? []) visit(c, depth + 1);
    };
    for (const root of children.get(null) ?? []) visit(root, 0);
    return out;
  }
}

/** A run the runtime made itself, as the checklist and the verdict card show runs. */
function validationCommandRun(e: EventOfType<'agent_os.validation_run'>): CommandRun {
  const run: CommandRun = {
    seq: e.seq,
    command: e.purpose === 'test_suite' ? `${e.command} (run by Agent OS)` : e.command,
    ok: e.exit_code === 0,
    exitCode: e.exit_code,
    outputTail: outputTail(e.output_tail),
    time: e.processed_at,
  };
  if (e.passed !== undefined) run.passed = e.passed;
  if (e.failed !== undefined) run.failed = e.failed;
  return run;
}

/** The Overview as a fold the store checkpoints. Its version moves with the session state's too. */
export const OVERVIEW_FOLD: LogFold<SessionOverviewModel> = {
  name: 'overview',
  version: 100 * FOLD_VERSION + 1,
  start: (sessionId) => new SessionOverviewModel(sessionId),
  apply: (model, event) => void model.take(event),
  save: (model) => model.save(),
  load: (saved, sessionId) => SessionOverviewModel.load(saved, sessionId),
};
