// What a thread does next, as data. `nextStep` (nextStep.ts) decides it from the log alone; the
// driver (harness.ts) performs it and appends what happened. A step names everything its effect
// needs, so a table test can check a decision without git, HTTP or a sandbox.
//
// Steps that the runtime's supervision adds later fit the same shape: a validation command the
// runtime runs is a `run_tool` on a call the runtime recorded itself, and "wait for the person" is a
// `wait` on the event the person must answer.
import type { AssistantBlock, EventOfType, StopReason } from '../events/sessionEvent.ts';
import type { CompleteStepDecision } from '../pipeline/planSteps.ts';
import type { LoopFinding } from './runaway.ts';
import type { ThreadHalt } from './threadFacts.ts';

export type ToolUseBlock = Extract<AssistantBlock, { type: 'tool_use' }>;
export type ToolUseEvent = EventOfType<'agent.tool_use'>;
export type Permission = ToolUseEvent['evaluated_permission'];

export type Step =
  /** Record a call of the latest model turn (`agent.tool_use`, durably) before anything runs it. With
   * `openSandbox`, the thread's sandbox is opened first so the record names the sandbox that runs it. */
  | { kind: 'record_tool_use'; threadId: string; block: ToolUseBlock; permission: Permission; openSandbox: boolean }
  /** Run a recorded call in the thread's sandbox and append its result. */
  | { kind: 'run_tool'; threadId: string; use: ToolUseEvent }
  /** Answer a recorded call without running it (refused, denied, interrupted, outcome unknown). */
  | { kind: 'answer_tool'; threadId: string; toolUseId: string; text: string; isError: boolean }
  /** A `complete_step` call: the runtime runs the step's validation in the thread's sandbox and records it. */
  | {
      kind: 'validate_step';
      threadId: string;
      use: ToolUseEvent;
      validation: Extract<CompleteStepDecision, { kind: 'validate' }>;
    }
  /** A `complete_step` call whose run is recorded but not the step's state after it (a crash came between the
   * two): record that state before the call is answered from the run. */
  | { kind: 'record_step_state'; threadId: string; run: EventOfType<'agent_os.validation_run'> }
  /** The thread's context nears the model's window: record `agent.thread_context_compacted` (its summary
   * replaces the earlier tool results in the thread's next requests). */
  | { kind: 'compact_thread'; threadId: string; tokens: number }
  /** Stop a runaway thread: record `agent_os.loop_detected` (the thread then ends, halted). */
  | { kind: 'record_loop'; threadId: string; finding: LoopFinding }
  /** Hand a `send_to_agent` call to its callee; the parent goes on with its other calls meanwhile. */
  | { kind: 'delegate'; threadId: string; use: ToolUseEvent }
  /** Wait for the delegations of this turn that are still running. */
  | { kind: 'join_delegations'; threadId: string }
  /** Ask the model for the thread's next turn. */
  | { kind: 'request_model'; threadId: string }
  /** Stop: a person must answer these events (a confirmation, a verdict) before the thread goes on. */
  | { kind: 'wait'; threadId: string; eventIds: string[] }
  /** The thread's work is done: `text` is its final answer (what a caller receives). */
  | { kind: 'done'; threadId: string; text: string; endEventId: string; halt?: ThreadHalt['kind'] }
  /** Stop without finishing: interrupted by the person, or a stop reason (budget, exhausted retries). */
  | { kind: 'stop'; threadId: string; reason: StopReason | 'interrupted' }
  /** On wake: say in the log which cut-off steps were resolved. */
  | { kind: 'record_wake'; threadId: string; recovered: string[] };

export type StepKind = Step['kind'];

/** How a thread's run ended, as its caller (the parent's delegation, or the session) sees it. */
export type ThreadOutcome =
  | { kind: 'done'; text: string; endEventId: string; halt?: ThreadHalt['kind'] }
  | { kind: 'waiting'; eventIds: string[] }
  | { kind: 'stopped'; reason: StopReason }
  | { kind: 'interrupted' };

/** The stop reason a thread's outcome is recorded with. */
export function stopReasonOf(outcome: ThreadOutcome): StopReason {
  switch (outcome.kind) {
    case 'done':
    case 'interrupted':
      return { type: 'end_turn' };
    case 'waiting':
      return { type: 'requires_action', event_ids: outcome.eventIds };
    case 'stopped':
      return outcome.reason;
  }
}
