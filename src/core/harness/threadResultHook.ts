// How a pipeline checks what a delegated thread hands back (a plan, a verdict) before its caller
// sees it. Must be idempotent: after a crash it is asked again about the same model turn.
import type { EventInput, SessionEvent } from '../events/sessionEvent.ts';

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
  /** The whole log so far, for decisions that depend on earlier events (was this turn judged already?). */
  events: readonly SessionEvent[];
}

export type ThreadResultDecision =
  /** Hand `result` to the caller as the delegation's tool result. */
  | { kind: 'accept'; result: string; events?: EventInput[] }
  /** Send `message` back to the child thread (malformed output) and let it try again. */
  | { kind: 'correct'; message: string; events?: EventInput[] }
  /** Keep the caller waiting for a person (an APPROVE verdict): the session idles with requires_action
   * on `waitingOnEventId`, or, when absent, on the first of `events` once appended. */
  | { kind: 'hold'; waitingOnEventId?: string; events?: EventInput[] }
  /** Give up: the caller gets an error result. */
  | { kind: 'fail'; result: string; events?: EventInput[] };

export type ThreadResultHook = (request: ThreadResultRequest) => Promise<ThreadResultDecision>;
