// The thread's own fold: what the stepper needs to know of one thread, kept current event by event
// instead of re-scanning the log at each decision (the session-wide fold in src/core/session says
// which calls are pending; this one says what the latest turn asked for, what was recorded of it,
// what the person confirmed, and where delegations stand).
import type { AssistantBlock, EventOfType, SessionEvent } from '../events/sessionEvent.ts';
import type { ToolUseBlock, ToolUseEvent } from './step.ts';

export interface ThreadFacts {
  /** The thread's latest assistant turn (its calls may be answered already). */
  lastTurn?: { endEventId: string; content: readonly AssistantBlock[]; toolBlocks: readonly ToolUseBlock[] };
  /** Calls recorded since that turn, by the model's id of the call. */
  readonly turnUses: Map<string, ToolUseEvent>;
  /** True when the conversation ends with input the model has not answered yet. */
  awaitingModel: boolean;
  /** The latest confirmation of each `ask` call, and whether the thread was marked running after it
   * (a confirmed call runs only after that mark, so without one it cannot have started). */
  readonly confirmations: Map<string, { event: EventOfType<'user.tool_confirmation'>; runningAfter: boolean }>;
  /** Delegations delivered from this thread: the call's event id → the callee's thread and the seq of
   * the delivery. */
  readonly deliveries: Map<string, { childId: string; seq: number }>;
  /** Child threads by agent name and thread key (threads persist: a second call reuses its thread). */
  readonly children: Map<string, string>;
  /** Seqs of the messages this thread received (a delegation, then any corrections). */
  readonly receivedSeqs: number[];
  /** Ids of this thread's `agent.tool_use` events (a result for anything else is not part of it). */
  readonly knownUses: Set<string>;
  /** Set when the runtime stopped the thread (a step failed its last attempt, a loop was detected); a new
   * message to the thread (its caller's decision) clears it. */
  halt?: ThreadHalt;
  /** Runaway control, counted since the thread's latest message: model turns, turns in a row that made the
   * same calls as the turn before, turns in a row that made no call the thread had not made already. */
  turnsSinceInput: number;
  /** Over finished turns (calls with their results): how many in a row repeated the one before, and how
   * many in a row brought nothing new. A call whose result changed is progress (a poll that sees news). */
  repeatedTurns: number;
  staleTurns: number;
  /** The latest turn: its calls, then its results as they come. */
  currentTurn?: string;
  currentHasCalls: boolean;
  previousTurn?: string;
  readonly seenCalls: Set<string>;
  /** The thread's context as the model would get it, in characters (estimated; compaction resets it). */
  contextChars: number;
  /** The latest event that adds to the context was a compaction (nothing new to compact since). */
  compactedLast: boolean;
  assistantTurns: number;
}

export type ThreadHalt =
  | { kind: 'step_failed'; eventId: string; seq: number; stepId: string }
  | { kind: 'loop_detected'; eventId: string; seq: number; detail: string };

export function emptyThreadFacts(): ThreadFacts {
  return {
    turnUses: new Map(),
    awaitingModel: false,
    confirmations: new Map(),
    deliveries: new Map(),
    children: new Map(),
    receivedSeqs: [],
    knownUses: new Set(),
    turnsSinceInput: 0,
    repeatedTurns: 0,
    staleTurns: 0,
    currentHasCalls: false,
    seenCalls: new Set(),
    contextChars: 0,
    compactedLast: false,
    assistantTurns: 0,
  };
}

export function childKey(agentName: string, threadKey: string): string {
  return `${agentName}\u0000${threadKey}`;
}

/** Folds one event of the thread into its facts (in log order). */
export function applyThreadEvent(facts: ThreadFacts, event: SessionEvent): void {
  switch (event.type) {
    case 'user.message':
      if (event.content.length > 0) facts.awaitingModel = true;
      addContext(facts, textLength(event.content));
      newInput(facts);
      break;
    case 'agent.thread_message_received':
      facts.receivedSeqs.push(event.seq);
      if (event.content.length > 0) facts.awaitingModel = true;
      addContext(facts, textLength(event.content));
      newInput(facts);
      break;
    case 'agent.thread_context_compacted':
      // What remains: the summary, and each turn's skeleton (its text, empty inputs, stub results).
      facts.contextChars = event.summary.length + facts.assistantTurns * 200;
      facts.compactedLast = true;
      break;
    case 'span.model_request_end':
      if (!event.is_error && event.content) {
        const toolBlocks = event.content.filter((b): b is ToolUseBlock => b.type === 'tool_use');
        facts.lastTurn = { endEventId: event.id, content: event.content, toolBlocks };
        facts.turnUses.clear();
        facts.awaitingModel = false;
        facts.assistantTurns++;
        addContext(facts, JSON.stringify(event.content).length);
        countTurn(facts, toolBlocks);
      }
      break;
    case 'agent_os.step_updated':
      if (event.state === 'failed')
        facts.halt = { kind: 'step_failed', eventId: event.id, seq: event.seq, stepId: event.step_id };
      break;
    case 'agent_os.loop_detected':
      facts.halt = { kind: 'loop_detected', eventId: event.id, seq: event.seq, detail: event.detail };
      break;
    case 'agent.tool_use':
      facts.knownUses.add(event.id);
      facts.turnUses.set(event.model_tool_use_id, event);
      break;
    case 'agent.tool_result':
      if (facts.knownUses.has(event.tool_use_id)) {
        facts.awaitingModel = true;
        addContext(facts, textLength(event.content));
        if (facts.currentTurn !== undefined)
          facts.currentTurn += `\n= ${event.is_error ? '!' : ''}${event.content.map((b) => b.text).join('\n')}`;
      }
      break;
    case 'user.tool_confirmation':
      facts.confirmations.set(event.tool_use_id, { event, runningAfter: false });
      break;
    case 'session.thread_status_running':
      for (const c of facts.confirmations.values()) c.runningAfter = true;
      break;
    case 'agent.thread_message_sent':
      if (event.delegation_tool_use_id && !facts.deliveries.has(event.delegation_tool_use_id)) {
        facts.deliveries.set(event.delegation_tool_use_id, { childId: event.to_session_thread_id, seq: event.seq });
      }
      break;
    case 'session.thread_created':
      if (event.parent_thread_id === event.thread) {
        const key = childKey(event.agent_name, event.thread_key ?? event.agent_name);
        if (!facts.children.has(key)) facts.children.set(key, event.session_thread_id);
      }
      break;
    default:
      break;
  }
}

function addContext(facts: ThreadFacts, chars: number): void {
  facts.contextChars += chars;
  facts.compactedLast = false;
}

function textLength(blocks: readonly { text: string }[]): number {
  let n = 0;
  for (const b of blocks) n += b.text.length;
  return n;
}

function newInput(facts: ThreadFacts): void {
  delete facts.halt;
  delete facts.currentTurn;
  delete facts.previousTurn;
  facts.currentHasCalls = false;
  facts.turnsSinceInput = 0;
  facts.repeatedTurns = 0;
  facts.staleTurns = 0;
  facts.seenCalls.clear();
}

function countTurn(facts: ThreadFacts, toolBlocks: readonly ToolUseBlock[]): void {
  closeTurn(facts);
  facts.turnsSinceInput++;
  facts.currentTurn = toolBlocks.map((b) => callSignature(b.name, b.input)).join('\n');
  facts.currentHasCalls = toolBlocks.length > 0;
}

/** Counts the latest turn, with its results, into the runaway counters (at the next turn, or when asked). */
function closeTurn(facts: ThreadFacts): void {
  const turn = facts.currentTurn;
  if (turn === undefined) return;
  const counted = loopCounts(facts);
  facts.repeatedTurns = counted.repeatedTurns;
  facts.staleTurns = counted.staleTurns;
  facts.seenCalls.add(turn);
  for (const line of turn.split('\n')) facts.seenCalls.add(line);
  facts.previousTurn = turn;
  delete facts.currentTurn;
}

/** The counters as they stand with the latest turn and the results it has so far. */
export function loopCounts(facts: ThreadFacts): { repeatedTurns: number; staleTurns: number } {
  const turn = facts.currentTurn;
  if (turn === undefined || !facts.currentHasCalls)
    return {
      repeatedTurns: turn === undefined ? facts.repeatedTurns : 0,
      staleTurns: turn === undefined ? facts.staleTurns : 0,
    };
  return {
    repeatedTurns: turn === facts.previousTurn ? facts.repeatedTurns + 1 : 1,
    // Nothing new: the same calls with the same results as some earlier turn.
    staleTurns: facts.seenCalls.has(turn) ? facts.staleTurns + 1 : 0,
  };
}

/** One call as a comparable string: the tool and its input, keys in a fixed order. */
export function callSignature(name: string, input: unknown): string {
  return `${name} ${stableJson(input)}`;
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** Keeps each thread's facts current as the log grows: only events not folded yet are read. */
export class ThreadFactsCache {
  private readonly folded = new Map<string, { facts: ThreadFacts; count: number }>();

  constructor(private readonly eventsOf: (threadId: string) => readonly SessionEvent[]) {}

  of(threadId: string): ThreadFacts {
    let entry = this.folded.get(threadId);
    if (!entry) this.folded.set(threadId, (entry = { facts: emptyThreadFacts(), count: 0 }));
    const events = this.eventsOf(threadId);
    for (; entry.count < events.length; entry.count++)
      applyThreadEvent(entry.facts, events[entry.count] as SessionEvent);
    return entry.facts;
  }
}

export function foldThreadFacts(events: readonly SessionEvent[]): ThreadFacts {
  const facts = emptyThreadFacts();
  for (const e of events) applyThreadEvent(facts, e);
  return facts;
}
