// Flags every command that runs sessions shares, and the runtime they build. The API key comes from
// the environment only (never a flag: flags end up in shell history and process lists).
import { DEFAULT_QUESTION_POLICY } from '../core/pipeline/planQuestions.ts';
import { resolve } from 'node:path';
import { AgentOsError } from '../core/errors.ts';
import { tokenFromEnvironment } from '../node/github/octokitGitHub.ts';
import { createLocalRuntime, type LocalRuntimeOptions } from '../node/runtime/localRuntime.ts';
import type { AgentOsRuntime } from '../node/runtime/agentOsRuntime.ts';
import { FileSessionStore } from '../node/session/fileSessionStore.ts';
import { VIEW_FOLDS } from '../views/viewFolds.ts';
import {
  buildManagedCliRuntime,
  managedFlagOptions,
  managedFlagsHelp,
  parseBackend,
  type ManagedFlagValues,
} from './managedFlags.ts';
import type { ManagedRuntime } from '../node/managed/managedRuntime.ts';
import { parseSandboxSetting } from '../node/sandbox/sandboxChoice.ts';
import { repositoryRoot, resolveStoreDir } from './storeLocation.ts';
import type { ConfirmSetupRequest } from '../node/environment/sessionEnvironment.ts';
import { askOnTerminal } from './setupQuestion.ts';
import { printErr } from './terminalOutput.ts';
import { secretValues } from './sessionExport.ts';

export const runtimeFlagOptions = {
  repo: { type: 'string' },
  store: { type: 'string' },
  'base-url': { type: 'string' },
  model: { type: 'string' },
  'github-api': { type: 'string' },
  'local-remote': { type: 'string', multiple: true },
  'budget-usd': { type: 'string' },
  'review-rounds': { type: 'string' },
  'step-attempts': { type: 'string' },
  'ask-below-confidence': { type: 'string' },
  'ask-before-execution': { type: 'boolean' },
  'learn-preferences': { type: 'boolean' },
  'delegation-depth': { type: 'string' },
  'no-bubblewrap': { type: 'boolean' },
  sandbox: { type: 'string' },
  'devcontainer-config': { type: 'string' },
  ...managedFlagOptions,
  'accept-setup': { type: 'boolean' },
} as const;

export interface RuntimeFlagValues extends ManagedFlagValues {
  repo?: string;
  store?: string;
  'base-url'?: string;
  model?: string;
  'github-api'?: string;
  'local-remote'?: string[];
  'budget-usd'?: string;
  'review-rounds'?: string;
  'step-attempts'?: string;
  'ask-below-confidence'?: string;
  'ask-before-execution'?: boolean;
  'learn-preferences'?: boolean;
  'delegation-depth'?: string;
  'no-bubblewrap'?: boolean;
  sandbox?: string;
  'devcontainer-config'?: string;
  'accept-setup'?: boolean;
}

export const runtimeFlagsHelp = `Runtime options:
  --repo <dir>              the repository to work on (default: the one around the current folder)
  --store <dir>             session storage folder (default: inside the repository's .git)
  --base-url <url>          Messages API endpoint (default: $ANTHROPIC_BASE_URL or Anthropic's)
  --model <id>              run the built-in agents (Coordinator, Planner, Coder, Reviewer) on this model
  --github-api <url>        GitHub REST API root (default: $GITHUB_API_URL or GitHub's; Enterprise: https://host/api/v3)
  --local-remote <path>=<owner>/<repo>   a local bare repository standing for a GitHub repository
  --budget-usd <n>          stop before a model request would pass this cost
  --review-rounds <n>       REJECT rounds before the pipeline gives up (default 3)
  --step-attempts <n>       runs of a plan step's validation before the step fails (default 3)
  --ask-below-confidence <c>  ask you before the Coder starts when the plan's confidence is below c (0-1, default 0.5)
  --ask-before-execution    ask you about every plan before the Coder starts
  --learn-preferences       learn your preferences from your corrections and the Reviewer's rejections
  --delegation-depth <n>    levels of delegation allowed (default 1)
  --sandbox <kind>          auto (default), devcontainer, os or worktree; a resumed session keeps its own
  --devcontainer-config <path>  the dev container configuration (default .devcontainer/devcontainer.json)
  --no-bubblewrap           act as if the OS sandbox did not work here (unconfined: every command asks)
  --accept-setup            run an environment set-up that asks (a detected npm ci, …; any unconfined) without asking; remembered per repository
${managedFlagsHelp}
Environment: ANTHROPIC_API_KEY (required), GITHUB_TOKEN or GH_TOKEN (to read private issues and open pull requests),
  AGENT_OS_MAX_LOG_BYTES (the size a session's log may reach; default 64 GiB).`;

function positiveNumber(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0)
    throw new AgentOsError('INVALID_ARGUMENT', `--${name} must be a positive number, got '${value}'`);
  return n;
}

/** The size a session's log may reach (LOG_FULL past it; a warning from three quarters of it on): the
 * store's default unless AGENT_OS_MAX_LOG_BYTES sets one. */
function maxLogBytes(env: NodeJS.ProcessEnv): number | undefined {
  const value = env.AGENT_OS_MAX_LOG_BYTES;
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n <= 0)
    throw new AgentOsError(
      'INVALID_ARGUMENT',
      `AGENT_OS_MAX_LOG_BYTES must be a whole number of bytes, got '${value}'`,
    );
  return n;
}

export interface CliRuntime {
  runtime: AgentOsRuntime | ManagedRuntime;
  store: FileSessionStore;
  repository: string;
  storeDir: string;
  /** Stops the runs (and, on the managed backend, this process's worker). */
  dispose(): Promise<void>;
}

export interface BuildCliRuntimeOptions {
  /** False for commands that only manage stored sessions (`sessions delete`): they make no model request,
   * so they work without ANTHROPIC_API_KEY. */
  needsModel?: boolean;
}

export async function buildCliRuntime(
  flags: RuntimeFlagValues,
  env: NodeJS.ProcessEnv = process.env,
  build: BuildCliRuntimeOptions = {},
): Promise<CliRuntime> {
  const backend = parseBackend(flags.backend ?? env.AGENT_OS_BACKEND);
  const needsModel = build.needsModel ?? true;
  const apiKey = env.ANTHROPIC_API_KEY ?? (needsModel ? undefined : 'unused: this command makes no model request');
  if (!apiKey) {
    throw new AgentOsError(
      'INVALID_ARGUMENT',
      backend === 'managed'
        ? 'ANTHROPIC_API_KEY is not set: the managed backend needs a key of an organization with Claude Managed Agents access (for the offline demo, run `agent-os demo --backend managed`)'
        : 'ANTHROPIC_API_KEY is not set (for the offline demo, run `npm run demo`)',
    );
  }
  const repository = await repositoryRoot(resolve(flags.repo ?? process.cwd()));
  const storeDir = await resolveStoreDir(flags.store, repository);
  const localRemotes: Record<string, { owner: string; repo: string }> = {};
  for (const entry of flags['local-remote'] ?? []) {
    const m = /^(.+)=([^/=]+)\/([^/=]+)$/.exec(entry);
    if (!m)
      throw new AgentOsError('INVALID_ARGUMENT', `--local-remote must look like <path>=<owner>/<repo>, got '${entry}'`);
    localRemotes[resolve(m[1] as string)] = { owner: m[2] as string, repo: m[3] as string };
  }
  const budgetUsd = positiveNumber('budget-usd', flags['budget-usd']);
  const reviewRounds = positiveNumber('review-rounds', flags['review-rounds']);
  const stepAttempts = positiveNumber('step-attempts', flags['step-attempts']);
  const askBelow = flags['ask-below-confidence'] === undefined ? undefined : Number(flags['ask-below-confidence']);
  if (askBelow !== undefined && !(askBelow >= 0 && askBelow <= 1)) {
    throw new AgentOsError(
      'INVALID_ARGUMENT',
      `--ask-below-confidence must be a number from 0 to 1, got '${flags['ask-below-confidence']}'`,
    );
  }
  const depth = positiveNumber('delegation-depth', flags['delegation-depth']);
  const baseURL = flags['base-url'] ?? env.ANTHROPIC_BASE_URL;
  const githubApi = flags['github-api'] ?? env.GITHUB_API_URL;
  const token = tokenFromEnvironment(env);
  const model = flags.model;
  const maxBytes = maxLogBytes(env);
  const options: Omit<LocalRuntimeOptions, 'model'> = {
    storeDir,
    // The views' folds, kept by the writers: VS Code opening a session run here folds only its tail.
    store: new FileSessionStore(storeDir, { folds: VIEW_FOLDS, ...(maxBytes ? { maxLogBytes: maxBytes } : {}) }),
    github: {
      ...(githubApi ? { apiUrl: githubApi } : {}),
      ...(token ? { token } : {}),
      localRemotes,
    },
    ...(flags['no-bubblewrap'] ? { bubblewrap: 'off' as const } : {}),
    sandbox: parseSandboxSetting(flags.sandbox ?? env.AGENT_OS_SANDBOX),
    ...(flags['devcontainer-config'] ? { devcontainerConfigPath: flags['devcontainer-config'] } : {}),
    settings: {
      ...(budgetUsd ? { budget: { maxUsd: budgetUsd } } : {}),
      ...(reviewRounds ? { reviewRounds: Math.floor(reviewRounds) } : {}),
      ...(stepAttempts ? { stepAttempts: Math.max(1, Math.floor(stepAttempts)) } : {}),
      ...(flags['learn-preferences'] ? { learnPreferences: true } : {}),
      questions: {
        ...DEFAULT_QUESTION_POLICY,
        ...(askBelow !== undefined ? { askBelowConfidence: askBelow } : {}),
        ...(flags['ask-before-execution'] ? { askAlways: true } : {}),
      },
      ...(depth ? { delegationDepth: Math.floor(depth) } : {}),
    },
    ...(model
      ? { modelOverrides: Object.fromEntries(['coordinator', 'planner', 'coder', 'reviewer'].map((n) => [n, model])) }
      : {}),
    onProblem: (line) => printErr(`warning: ${line}\n`),
    onSessionWarning: (_sessionId, message) =>
      printErr(`warning: ${message} (AGENT_OS_MAX_LOG_BYTES sets the limit)\n`),
    // This process' secret variables (the names a sandbox never gets): no tool result may carry them.
    secrets: secretValues(env),
    environment: {
      ...(flags['accept-setup'] ? { acceptDetected: true } : {}),
      ...(process.stdin.isTTY && !flags['accept-setup']
        ? { confirm: (request: ConfirmSetupRequest) => askOnTerminal(request.description) }
        : {}),
    },
  };
  const cli: CliRuntime =
    backend === 'managed'
      ? await buildManagedCliRuntime(options, flags, { apiKey, ...(baseURL ? { baseURL } : {}) }, env)
      : await localCliRuntime(options, { apiKey, ...(baseURL ? { baseURL } : {}) });
  // Ctrl-C stops the runs cleanly (the session is left rescheduled, ready for `agent-os resume`).
  const stop = (signal: NodeJS.Signals): void => {
    printErr(`\nagent-os: ${signal}: stopping; resume later with agent-os resume\n`);
    void cli.dispose().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return { ...cli, repository, storeDir };
}

async function localCliRuntime(
  options: Omit<LocalRuntimeOptions, 'model'>,
  model: { apiKey: string; baseURL?: string },
): Promise<CliRuntime> {
  const local = createLocalRuntime({ ...options, model });
  // Containers of sessions that are gone do not outlive them (quick and quiet without Docker).
  await local.pruneOrphanSandboxes().catch(() => []);
  return {
    runtime: local.runtime,
    store: local.store,
    repository: '',
    storeDir: options.storeDir,
    dispose: () => local.runtime.dispose(),
  };
}
