// The stepper: what a thread does next, decided from the log alone (the session's fold and the
// thread's own, threadFacts.ts) plus the two things a log cannot say — whether the person interrupted
// this run, and which delegations this run has under way. Pure: the same view always gives the same
// step, which is what the table tests and the replayed logs in test/fixtures/logs check.
import {
  COMPLETE_STEP_TOOL_NAME,
  decideCompleteStep,
  stepFailureReport,
  stepRunAnswer,
  type PlanStepsFold,
} from '../pipeline/planSteps.ts';
import type { SessionState } from '../session/sessionState.ts';
import { SAFE_TO_RERUN, evaluatePermission, type ResolvedToolConfig } from '../tools/toolConfig.ts';
import { DELEGATION_TOOL_NAME } from './delegationTool.ts';
import type { Step, ToolUseBlock, ToolUseEvent } from './step.ts';
import { detectLoop, loopReport, type LoopLimits } from './runaway.ts';
import type { ThreadFacts } from './threadFacts.ts';
import { assistantText } from './threadContext.ts';
import type { SandboxAccess } from '../sandbox/sandbox.ts';
import { COMMAND_TOOLS } from '../tools/unconfinedTools.ts';
import {
  HALTED_BEFORE_RUN,
  INTERRUPTED_BEFORE_RUN,
  INTERRUPTED_OUTCOME_UNKNOWN,
  deniedText,
  notEnabledText,
  unconfinedRefusalText,
} from './toolResults.ts';

/** A delegation this run started: still running, held for a person (the events to wait on), or
 * settled without an answer (its thread was interrupted), which this run leaves alone. */
export type DelegationRun =
  | { state: 'running' }
  | { state: 'held'; eventIds: readonly string[] }
  | { state: 'settled' };

/** What the runtime's supervision adds to a thread's view: the plan's steps and the limits it holds. */
export interface SupervisionView {
  steps: PlanStepsFold;
  /** Whether this agent reports plan steps with `complete_step` (the Coder's role). */
  completesSteps: boolean;
  maxStepAttempts: number;
  loopLimits: LoopLimits;
  /** Compact a thread whose context (estimated) passes this many tokens; absent: never. */
  compactAboveTokens?: number;
}

export interface ThreadView {
  threadId: string;
  agent: {
    name: string;
    tools: readonly ResolvedToolConfig[];
    maxTurns?: number;
    access?: SandboxAccess;
    unconfined?: boolean;
  };
  /** Whether `send_to_agent` may run here: the agent has callees and the depth bound is not reached. */
  mayDelegate: boolean;
  facts: ThreadFacts;
  /** The thread's calls without a result (from the session's fold). */
  pending: ReadonlyMap<string, ToolUseEvent>;
  /** The person interrupted this run of the thread. */
  interrupted: boolean;
  /** Delegations this run started, by the call's event id, in the order they started. */
  delegations: ReadonlyMap<string, DelegationRun>;
  /** Absent: no plan steps, no loop limits (beyond `maxTurns`). */
  supervision?: SupervisionView;
}

export function nextStep(view: ThreadView): Step {
  const { threadId, facts } = view;
  const turn = facts.lastTurn;
  const blocks = turn?.toolBlocks ?? [];
  // An interrupt before any call of the turn was recorded leaves the turn for a later run; once one
  // is recorded, the rest are recorded too, so that they are answered "interrupted" rather than run
  // by a later resume as if nothing had happened.
  const handleTurn = blocks.length > 0 && (!view.interrupted || blocks.some((b) => facts.turnUses.has(b.id)));
  if (handleTurn) {
    let askingOn: string | undefined;
    for (const block of blocks) {
      const use = facts.turnUses.get(block.id);
      if (!use) return recordStep(view, block);
      if (view.interrupted || !view.pending.has(use.id) || view.delegations.has(use.id)) continue;
      // A thread the runtime stopped runs nothing more of its turn.
      if (facts.halt && use.seq > facts.halt.seq) return answer(threadId, use.id, HALTED_BEFORE_RUN);
      if (use.name === DELEGATION_TOOL_NAME && use.evaluated_permission === 'allow')
        return { kind: 'delegate', threadId, use };
      if (use.evaluated_permission === 'deny') return answer(threadId, use.id, refusedText(use.name, view.agent));
      if (use.evaluated_permission === 'ask') {
        const confirmation = facts.confirmations.get(use.id);
        if (!confirmation) {
          // Later calls of the turn wait too: they may depend on the one the person is asked about.
          askingOn = use.id;
          break;
        }
        if (confirmation.event.result === 'deny')
          return answer(threadId, use.id, deniedText(confirmation.event.deny_message));
      }
      if (use.name === COMPLETE_STEP_TOOL_NAME) return completeStep(view, use);
      return { kind: 'run_tool', threadId, use };
    }
    const runs = [...view.delegations.values()];
    if (runs.some((r) => r.state === 'running')) return { kind: 'join_delegations', threadId };
    if (view.interrupted) {
      const unanswered = [...view.pending.values()].find((u) => mayCloseOnInterrupt(u, facts));
      if (unanswered) return answer(threadId, unanswered.id, INTERRUPTED_BEFORE_RUN);
      return { kind: 'stop', threadId, reason: 'interrupted' };
    }
    const eventIds = [...(askingOn ? [askingOn] : []), ...runs.flatMap((r) => (r.state === 'held' ? r.eventIds : []))];
    if (eventIds.length > 0) return { kind: 'wait', threadId, eventIds };
  }
  if (view.interrupted) return { kind: 'stop', threadId, reason: 'interrupted' };
  if (facts.halt)
    return { kind: 'done', threadId, text: haltText(view), endEventId: facts.halt.eventId, halt: facts.halt.kind };
  if (facts.awaitingModel) {
    const loop = detectLoop(facts, view.supervision?.loopLimits ?? NO_LOOP_LIMITS, view.agent.maxTurns);
    if (loop) return { kind: 'record_loop', threadId, finding: loop };
    const tokens = Math.ceil(facts.contextChars / CHARS_PER_TOKEN);
    const limit = view.supervision?.compactAboveTokens;
    if (limit !== undefined && tokens > limit && !facts.compactedLast)
      return { kind: 'compact_thread', threadId, tokens };
    return { kind: 'request_model', threadId };
  }
  return turn
    ? { kind: 'done', threadId, text: assistantText(turn.content), endEventId: turn.endEventId }
    : { kind: 'done', threadId, text: '', endEventId: '' };
}

/** A rough, conservative estimate for text and JSON alike. */
const CHARS_PER_TOKEN = 4;

const NO_LOOP_LIMITS: LoopLimits = { repeatedTurns: Number.POSITIVE_INFINITY, staleTurns: Number.POSITIVE_INFINITY };

function recordStep(view: ThreadView, block: ToolUseBlock): Step {
  const delegation = block.name === DELEGATION_TOOL_NAME;
  const permission = delegation
    ? view.mayDelegate
      ? 'allow'
      : 'deny'
    : block.name === COMPLETE_STEP_TOOL_NAME
      ? view.supervision?.completesSteps
        ? 'allow'
        : 'deny'
      : evaluatePermission(view.agent.tools, block.name);
  const openSandbox = permission !== 'deny' && !delegation && !view.interrupted;
  return { kind: 'record_tool_use', threadId: view.threadId, block, permission, openSandbox };
}

/** Why a call is refused: not enabled for the agent, or a command where nothing confines it. */
function refusedText(toolName: string, agent: ThreadView['agent']): string {
  return agent.unconfined && agent.access === 'read_only' && COMMAND_TOOLS.has(toolName)
    ? unconfinedRefusalText(toolName, agent.name)
    : notEnabledText(toolName, agent.name);
}

function answer(threadId: string, toolUseId: string, text: string, isError = true): Step {
  return { kind: 'answer_tool', threadId, toolUseId, text, isError };
}

/** A `complete_step` call: answered from its recorded run (also on wake: a run is never made twice), or
 * refused, or validated now. */
function completeStep(view: ThreadView, use: ToolUseEvent): Step {
  const supervision = view.supervision;
  if (!supervision) return answer(view.threadId, use.id, notEnabledText(use.name, view.agent.name));
  const run = supervision.steps.runFor(use.id);
  if (run && !supervision.steps.stateRecordedFor(run.id))
    return { kind: 'record_step_state', threadId: view.threadId, run };
  if (run) {
    const reply = stepRunAnswer(supervision.steps.progress, run, supervision.maxStepAttempts);
    return answer(view.threadId, use.id, reply.text, reply.isError);
  }
  const decision = decideCompleteStep(supervision.steps.progress, use.input);
  if (decision.kind === 'answer') return answer(view.threadId, use.id, decision.text, decision.isError);
  return { kind: 'validate_step', threadId: view.threadId, use, validation: decision };
}

/** What the caller of a halted thread receives. */
function haltText(view: ThreadView): string {
  const halt = view.facts.halt;
  if (halt?.kind === 'step_failed') return stepFailureReport(view.supervision?.steps.progress, halt.stepId);
  return loopReport(view.agent.name, halt?.detail ?? 'a loop');
}

/** On interrupt, calls are answered unless a person still has to decide on them, they are delegations
 * (the callee's own log says where it was), or a step's validation the runtime runs when the thread goes on. */
function mayCloseOnInterrupt(use: ToolUseEvent, facts: ThreadFacts): boolean {
  if (use.name === DELEGATION_TOOL_NAME) return false;
  // A step's validation is the runtime's: left open, it is run (again) when the thread runs next.
  if (use.name === COMPLETE_STEP_TOOL_NAME) return false;
  return use.evaluated_permission !== 'ask' || facts.confirmations.has(use.id);
}

/**
 * Wake recovery, as ordinary steps. A call without a result at the start of a run was cut off by a
 * crash (a run in this process always answers its calls): safe tools run again (the thread's own
 * steps do that), others are answered "outcome unknown"; a call still waiting for a person stays
 * waiting. The last step records what was resolved.
 */
export function wakeSteps(state: SessionState, factsOf: (threadId: string) => ThreadFacts): Step[] {
  const steps: Step[] = [];
  const recovered: string[] = [];
  for (const thread of Object.values(state.threads)) {
    for (const use of thread.pendingToolUses.values()) {
      if (use.name === DELEGATION_TOOL_NAME) continue; // the child thread's own log says where it was
      if (!mayHaveStarted(use, factsOf(use.thread))) continue;
      recovered.push(use.id);
      // A step's validation is the runtime's own: its thread answers it from the recorded run, or runs it again.
      if (SAFE_TO_RERUN.has(use.name) || use.name === COMPLETE_STEP_TOOL_NAME) continue;
      steps.push({
        kind: 'answer_tool',
        threadId: use.thread,
        toolUseId: use.id,
        text: INTERRUPTED_OUTCOME_UNKNOWN,
        isError: true,
      });
    }
    if (thread.openModelRequestId) recovered.push(thread.openModelRequestId);
  }
  if (recovered.length > 0 && state.primaryThreadId)
    steps.push({ kind: 'record_wake', threadId: state.primaryThreadId, recovered });
  return steps;
}

/** Whether a pending call may have begun running before the process stopped. */
function mayHaveStarted(use: ToolUseEvent, facts: ThreadFacts): boolean {
  if (use.evaluated_permission === 'allow') return true;
  if (use.evaluated_permission !== 'ask') return false;
  const confirmation = facts.confirmations.get(use.id);
  if (!confirmation || confirmation.event.result !== 'allow') return false;
  // The thread is marked running before a confirmed call runs; a running mark after the
  // confirmation means the call may have started.
  return confirmation.runningAfter;
}
