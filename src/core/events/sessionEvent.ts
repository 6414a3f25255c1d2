// The session log's event vocabulary. Type names and fields follow the hosted platform
// (docs/reference/managedAgents.md, "Sessions, threads and events") so one UI can show a local or a hosted session.
// Events the platform has no name for live under the `agent_os.` namespace.
import { z } from 'zod';
import { environmentPayloads } from './environmentEvents.ts';
import { sandboxPayloads } from './sandboxEvents.ts';
import type { Plan } from '../agents/planSchema.ts';
import { VerdictSchema } from '../agents/verdictSchema.ts';

export const EVENT_SCHEMA_VERSION = 1;

// ---- content -------------------------------------------------------------------------------

export const TextBlock = z.object({ type: z.literal('text'), text: z.string() });
export type TextBlock = z.infer<typeof TextBlock>;

/** Assistant content exactly as the Messages API returned it, kept so that a thread's context
 * can be rebuilt byte for byte (prompt caching depends on it). */
export const AssistantBlock = z.discriminatedUnion('type', [
  TextBlock,
  z.object({ type: z.literal('tool_use'), id: z.string(), name: z.string(), input: z.unknown() }),
  z.object({ type: z.literal('thinking'), thinking: z.string(), signature: z.string() }),
  z.object({ type: z.literal('redacted_thinking'), data: z.string() }),
]);
export type AssistantBlock = z.infer<typeof AssistantBlock>;

export const StopReason = z.discriminatedUnion('type', [
  z.object({ type: z.literal('end_turn') }),
  z.object({ type: z.literal('requires_action'), event_ids: z.array(z.string()) }),
  z.object({ type: z.literal('retries_exhausted') }),
  z.object({ type: z.literal('budget_reached') }),
  z.object({ type: z.literal('refusal') }),
]);
export type StopReason = z.infer<typeof StopReason>;

export const ModelUsage = z.object({
  input_tokens: z.number().int().nonnegative(),
  output_tokens: z.number().int().nonnegative(),
  cache_creation_input_tokens: z.number().int().nonnegative(),
  cache_read_input_tokens: z.number().int().nonnegative(),
});
export type ModelUsage = z.infer<typeof ModelUsage>;

export const SessionErrorBody = z.object({
  type: z.string(),
  message: z.string(),
  retry_status: z.object({ type: z.enum(['retrying', 'exhausted', 'terminal']) }),
});
export type SessionErrorBody = z.infer<typeof SessionErrorBody>;

export const StepState = z.enum(['pending', 'running', 'passed', 'failed']);
export type StepState = z.infer<typeof StepState>;

/** A verdict's evidence of the runtime's own test run. */
export const SuiteRunSummary = z.object({
  event_id: z.string(),
  command: z.string(),
  exit_code: z.number().int().nullable(),
  duration_ms: z.number().nonnegative(),
  passed: z.number().int().nonnegative().optional(),
  failed: z.number().int().nonnegative().optional(),
});
export type SuiteRunSummary = z.infer<typeof SuiteRunSummary>;

// ---- payloads (what a producer appends; the store adds the envelope) ---------------------

const payloads = [
  // client → session
  z.object({ type: z.literal('user.message'), content: z.array(TextBlock) }),
  z.object({ type: z.literal('user.interrupt'), session_thread_id: z.string().optional() }),
  z.object({
    type: z.literal('user.tool_confirmation'),
    tool_use_id: z.string(),
    result: z.enum(['allow', 'deny']),
    deny_message: z.string().optional(),
  }),
  // agent activity of a thread
  z.object({ type: z.literal('agent.message'), content: z.array(TextBlock) }),
  z.object({ type: z.literal('agent.thinking') }),
  z.object({
    type: z.literal('agent.tool_use'),
    name: z.string(),
    input: z.unknown(),
    /** The model's own id for the call (`toolu_…`), needed to answer it in the next request. */
    model_tool_use_id: z.string(),
    evaluated_permission: z.enum(['allow', 'ask', 'deny']),
    /** Which sandbox ran (or will run) the call, when the session has more than one. */
    sandbox_id: z.string().optional(),
  }),
  z.object({
    type: z.literal('agent.tool_result'),
    /** The `id` of the `agent.tool_use` event this answers. */
    tool_use_id: z.string(),
    content: z.array(TextBlock),
    is_error: z.boolean(),
  }),
  z.object({
    type: z.literal('agent.thread_message_sent'),
    to_session_thread_id: z.string(),
    to_agent_name: z.string().optional(),
    content: z.array(TextBlock),
    /** Ours: the delegation call (`agent.tool_use` event id) this message carries out or answers. */
    delegation_tool_use_id: z.string().optional(),
  }),
  z.object({
    type: z.literal('agent.thread_message_received'),
    from_session_thread_id: z.string(),
    from_agent_name: z.string().optional(),
    content: z.array(TextBlock),
  }),
  // session lifecycle
  z.object({ type: z.literal('session.status_running') }),
  z.object({ type: z.literal('session.status_idle'), stop_reason: StopReason }),
  z.object({ type: z.literal('session.status_rescheduled') }),
  z.object({ type: z.literal('session.status_terminated') }),
  z.object({ type: z.literal('session.error'), error: SessionErrorBody }),
  z.object({
    type: z.literal('session.thread_created'),
    session_thread_id: z.string(),
    agent_name: z.string(),
    agent_version: z.number().int().positive().optional(),
    parent_thread_id: z.string().nullable(),
    /** Ours: which of a parent's threads of the same agent this is (parallel Coders have their own). */
    thread_key: z.string().optional(),
  }),
  z.object({ type: z.literal('session.thread_status_running'), session_thread_id: z.string(), agent_name: z.string() }),
  z.object({
    type: z.literal('session.thread_status_idle'),
    session_thread_id: z.string(),
    agent_name: z.string(),
    stop_reason: StopReason,
  }),
  z.object({
    type: z.literal('session.thread_status_rescheduled'),
    session_thread_id: z.string(),
    agent_name: z.string(),
  }),
  z.object({
    type: z.literal('session.thread_status_terminated'),
    session_thread_id: z.string(),
    agent_name: z.string(),
  }),
  z.object({
    type: z.literal('agent.thread_context_compacted'),
    /** The platform's field: the thread's context (estimated) before compaction. */
    pre_compaction_tokens: z.number().int().nonnegative(),
    /** Ours: what the model gets instead of the cleared history — the task, the plan's steps, the latest
     * validation output, the files changed. The events themselves stay in the log. */
    summary: z.string(),
    /** Ours: tool results and inputs of the thread up to this seq are cleared from its context. */
    through_seq: z.number().int().nonnegative(),
  }),
  // telemetry
  z.object({ type: z.literal('span.model_request_start'), model: z.string() }),
  z.object({
    type: z.literal('span.model_request_end'),
    model_request_start_id: z.string(),
    is_error: z.boolean(),
    model_usage: ModelUsage,
    /** List price of this request in US dollars, from the price table. */
    cost_usd: z.number().nonnegative(),
    /** The assistant turn as returned (absent when is_error). The commit point of a model request:
     * `agent.message` / `agent.tool_use` events are derived from it, so a crash after it loses nothing. */
    content: z.array(AssistantBlock).optional(),
    stop_reason: z.string().nullable().optional(),
  }),
  // Agent OS's own events, where the platform has none
  z.object({
    type: z.literal('agent_os.session_configured'),
    /** Agent name → immutable version this session runs; waking never switches them silently. */
    agent_versions: z.record(z.string(), z.number().int().positive()),
    sandbox: z.object({ kind: z.string(), confined: z.boolean(), detail: z.string().optional() }),
    budget: z
      .object({ max_usd: z.number().positive().optional(), max_tokens: z.number().int().positive().optional() })
      .optional(),
  }),
  z.object({
    type: z.literal('agent_os.plan_submitted'),
    /** The plan as the pipeline validated it (ids as text). Typed for readers, not checked again on
     * append: the Planner's schema grows (confidence, questions) and readers read older plans leniently
     * (src/views/planProgress.ts). The verdict below is checked: approval depends on its decision. */
    plan: z.custom<Plan>((value) => typeof value === 'object' && value !== null, 'a plan is an object'),
    /** The model turn (`span.model_request_end` id) the plan was read from. */
    model_request_end_id: z.string(),
  }),
  z.object({
    type: z.literal('agent_os.verdict_submitted'),
    verdict: VerdictSchema,
    /** The model turn (`span.model_request_end` id) the verdict was read from. */
    model_request_end_id: z.string(),
    evidence: z.object({
      base_commit: z.string(),
      head_commit: z.string(),
      diff_sha256: z.string(),
      test_run_event_ids: z.array(z.string()),
      /** Ours (issue 14): the runtime's own run of the repository's test command at the head commit, in the
       * Reviewer's clean room (`agent_os.validation_run`, purpose `test_suite`). An APPROVE is recorded only
       * with a passing one; absent on older logs and where no test command is known. */
      suite_run: SuiteRunSummary.optional(),
      /** Why there is no `suite_run` when one could be expected (no test command; nothing confines). */
      suite_run_note: z.string().optional(),
    }),
  }),
  z.object({
    type: z.literal('agent_os.approval'),
    verdict_event_id: z.string(),
    decision: z.enum(['approve', 'reject']),
    feedback: z.string().optional(),
  }),
  z.object({
    type: z.literal('agent_os.pull_request_opened'),
    url: z.string(),
    number: z.number().int(),
    branch: z.string(),
    head_commit: z.string(),
  }),
  z.object({ type: z.literal('agent_os.wake'), recovered: z.array(z.string()) }),
  /** Once per session whose sandbox confines nothing (the plain worktree): its commands run as the
   * person, so every `bash` call of a writer asks and read-only agents get no `bash`. */
  z.object({ type: z.literal('agent_os.sandbox_unconfined'), kind: z.string(), detail: z.string().optional() }),
  // supervision by the runtime (issue 14)
  z.object({
    type: z.literal('agent_os.step_updated'),
    /** The `agent_os.plan_submitted` event whose step this is. */
    plan_event_id: z.string(),
    step_id: z.string(),
    state: StepState,
    /** Validation runs of this step so far, and how many it may have. */
    attempts: z.number().int().nonnegative(),
    max_attempts: z.number().int().positive(),
    /** The run that decided this state, when one did. */
    validation_run_id: z.string().optional(),
  }),
  z.object({
    type: z.literal('agent_os.validation_run'),
    /** A plan step's validation (after the Coder's `complete_step`), or the full test suite behind a verdict. */
    purpose: z.enum(['step', 'test_suite']),
    command: z.string(),
    /** null when the command did not finish (killed, timed out). */
    exit_code: z.number().int().nullable(),
    duration_ms: z.number().nonnegative(),
    /** The last lines of its output. */
    output_tail: z.string(),
    passed: z.number().int().nonnegative().optional(),
    failed: z.number().int().nonnegative().optional(),
    /** The sandbox that ran it: the Coder's own for a step, the Reviewer's clean room for the suite. */
    sandbox_id: z.string().optional(),
    // a step's run
    plan_event_id: z.string().optional(),
    step_id: z.string().optional(),
    attempt: z.number().int().positive().optional(),
    /** The `complete_step` call (`agent.tool_use` id) it answers. */
    tool_use_id: z.string().optional(),
    // a suite run
    /** The commit it ran at (the clean room's checkout). */
    commit: z.string().optional(),
    /** The Reviewer's turn (`span.model_request_end` id) whose verdict it checks. */
    verdict_model_request_end_id: z.string().optional(),
  }),
  z.object({
    type: z.literal('agent_os.preferences_pinned'),
    /** The repository's preferences document at the session's start, pinned like agent versions. */
    version: z.number().int().positive(),
    text: z.string(),
  }),
  z.object({
    type: z.literal('agent_os.preferences_learned'),
    /** The document's version these lines made; absent when the lessons taught nothing new. */
    version: z.number().int().positive().optional(),
    lines: z.array(z.object({ text: z.string(), source_event_id: z.string() })),
    /** The lessons (event ids) given to the model this time, taught or not: none is given twice. Absent on
     * older logs, where `lines` name what was learned. */
    considered_event_ids: z.array(z.string()).optional(),
  }),
  z.object({
    type: z.literal('agent_os.questions_asked'),
    /** The plan whose questions (or low confidence) wait for the person before the Coder starts. */
    plan_event_id: z.string(),
    reason: z.enum(['questions', 'low_confidence', 'always']),
    questions: z.array(z.string()),
    /** The plan's lowest confidence (plan or step), when it states one. */
    confidence: z.number().optional(),
  }),
  z.object({
    type: z.literal('agent_os.questions_answered'),
    questions_event_id: z.string(),
    /** One per question, in order. */
    answers: z.array(z.string()),
  }),
  z.object({
    type: z.literal('agent_os.loop_detected'),
    reason: z.enum(['repeated_tool_call', 'no_progress', 'max_turns']),
    detail: z.string(),
    /** Model turns the thread took since its latest task. */
    turns: z.number().int().nonnegative(),
  }),
  z.object({
    type: z.literal('agent_os.checkpoint'),
    /** The session branch's head after a Coder handed back: its work committed, or a parallel Coder's merged. */
    commit: z.string(),
    /** Whether the branch moved (false: nothing to commit or merge). */
    moved: z.boolean(),
    /** The parallel Coder's thread key whose branch was merged. */
    thread_key: z.string().optional(),
    /** The Coder's turn (`span.model_request_end` id) whose hand-back it was: asked again after a crash, not recorded twice. */
    model_request_end_id: z.string(),
  }),
  z.object({
    type: z.literal('agent_os.session_forked'),
    /** The first event of a fork after the copied prefix of its source's log. */
    from_session_id: z.string(),
    from_event_id: z.string(),
    from_seq: z.number().int().positive(),
    /** The commit the fork's files start at: the latest one Agent OS recorded at or before the fork point. */
    files_commit: z.string(),
    /** The event that recorded it (a checkpoint, a verdict's head); absent for the session's base commit. */
    files_event_id: z.string().optional(),
    /** Calls before the fork point, after that commit, that may have changed files (write, edit, a writer's
     * bash): their effects are not in the fork's files, and the agents are told so. */
    unrecorded_tool_use_ids: z.array(z.string()),
  }),
  z.object({
    type: z.literal('agent_os.project_memory'),
    /** AGENTS.md / CLAUDE.md files of the repository at the session's start, pinned: a wake gives the agents
     * these, not what the files say later. */
    files: z.array(
      z.object({
        path: z.string(),
        sha256: z.string(),
        bytes: z.number().int().nonnegative(),
        /** The text given to agents (cut to the cap when `truncated`). */
        content: z.string(),
        truncated: z.boolean(),
      }),
    ),
  }),
  ...environmentPayloads,
  ...sandboxPayloads,
] as const;

export const EventPayload = z.discriminatedUnion('type', payloads);
export type EventPayload = z.infer<typeof EventPayload>;
export type EventType = EventPayload['type'];

// ---- envelope ------------------------------------------------------------------------------

export const EventEnvelope = z.object({
  /** `sevt_…`, unique within the session. */
  id: z.string(),
  /** Position in the log, from 1, without gaps. */
  seq: z.number().int().positive(),
  /** The thread (`sthr_…`) the event belongs to. */
  thread: z.string(),
  /** RFC 3339 time at which the store accepted the event. */
  processed_at: z.string(),
  schema_version: z.literal(EVENT_SCHEMA_VERSION),
  /** Set on events mirrored from the hosted platform: the platform's own id (`sevt_…`), by which a
   * re-attached stream is told apart from what the log already holds. */
  platform_event_id: z.string().optional(),
});
export type EventEnvelope = z.infer<typeof EventEnvelope>;

/** Validates a whole stored event. Used where events come from outside (imports, tests); the store
 * validates payloads on append and relies on per-record checksums when it reads its own log back. */
export const SessionEvent = z.intersection(EventEnvelope, EventPayload);
export type SessionEvent = EventPayload & EventEnvelope;

/** What a producer hands to the store: a payload and its thread. The store assigns id, seq and time. */
export type EventInput = EventPayload & { thread: string; platform_event_id?: string };

export type EventOfType<T extends EventType> = Extract<SessionEvent, { type: T }>;
