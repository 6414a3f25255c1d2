// Messages between the extension host and the Session Overview webview, and the overview itself: a
// picture of one session (issue, sandbox, plan as a checklist, verdict with evidence, one timeline lane
// per thread, cost per thread) that the host folds from the log and the page only draws. Both sides
// validate what they receive with these schemas, as for the Event Log.
// Written with zod's mini build (functions, not methods): the webviews bundle these schemas, and the
// full build would be 95% of a webview's code.
import * as z from 'zod/mini';
import { CardAction } from './eventLogProtocol.ts';

export const STEP_STATES = ['pending', 'running', 'passed', 'failed'] as const;
export const StepState = z.enum(STEP_STATES);
export type StepState = z.infer<typeof StepState>;

/** One run of a command the runtime or an agent ran and the overview judges: a step's validation, a test run. */
export const CommandRun = z.object({
  /** The event that started it (the `agent.tool_use`), which the Event Log opens. */
  seq: z.int().check(z.positive()),
  command: z.string(),
  /** null while it runs (no result yet). */
  ok: z.nullable(z.boolean()),
  /** The shell's exit code when the result says it; 0 for a plain success. */
  exitCode: z.nullable(z.int()),
  /** Test counts read from the output (TAP, node --test, jest, mocha, pytest), when it has them. */
  passed: z.optional(z.int().check(z.nonnegative())),
  failed: z.optional(z.int().check(z.nonnegative())),
  /** The last lines of its output. */
  outputTail: z.string(),
  time: z.string(),
});
export type CommandRun = z.infer<typeof CommandRun>;

export const PlanStepView = z.object({
  id: z.string(),
  title: z.string(),
  description: z.string(),
  files: z.array(z.string()),
  validation: z.string(),
  state: StepState,
  attempts: z.int().check(z.nonnegative()),
  latest: z.optional(CommandRun),
});
export type PlanStepView = z.infer<typeof PlanStepView>;

export const PlanView = z.object({
  seq: z.int().check(z.positive()),
  summary: z.string(),
  /** How many plans the session has had (a revised plan replaces the one before). */
  revision: z.int().check(z.positive()),
  /** The Planner's confidence, when its plan states one (0..1 or a word). */
  confidence: z.optional(z.string()),
  questions: z.array(z.string()),
  steps: z.array(PlanStepView),
});
export type PlanView = z.infer<typeof PlanView>;

export const ChangedFile = z.object({
  path: z.string(),
  status: z.string(),
  additions: z.optional(z.int().check(z.nonnegative())),
  deletions: z.optional(z.int().check(z.nonnegative())),
});
export type ChangedFile = z.infer<typeof ChangedFile>;

export const VerdictView = z.object({
  eventId: z.string(),
  seq: z.int().check(z.positive()),
  decision: z.string(),
  summary: z.string(),
  fixes: z.array(z.object({ file: z.optional(z.string()), problem: z.string(), fix: z.string() })),
  /** Which review this is (1 for the first verdict of the session). */
  round: z.int().check(z.positive()),
  testRuns: z.array(CommandRun),
  baseCommit: z.string(),
  headCommit: z.string(),
  diffSha256: z.string(),
  /** The change from base to head, file by file; absent until the host has read it from git. */
  changedFiles: z.optional(z.array(ChangedFile)),
  /** Why the files are not shown, when they cannot be. */
  changedFilesNote: z.optional(z.string()),
  answered: z.optional(z.enum(['approve', 'reject'])),
});
export type VerdictView = z.infer<typeof VerdictView>;

export const SPAN_KINDS = ['model', 'tool', 'validation', 'wait', 'delegation'] as const;
export const SpanKind = z.enum(SPAN_KINDS);
export type SpanKind = z.infer<typeof SpanKind>;

export const Span = z.object({
  kind: SpanKind,
  /** Milliseconds from the timeline's start. */
  start: z.number().check(z.nonnegative()),
  end: z.number().check(z.nonnegative()),
  /** The event the span starts with (what a click opens in the Event Log). */
  seq: z.int().check(z.positive()),
  label: z.string(),
  /** Still going at the end of the log. */
  open: z.boolean(),
  isError: z.boolean(),
  /** Spans drawn as one because they are too close to tell apart at any zoom the page offers. */
  count: z.int().check(z.positive()),
});
export type Span = z.infer<typeof Span>;

export const Lane = z.object({
  threadId: z.string(),
  agentName: z.string(),
  status: z.string(),
  /** Nesting depth under the primary thread (0 for the Coordinator). */
  depth: z.int().check(z.nonnegative()),
  spans: z.array(Span),
  /** Totals over every span of the lane, merged or not (for the text alternative). */
  counts: z.record(SpanKind, z.int().check(z.nonnegative())),
  busyMs: z.number().check(z.nonnegative()),
});
export type Lane = z.infer<typeof Lane>;

export const Arrow = z.object({
  from: z.string(),
  to: z.string(),
  at: z.number().check(z.nonnegative()),
  seq: z.int().check(z.positive()),
  label: z.string(),
});
export type Arrow = z.infer<typeof Arrow>;

export const CostBar = z.object({
  threadId: z.string(),
  agentName: z.string(),
  costUsd: z.number().check(z.nonnegative()),
  tokens: z.number().check(z.nonnegative()),
  requests: z.int().check(z.nonnegative()),
  /** As a person reads them ("$0.04", "24.8k tokens"): one formatter for every view. */
  costLabel: z.string(),
  tokensLabel: z.string(),
});
export type CostBar = z.infer<typeof CostBar>;

export const SessionOverview = z.object({
  sessionId: z.string(),
  title: z.string(),
  /** Where the task came from (an issue URL or `owner/repo#n`). */
  source: z.optional(z.string()),
  /** The task as the agents were given it (cut). */
  issueText: z.optional(z.string()),
  status: z.string(),
  statusLabel: z.string(),
  sandbox: z.optional(
    z.object({ kind: z.string(), confined: z.boolean(), detail: z.optional(z.string()), plain: z.string() }),
  ),
  plan: z.optional(PlanView),
  verdict: z.optional(VerdictView),
  pullRequest: z.optional(z.object({ url: z.string(), number: z.int() })),
  timeline: z.object({
    /** RFC 3339 time of the first event. */
    startTime: z.string(),
    durationMs: z.number().check(z.nonnegative()),
    lanes: z.array(Lane),
    arrows: z.array(Arrow),
  }),
  costs: z.object({
    bars: z.array(CostBar),
    totalUsd: z.number().check(z.nonnegative()),
    totalTokens: z.number().check(z.nonnegative()),
    budgetUsd: z.optional(z.number().check(z.positive())),
    budgetTokens: z.optional(z.int().check(z.positive())),
    totalLabel: z.string(),
    budgetLabel: z.optional(z.string()),
  }),
  eventCount: z.int().check(z.nonnegative()),
});
export type SessionOverview = z.infer<typeof SessionOverview>;

// ---- host → webview ---------------------------------------------------------------------------

export const OverviewHostMessage = z.discriminatedUnion('type', [
  /** The answer to `ready`, and every update after it: the whole overview (it is small by design). */
  z.object({ type: z.literal('overview'), overview: SessionOverview }),
  z.object({ type: z.literal('error'), message: z.string() }),
]);
export type OverviewHostMessage = z.infer<typeof OverviewHostMessage>;

// ---- webview → host ---------------------------------------------------------------------------

export const OverviewWebviewMessage = z.discriminatedUnion('type', [
  /** Sent once the page has loaded: the host answers with `overview` (the ready handshake). */
  z.object({ type: z.literal('ready') }),
  /** The verdict card's buttons: the same actions as the Event Log's cards and the tree. */
  z.object({ type: z.literal('action'), card: CardAction }),
  /** Opens the Event Log at this event. */
  z.object({ type: z.literal('openEvent'), seq: z.int().check(z.positive()) }),
  z.object({ type: z.literal('openEventLog') }),
]);
export type OverviewWebviewMessage = z.infer<typeof OverviewWebviewMessage>;

/** What the webview keeps with `setState`, and what the serializer gets back after a reload. */
export const OverviewUiState = z.object({ sessionId: z.string() });
export type OverviewUiState = z.infer<typeof OverviewUiState>;

export function parseOverviewHostMessage(data: unknown): OverviewHostMessage | undefined {
  const r = OverviewHostMessage.safeParse(data);
  return r.success ? r.data : undefined;
}

export function parseOverviewWebviewMessage(data: unknown): OverviewWebviewMessage | undefined {
  const r = OverviewWebviewMessage.safeParse(data);
  return r.success ? r.data : undefined;
}
