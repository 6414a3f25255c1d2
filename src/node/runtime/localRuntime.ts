// Builds the runtime from local parts: file session store, the Anthropic model client, worktree
// sandboxes, workspace agents with versions, and GitHub through Octokit. Used by the CLI, the
// extension and the tests, so all three run the same runtime.
import { join } from 'node:path';
import type { ModelClient } from '../../core/model/modelClient.ts';
import type { IssueSource, PullRequestSink } from '../../core/github/githubPorts.ts';
import { AgentVersionStore } from '../agents/agentVersionStore.ts';
import { OctokitGitHub } from '../github/octokitGitHub.ts';
import { findRemoteRepository } from '../github/remoteRepository.ts';
import { openGit } from '../git/gitClient.ts';
import {
  AnthropicModelClient,
  type AnthropicModelClientOptions,
  DEFAULT_MAX_TOKENS,
} from '../model/anthropicModelClient.ts';
import { costOf, isPriced } from '../model/priceTable.ts';
import { FileSessionStore } from '../session/fileSessionStore.ts';
import { preferenceStoreOf } from '../preferences/preferenceStore.ts';
import { AgentOsRuntime } from './agentOsRuntime.ts';
import { DEFAULT_RUNTIME_SETTINGS, type AgentOsRuntimeOptions, type RuntimeSettings } from './runtimeOptions.ts';
import type { SessionSandboxes } from '../../core/sandbox/sessionSandboxes.ts';
import { WorkspaceAgentCatalog } from './workspaceAgentCatalog.ts';
import { chosenSessionSandboxes } from '../sandbox/chosenSessionSandboxes.ts';
import { lazySessionSandboxes } from '../sandbox/forwardedSandboxes.ts';
import {
  chooseSandbox,
  devcontainerStateDir,
  parseSandboxSetting,
  type SandboxSetting,
} from '../sandbox/sandboxChoice.ts';
import { pruneOrphanContainers } from '../sandbox/devcontainer/sessionContainers.ts';
import { SessionEnvironment, type SessionEnvironmentOptions } from '../environment/sessionEnvironment.ts';

export interface LocalRuntimeOptions {
  /** The session store folder. Worktrees and agent versions live in its dot-folders. */
  storeDir: string;
  /** The file store on `storeDir` when the caller already has one (the extension's UI reads it too). */
  store?: FileSessionStore;
  model: AnthropicModelClientOptions | ModelClient;
  github?: {
    apiUrl?: string;
    token?: string;
    /** Local bare repositories standing for GitHub repositories (the demo, tests). */
    localRemotes?: Record<string, { owner: string; repo: string }>;
    /** Other sources (tests may pass their own adapters over the same REST API). */
    issues?: IssueSource;
    pullRequests?: PullRequestSink;
  };
  /** Which sandbox new sessions get (a woken session keeps the kind it recorded). Default `auto`. */
  sandbox?: SandboxSetting;
  /** The dev container configuration, relative to the repository (default `.devcontainer/devcontainer.json`). */
  devcontainerConfigPath?: string;
  /** `off`: act as if the OS sandbox did not work here (tests of the unconfined path, `--no-bubblewrap`). */
  bubblewrap?: 'auto' | 'off';
  /** Another sandbox kind per repository (dev container); the worktree sandbox otherwise. */
  sandboxes?(repository: string, storageDir: string): SessionSandboxes;
  settings?: Partial<RuntimeSettings>;
  maxTokens?: number;
  modelOverrides?: Record<string, string>;
  bashDefaultTimeoutMs?: number;
  onTextDelta?(sessionId: string, threadId: string, text: string): void;
  /** Problems the person should read (agent definitions that do not load, a session's log near its
   * size limit when no `onSessionWarning` is given). */
  onProblem?(line: string): void;
  /** A session's warning as its writer opens (its log near the size a session may hold); `onProblem` by default. */
  onSessionWarning?(sessionId: string, message: string): void;
  /** How the set-up phase asks for and reports on a session's environment; `false`: no set-up phase. */
  environment?: Omit<SessionEnvironmentOptions, 'dir'> | false;
  /** Tests of harness mechanics only (retries, budgets, interrupts, the pipeline) on a machine where
   * nothing confines: commands then run as their agents are configured instead of asking per command.
   * No entry point sets it (test/lint/unconfinedConsent.test.ts checks), and no agent file can. */
  trustUnconfinedCommands?: boolean;
  /** Secret values besides the API key and the GitHub token (which are added here): replaced by
   * `[redacted]` in tool results before the model or the log sees them. */
  secrets?: readonly string[];
}

export interface LocalRuntime {
  runtime: AgentOsRuntime;
  store: FileSessionStore;
  /** The set-up phase and its cache (absent when turned off). */
  environment?: SessionEnvironment;
  /** Removes dev containers whose sessions are gone (deleted elsewhere, or a crash mid-delete). Quiet
   * and quick when Docker is not there. Returns the removed container ids. */
  pruneOrphanSandboxes(): Promise<string[]>;
}

export function createLocalRuntime(options: LocalRuntimeOptions): LocalRuntime {
  const store = options.store ?? new FileSessionStore(options.storeDir);
  const model = isModelClient(options.model) ? options.model : new AnthropicModelClient(options.model);
  // The key the model client holds is one more value no tool result may carry.
  const apiKey = isModelClient(options.model) ? undefined : options.model.apiKey;
  const parts = runtimeParts({ ...options, secrets: [...(options.secrets ?? []), ...(apiKey ? [apiKey] : [])] }, store);
  const runtime = new AgentOsRuntime({ ...parts, model });
  return {
    runtime,
    store,
    pruneOrphanSandboxes: () => pruneOrphans(store, options.storeDir),
    ...(parts.environment ? { environment: parts.environment } : {}),
  };
}

/** Everything of the runtime but the model: the store's sandboxes, agents, tasks and GitHub. The managed
 * backend runs on the same parts, with the platform in place of the local harness and model. */
export function runtimeParts(
  options: Omit<LocalRuntimeOptions, 'model'>,
  store: FileSessionStore,
): Omit<AgentOsRuntimeOptions, 'model'> {
  const worktreesDir = join(options.storeDir, '.worktrees');
  const versions = new AgentVersionStore(join(options.storeDir, '.agents'));
  const settings = { ...DEFAULT_RUNTIME_SETTINGS, ...options.settings };
  const octokit =
    options.github && (!options.github.issues || !options.github.pullRequests)
      ? new OctokitGitHub({
          ...(options.github.apiUrl ? { baseUrl: options.github.apiUrl } : {}),
          ...(options.github.token ? { token: options.github.token } : {}),
        })
      : undefined;
  const issues = options.github?.issues ?? octokit;
  const sink = options.github?.pullRequests ?? octokit;
  const secrets = [...(options.secrets ?? []), ...(options.github?.token ? [options.github.token] : [])];
  const sandboxCache = new Map<string, SessionSandboxes>();
  const catalogs = new Map<string, WorkspaceAgentCatalog>();
  const environment =
    options.environment === false
      ? undefined
      : new SessionEnvironment({
          dir: join(options.storeDir, '.environments'),
          ...(options.devcontainerConfigPath ? { devcontainerConfigPath: options.devcontainerConfigPath } : {}),
          ...options.environment,
          secrets,
        });

  return {
    store,
    sandboxes(repository, kind) {
      const key = `${kind ?? 'choose'}\0${repository}`;
      let s = sandboxCache.get(key);
      if (!s) {
        s = options.sandboxes
          ? options.sandboxes(repository, worktreesDir)
          : lazySessionSandboxes(async () => {
              // A session keeps the kind it started with: on wake it is asked for again, never swapped
              // for a weaker one (a missing engine is then a clear error, and the session waits).
              const choice = await chooseSandbox({
                setting: kind ? parseSandboxSetting(kind) : (options.sandbox ?? 'auto'),
                repository,
                ...(options.bubblewrap === 'off' ? { osSandboxAvailable: false } : {}),
                ...(options.devcontainerConfigPath ? { devcontainerConfigPath: options.devcontainerConfigPath } : {}),
              });
              return chosenSessionSandboxes(choice, {
                storageDir: worktreesDir,
                repository,
                ...(options.devcontainerConfigPath ? { devcontainerConfigPath: options.devcontainerConfigPath } : {}),
                ...(options.bashDefaultTimeoutMs ? { bashDefaultTimeoutMs: options.bashDefaultTimeoutMs } : {}),
              });
            });
        sandboxCache.set(key, s);
      }
      return s;
    },
    agents(repository) {
      let c = catalogs.get(repository);
      if (!c) {
        c = new WorkspaceAgentCatalog({
          workspaceRoot: repository,
          versions,
          maxDelegationDepth: settings.delegationDepth,
          maxTokens: options.maxTokens ?? DEFAULT_MAX_TOKENS,
          ...(options.modelOverrides ? { modelOverrides: options.modelOverrides } : {}),
          ...(options.onProblem ? { onProblem: options.onProblem } : {}),
        });
        catalogs.set(repository, c);
      }
      return c;
    },
    tasks: issues ? { issues } : {},
    ...(sink
      ? {
          async pullRequests(repository: string) {
            const remote = await findRemoteRepository(repository, {
              ...(options.github?.localRemotes ? { localRemotes: options.github.localRemotes } : {}),
            });
            const baseBranch = (await openGit(repository).raw(['rev-parse', '--abbrev-ref', 'HEAD'])).trim();
            // The token goes with the push only to the GitHub it belongs to, never to another host.
            const apiHost = options.github?.apiUrl ? new URL(options.github.apiUrl).hostname : 'github.com';
            const sameHost =
              remote.host !== undefined &&
              (remote.host === apiHost || (apiHost === 'api.github.com' && remote.host === 'github.com'));
            const token = sameHost ? options.github?.token : undefined;
            return {
              sink,
              owner: remote.owner,
              repo: remote.repo,
              remote: 'origin',
              baseBranch,
              ...(token ? { pushToken: token } : {}),
            };
          },
        }
      : {}),
    settings,
    preferences: preferenceStoreOf(options.storeDir),
    priceOf: (m, usage) => costOf(m, usage).usd,
    isPriced: (m) => isPriced(m),
    ...(options.onTextDelta ? { onTextDelta: options.onTextDelta } : {}),
    ...sessionWarnings(options),
    ...(environment ? { environment } : {}),
    ...(options.trustUnconfinedCommands ? { trustUnconfinedCommands: true } : {}),
    secrets,
  };
}

async function pruneOrphans(store: FileSessionStore, storeDir: string): Promise<string[]> {
  const live = (await store.list()).map((s) => s.id);
  return pruneOrphanContainers({ stateDir: devcontainerStateDir(join(storeDir, '.worktrees')) }, live);
}

/** Where a session's warnings go: their own listener, else the problems the person reads; else nowhere. */
function sessionWarnings(
  options: Pick<LocalRuntimeOptions, 'onProblem' | 'onSessionWarning'>,
): Pick<AgentOsRuntimeOptions, 'onSessionWarning'> {
  if (options.onSessionWarning) return { onSessionWarning: options.onSessionWarning };
  const onProblem = options.onProblem;
  return onProblem ? { onSessionWarning: (_sessionId, message) => onProblem(message) } : {};
}

function isModelClient(value: LocalRuntimeOptions['model']): value is ModelClient {
  return typeof (value as ModelClient).createMessage === 'function';
}
