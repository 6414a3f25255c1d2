// What the Session Overview keeps from a log besides the session's state and the timeline: the issue's
// text, the plan, the shell calls of the plan's validation commands since it, the last tool calls (their
// command or path, when, and — for shell calls — how their run ended) for a verdict's evidence to point
// at, the verdicts, the runtime's validation runs of the plan and its step states. Digests, not events: a
// tool result's output is kept as its last lines and counts. What the checklist shows is kept whole; the
// rest is bounded (USE_WINDOW, RUN_WINDOW), so the picture of a long session stays small in memory and
// in its checkpoint (`save`, `load`: plain JSON).
import type { EventOfType, SessionEvent } from '../core/events/sessionEvent.ts';
import { outputTail, readCommandResult, testCounts } from '../core/tools/commandOutput.ts';
import type { StepState } from '../shared/overviewProtocol.ts';
import { toolInputSummary } from './eventRows.ts';
import { normalizeCommand, readPlan, type ReadPlan } from './planProgress.ts';

const ISSUE_TEXT_LIMIT = 1_500;
/** Tool calls a verdict's evidence can point at: the last ones (a Reviewer cites its own recent runs). */
const USE_WINDOW = 1024;
/** Validation runs a verdict's suite run is looked up among. */
const RUN_WINDOW = 256;

type ValidationRun = EventOfType<'agent_os.validation_run'>;
type PlanEvent = EventOfType<'agent_os.plan_submitted'>;

/** A tool call as the checklist and the verdict card show it. */
export interface UseDigest {
  id: string;
  seq: number;
  name: string;
  /** toolInputSummary of its input. */
  summary: string;
  time: string;
}

/** How a shell call's run ended, read from its result once. */
export interface ResultDigest {
  isError: boolean;
  exitCode: number | null;
  outputTail: string;
  passed?: number;
  failed?: number;
}

interface SavedFacts {
  issueText?: string;
  uses: UseDigest[];
  shellResults: Array<[string, ResultDigest]>;
  resultIds: Array<[string, string]>;
  shellCalls: Array<{ use: UseDigest; command: string }>;
  plan?: { event: PlanEvent; revision: number };
  verdicts: number;
  validationRuns: ValidationRun[];
  stepRuns: string[];
  stepStates: Array<[string, StepState]>;
}

/**
 * A Map of the last `max` keys set (oldest first, as a Map iterates): the oldest goes when a new one
 * comes. Found through an array of keys, not by asking the Map for its first key, which walks over every
 * entry deleted since the Map was last rehashed.
 */
class RecentMap<V> extends Map<string, V> {
  private readonly order: string[] = [];
  private head = 0;

  constructor(private readonly max: number) {
    super();
  }

  override set(key: string, value: V): this {
    const known = this.has(key);
    super.set(key, value);
    if (known) return this;
    this.order.push(key);
    if (this.size > this.max) this.evict();
    return this;
  }

  /** Called with each key that goes. */
  onEvict: (key: string) => void = () => undefined;

  private evict(): void {
    while (this.head < this.order.length) {
      const oldest = this.order[this.head++] as string;
      if (this.delete(oldest)) {
        this.onEvict(oldest);
        break;
      }
    }
    if (this.head > this.max) {
      this.order.splice(0, this.head);
      this.head = 0;
    }
  }
}

export class OverviewFacts {
  issueText: string | undefined;
  /** The last USE_WINDOW tool calls, by event id, oldest first. */
  readonly uses = new RecentMap<UseDigest>(USE_WINDOW);
  /** Results of shell calls, by their tool use's id: of those in `uses` or `shellCalls`. */
  readonly shellResults = new Map<string, ResultDigest>();
  /** A shell call's result event id → its tool use's id (the last USE_WINDOW). */
  readonly resultIds = new RecentMap<string>(USE_WINDOW);
  /** Shell calls of the plan's validation commands since it, in log order, their commands normalized. */
  readonly shellCalls: { use: UseDigest; command: string }[] = [];
  private readonly shellCallIds = new Set<string>();
  private validations = new Set<string>();

  constructor() {
    // A shell call's result stays while its call is kept: in the window, or as a run of the checklist.
    this.uses.onEvict = (id) => {
      if (!this.shellCallIds.has(id)) this.shellResults.delete(id);
    };
  }
  plan: { event: PlanEvent; read: ReadPlan; revision: number } | undefined;
  verdicts = 0;
  /** The runtime's own runs (issue 14): step validations and the suite behind a verdict. */
  readonly validationRuns = new RecentMap<ValidationRun>(RUN_WINDOW);
  readonly stepRuns: ValidationRun[] = [];
  readonly stepStates = new Map<string, StepState>();

  take(e: SessionEvent): void {
    switch (e.type) {
      case 'user.message':
        if (this.issueText === undefined) {
          const text = e.content.map((b) => b.text).join('\n');
          this.issueText = text.length > ISSUE_TEXT_LIMIT ? `${text.slice(0, ISSUE_TEXT_LIMIT - 1)}…` : text;
        }
        return;
      case 'agent.tool_use': {
        const use: UseDigest = {
          id: e.id,
          seq: e.seq,
          name: e.name,
          summary: toolInputSummary(e.name, e.input),
          time: e.processed_at,
        };
        this.uses.set(use.id, use);
        const command = (e.input as { command?: unknown } | null)?.command;
        if (e.name === 'bash' && typeof command === 'string' && this.validations.has(normalizeCommand(command))) {
          this.shellCalls.push({ use, command: normalizeCommand(command) });
          this.shellCallIds.add(e.id);
        }
        return;
      }
      case 'agent.tool_result':
        if (this.uses.get(e.tool_use_id)?.name === 'bash' || this.shellCallIds.has(e.tool_use_id)) {
          this.shellResults.set(e.tool_use_id, resultDigest(e));
          this.resultIds.set(e.id, e.tool_use_id);
        }
        return;
      case 'agent_os.plan_submitted':
        this.plan = { event: e, read: readPlan(e.plan), revision: (this.plan?.revision ?? 0) + 1 };
        this.planChanged();
        return;
      case 'agent_os.verdict_submitted':
        this.verdicts++;
        return;
      case 'agent_os.step_updated':
        if (e.plan_event_id === this.plan?.event.id)
          this.stepStates.set(`${e.plan_event_id}\u0000${e.step_id}`, e.state);
        return;
      case 'agent_os.validation_run':
        this.validationRuns.set(e.id, e);
        if (e.purpose === 'step' && e.step_id && e.plan_event_id === this.plan?.event.id) this.stepRuns.push(e);
        return;
      default:
        return;
    }
  }

  /** A new plan: what was kept for the one before (its runs, its steps' states, calls before it) goes. */
  private planChanged(): void {
    const read = this.plan?.read;
    this.validations = new Set(read?.steps.filter((s) => s.validation).map((s) => normalizeCommand(s.validation)));
    for (const call of this.shellCalls) if (!this.uses.has(call.use.id)) this.shellResults.delete(call.use.id);
    this.shellCalls.length = 0;
    this.shellCallIds.clear();
    this.stepRuns.length = 0;
    this.stepStates.clear();
  }

  save(): SavedFacts {
    return {
      ...(this.issueText === undefined ? {} : { issueText: this.issueText }),
      uses: [...this.uses.values()],
      shellResults: [...this.shellResults],
      resultIds: [...this.resultIds],
      shellCalls: this.shellCalls,
      ...(this.plan ? { plan: { event: this.plan.event, revision: this.plan.revision } } : {}),
      verdicts: this.verdicts,
      validationRuns: [...this.validationRuns.values()],
      stepRuns: this.stepRuns.map((r) => r.id),
      stepStates: [...this.stepStates],
    };
  }

  /** Facts from what `save` gave; throws on data of another shape (the checkpoint is then not used). */
  static load(saved: unknown): OverviewFacts {
    const s = saved as SavedFacts;
    const facts = new OverviewFacts();
    if (s.issueText !== undefined) facts.issueText = String(s.issueText);
    if (s.plan) facts.plan = { event: s.plan.event, read: readPlan(s.plan.event.plan), revision: s.plan.revision };
    facts.planChanged();
    for (const use of s.uses) facts.uses.set(use.id, use);
    for (const [id, result] of s.shellResults) facts.shellResults.set(id, result);
    for (const [id, useId] of s.resultIds) facts.resultIds.set(id, useId);
    for (const call of s.shellCalls) {
      facts.shellCalls.push(call);
      facts.shellCallIds.add(call.use.id);
    }
    facts.verdicts = Number(s.verdicts);
    for (const run of s.validationRuns) facts.validationRuns.set(run.id, run);
    for (const id of s.stepRuns) {
      const run = facts.validationRuns.get(id);
      if (!run) throw new Error(`step run ${id} is not among the validation runs`);
      facts.stepRuns.push(run);
    }
    for (const [key, state] of s.stepStates) facts.stepStates.set(key, state);
    return facts;
  }
}

function resultDigest(e: EventOfType<'agent.tool_result'>): ResultDigest {
  const { exitCode, output } = readCommandResult(e.content.map((b) => b.text).join('\n'), e.is_error);
  const digest: ResultDigest = { isError: e.is_error, exitCode, outputTail: outputTail(output) };
  const counts = testCounts(output);
  if (counts) {
    digest.passed = counts.passed;
    digest.failed = counts.failed;
  }
  return digest;
}
