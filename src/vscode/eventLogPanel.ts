// The Event Log webview panels: one per session (or per thread), kept across reloads by a serializer.
// The host opens the log at its fold checkpoint, pages rows from disk as the webview asks, and follows the end.
import { randomUUID } from 'node:crypto';
import * as vscode from 'vscode';
import { describeError } from '../core/errors.ts';
import type { SessionEvent } from '../core/events/sessionEvent.ts';
import type { SessionMeta, SessionStore } from '../core/session/sessionStore.ts';
import {
  ALL_KINDS_FILTER,
  EventLogUiState,
  parseWebviewMessage,
  type CardAction,
  type HostMessage,
  type InitialPage,
  type RowFilter,
  type WebviewMessage,
} from '../shared/eventLogProtocol.ts';
import { EventLogModel } from '../views/eventLogModel.ts';
import type { RuntimeAccess } from './runtimeAccess.ts';
import { receiveMessages, webviewPageHtml } from './webviewPage.ts';
import { showControlCharacters } from '../views/controlCharacters.ts';

export const EVENT_LOG_VIEW_TYPE = 'agentOs.eventLog';
/** Live output is sent to the webview at most this often. */
const FLUSH_MS = 50;

export interface EventLogDeps {
  store: SessionStore;
  runtime: RuntimeAccess;
  log: vscode.LogOutputChannel;
  extensionUri: vscode.Uri;
  /** Runs a card's action through the same commands as the tree and notifications. */
  onCardAction(sessionId: string, action: CardAction): Promise<void>;
}

export class EventLogPanels implements vscode.WebviewPanelSerializer<unknown>, vscode.Disposable {
  private readonly panels = new Map<string, EventLogPanel>();

  constructor(private readonly deps: EventLogDeps) {}

  register(): vscode.Disposable {
    return vscode.window.registerWebviewPanelSerializer(EVENT_LOG_VIEW_TYPE, this);
  }

  show(sessionId: string, threadId: string | null = null): EventLogPanel {
    const key = panelKey(sessionId, threadId);
    const existing = this.panels.get(key);
    if (existing) {
      existing.reveal();
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(
      EVENT_LOG_VIEW_TYPE,
      'Event Log',
      vscode.ViewColumn.Active,
      this.options(),
    );
    return this.attach(panel, sessionId, threadId);
  }

  async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown): Promise<void> {
    const parsed = EventLogUiState.safeParse(state);
    if (!parsed.success) {
      // A panel from before its first message: nothing says which session it showed.
      panel.dispose();
      return;
    }
    panel.webview.options = this.options();
    this.attach(panel, parsed.data.sessionId, parsed.data.threadId, parsed.data);
  }

  /** Panels showing a session (closed when the session is deleted). */
  closeSession(sessionId: string): void {
    for (const p of [...this.panels.values()]) if (p.sessionId === sessionId) p.dispose();
  }

  dispose(): void {
    for (const p of [...this.panels.values()]) p.dispose();
  }

  private attach(
    panel: vscode.WebviewPanel,
    sessionId: string,
    threadId: string | null,
    view: PageView = {},
  ): EventLogPanel {
    const key = panelKey(sessionId, threadId);
    const p = new EventLogPanel(panel, this.deps, sessionId, threadId, () => this.panels.delete(key), view);
    this.panels.set(key, p);
    return p;
  }

  private options(): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    return {
      enableScripts: true,
      retainContextWhenHidden: false,
      enableFindWidget: true,
      localResourceRoots: [
        vscode.Uri.joinPath(this.deps.extensionUri, 'dist', 'webview'),
        vscode.Uri.joinPath(this.deps.extensionUri, 'media'),
      ],
    };
  }
}

/** What a restored panel showed (its UI state): the page is written for it. */
type PageView = Pick<EventLogUiState, 'filter' | 'follow' | 'anchorIndex'>;

function panelKey(sessionId: string, threadId: string | null): string {
  return `${sessionId}/${threadId ?? '*'}`;
}

export class EventLogPanel implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private readonly abort = new AbortController();
  private model: EventLogModel | undefined;
  private meta: Pick<SessionMeta, 'title'> = { title: '' };
  private loaded: Promise<void> | undefined;
  /** Why the log could not be opened: said to the page when it is ready. */
  private openError: string | undefined;
  private ready = false;
  private pending: SessionEvent[] = [];
  private flushTimer: NodeJS.Timeout | undefined;
  private disposed = false;
  /** An event to scroll to once the page is ready (opened from the Session Overview). */
  private pendingReveal: number | undefined;

  constructor(
    private readonly panel: vscode.WebviewPanel,
    private readonly deps: EventLogDeps,
    readonly sessionId: string,
    readonly threadId: string | null,
    private readonly onDispose: () => void,
    view: PageView,
  ) {
    panel.iconPath = vscode.Uri.joinPath(deps.extensionUri, 'media', 'agentOs.svg');
    this.disposables.push(
      receiveMessages(
        panel.webview,
        `Event Log ${sessionId}`,
        deps.log,
        parseWebviewMessage,
        (m) => this.handle(m),
        (message) => this.post({ type: 'error', message }),
      ),
      panel.onDidDispose(() => this.dispose()),
    );
    // The page is written once the log is open, with its first rows and summary inside it.
    void this.writePage(view);
  }

  /** Sets the page's HTML, carrying what it shows first (InitialPage) when the log could be opened:
   * the page draws its rows as soon as its script runs, and its `ready` is answered with what changed since. */
  private async writePage(view: PageView): Promise<void> {
    await this.load(view.filter);
    let initialData: InitialPage | undefined;
    const model = this.model;
    if (model) {
      try {
        const live = this.deps.runtime.isLive(this.sessionId);
        const init = await model.init(this.meta, live, view.follow ?? true, view.anchorIndex);
        initialData = { pageId: randomUUID(), init };
      } catch (error) {
        // The page then asks with a plain `ready`, whose answer says what failed.
        this.deps.log.warn(`Event Log ${this.sessionId}: first page not in the page: ${describeError(error)}`);
      }
    }
    if (this.disposed) return;
    this.panel.webview.html = webviewPageHtml(this.panel.webview, this.deps.extensionUri, {
      script: 'eventLog.js',
      style: 'eventLog/eventLog.css',
      title: 'Event Log',
      initialData,
    });
  }

  reveal(): void {
    this.panel.reveal(this.panel.viewColumn);
  }

  /** Scrolls the page to the event `seq` and marks it, showing every kind if the filter hid it. */
  revealEvent(seq: number): void {
    this.pendingReveal = seq;
    // A hidden panel's page is gone (no retained context): the page it reloads says `ready` first.
    if (this.ready && this.model && this.panel.visible) this.sendReveal(this.model).catch((e: unknown) => this.fail(e));
  }

  private async sendReveal(model: EventLogModel): Promise<void> {
    const seq = this.pendingReveal;
    if (seq === undefined) return;
    this.pendingReveal = undefined;
    let index = model.indexOfSeq(seq);
    if (index === undefined) {
      await model.setFilter({ ...ALL_KINDS_FILTER, threadId: this.threadId });
      this.post({ type: 'total', generation: model.generation, total: model.total });
      index = model.indexOfSeq(seq);
    }
    if (index !== undefined) this.post({ type: 'reveal', generation: model.generation, index, seq });
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.abort.abort();
    this.model?.close();
    if (this.flushTimer) clearTimeout(this.flushTimer);
    for (const d of this.disposables.splice(0)) d.dispose();
    this.panel.dispose();
    this.onDispose();
  }

  private async handle(msg: WebviewMessage): Promise<void> {
    switch (msg.type) {
      case 'ready': {
        // A reloaded webview sends `ready` again: answer with the whole picture each time.
        this.ready = true;
        await this.load(msg.filter);
        const model = this.model;
        if (!model) {
          if (this.openError) this.post({ type: 'error', message: this.openError });
          return;
        }
        if (msg.filter && JSON.stringify(msg.filter) !== JSON.stringify(model.filter))
          await model.setFilter(msg.filter);
        const live = this.deps.runtime.isLive(this.sessionId);
        if (msg.shownGeneration === model.generation) {
          // The page drew what its HTML carried: events that came since were not sent to it.
          this.post({ type: 'total', generation: model.generation, total: model.total });
          this.post({ type: 'summary', summary: await model.summary(this.meta, live) });
        } else {
          this.post(await model.init(this.meta, live, msg.follow ?? true, msg.anchorIndex));
        }
        await this.sendReveal(model);
        // The summary of every event (filters, links to earlier events) is read after the first paint.
        model.whenIndexed().catch((e: unknown) => this.fail(e, 'Part of the log cannot be read'));
        return;
      }
      case 'requestRows': {
        const model = this.model;
        if (!model || msg.generation !== model.generation) return;
        const rows = await model.rows(msg.start, msg.end);
        if (msg.generation !== model.generation) return; // the list changed while the rows were read
        this.post({ type: 'rows', generation: model.generation, start: msg.start, rows });
        return;
      }
      case 'setFilter': {
        const model = this.model;
        if (!model) return;
        await model.setFilter(msg.filter);
        this.post({ type: 'total', generation: model.generation, total: model.total });
        return;
      }
      case 'requestDetail': {
        const body = await this.model?.detail(msg.seq);
        if (body !== undefined) this.post({ type: 'detail', seq: msg.seq, body });
        return;
      }
      case 'action':
        await this.deps.onCardAction(this.sessionId, msg.card);
        this.postSummary();
        return;
      case 'openOverview':
        await vscode.commands.executeCommand('agentOs.openSessionOverview', { sessionId: this.sessionId });
        return;
    }
  }

  private load(filter: RowFilter | undefined): Promise<void> {
    this.loaded ??= this.openAndFollow(filter ?? { ...ALL_KINDS_FILTER, threadId: this.threadId });
    return this.loaded;
  }

  /** Opens the log at its fold checkpoint (the first page is read on `ready`), then follows its end. */
  private async openAndFollow(filter: RowFilter): Promise<void> {
    try {
      this.meta = await this.deps.store.get(this.sessionId);
      const model = await EventLogModel.open(this.deps.store, this.sessionId, filter);
      model.onRowsChanged = () => this.post({ type: 'total', generation: model.generation, total: model.total });
      this.model = model;
      this.updateTitle();
      void this.follow(model);
    } catch (error) {
      this.meta = { title: this.sessionId };
      this.updateTitle();
      this.openError = `Cannot read session ${this.sessionId}: ${describeError(error)}`;
      this.deps.log.error(`Event Log: ${this.openError}`);
    }
  }

  private async follow(model: EventLogModel): Promise<void> {
    try {
      const events = this.deps.store.follow(this.sessionId, { after: model.next, signal: this.abort.signal });
      for await (const event of events) {
        this.pending.push(event);
        this.flushTimer ??= setTimeout(() => this.flush(), FLUSH_MS);
      }
    } catch (error) {
      if (!this.abort.signal.aborted) this.fail(error, 'Live updates stopped');
    }
  }

  private fail(error: unknown, what = 'The Event Log failed'): void {
    if (this.disposed) return;
    this.deps.log.error(`Event Log ${this.sessionId}: ${what}: ${describeError(error)}`);
    this.post({ type: 'error', message: `${what}: ${describeError(error)}` });
  }

  private flush(): void {
    this.flushTimer = undefined;
    const model = this.model;
    if (!model || this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    const added = model.append(batch);
    if (added > 0) this.post({ type: 'total', generation: model.generation, total: model.total });
    this.postSummary();
    this.updateTitle();
  }

  private postSummary(): void {
    const model = this.model;
    if (!model) return;
    model
      .summary(this.meta, this.deps.runtime.isLive(this.sessionId))
      .then((summary) => this.post({ type: 'summary', summary }))
      .catch((e: unknown) => this.fail(e));
  }

  private updateTitle(): void {
    const agent = this.threadId ? this.model?.sessionState.threads[this.threadId]?.agentName : undefined;
    const title = agent ? `${agent} — ${this.meta.title}` : this.meta.title;
    this.panel.title = `Event Log: ${showControlCharacters(title || this.sessionId)}`;
  }

  private post(message: HostMessage): void {
    if (!this.ready || this.disposed) return;
    void this.panel.webview.postMessage(message);
  }
}
