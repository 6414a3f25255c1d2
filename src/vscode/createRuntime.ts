// ┌──────────────────────────────────────────────────────────────────────────────────────────────┐
// │ THE RUNTIME WIRING POINT of the extension. Everything else in src/vscode talks to the runtime │
// │ only through the SessionService port; this function is the one place that builds it.         │
// └──────────────────────────────────────────────────────────────────────────────────────────────┘
import * as vscode from 'vscode';
import type { SessionService } from '../core/runtime/sessionService.ts';
import type { FileSessionStore } from '../node/session/fileSessionStore.ts';
import { createLocalRuntime } from '../node/runtime/localRuntime.ts';
import { startManagedBackend } from '../node/managed/managedBackend.ts';
import type { ExtensionSettings } from './extensionSettings.ts';
import { RuntimeUnavailableError } from './runtimeAccess.ts';
import { confirmSetup, setupProgressInStatusBar } from './setupPrompt.ts';
import type { ConfirmSetupRequest } from '../node/environment/sessionEnvironment.ts';
import type { SessionWarningBook } from '../views/sessionWarningBook.ts';

export interface RuntimeInputs {
  context: vscode.ExtensionContext;
  store: FileSessionStore;
  log: vscode.LogOutputChannel;
  settings: ExtensionSettings;
  /** The Anthropic API key from SecretStorage (undefined when not set). */
  apiKey: string | undefined;
  /** A GitHub token from VS Code's GitHub session, when one can be had without asking. */
  githubToken(): Promise<string | undefined>;
  /** Where a session's warnings go (kept by the extension, so a rebuilt runtime does not notify again). */
  sessionWarnings: SessionWarningBook;
}

/** Builds the runtime behind SessionService, or throws RuntimeUnavailableError saying why not.
 * Called on activation in a trusted workspace, and again when settings or the API key change. */
export async function createRuntime(inputs: RuntimeInputs): Promise<SessionService> {
  const { settings, log } = inputs;
  if (!inputs.apiKey) {
    throw new RuntimeUnavailableError('No Anthropic API key is set: run "Agent OS: Set Anthropic API Key".');
  }
  const token = await inputs.githubToken();
  const statusBar = setupProgressInStatusBar();
  // Local bare repositories standing for GitHub repositories (tests, offline demos): path → "owner/repo".
  const localRemotes: Record<string, { owner: string; repo: string }> = {};
  const mapped = vscode.workspace.getConfiguration('agentOs').get<Record<string, string>>('github.localRemotes') ?? {};
  for (const [path, name] of Object.entries(mapped)) {
    const [owner, repo] = name.split('/');
    if (owner && repo) localRemotes[path] = { owner, repo };
  }
  const parts = {
    storeDir: inputs.store.dir,
    store: inputs.store,
    github: {
      ...(settings.githubApiUrl ? { apiUrl: settings.githubApiUrl } : {}),
      ...(token ? { token } : {}),
      localRemotes,
    },
    sandbox: settings.sandbox,
    settings: {
      delegationDepth: settings.delegationDepth,
      reviewRounds: settings.reviewRounds,
      stepAttempts: settings.stepAttempts,
      // Answered in the Event Log's question card, its notification, or Answer the Planner's Questions.
      questions: {
        askOnQuestions: true,
        askBelowConfidence: settings.questions.askBelowConfidence,
        askAlways: settings.questions.askBeforeExecution,
      },
      learnPreferences: settings.learnPreferences,
      ...(settings.budgetMaxUsd ? { budget: { maxUsd: settings.budgetMaxUsd } } : {}),
    },
    modelOverrides: Object.fromEntries(Object.entries(settings.models).filter(([, m]) => Boolean(m))) as Record<
      string,
      string
    >,
    onProblem: (line: string) => log.warn(`agent definitions: ${line}`),
    onSessionWarning: (sessionId: string, message: string) => inputs.sessionWarnings.warn(sessionId, message),
    environment: {
      confirm: (request: ConfirmSetupRequest) => confirmSetup(request.repository, request.description),
      onProgress: (sessionId: string, line: string) => {
        log.info(`${sessionId}: ${line}`);
        statusBar(sessionId, line);
      },
    },
  };
  const connection = {
    apiKey: inputs.apiKey,
    ...(settings.anthropicBaseUrl ? { baseURL: settings.anthropicBaseUrl } : {}),
  };
  if (settings.backend === 'managed') {
    const managed = await startManagedBackend(parts, connection, (line) => log.info(`environment worker: ${line}`));
    inputs.context.subscriptions.push({ dispose: () => void managed.dispose() });
    return managed.runtime;
  }
  const { runtime, pruneOrphanSandboxes } = createLocalRuntime({ ...parts, model: connection });
  // Containers of sessions deleted elsewhere (or by a crash mid-delete) do not outlive them.
  void pruneOrphanSandboxes().then(
    (removed) =>
      removed.length && log.info(`removed ${removed.length} dev container(s) of sessions that no longer exist`),
    (error: unknown) => log.warn(`could not look for orphan dev containers: ${String(error)}`),
  );
  // Running sessions are interrupted cleanly when the extension stops; their logs let them resume.
  inputs.context.subscriptions.push({ dispose: () => void runtime.dispose() });
  return runtime;
}
