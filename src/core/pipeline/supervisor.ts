// The supervisor's decisions, as pure functions over the log's fold: the events that start a session,
// whether a log is one that was ever started, and what an interrupt appends. The runtime performs them.
import type { EventInput, EventOfType, SessionEvent } from '../events/sessionEvent.ts';
import type { BudgetLimits } from '../harness/budget.ts';
import { toolResult } from '../harness/toolResults.ts';
import type { SessionState } from '../session/sessionState.ts';

export interface SessionStart {
  primaryThreadId: string;
  primaryAgent: string;
  versions: Record<string, number>;
  sandbox: EventOfType<'agent_os.session_configured'>['sandbox'];
  budget?: BudgetLimits;
  prompt: string;
  /** The repository's AGENTS.md / CLAUDE.md files, pinned with the session. */
  memory?: EventOfType<'agent_os.project_memory'>['files'];
  /** The person's preferences for the repository, pinned with the session. */
  preferences?: { version: number; text: string };
}

/** The primary thread, the session's pinned configuration, and the task as its first message. */
export function sessionStartEvents(start: SessionStart): EventInput[] {
  const { primaryThreadId: primary, budget } = start;
  const limits =
    budget && (budget.maxUsd !== undefined || budget.maxTokens !== undefined)
      ? {
          budget: {
            ...(budget.maxUsd !== undefined ? { max_usd: budget.maxUsd } : {}),
            ...(budget.maxTokens !== undefined ? { max_tokens: budget.maxTokens } : {}),
          },
        }
      : {};
  return [
    {
      type: 'session.thread_created',
      thread: primary,
      session_thread_id: primary,
      agent_name: start.primaryAgent,
      agent_version: start.versions[start.primaryAgent] as number,
      parent_thread_id: null,
    },
    {
      type: 'agent_os.session_configured',
      thread: primary,
      agent_versions: start.versions,
      sandbox: start.sandbox,
      ...limits,
    },
    ...(start.memory?.length
      ? [{ type: 'agent_os.project_memory' as const, thread: primary, files: start.memory }]
      : []),
    ...(start.preferences
      ? [{ type: 'agent_os.preferences_pinned' as const, thread: primary, ...start.preferences }]
      : []),
    { type: 'user.message', thread: primary, content: [{ type: 'text', text: start.prompt }] },
  ];
}

/** A log cut off while its session was being created, before its first events were all written. From the
 * state alone (the primary thread's task is its `taskSeq`): opening a long session never reads its log. */
export function neverStarted(state: SessionState): boolean {
  const primary = state.primaryThreadId;
  return primary === undefined || state.configured === undefined || state.threads[primary]?.taskSeq === undefined;
}

export const CLOSED_WHILE_ASKING =
  'interrupted before completion: the person interrupted while this call waited for confirmation; it did not run';

/**
 * What an interrupt appends, in order. A session waiting for a tool confirmation (and no harness
 * running it) stops waiting, as on the platform: the calls still asking are closed with an error result
 * (the agent may ask again when resumed), their threads and the session idle.
 */
export function interruptEvents(
  state: SessionState,
  events: readonly SessionEvent[],
  threadId: string | undefined,
  running: boolean,
): EventInput[] {
  const primary = state.primaryThreadId as string;
  const out: EventInput[] = [
    { type: 'user.interrupt', thread: threadId ?? primary, ...(threadId ? { session_thread_id: threadId } : {}) },
  ];
  if (running || state.stopReason?.type !== 'requires_action') return out;
  const confirmed = new Set(events.flatMap((e) => (e.type === 'user.tool_confirmation' ? [e.tool_use_id] : [])));
  const waiting = Object.values(state.threads)
    .filter((t) => threadId === undefined || t.id === threadId)
    .flatMap((t) => [...t.pendingToolUses.values()])
    .filter((use) => use.evaluated_permission === 'ask' && !confirmed.has(use.id));
  if (waiting.length === 0) return out;
  out.push(...waiting.map((use) => toolResult(use.thread, use.id, CLOSED_WHILE_ASKING, true)));
  for (const thread of new Set(waiting.map((use) => use.thread))) {
    const agent = state.threads[thread]?.agentName ?? 'agent';
    out.push({
      type: 'session.thread_status_idle',
      thread,
      session_thread_id: thread,
      agent_name: agent,
      stop_reason: { type: 'end_turn' },
    });
  }
  out.push({ type: 'session.status_idle', thread: primary, stop_reason: { type: 'end_turn' } });
  return out;
}
