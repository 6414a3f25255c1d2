// The Threads view: sessions and their threads, live. Each session is opened folded (its state and what
// waits for the person, from the store's checkpoints plus the records after them) and then followed;
// events are folded into ThreadsTreeModel as they arrive, and the tree is told what changed.
import * as vscode from 'vscode';
import { describeError } from '../core/errors.ts';
import type { SessionEvent } from '../core/events/sessionEvent.ts';
import { readSessionState } from '../core/session/sessionStateFold.ts';
import type { LogCursor, SessionMeta, SessionStore } from '../core/session/sessionStore.ts';
import { PERSON_WAITS_FOLD, type SessionWaits } from '../views/personWaits.ts';
import type { RuntimeAccess } from './runtimeAccess.ts';
import {
  ThreadsTreeModel,
  type NodeIcon,
  type SessionNodeView,
  type ThreadNodeView,
} from '../views/threadsTreeModel.ts';

export type ThreadsNode =
  | { kind: 'session'; sessionId: string }
  | { kind: 'thread'; sessionId: string; threadId: string };

export interface ThreadsTreeEvents {
  /** What a session waits for the person to answer, as its log was when the tree opened it. */
  onFolded(sessionId: string, waits: SessionWaits): void;
  /** A session's events in log order after that: `live` when they were just appended, not read from its log. */
  onEvents(sessionId: string, events: readonly SessionEvent[], live: boolean): void;
  /** The session is no longer followed (deleted, or gone from the store). */
  onForget(sessionId: string): void;
  /** Statuses changed (the status bar counts running sessions). */
  onStatusChanged(): void;
}

/** Tree changes are coalesced: a busy session appends hundreds of events a second. */
const REFRESH_MS = 100;

export class ThreadsTreeProvider implements vscode.TreeDataProvider<ThreadsNode>, vscode.Disposable {
  readonly model: ThreadsTreeModel;
  private readonly changed = new vscode.EventEmitter<ThreadsNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly followers = new Map<string, AbortController>();
  private readonly nodes = new Map<string, ThreadsNode>();
  private refreshTimer: NodeJS.Timeout | undefined;
  private loading: Promise<void> | undefined;

  constructor(
    private readonly store: SessionStore,
    private readonly runtime: RuntimeAccess,
    private readonly log: vscode.LogOutputChannel,
    private readonly events: ThreadsTreeEvents,
  ) {
    this.model = new ThreadsTreeModel((id) => runtime.isLive(id));
  }

  /** Lists the store's sessions and follows every one not yet followed. Idempotent. */
  load(): Promise<void> {
    this.loading ??= this.doLoad().finally(() => (this.loading = undefined));
    return this.loading;
  }

  private async doLoad(): Promise<void> {
    let metas: SessionMeta[];
    try {
      metas = await this.store.list();
    } catch (error) {
      this.log.error(`Threads: cannot list sessions: ${describeError(error)}`);
      metas = [];
    }
    const present = new Set(metas.map((m) => m.id));
    for (const id of this.model.sessionIds()) if (!present.has(id)) this.forget(id);
    await Promise.all(metas.map((m) => this.track(m)));
    this.scheduleRefresh();
  }

  /** Adds a session (just started) and follows its log; resolves once its log has been folded. */
  async track(meta: SessionMeta): Promise<void> {
    const known = this.model.has(meta.id);
    this.model.upsertSession(meta);
    if (known) return;
    const abort = new AbortController();
    this.followers.set(meta.id, abort);
    let after: LogCursor | undefined;
    try {
      const [state, waits] = await Promise.all([
        readSessionState(this.store, meta.id),
        this.store.readFolded(meta.id, PERSON_WAITS_FOLD),
      ]);
      this.model.start(meta.id, state.state);
      this.events.onFolded(meta.id, waits.state);
      // Folded one after the other: follow from the earlier end (both skip what they already have).
      after = state.next.seq <= waits.next.seq ? state.next : waits.next;
    } catch (error) {
      this.log.error(`Threads: cannot read session ${meta.id}: ${describeError(error)}`);
    }
    void this.follow(meta.id, after, abort.signal);
  }

  forget(sessionId: string): void {
    this.followers.get(sessionId)?.abort();
    this.followers.delete(sessionId);
    this.model.removeSession(sessionId);
    this.nodes.delete(sessionId);
    this.events.onForget(sessionId);
    this.scheduleRefresh();
  }

  private async follow(sessionId: string, after: LogCursor | undefined, signal: AbortSignal): Promise<void> {
    try {
      for await (const event of this.store.follow(sessionId, { ...(after ? { after } : {}), signal })) {
        this.model.apply(sessionId, [event]);
        this.events.onEvents(sessionId, [event], true);
        this.scheduleRefresh();
      }
    } catch (error) {
      if (!signal.aborted) this.log.error(`Threads: following ${sessionId} stopped: ${describeError(error)}`);
    }
  }

  /** Redraws (statuses also depend on whether a harness runs the session, which no event says). */
  scheduleRefresh(): void {
    if (this.refreshTimer) return;
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = undefined;
      void vscode.commands.executeCommand('setContext', 'agentOs.hasSessions', this.model.size > 0);
      this.changed.fire(undefined);
      this.events.onStatusChanged();
    }, REFRESH_MS);
  }

  sessionNode(sessionId: string): ThreadsNode {
    let node = this.nodes.get(sessionId);
    if (!node) {
      node = { kind: 'session', sessionId };
      this.nodes.set(sessionId, node);
    }
    return node;
  }

  private threadNode(sessionId: string, threadId: string): ThreadsNode {
    const key = `${sessionId}/${threadId}`;
    let node = this.nodes.get(key);
    if (!node) {
      node = { kind: 'thread', sessionId, threadId };
      this.nodes.set(key, node);
    }
    return node;
  }

  getChildren(element?: ThreadsNode): ThreadsNode[] {
    if (!element) return this.model.sessions().map((s) => this.sessionNode(s.sessionId));
    if (element.kind === 'session')
      return this.model.threads(element.sessionId).map((t) => this.threadNode(t.sessionId, t.threadId));
    return [];
  }

  getParent(element: ThreadsNode): ThreadsNode | undefined {
    return element.kind === 'thread' ? this.sessionNode(element.sessionId) : undefined;
  }

  getTreeItem(element: ThreadsNode): vscode.TreeItem {
    if (element.kind === 'session') {
      const view = this.model.session(element.sessionId);
      return view ? sessionItem(view) : new vscode.TreeItem(element.sessionId);
    }
    const view = this.model.threads(element.sessionId).find((t) => t.threadId === element.threadId);
    return view ? threadItem(view) : new vscode.TreeItem(element.threadId);
  }

  dispose(): void {
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    for (const abort of this.followers.values()) abort.abort();
    this.followers.clear();
    this.changed.dispose();
  }
}

function icon(i: NodeIcon): vscode.ThemeIcon {
  return new vscode.ThemeIcon(i.id, i.color ? new vscode.ThemeColor(i.color) : undefined);
}

function sessionItem(view: SessionNodeView): vscode.TreeItem {
  const item = new vscode.TreeItem(view.label, vscode.TreeItemCollapsibleState.Expanded);
  item.id = view.sessionId;
  item.description = view.description;
  item.tooltip = view.tooltip;
  item.iconPath = icon(view.icon);
  item.contextValue = view.contextValue;
  item.command = {
    command: 'agentOs.openEventLog',
    title: 'Open Event Log',
    arguments: [{ sessionId: view.sessionId }],
  };
  return item;
}

function threadItem(view: ThreadNodeView): vscode.TreeItem {
  const item = new vscode.TreeItem(view.label, vscode.TreeItemCollapsibleState.None);
  item.id = `${view.sessionId}/${view.threadId}`;
  item.description = view.description;
  item.tooltip = view.tooltip;
  item.iconPath = icon(view.icon);
  item.contextValue = view.contextValue;
  item.command = {
    command: 'agentOs.openEventLog',
    title: 'Open Event Log',
    arguments: [{ sessionId: view.sessionId, threadId: view.threadId }],
  };
  return item;
}
