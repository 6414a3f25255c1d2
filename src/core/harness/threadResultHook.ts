// How a pipeline checks what a delegated thread hands back (a plan, a verdict) before its caller
// sees it. Must be idempotent: after a crash it is asked again about the same model turn.
import type { EventInput, EventType, SessionEvent } from '../events/sessionEvent.ts';
import type { CommandRunResult } from '../pipeline/planSteps.ts';
import type { ThreadHalt } from './threadFacts.ts';

export interface ThreadResultRequest {
  sessionId: string;
  threadId: string;
  agentName: string;
  parentThreadId: string;
  /** The delegation call being answered (`agent.tool_use` event id in the parent thread). */
  delegationToolUseId: string;
  /** The child's final text and the model turn it came from. */
  finalText: string;
  modelRequestEndId: string;
  /** How many corrections were already sent back for this delegation. */
  correctionsSent: number;
  /** The log's events of these types so far, in order, for decisions that depend on earlier records (was this
   * turn judged already?). Read through the writer's record index: a long log is not read whole. */
  eventsOfTypes(types: readonly EventType[]): readonly SessionEvent[];
  /** One thread's events so far, in order. */
  threadEvents(threadId: string): readonly SessionEvent[];
  /** Set when the runtime stopped the thread (`finalText` is then the runtime's report, not the agent's). */
  halt?: ThreadHalt['kind'];
  /** Runs a command as the runtime over the child thread's files (a Reviewer's clean room, a fresh read-only
   * sandbox of the runtime's own: nothing the agent changed in its copy counts). */
  runCommand?(command: string): Promise<CommandRunResult>;
}

/** Events to append after a decision's `events`, made from what those became (their ids). */
export type FollowUp = (appended: readonly SessionEvent[]) => EventInput[];

export type ThreadResultDecision =
  /** Hand `result` to the caller as the delegation's tool result. */
  | { kind: 'accept'; result: string; events?: EventInput[]; followUp?: FollowUp }
  /** Send `message` back to the child thread (malformed output) and let it try again. */
  | { kind: 'correct'; message: string; events?: EventInput[] }
  /** Keep the caller waiting for a person (an APPROVE verdict): the session idles with requires_action
   * on `waitingOnEventId`, or, when absent, on the first of `followUp`'s events (else of `events`) once appended. */
  | { kind: 'hold'; waitingOnEventId?: string; events?: EventInput[]; followUp?: FollowUp }
  /** Give up: the caller gets an error result. */
  | { kind: 'fail'; result: string; events?: EventInput[] };

export type ThreadResultHook = (request: ThreadResultRequest) => Promise<ThreadResultDecision>;
