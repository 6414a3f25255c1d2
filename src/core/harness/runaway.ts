// Runaway control: a thread that makes the same calls turn after turn, makes no new call for many turns,
// or passes its agent's `maxTurns` is stopped by the runtime (`agent_os.loop_detected`), and the decision
// goes to its caller — the Coordinator for a delegated thread, the person for the primary one. Counted
// from the thread's facts (threadFacts.ts) since its latest message, so a new task starts afresh.
import type { EventOfType } from '../events/sessionEvent.ts';
import { loopCounts, type ThreadFacts } from './threadFacts.ts';

export interface LoopLimits {
  /** Turns in a row with exactly the same calls and the same results. */
  repeatedTurns: number;
  /** Turns in a row that repeat some earlier turn of the task (its calls and results). */
  staleTurns: number;
}

export const DEFAULT_LOOP_LIMITS: LoopLimits = { repeatedTurns: 3, staleTurns: 8 };

export type LoopFinding = Pick<EventOfType<'agent_os.loop_detected'>, 'reason' | 'detail' | 'turns'>;

/** Whether the thread must stop before its next model request. */
export function detectLoop(
  facts: ThreadFacts,
  limits: LoopLimits,
  maxTurns: number | undefined,
): LoopFinding | undefined {
  const turns = facts.turnsSinceInput;
  if (maxTurns !== undefined && turns >= maxTurns) {
    return {
      reason: 'max_turns',
      detail: `the agent's maxTurns is ${maxTurns}, and the thread took ${turns} turns on its task`,
      turns,
    };
  }
  const { repeatedTurns, staleTurns } = loopCounts(facts);
  if (repeatedTurns >= limits.repeatedTurns) {
    const call = facts.currentTurn?.split('\n')[0] ?? '';
    return {
      reason: 'repeated_tool_call',
      detail: `the same call with the same result ${repeatedTurns} turns in a row: ${shorten(call)}`,
      turns,
    };
  }
  if (staleTurns >= limits.staleTurns) {
    return {
      reason: 'no_progress',
      detail: `${staleTurns} turns in a row repeated earlier turns (the same calls, the same results)`,
      turns,
    };
  }
  return undefined;
}

/** What the caller of a thread stopped for a loop is told. */
export function loopReport(agentName: string, detail: string): string {
  return (
    `LOOP DETECTED by the runtime: the ${agentName} thread was stopped (${detail}). ` +
    `Decide what happens next: send it different instructions (its thread keeps its history), or report to the person.`
  );
}

function shorten(text: string): string {
  return text.length > 160 ? `${text.slice(0, 159)}…` : text;
}
