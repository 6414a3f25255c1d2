// The Session Overview panels: one per session, kept across reloads by a serializer. The host folds
// the log into the overview (src/views/sessionOverview.ts) and sends it whole after each batch of
// live events; the page only draws it. The verdict's changed files are read from git here.
import * as vscode from 'vscode';
import { describeError } from '../core/errors.ts';
import type { SessionEvent } from '../core/events/sessionEvent.ts';
import type { SessionMeta, SessionStore } from '../core/session/sessionStore.ts';
import { diffCommits } from '../node/git/worktreeDiff.ts';
import type { CardAction } from '../shared/eventLogProtocol.ts';
import {
  OverviewUiState,
  parseOverviewWebviewMessage,
  type OverviewHostMessage,
  type OverviewWebviewMessage,
} from '../shared/overviewProtocol.ts';
import { OVERVIEW_FOLD, SessionOverviewModel, type OverviewInput } from '../views/sessionOverview.ts';
import type { RuntimeAccess } from './runtimeAccess.ts';
import { SessionFeed } from './sessionFeed.ts';
import { receiveMessages, webviewPageHtml } from './webviewPage.ts';
import { showControlCharacters } from '../views/controlCharacters.ts';

export const OVERVIEW_VIEW_TYPE = 'agentOs.sessionOverview';
/** Live updates reach the page at most this often: the overview is redrawn whole. */
const BATCH_MS = 150;

export interface OverviewDeps {
  store: SessionStore;
  runtime: RuntimeAccess;
  log: vscode.LogOutputChannel;
  extensionUri: vscode.Uri;
  /** The verdict card's buttons: the same commands as the Event Log's cards. */
  onCardAction(sessionId: string, action: CardAction): Promise<void>;
  /** Opens the session's Event Log, at an event when `seq` is given. */
  openEventLog(sessionId: string, seq?: number): Promise<void>;
}

export class OverviewPanels implements vscode.WebviewPanelSerializer<unknown>, vscode.Disposable {
  private readonly panels = new Map<string, OverviewPanel>();

  constructor(private readonly deps: OverviewDeps) {}

  register(): vscode.Disposable {
    return vscode.window.registerWebviewPanelSerializer(OVERVIEW_VIEW_TYPE, this);
  }

  show(sessionId: string): void {
    const existing = this.panels.get(sessionId);
    if (existing) {
      existing.reveal();
      return;
    }
    const panel = vscode.window.createWebviewPanel(
      OVERVIEW_VIEW_TYPE,
      'Session Overview',
      vscode.ViewColumn.Active,
      this.options(),
    );
    this.attach(panel, sessionId);
  }

  async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown): Promise<void> {
    const parsed = OverviewUiState.safeParse(state);
    if (!parsed.success) {
      // A panel from before its first message: nothing says which session it showed.
      panel.dispose();
      return;
    }
    panel.webview.options = this.options();
    this.attach(panel, parsed.data.sessionId);
  }

  closeSession(sessionId: string): void {
    this.panels.get(sessionId)?.dispose();
  }

  dispose(): void {
    for (const p of [...this.panels.values()]) p.dispose();
  }

  private attach(panel: vscode.WebviewPanel, sessionId: string): void {
    this.panels.set(sessionId, new OverviewPanel(panel, this.deps, sessionId, () => this.panels.delete(sessionId)));
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

class OverviewPanel implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  /** Replaced once by the log folded (the store's checkpoint of the overview plus the records after it). */
  private model: SessionOverviewModel;
  private readonly feed: SessionFeed<SessionOverviewModel>;
  private meta: Pick<SessionMeta, 'title' | 'source'>;
  private readonly loaded: Promise<void>;
  private ready = false;
  private disposed = false;
  /** The verdict's changed files, read once per verdict (or why they could not be). */
  private changes: NonNullable<OverviewInput['changes']> | undefined;
  private readingChanges: string | undefined;
  /** The verdict whose change was read (or failed to be): not read again. */
  private changesRead: string | undefined;
  private started = false;

  constructor(
    private readonly panel: vscode.WebviewPanel,
    private readonly deps: OverviewDeps,
    readonly sessionId: string,
    private readonly onDispose: () => void,
  ) {
    this.meta = { title: sessionId };
    this.model = new SessionOverviewModel(sessionId);
    this.feed = new SessionFeed(
      deps.store,
      sessionId,
      OVERVIEW_FOLD,
      { events: (batch) => this.onEvents(batch), failed: (m) => this.fail(m) },
      BATCH_MS,
    );
    panel.iconPath = vscode.Uri.joinPath(deps.extensionUri, 'media', 'agentOs.svg');
    panel.webview.html = webviewPageHtml(panel.webview, deps.extensionUri, {
      script: 'overview.js',
      style: 'overview/overview.css',
      title: 'Session Overview',
    });
    this.disposables.push(
      receiveMessages(
        panel.webview,
        `Session Overview ${sessionId}`,
        deps.log,
        parseOverviewWebviewMessage,
        (m) => this.handle(m),
        (message) => this.post({ type: 'error', message }),
      ),
      panel.onDidDispose(() => this.dispose()),
    );
    // The log is read and folded while the page loads its script: `ready` then costs a message.
    this.loaded = this.load();
  }

  reveal(): void {
    this.panel.reveal(this.panel.viewColumn);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.feed.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
    this.panel.dispose();
    this.onDispose();
  }

  private async handle(msg: OverviewWebviewMessage): Promise<void> {
    switch (msg.type) {
      case 'ready':
        // A reloaded page sends `ready` again: it gets the whole overview each time.
        this.ready = true;
        await this.loaded;
        this.postOverview();
        return;
      case 'action':
        await this.deps.onCardAction(this.sessionId, msg.card);
        this.postOverview();
        return;
      case 'openEvent':
        await this.deps.openEventLog(this.sessionId, msg.seq);
        return;
      case 'openEventLog':
        await this.deps.openEventLog(this.sessionId);
        return;
    }
  }

  private async load(): Promise<void> {
    const { meta, state } = await this.feed.start();
    if (meta) this.meta = meta;
    this.model = state;
    this.started = true;
    this.panel.title = `Overview: ${showControlCharacters(this.meta.title || this.sessionId)}`;
    this.overview();
  }

  private onEvents(batch: SessionEvent[]): void {
    this.model.append(batch);
    if (this.started) this.postOverview();
  }

  private fail(message: string): void {
    this.deps.log.error(`Session Overview ${this.sessionId}: ${message}`);
    this.post({ type: 'error', message });
  }

  private postOverview(): void {
    if (!this.ready || this.disposed) return;
    this.post({ type: 'overview', overview: this.overview() });
    this.readChanges();
  }

  private overview() {
    const live = this.deps.runtime.isLive(this.sessionId);
    return this.model.overview({
      meta: this.meta,
      live,
      now: Date.now(),
      ...(this.changes ? { changes: this.changes } : {}),
    });
  }

  /** The verdict's base → head change, file by file, read from the session's git once per verdict. */
  private readChanges(): void {
    const verdict = this.model.sessionState.latestVerdict;
    if (!verdict || this.readingChanges === verdict.id || this.changesRead === verdict.id) return;
    if (!this.deps.runtime.available) {
      this.changes = {
        verdictEventId: verdict.id,
        note: `Changed files need the runtime: ${this.deps.runtime.reason || 'not ready yet'}`,
      };
      return;
    }
    this.readingChanges = verdict.id;
    void (async () => {
      try {
        const { worktree } = await this.deps.runtime.require().changes(this.sessionId);
        const diff = await diffCommits(worktree, verdict.evidence.base_commit, verdict.evidence.head_commit);
        this.changes = {
          verdictEventId: verdict.id,
          files: diff.files.map((f) => ({
            path: f.path,
            status: f.status,
            ...(f.additions !== undefined ? { additions: f.additions } : {}),
            ...(f.deletions !== undefined ? { deletions: f.deletions } : {}),
          })),
        };
      } catch (error) {
        this.changes = { verdictEventId: verdict.id, note: `Cannot read the change: ${describeError(error)}` };
      } finally {
        this.readingChanges = undefined;
        this.changesRead = verdict.id;
      }
      this.postOverview();
    })();
  }

  private post(message: OverviewHostMessage): void {
    if (!this.ready || this.disposed) return;
    void this.panel.webview.postMessage(message);
  }
}
