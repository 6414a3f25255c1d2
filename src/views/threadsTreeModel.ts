// The Threads tree as plain data: sessions → threads, with the labels, icons and context values the
// tree shows. Events are folded in as they arrive (`apply`), so a live session costs one `reduce` per
// event and no log is ever read twice. No `vscode` import: plain node tests drive it.
import type { SessionEvent } from '../core/events/sessionEvent.ts';
import type { SessionMeta } from '../core/session/sessionStore.ts';
import { initialSessionState, reduce, totalTokens, type SessionState } from '../core/session/sessionState.ts';
import { UNCONFINED_NOTICE } from '../core/tools/unconfinedTools.ts';
import {
  formatTokens,
  formatUsd,
  isResumable,
  sessionDisplayStatus,
  STATUS_LABEL,
  threadDisplayStatus,
  type DisplayStatus,
} from './sessionStatus.ts';
import { showControlCharacters } from './controlCharacters.ts';

export interface NodeIcon {
  /** A codicon id, e.g. `sync~spin`. */
  id: string;
  /** A theme color id, e.g. `charts.yellow`. */
  color?: string;
}

export interface SessionNodeView {
  kind: 'session';
  sessionId: string;
  label: string;
  description: string;
  tooltip: string;
  status: DisplayStatus;
  icon: NodeIcon;
  /** `session` plus flags the menus match on: running, resumable, verdict, questions, pr. */
  contextValue: string;
}

export interface ThreadNodeView {
  kind: 'thread';
  sessionId: string;
  threadId: string;
  label: string;
  description: string;
  tooltip: string;
  status: DisplayStatus;
  icon: NodeIcon;
  contextValue: string;
}

export const STATUS_ICON: Record<DisplayStatus, NodeIcon> = {
  running: { id: 'sync~spin', color: 'charts.blue' },
  idle: { id: 'circle-large-outline' },
  waiting: { id: 'bell-dot', color: 'charts.yellow' },
  failed: { id: 'error', color: 'errorForeground' },
  interrupted: { id: 'debug-pause', color: 'charts.orange' },
  terminated: { id: 'circle-slash' },
  done: { id: 'git-pull-request', color: 'charts.green' },
};

interface Entry {
  meta: SessionMeta;
  state: SessionState;
}

export class ThreadsTreeModel {
  private readonly entries = new Map<string, Entry>();

  /** `isLive(id)`: a harness in this process runs the session (see SessionService.isRunning). */
  constructor(private readonly isLive: (sessionId: string) => boolean) {}

  has(sessionId: string): boolean {
    return this.entries.has(sessionId);
  }

  get size(): number {
    return this.entries.size;
  }

  upsertSession(meta: SessionMeta): void {
    const existing = this.entries.get(meta.id);
    if (existing) existing.meta = meta;
    else this.entries.set(meta.id, { meta, state: initialSessionState(meta.id) });
  }

  removeSession(sessionId: string): boolean {
    return this.entries.delete(sessionId);
  }

  sessionIds(): string[] {
    return [...this.entries.keys()];
  }

  state(sessionId: string): SessionState | undefined {
    return this.entries.get(sessionId)?.state;
  }

  meta(sessionId: string): SessionMeta | undefined {
    return this.entries.get(sessionId)?.meta;
  }

  /** Starts the session from its state as the store folded it (a checkpoint plus the tail). */
  start(sessionId: string, state: SessionState): void {
    const entry = this.entries.get(sessionId);
    if (entry && state.lastSeq > entry.state.lastSeq) entry.state = state;
  }

  /** Folds events (in log order) into the session. Events already folded (replayed by a second
   * follower after a reconnect) are skipped by their seq, so applying is idempotent. */
  apply(sessionId: string, events: readonly SessionEvent[]): boolean {
    const entry = this.entries.get(sessionId);
    if (!entry) return false;
    let state = entry.state;
    for (const e of events) if (e.seq > state.lastSeq) state = reduce(state, e);
    const changed = state !== entry.state;
    entry.state = state;
    return changed;
  }

  status(sessionId: string): DisplayStatus | undefined {
    const entry = this.entries.get(sessionId);
    return entry && sessionDisplayStatus(entry.state, this.isLive(sessionId));
  }

  /** Newest first. */
  sessions(): SessionNodeView[] {
    return [...this.entries.values()]
      .sort((a, b) => (a.meta.created_at < b.meta.created_at ? 1 : a.meta.created_at > b.meta.created_at ? -1 : 0))
      .map((e) => this.sessionView(e));
  }

  session(sessionId: string): SessionNodeView | undefined {
    const entry = this.entries.get(sessionId);
    return entry && this.sessionView(entry);
  }

  /** In the order threads were created: the primary (Coordinator) first. */
  threads(sessionId: string): ThreadNodeView[] {
    const entry = this.entries.get(sessionId);
    if (!entry) return [];
    const sessionStatus = sessionDisplayStatus(entry.state, this.isLive(sessionId));
    return Object.values(entry.state.threads).map((t) => {
      const status = threadDisplayStatus(t, sessionStatus);
      const tokens = totalTokens(t.usage);
      return {
        kind: 'thread' as const,
        sessionId,
        threadId: t.id,
        label: t.agentName,
        description: `${STATUS_LABEL[status]} · ${formatTokens(tokens)} tokens`,
        tooltip:
          `${t.agentName}${t.agentVersion ? ` v${t.agentVersion}` : ''} — ${STATUS_LABEL[status]}\n` +
          `${tokens.toLocaleString('en-US')} tokens in ${t.usage.model_requests} model requests, ${formatUsd(t.usage.cost_usd)}\n` +
          `${t.eventCount} events`,
        status,
        icon: STATUS_ICON[status],
        contextValue: `thread${status === 'running' ? '.running' : ''}`,
      };
    });
  }

  /** Sessions a harness of this process is running now (for the status bar). */
  runningCount(): number {
    let n = 0;
    for (const id of this.entries.keys()) if (this.status(id) === 'running') n++;
    return n;
  }

  /** Sessions whose log says running but no harness runs them: left by a closed window or a crash. */
  interrupted(): string[] {
    return this.sessionIds().filter((id) => this.status(id) === 'interrupted');
  }

  private sessionView(entry: Entry): SessionNodeView {
    const { meta, state } = entry;
    const status = sessionDisplayStatus(state, this.isLive(meta.id));
    const flags = [
      status === 'running' ? 'running' : '',
      isResumable(status) && status !== 'waiting' && status !== 'idle' ? 'resumable' : '',
      state.latestVerdict && !state.latestApproval && !state.pullRequest ? 'verdict' : '',
      state.openQuestions ? 'questions' : '',
      state.pullRequest ? 'pr' : '',
    ].filter(Boolean);
    const tokens = totalTokens(state.usage);
    // The title is an issue's (anyone's text) or the person's: shown with its control characters visible.
    const title = showControlCharacters(meta.title);
    const sandbox = state.configured?.sandbox;
    const unconfined = sandbox !== undefined && !sandbox.confined;
    return {
      kind: 'session',
      sessionId: meta.id,
      label: title,
      description: `${STATUS_LABEL[status]} · ${formatUsd(state.usage.cost_usd)}${unconfined ? ` · ${UNCONFINED_NOTICE}` : ''}`,
      tooltip:
        `${title}\n${meta.source ? `${showControlCharacters(meta.source)}\n` : ''}${STATUS_LABEL[status]} — ` +
        `${formatUsd(state.usage.cost_usd)}, ${tokens.toLocaleString('en-US')} tokens, ${state.eventCount} events` +
        (sandbox
          ? `\nSandbox: ${sandbox.kind}${unconfined ? ` — ${UNCONFINED_NOTICE} (read-only agents get no bash)` : ''}`
          : '') +
        (status === 'interrupted' ? '\nInterrupted by a closed window or a crash: Resume goes on from the log.' : '') +
        (state.pullRequest ? `\nPull request #${state.pullRequest.number}: ${state.pullRequest.url}` : ''),
      status,
      icon: STATUS_ICON[status],
      contextValue: ['session', ...flags].join('.'),
    };
  }
}
