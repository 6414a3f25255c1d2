// The language server for agent definition files (`.agents/**/*.md`, `.claude/agents/**/*.md`). It runs as its
// own process (stdio, node-ipc or socket, chosen by argv as vscode-languageserver does), so a crash of it
// never touches a running session; the client restarts it.
//
// Launch contract for the client:
// - module `dist/lspServer.js`, `node dist/lspServer.js --stdio` (or TransportKind.ipc: `--node-ipc`).
// - documentSelector: [{ scheme: 'file', language: 'markdown', pattern: '**/.agents/**/*.md' },
//                      { scheme: 'file', language: 'markdown', pattern: '**/.claude/agents/**/*.md' }]
//   (other documents are ignored even if sent).
// - settings: `agentOs.delegationDepth` (integer >= 0), read through workspace/configuration when the
//   client supports it, taken from didChangeConfiguration `{ agentOs: { delegationDepth } }` when pushed
//   (`synchronize.configurationSection: 'agentOs'`), or from initializationOptions `{ delegationDepth }`.
//   Default 1, the hosted platform's.
// - files on disk are re-read on every validation; the server registers watchers for both folders when
//   the client allows dynamic registration, so closed files that change are re-validated too.
import {
  CodeActionKind,
  createConnection,
  DidChangeWatchedFilesNotification,
  ProposedFeatures,
  TextDocuments,
  TextDocumentSyncKind,
} from 'vscode-languageserver/node';
import type { InitializeParams, InitializeResult } from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { quickFixes } from './agentCodeActions.ts';
import { completeAgentFile } from './agentCompletion.ts';
import { hoverAgentFile } from './agentHover.ts';
import { agentFileLocation, AgentWorkspaceValidator, uriToPath } from './agentWorkspaceValidator.ts';

/** Settings section read through workspace/configuration and accepted in initializationOptions. */
const SETTINGS_SECTION = 'agentOs';
const VALIDATE_DELAY_MS = 50;

function depthFrom(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : undefined;
}

function main(): void {
  const connection = createConnection(ProposedFeatures.all);
  const documents = new TextDocuments(TextDocument);
  const validator = new AgentWorkspaceValidator();
  let canPullConfiguration = false;
  let canWatchFiles = false;
  let canTrackFolders = false;

  const readSettings = async () => {
    if (!canPullConfiguration) return;
    try {
      const settings = (await connection.workspace.getConfiguration(SETTINGS_SECTION)) as {
        delegationDepth?: unknown;
      } | null;
      const depth = depthFrom(settings?.delegationDepth);
      if (depth !== undefined) validator.maxDelegationDepth = depth;
    } catch (error) {
      connection.console.warn(`cannot read settings: ${String(error)}`);
    }
  };

  // Validation is debounced while typing and never runs twice at once.
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const schedule = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      running = running.then(async () => {
        try {
          for (const [uri, diagnostics] of await validator.validate())
            await connection.sendDiagnostics({ uri, diagnostics });
        } catch (error) {
          connection.console.error(
            `agent validation failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
          );
        }
      });
    }, VALIDATE_DELAY_MS);
  };

  connection.onInitialize((params: InitializeParams): InitializeResult => {
    const folders = params.workspaceFolders ?? (params.rootUri ? [{ uri: params.rootUri, name: 'root' }] : []);
    for (const folder of folders) {
      const path = uriToPath(folder.uri);
      if (path) validator.addRoot(path);
    }
    const depth = depthFrom(
      (params.initializationOptions as { delegationDepth?: unknown } | undefined)?.delegationDepth,
    );
    if (depth !== undefined) validator.maxDelegationDepth = depth;
    canPullConfiguration = params.capabilities.workspace?.configuration === true;
    canWatchFiles = params.capabilities.workspace?.didChangeWatchedFiles?.dynamicRegistration === true;
    canTrackFolders = params.capabilities.workspace?.workspaceFolders === true;
    return {
      capabilities: {
        textDocumentSync: TextDocumentSyncKind.Incremental,
        completionProvider: { triggerCharacters: [' ', ',', '[', '-', ':'] },
        hoverProvider: true,
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
        workspace: { workspaceFolders: { supported: true, changeNotifications: true } },
      },
      serverInfo: { name: 'agent-os-agents', version: '0.1.0' },
    };
  });

  connection.onInitialized(async () => {
    if (canWatchFiles) {
      try {
        await connection.client.register(DidChangeWatchedFilesNotification.type, {
          watchers: [{ globPattern: '**/.agents/**/*.md' }, { globPattern: '**/.claude/agents/**/*.md' }],
        });
      } catch (error) {
        connection.console.warn(`cannot watch agent files: ${String(error)}`);
      }
    }
    if (canTrackFolders) {
      connection.workspace.onDidChangeWorkspaceFolders((event) => {
        for (const f of event.removed) {
          const path = uriToPath(f.uri);
          if (path) validator.removeRoot(path);
        }
        for (const f of event.added) {
          const path = uriToPath(f.uri);
          if (path) validator.addRoot(path);
        }
        schedule();
      });
    }
    await readSettings();
    schedule();
  });

  connection.onDidChangeConfiguration(async (change) => {
    const pushed = depthFrom(
      (change.settings as { agentOs?: { delegationDepth?: unknown } } | null)?.agentOs?.delegationDepth,
    );
    if (pushed !== undefined) validator.maxDelegationDepth = pushed;
    else await readSettings();
    schedule();
  });
  connection.onDidChangeWatchedFiles(() => schedule());

  documents.onDidOpen((e) => {
    if (validator.setOpen(e.document.uri, e.document.getText())) schedule();
  });
  documents.onDidChangeContent((e) => {
    if (validator.setOpen(e.document.uri, e.document.getText())) schedule();
  });
  documents.onDidClose((e) => {
    if (validator.close(e.document.uri)) schedule();
  });

  // Other Markdown files may have front matter too; only agent files get agent features.
  const agentDocument = (uri: string) => {
    const path = uriToPath(uri);
    return path && agentFileLocation(path) ? documents.get(uri) : undefined;
  };

  connection.onCompletion((params) => {
    const document = agentDocument(params.textDocument.uri);
    if (!document) return [];
    return completeAgentFile(
      document.getText(),
      params.position.line,
      params.position.character,
      validator.agentsFor(document.uri),
    );
  });
  connection.onHover((params) => {
    const document = agentDocument(params.textDocument.uri);
    if (!document) return null;
    return hoverAgentFile(
      document.getText(),
      params.position.line,
      params.position.character,
      validator.agentsFor(document.uri),
    );
  });

  connection.onCodeAction((params) => (agentDocument(params.textDocument.uri) ? quickFixes(params) : []));

  documents.listen(connection);
  connection.listen();
}

main();
