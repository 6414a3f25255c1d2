// Composition root of the VS Code extension: builds the store, the runtime (createRuntime.ts), the
// Threads tree, the Event Log panels and the commands, and hands every disposable to VS Code.
import '../shared/zodJitless.ts';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { describeError } from '../core/errors.ts';
import type { SessionService } from '../core/runtime/sessionService.ts';
import { FileSessionStore } from '../node/session/fileSessionStore.ts';
import { VIEW_FOLDS } from '../views/viewFolds.ts';
import type { CardAction } from '../shared/eventLogProtocol.ts';
import { registerAgentLanguageClient, type AgentLanguageClientHandle } from './agentLanguageClient.ts';
import { UNTRUSTED_MESSAGE } from './commandHelpers.ts';
import { registerCommands } from './commands.ts';
import { registerSupervisionCommands } from './supervisionCommands.ts';
import { registerPreferenceCommands } from './preferenceCommands.ts';
import { PreferencesViewProvider } from './preferencesView.ts';
import { preferenceStoreOf } from '../node/preferences/preferenceStore.ts';
import { createRuntime } from './createRuntime.ts';
import { EventLogPanels } from './eventLogPanel.ts';
import { OverviewPanels } from './overviewPanel.ts';
import { API_KEY_SECRET, readSettings } from './extensionSettings.ts';
import { githubToken } from './planIssueCommand.ts';
import { RuntimeAccess } from './runtimeAccess.ts';
import { BASE_SCHEME, BaseContentProvider } from './showChanges.ts';
import { ThreadsTreeProvider } from './threadsTreeProvider.ts';
import { PersonNotifications } from './personNotifications.ts';
import { SessionStopNotifications } from './sessionStopNotifications.ts';
import { sessionWarnings } from './sessionWarnings.ts';
import { shutdownOsSandbox } from '../node/sandbox/osSandbox.ts';

let agentLanguageClient: AgentLanguageClientHandle | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const started = Date.now();
  const log = vscode.window.createOutputChannel('Agent OS', { log: true });
  context.subscriptions.push(log);
  // Editing support for agent files, in its own process; it starts only when there are agent files.
  agentLanguageClient = registerAgentLanguageClient(context, log);
  context.subscriptions.push(agentLanguageClient);

  const settings = readSettings();
  const sessionsDir =
    settings.sessionsDirectory ?? join((context.storageUri ?? context.globalStorageUri).fsPath, 'sessions');
  const store = new FileSessionStore(sessionsDir, {
    folds: VIEW_FOLDS,
    ...(settings.maxLogBytes ? { maxLogBytes: settings.maxLogBytes } : {}),
  });
  log.info(`sessions in ${sessionsDir}`);
  const warnings = sessionWarnings(log, store);

  const runtime = new RuntimeAccess(undefined, UNTRUSTED_MESSAGE);
  let reloadWhenIdle = false;
  const replaceRuntime = (service: SessionService | undefined, reason: string) => {
    const previous = runtime.set(service, reason) as (SessionService & { dispose?: () => unknown }) | undefined;
    void Promise.resolve(previous?.dispose?.()).catch(() => undefined);
  };
  let runtimeReady: Promise<void> = Promise.resolve();
  const rebuildRuntime = (): Promise<void> => (runtimeReady = reloadRuntime());
  const reloadRuntime = async (): Promise<void> => {
    // A runtime with running sessions is kept: replacing it would orphan their harnesses. New
    // settings (or a new key) apply once they stop.
    if (tree?.model.runningCount()) {
      reloadWhenIdle = true;
      log.info('settings changed: they apply when the running sessions stop');
      return;
    }
    reloadWhenIdle = false;
    if (!vscode.workspace.isTrusted) {
      replaceRuntime(undefined, UNTRUSTED_MESSAGE);
      return;
    }
    const apiKey = await context.secrets.get(API_KEY_SECRET);
    // The Threads view's welcome asks for a key only while none is stored.
    void vscode.commands.executeCommand('setContext', 'agentOs.hasApiKey', Boolean(apiKey));
    try {
      const service = await createRuntime({
        context,
        store,
        log,
        settings: readSettings(),
        apiKey,
        githubToken: () => githubToken(false).catch(() => undefined),
        sessionWarnings: warnings,
      });
      replaceRuntime(service, '');
      log.info('runtime ready');
    } catch (error) {
      replaceRuntime(undefined, describeError(error));
      log.warn(`runtime not available: ${describeError(error)}`);
    }
  };

  const panels = new EventLogPanels({
    store,
    runtime,
    log,
    extensionUri: context.extensionUri,
    onCardAction: (sessionId, action) => runCardAction(sessionId, action),
  });

  const overviews = new OverviewPanels({
    store,
    runtime,
    log,
    extensionUri: context.extensionUri,
    onCardAction: (sessionId, action) => runCardAction(sessionId, action),
    openEventLog: async (sessionId, seq) => {
      const panel = panels.show(sessionId, null);
      if (seq !== undefined) panel.revealEvent(seq);
    },
  });

  const status = vscode.window.createStatusBarItem('agentOs.running', vscode.StatusBarAlignment.Left, 50);
  status.name = 'Agent OS';
  status.command = 'agentOs.threads.focus';

  // Titles come from the tree's model, which is filled before a session's events reach the notifications.
  const notifications = new PersonNotifications((sessionId) => tree.model.meta(sessionId)?.title ?? sessionId);
  const stopNotifications = new SessionStopNotifications(
    (sessionId) => tree.model.meta(sessionId)?.title ?? sessionId,
    (sessionId) => panels.show(sessionId, null),
  );
  const tree: ThreadsTreeProvider = new ThreadsTreeProvider(store, runtime, log, {
    onFolded: (sessionId, waits) => notifications.onFolded(sessionId, waits),
    onEvents: (sessionId, events, live) => {
      notifications.onEvents(sessionId, events, live);
      if (live) {
        preferencesView.onEvents(events);
        stopNotifications.onLiveEvents(sessionId, events);
      }
    },
    onForget: (sessionId) => {
      notifications.forget(sessionId);
      stopNotifications.forget(sessionId);
    },
    onStatusChanged: () => {
      updateStatusBar();
      if (reloadWhenIdle && tree.model.runningCount() === 0) void rebuildRuntime();
    },
  });
  const treeView = vscode.window.createTreeView('agentOs.threads', { treeDataProvider: tree, showCollapseAll: true });
  const commandDeps = {
    context,
    store,
    runtime,
    tree,
    treeView,
    panels,
    overviews,
    log,
    runtimeReady: () => runtimeReady,
    storeDir: store.dir,
  };
  const preferenceStore = preferenceStoreOf(store.dir);
  const preferencesView = new PreferencesViewProvider(
    preferenceStore,
    (sessionId) => tree.model.meta(sessionId)?.title,
  );

  context.subscriptions.push(
    notifications,
    panels,
    panels.register(),
    overviews,
    overviews.register(),
    tree,
    treeView,
    status,
    vscode.workspace.registerTextDocumentContentProvider(BASE_SCHEME, new BaseContentProvider()),
    ...registerCommands(commandDeps),
    ...registerSupervisionCommands(commandDeps),
    preferencesView,
    vscode.window.registerTreeDataProvider('agentOs.preferences', preferencesView),
    ...registerPreferenceCommands(commandDeps, preferenceStore, preferencesView),
    vscode.workspace.onDidGrantWorkspaceTrust(() => {
      log.info('workspace trusted: starting the runtime');
      void rebuildRuntime().then(() => tree.scheduleRefresh());
    }),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('agentOs.maxSessionLogGiB')) store.setMaxLogBytes(readSettings().maxLogBytes);
      if (e.affectsConfiguration('agentOs')) void rebuildRuntime();
    }),
    context.secrets.onDidChange((e) => {
      if (e.key === API_KEY_SECRET) void rebuildRuntime();
    }),
    treeView.onDidChangeVisibility((e) => {
      if (e.visible) void tree.load();
    }),
  );
  context.subscriptions.push(vscode.workspace.onDidGrantWorkspaceTrust(() => (treeView.message = undefined)));

  // The runtime (secrets, the GitHub session, agent files) is built after activation returns too;
  // commands that need it wait for it.
  void rebuildRuntime();
  log.info(`activated in ${Date.now() - started} ms`);
  // Session logs are read after activation returns: many long sessions must not hold up the command
  // or view that activated the extension. The tree fills in as they load.
  void tree.load().then(async () => {
    await vscode.commands.executeCommand('setContext', 'agentOs.loaded', true);
    // With no sessions the welcome view says this; with some, the tree's message does.
    if (!vscode.workspace.isTrusted && tree.model.size > 0) {
      treeView.message = 'Restricted Mode: sessions can be read, but no agent runs here.';
    }
    log.info(`${tree.model.size} session(s) loaded in ${Date.now() - started} ms`);
    const interrupted = tree.model.interrupted();
    if (interrupted.length === 0) return;
    log.info(`interrupted by a closed window or a crash: ${interrupted.join(', ')}`);
    await runtimeReady;
    if (readSettings().resumeInterruptedAutomatically && runtime.available && vscode.workspace.isTrusted) {
      for (const id of interrupted) void vscode.commands.executeCommand('agentOs.resumeSession', { sessionId: id });
    }
  });

  function updateStatusBar(): void {
    const running = tree.model.runningCount();
    if (running === 0) {
      status.hide();
      return;
    }
    status.text = `$(sync~spin) Agent OS: ${running} running`;
    status.tooltip = `${running} session${running === 1 ? '' : 's'} running — show the Threads view`;
    status.show();
  }

  async function runCardAction(sessionId: string, action: CardAction): Promise<void> {
    switch (action.action) {
      case 'approve':
        await vscode.commands.executeCommand('agentOs.approveAndCreatePr', {
          sessionId,
          verdictEventId: action.verdictEventId,
        });
        return;
      case 'requestChanges':
        await vscode.commands.executeCommand('agentOs.requestChanges', {
          sessionId,
          verdictEventId: action.verdictEventId,
        });
        return;
      case 'showChanges':
        await vscode.commands.executeCommand('agentOs.showChanges', { sessionId });
        return;
      case 'allowTool':
        await vscode.commands.executeCommand('agentOs.allowTool', { sessionId, toolUseEventId: action.toolUseEventId });
        return;
      case 'denyTool':
        await vscode.commands.executeCommand('agentOs.denyTool', { sessionId, toolUseEventId: action.toolUseEventId });
        return;
      case 'answerQuestions':
        await vscode.commands.executeCommand('agentOs.answerQuestions', {
          sessionId,
          questionsEventId: action.questionsEventId,
          answers: action.answers,
        });
        return;
      case 'openPullRequest': {
        const pr = tree.model.state(sessionId)?.pullRequest;
        if (pr) await vscode.env.openExternal(vscode.Uri.parse(pr.url));
        return;
      }
    }
  }
}

export function deactivate(): Promise<void> | undefined {
  // Everything else is in context.subscriptions; running harnesses stop with the extension host, and
  // their sessions show as interrupted on the next activation. The language server is awaited.
  // The OS sandbox's network proxies end with the extension.
  return Promise.all([agentLanguageClient?.stop(), shutdownOsSandbox()]).then(() => undefined);
}
