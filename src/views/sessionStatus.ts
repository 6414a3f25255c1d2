// What a person is told about a session or thread, derived from the fold and from whether a harness
// in this process runs it. Kept free of `vscode` so the tree and the Event Log share it and plain
// node tests can check it.
import type { SessionState, ThreadState } from '../core/session/sessionState.ts';

export type DisplayStatus = 'running' | 'idle' | 'waiting' | 'failed' | 'interrupted' | 'terminated' | 'done';

const FAILED_STOPS = new Set(['retries_exhausted', 'refusal', 'budget_reached']);

/** `live`: a harness in this process runs the session now. A log that says running without one was
 * left by a closed window or a crash. */
export function sessionDisplayStatus(state: SessionState, live: boolean): DisplayStatus {
  if (state.status === 'running' || state.status === 'rescheduling') return live ? 'running' : 'interrupted';
  if (state.status === 'terminated') return 'terminated';
  // An opened pull request ends the pipeline, whatever the stop before it asked for.
  if (state.pullRequest) return 'done';
  if (state.latestVerdict && !state.latestApproval) return 'waiting';
  const stop = state.stopReason?.type;
  if (stop === 'requires_action') return 'waiting';
  if (stop && FAILED_STOPS.has(stop)) return 'failed';
  return 'idle';
}

export function threadDisplayStatus(thread: ThreadState, session: DisplayStatus): DisplayStatus {
  if (thread.status === 'running' || thread.status === 'rescheduling') {
    return session === 'interrupted' ? 'interrupted' : 'running';
  }
  if (thread.status === 'terminated') return 'terminated';
  const stop = thread.stopReason?.type;
  if (stop === 'requires_action') return 'waiting';
  if (stop && FAILED_STOPS.has(stop)) return 'failed';
  return 'idle';
}

/** A session the person may resume: stopped mid-work, or waiting for an answer it already got. */
export function isResumable(status: DisplayStatus): boolean {
  return status === 'interrupted' || status === 'failed' || status === 'idle' || status === 'waiting';
}

export function formatTokens(n: number): string {
  if (n < 1_000) return `${n}`;
  if (n < 1_000_000) return `${(n / 1_000).toFixed(n < 10_000 ? 1 : 0)}k`;
  return `${(n / 1_000_000).toFixed(1)}M`;
}

export function formatUsd(usd: number): string {
  return usd < 0.01 && usd > 0 ? '<$0.01' : `$${usd.toFixed(2)}`;
}

export const STATUS_LABEL: Record<DisplayStatus, string> = {
  running: 'running',
  idle: 'idle',
  waiting: 'waiting for you',
  failed: 'failed',
  interrupted: 'interrupted',
  terminated: 'terminated',
  done: 'done',
};
