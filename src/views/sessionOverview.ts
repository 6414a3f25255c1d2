// The Session Overview's model: a fold over one session's log into the picture the overview page
// draws (issue, sandbox, plan checklist, verdict with evidence, lanes, cost per thread). Events are
// added in log order as they arrive; `overview()` is cheap enough to call after every batch. No
// `vscode` import: plain node tests and the bench drive it.
import type { EventOfType, SessionEvent } from '../core/events/sessionEvent.ts';
import type { SessionMeta } from '../core/session/sessionStore.ts';
import { initialSessionState, reduce, totalTokens, type SessionState, type ThreadState } from '../core/session/sessionState.ts';
import type { ChangedFile, CommandRun, PlanView, SessionOverview, StepState, VerdictView } from '../shared/overviewProtocol.ts';
import { outputTail, readCommandResult, testCounts } from '../core/tools/commandOutput.ts';
import { readVerdict, toolInputSummary } from './eventRows.ts';
import { normalizeCommand, readPlan, stepViews, type ReadPlan } from './planProgress.ts';
import { sandboxPlain } from './sandboxWords.ts';
import { STATUS_LABEL, formatTokens, formatUsd, sessionDisplayStatus, threadDisplayStatus, type DisplayStatus } from './sessionStatus.ts';
import { TimelineBuilder, type LaneThread } from './timelineSpans.ts';
import { showControlCharactersIn } from './controlCharacters.ts';

const ISSUE_TEXT_LIMIT = 1_500;

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
  private state: SessionState;
  private readonly timeline = new TimelineBuilder();
  private readonly toolUses = new Map<string, EventOfType<'agent.tool_use'>>();
  /** Results of shell calls only: the runs a checklist or a verdict can point at. */
  private readonly shellResults = new Map<string, EventOfType<'agent.tool_result'>>();
  private readonly resultIds = new Map<string, string>();
  /** Shell calls in log order, with their commands normalized once. */
  private readonly shellCalls: { use: EventOfType<'agent.tool_use'>; command: string }[] = [];
  private plan: { event: EventOfType<'agent_os.plan_submitted'>; read: ReadPlan; revision: number } | undefined;
  private verdicts = 0;
  /** The runtime's own runs (issue 14): step validations and the suite behind a verdict. */
  private readonly validationRuns = new Map<string, EventOfType<'agent_os.validation_run'>>();
  private readonly stepRuns: EventOfType<'agent_os.validation_run'>[] = [];
  private readonly stepStates = new Map<string, StepState>();
  private issueText: string | undefined;
  /** The last overview and what it was made from: a reloaded page or a second ask costs nothing. */
  private cached: { key: string; overview: SessionOverview } | undefined;

  constructor(readonly sessionId: string) {
    this.state = initialSessionState(sessionId);
  }

  get sessionState(): SessionState {
    return this.state;
  }

  get lastSeq(): number {
    return this.state.lastSeq;
  }

  /** Adds events in log order; already-seen seqs are skipped. Returns how many were new. */
  append(events: readonly SessionEvent[]): number {
    let added = 0;
    for (const e of events) {
      if (e.seq <= this.state.lastSeq) continue;
      this.state = reduce(this.state, e);
      this.timeline.add(e, (id) => this.state.threads[id]?.agentName ?? id);
      this.track(e);
      added++;
    }
    return added;
  }

  overview(input: OverviewInput): SessionOverview {
    const status = sessionDisplayStatus(this.state, input.live);
    const key = JSON.stringify([this.state.lastSeq, status, input.meta.title, input.meta.source, input.changes, status === 'running' ? input.now : 0]);
    // Plan steps, command output, issue text and the verdict are model and tool text: shown, never obeyed.
    if (this.cached?.key !== key) this.cached = { key, overview: showControlCharactersIn(this.build(input, status)) };
    return this.cached.overview;
  }

  private build(input: OverviewInput, status: DisplayStatus): SessionOverview {
    const s = this.state;
    const threads = this.orderedThreads(status);
    const validations = new Set(this.plan?.read.steps.map((step) => normalizeCommand(step.validation)).filter(Boolean));
    const overview: SessionOverview = {
      sessionId: this.sessionId,
      title: input.meta.title,
      status,
      statusLabel: STATUS_LABEL[status],
      timeline: {
        startTime: new Date(this.timeline.startTime).toISOString(),
        durationMs: Math.max(this.timeline.durationMs, input.now && status === 'running' ? input.now - this.timeline.startTime : 0),
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
    if (this.issueText !== undefined) overview.issueText = this.issueText;
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

  private track(e: SessionEvent): void {
    switch (e.type) {
      case 'user.message':
        if (this.issueText === undefined) {
          const text = e.content.map((b) => b.text).join('\n');
          this.issueText = text.length > ISSUE_TEXT_LIMIT ? `${text.slice(0, ISSUE_TEXT_LIMIT - 1)}…` : text;
        }
        return;
      case 'agent.tool_use': {
        this.toolUses.set(e.id, e);
        const command = (e.input as { command?: unknown } | null)?.command;
        if (e.name === 'bash' && typeof command === 'string') this.shellCalls.push({ use: e, command: normalizeCommand(command) });
        return;
      }
      case 'agent.tool_result':
        if (this.toolUses.get(e.tool_use_id)?.name === 'bash') {
          this.shellResults.set(e.tool_use_id, e);
          this.resultIds.set(e.id, e.tool_use_id);
        }
        return;
      case 'agent_os.plan_submitted':
        this.plan = { event: e, read: readPlan(e.plan), revision: (this.plan?.revision ?? 0) + 1 };
        return;
      case 'agent_os.verdict_submitted':
        this.verdicts++;
        return;
      case 'agent_os.step_updated':
        this.stepStates.set(`${e.plan_event_id}\u0000${e.step_id}`, e.state);
        return;
      case 'agent_os.validation_run':
        this.validationRuns.set(e.id, e);
        if (e.purpose === 'step' && e.step_id) this.stepRuns.push(e);
        return;
      // Issue 14's events (validation runs, step states, the Planner's confidence) join here and in
      // `runsByStep`; the checklist's states are decided in planProgress.ts alone.
      default:
        return;
    }
  }

  private planView(status: DisplayStatus): PlanView | undefined {
    const plan = this.plan;
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
    const ownRuns = this.stepRuns.filter((r) => r.plan_event_id === event.id);
    for (const r of ownRuns) runsByStep.set(r.step_id!, [...(runsByStep.get(r.step_id!) ?? []), validationCommandRun(r)]);
    for (const call of ownRuns.length > 0 ? [] : this.shellCalls) {
      if (call.use.seq < event.seq) continue;
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
        const own = this.stepStates.get(`${event.id}\u0000${step.id}`);
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
          const fix: VerdictView['fixes'][number] = { problem: String(r['problem'] ?? ''), fix: String(r['fix'] ?? '') };
          if (typeof r['file'] === 'string') fix.file = r['file'];
          return fix;
        })
      : [];
    const testRuns: CommandRun[] = [];
    const suite = v.evidence.suite_run ? this.validationRuns.get(v.evidence.suite_run.event_id) : undefined;
    if (suite) testRuns.push(validationCommandRun(suite));
    for (const id of v.evidence.test_run_event_ids) {
      const use = this.toolUses.get(id) ?? this.toolUses.get(this.resultIds.get(id) ?? '');
      if (use) testRuns.push(this.commandRun(use));
    }
    const view: VerdictView = {
      eventId: v.id,
      seq: v.seq,
      decision,
      summary,
      fixes,
      round: Math.max(1, this.verdicts),
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

  private commandRun(use: EventOfType<'agent.tool_use'>): CommandRun {
    const result = this.shellResults.get(use.id);
    const run: CommandRun = {
      seq: use.seq,
      command: toolInputSummary(use.name, use.input),
      ok: result ? !result.is_error : null,
      exitCode: null,
      outputTail: '',
      time: use.processed_at,
    };
    if (!result) return run;
    const { exitCode, output } = readCommandResult(result.content.map((b) => b.text).join('\n'), result.is_error);
    run.exitCode = exitCode;
    run.outputTail = outputTail(output);
    const counts = testCounts(output);
    if (counts) {
      run.passed = counts.passed;
      run.failed = counts.failed;
    }
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
