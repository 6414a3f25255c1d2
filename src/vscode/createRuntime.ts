// ┌──────────────────────────────────────────────────────────────────────────────────────────────┐
// │ THE RUNTIME WIRING POINT of the extension. Everything else in src/vscode talks to the runtime │
// │ only through the SessionService port; this function is the one place that builds it.         │
// └──────────────────────────────────────────────────────────────────────────────────────────────┘
import type * as vscode from 'vscode';
import type { SessionService } from '../core/runtime/sessionService.ts';
import type { SessionStore } from '../core/session/sessionStore.ts';
import type { ExtensionSettings } from './extensionSettings.ts';
import { RuntimeUnavailableError } from './runtimeAccess.ts';

export interface RuntimeInputs {
  context: vscode.ExtensionContext;
  store: SessionStore;
  log: vscode.LogOutputChannel;
  settings: ExtensionSettings;
  /** The Anthropic API key from SecretStorage (undefined when not set). */
  apiKey: string | undefined;
  /** A GitHub token from VS Code's GitHub session, when one can be had without asking. */
  githubToken(): Promise<string | undefined>;
}

/** Builds the runtime behind SessionService, or throws RuntimeUnavailableError saying why not.
 * Called on activation in a trusted workspace, and again when settings or the API key change. */
export async function createRuntime(inputs: RuntimeInputs): Promise<SessionService> {
  void inputs;
  throw new RuntimeUnavailableError(
    'The Agent OS runtime is not available in this build: no SessionService is wired into the extension yet.',
  );
}
