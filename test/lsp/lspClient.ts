// A minimal LSP client over stdio for tests: starts the real server process and speaks JSON-RPC to it.
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import type { MessageConnection } from 'vscode-jsonrpc/node';
import type {
  CodeAction,
  CompletionItem,
  CompletionList,
  Diagnostic,
  Hover,
  PublishDiagnosticsParams,
} from 'vscode-languageserver-protocol';

const repoRoot = join(__dirname, '..', '..');

export interface StartOptions {
  rootPath: string;
  rootUri: string;
  initializationOptions?: unknown;
  /** What the client answers to workspace/configuration for `agentOs`; undefined: no pull capability. */
  configuration?: () => unknown;
  /** Run the esbuild bundle instead of the TypeScript source. */
  bundle?: string;
}

export class LspTestClient {
  readonly diagnostics = new Map<string, Diagnostic[]>();
  private readonly waiters: {
    uri: string;
    predicate: (d: Diagnostic[]) => boolean;
    resolve: (d: Diagnostic[]) => void;
  }[] = [];
  private versions = new Map<string, number>();
  stderr = '';

  private constructor(
    readonly process: ChildProcessWithoutNullStreams,
    readonly connection: MessageConnection,
  ) {}

  static async start(options: StartOptions): Promise<LspTestClient> {
    const args = options.bundle
      ? [options.bundle, '--stdio']
      : ['--import', 'tsx', join(repoRoot, 'src', 'lsp', 'server.ts'), '--stdio'];
    const child = spawn(process.execPath, args, {
      cwd: repoRoot,
      stdio: 'pipe',
    });
    const connection = createMessageConnection(
      new StreamMessageReader(child.stdout),
      new StreamMessageWriter(child.stdin),
    );
    const client = new LspTestClient(child, connection);
    child.stderr.on('data', (chunk) => (client.stderr += String(chunk)));
    connection.onNotification('textDocument/publishDiagnostics', (params: PublishDiagnosticsParams) => {
      client.diagnostics.set(params.uri, params.diagnostics);
      for (const waiter of [...client.waiters]) {
        if (waiter.uri === params.uri && waiter.predicate(params.diagnostics)) {
          client.waiters.splice(client.waiters.indexOf(waiter), 1);
          waiter.resolve(params.diagnostics);
        }
      }
    });
    connection.onRequest('client/registerCapability', () => null);
    connection.onRequest('workspace/configuration', (params: { items: { section?: string }[] }) =>
      params.items.map(() => options.configuration?.() ?? null),
    );
    connection.onNotification('window/logMessage', () => undefined);
    connection.listen();
    await connection.sendRequest('initialize', {
      processId: process.pid,
      rootUri: options.rootUri,
      workspaceFolders: [{ uri: options.rootUri, name: 'test' }],
      initializationOptions: options.initializationOptions,
      capabilities: {
        workspace: {
          configuration: options.configuration !== undefined,
          didChangeWatchedFiles: { dynamicRegistration: true },
        },
        textDocument: { publishDiagnostics: {}, completion: {}, hover: {} },
      },
    });
    await connection.sendNotification('initialized', {});
    return client;
  }

  /** Resolves with the first diagnostics for `uri` (already received or coming) that satisfy `predicate`. */
  waitForDiagnostics(
    uri: string,
    predicate: (d: Diagnostic[]) => boolean,
    what = 'diagnostics',
  ): Promise<Diagnostic[]> {
    const current = this.diagnostics.get(uri);
    if (current && predicate(current)) return Promise.resolve(current);
    return new Promise((resolve, reject) => {
      const guard = setTimeout(() => {
        reject(new Error(`no ${what} for ${uri}; last: ${JSON.stringify(this.diagnostics.get(uri))}\n${this.stderr}`));
      }, 20_000);
      this.waiters.push({
        uri,
        predicate,
        resolve: (d) => {
          clearTimeout(guard);
          resolve(d);
        },
      });
    });
  }

  async open(uri: string, text: string): Promise<void> {
    this.versions.set(uri, 1);
    await this.connection.sendNotification('textDocument/didOpen', {
      textDocument: { uri, languageId: 'markdown', version: 1, text },
    });
  }

  async change(uri: string, text: string): Promise<void> {
    const version = (this.versions.get(uri) ?? 1) + 1;
    this.versions.set(uri, version);
    await this.connection.sendNotification('textDocument/didChange', {
      textDocument: { uri, version },
      contentChanges: [{ text }],
    });
  }

  async close(uri: string): Promise<void> {
    await this.connection.sendNotification('textDocument/didClose', { textDocument: { uri } });
  }

  async filesChanged(changes: { uri: string; type: 1 | 2 | 3 }[]): Promise<void> {
    await this.connection.sendNotification('workspace/didChangeWatchedFiles', { changes });
  }

  async configurationChanged(settings: unknown): Promise<void> {
    await this.connection.sendNotification('workspace/didChangeConfiguration', { settings });
  }

  async completion(uri: string, line: number, character: number): Promise<CompletionItem[]> {
    const result = (await this.connection.sendRequest('textDocument/completion', {
      textDocument: { uri },
      position: { line, character },
    })) as CompletionItem[] | CompletionList | null;
    return Array.isArray(result) ? result : (result?.items ?? []);
  }

  async hover(uri: string, line: number, character: number): Promise<Hover | null> {
    return (await this.connection.sendRequest('textDocument/hover', {
      textDocument: { uri },
      position: { line, character },
    })) as Hover | null;
  }

  async codeActions(uri: string, diagnostics: Diagnostic[]): Promise<CodeAction[]> {
    const range = diagnostics[0]?.range ?? { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
    return ((await this.connection.sendRequest('textDocument/codeAction', {
      textDocument: { uri },
      range,
      context: { diagnostics },
    })) ?? []) as CodeAction[];
  }

  async stop(): Promise<void> {
    const exited = new Promise<void>((resolve) => this.process.once('exit', () => resolve()));
    try {
      await this.connection.sendRequest('shutdown');
      await this.connection.sendNotification('exit');
    } catch {
      this.process.kill();
    }
    await exited;
    this.connection.dispose();
  }
}
