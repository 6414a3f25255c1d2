// Starts the agent-file language server (dist/lspServer.js, its launch contract is at the top of
// src/lsp/server.ts) in its own process, lazily: only once the workspace has an agent file, or one is
// opened or created. Ordinary Markdown never starts it. A crash of the server is restarted by the
// client and cannot touch running sessions, which live in the extension host.
import * as vscode from 'vscode';
import { CloseAction, LanguageClient, TransportKind } from 'vscode-languageclient/node';
import type {
  CloseHandlerResult,
  ErrorHandler,
  ErrorHandlerResult,
  LanguageClientOptions,
  ServerOptions,
} from 'vscode-languageclient/node';

const AGENT_FILE_PATTERNS = ['**/.agents/**/*.md', '**/.claude/agents/**/*.md'] as const;
const AGENT_FOLDER_PATTERNS = ['**/.agents', '**/.claude/agents'] as const;
/** Restarts allowed within 3 minutes before the client gives up (the library's default policy). */
const MAX_RESTARTS = 4;

export function isAgentFile(uri: vscode.Uri): boolean {
  // Subfolders too, as the loader reads them; hidden ones are not agent folders.
  return uri.scheme === 'file' && /\/(?:\.agents|\.claude\/agents)\/(?:[^/.][^/]*\/)*[^/]+\.md$/.test(uri.path);
}

export interface AgentLanguageClientHandle extends vscode.Disposable {
  /** Stops the server and waits for it (deactivate returns this so VS Code waits too). */
  stop(): Promise<void>;
}

/** Registers the lazy start. */
export function registerAgentLanguageClient(
  context: vscode.ExtensionContext,
  log: vscode.LogOutputChannel,
): AgentLanguageClientHandle {
  let client: LanguageClient | undefined;
  const triggers: vscode.Disposable[] = [];
  const stopWatchingForAgentFiles = () => {
    for (const d of triggers.splice(0)) d.dispose();
  };

  const start = () => {
    if (client) return;
    stopWatchingForAgentFiles();
    client = createClient(context, log);
    log.info('agent files found: starting the agent language server');
    client.start().catch((error: unknown) => log.error(`agent language server did not start: ${String(error)}`));
  };

  if (vscode.workspace.textDocuments.some((d) => isAgentFile(d.uri))) start();
  else {
    triggers.push(
      vscode.workspace.onDidOpenTextDocument((d) => {
        if (isAgentFile(d.uri)) start();
      }),
    );
    // A new agent folder counts too: where no recursive watcher runs (code-server here), files in a
    // folder created after the window opened are not reported, but the folder itself is.
    for (const pattern of [...AGENT_FILE_PATTERNS, ...AGENT_FOLDER_PATTERNS]) {
      const watcher = vscode.workspace.createFileSystemWatcher(pattern, false, true, true);
      triggers.push(watcher, watcher.onDidCreate(start));
    }
    void vscode.workspace.findFiles(`{${AGENT_FILE_PATTERNS.map((p) => p.slice(3)).join(',')}}`, undefined, 1).then(
      (found) => {
        if (found.length > 0) start();
      },
      (error: unknown) => log.warn(`cannot look for agent files: ${String(error)}`),
    );
  }

  const stop = async () => {
    stopWatchingForAgentFiles();
    const running = client;
    client = undefined;
    await running?.dispose().catch(() => undefined);
  };
  return { stop, dispose: () => void stop() };
}

function createClient(context: vscode.ExtensionContext, log: vscode.LogOutputChannel): LanguageClient {
  const module = context.asAbsolutePath('dist/lspServer.js');
  // One launch for run and debug: no inspector port is opened on a user's machine.
  const serverOptions: ServerOptions = { module, transport: TransportKind.ipc };
  let defaults: ErrorHandler | undefined;
  const fallback = () => (defaults ??= client.createDefaultErrorHandler(MAX_RESTARTS));
  // The library's own policy (restart, give up after repeated crashes), with each decision logged.
  const errorHandler: ErrorHandler = {
    async error(error, message, count): Promise<ErrorHandlerResult> {
      log.warn(`agent language server: connection error ${count ?? ''}: ${error.message}`);
      return fallback().error(error, message, count);
    },
    async closed(): Promise<CloseHandlerResult> {
      const result = await fallback().closed();
      if (result.action === CloseAction.Restart) log.warn('agent language server stopped unexpectedly: restarting it');
      else log.error(`agent language server stopped: ${result.message ?? 'not restarted'}`);
      return result;
    },
  };
  const watchers = AGENT_FILE_PATTERNS.map((p) => vscode.workspace.createFileSystemWatcher(p));
  const clientOptions: LanguageClientOptions = {
    documentSelector: AGENT_FILE_PATTERNS.map((pattern) => ({ scheme: 'file', language: 'markdown', pattern })),
    synchronize: { configurationSection: 'agentOs', fileEvents: watchers },
    initializationOptions: {
      delegationDepth: vscode.workspace.getConfiguration('agentOs').get<number>('delegationDepth') ?? 1,
    },
    outputChannel: log,
    errorHandler,
    connectionOptions: { maxRestartCount: MAX_RESTARTS },
  };
  const client = new LanguageClient('agentOs.agentFiles', 'Agent OS agent files', serverOptions, clientOptions);
  context.subscriptions.push(...watchers);
  return client;
}
