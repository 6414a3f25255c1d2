// The extension's settings, read in one place (`agentOs.*`, see package.json `contributes.configuration`).
import * as vscode from 'vscode';

export type SandboxSetting = 'auto' | 'devcontainer' | 'os' | 'bubblewrap' | 'worktree';

export interface ExtensionSettings {
  models: { coordinator?: string; planner?: string; coder?: string; reviewer?: string };
  sandbox: SandboxSetting;
  /** Where the agent loop runs: here, or on Claude Managed Agents (this window then serves the tools). */
  backend: 'local' | 'managed';
  delegationDepth: number;
  reviewRounds: number;
  stepAttempts: number;
  /** When a plan waits for the person's answers before the Coder starts. */
  questions: { askBelowConfidence: number; askBeforeExecution: boolean };
  learnPreferences: boolean;
  budgetMaxUsd?: number;
  githubApiUrl?: string;
  anthropicBaseUrl?: string;
  sessionsDirectory?: string;
  /** The size a session's log may reach (agentOs.maxSessionLogGiB); the store's default when unset. */
  maxLogBytes?: number;
  /** Local bare repository path → the GitHub repository it stands for. */
  githubLocalRemotes: Record<string, { owner: string; repo: string }>;
  resumeInterruptedAutomatically: boolean;
}

export function readSettings(): ExtensionSettings {
  const c = vscode.workspace.getConfiguration('agentOs');
  const text = (key: string): string | undefined => {
    const v = c.get<string>(key);
    return typeof v === 'string' && v.trim() ? v.trim() : undefined;
  };
  const models: ExtensionSettings['models'] = {};
  for (const agent of ['coordinator', 'planner', 'coder', 'reviewer'] as const) {
    const m = text(`models.${agent}`);
    if (m) models[agent] = m;
  }
  const budget = c.get<number | null>('budget.maxUsd');
  const settings: ExtensionSettings = {
    models,
    sandbox: c.get<SandboxSetting>('sandbox') ?? 'auto',
    backend: c.get<string>('backend') === 'managed' ? 'managed' : 'local',
    delegationDepth: c.get<number>('delegationDepth') ?? 1,
    reviewRounds: c.get<number>('reviewRounds') ?? 3,
    stepAttempts: c.get<number>('stepAttempts') ?? 3,
    questions: {
      askBelowConfidence: Math.min(1, Math.max(0, c.get<number>('questions.askBelowConfidence') ?? 0.5)),
      askBeforeExecution: c.get<boolean>('questions.askBeforeExecution') ?? false,
    },
    learnPreferences: c.get<boolean>('learnPreferences') ?? false,
    resumeInterruptedAutomatically: c.get<boolean>('resumeInterruptedAutomatically') ?? false,
    githubLocalRemotes: {},
  };
  for (const [path, name] of Object.entries(c.get<Record<string, string>>('github.localRemotes') ?? {})) {
    const [owner, repo] = typeof name === 'string' ? name.split('/') : [];
    if (owner && repo) settings.githubLocalRemotes[path] = { owner, repo };
  }
  if (typeof budget === 'number' && budget > 0) settings.budgetMaxUsd = budget;
  const logGiB = c.get<number>('maxSessionLogGiB');
  if (typeof logGiB === 'number' && Number.isFinite(logGiB) && logGiB > 0)
    settings.maxLogBytes = Math.max(1, Math.floor(logGiB * 2 ** 30));
  const github = text('github.apiUrl');
  if (github) settings.githubApiUrl = github;
  const anthropic = text('anthropic.baseUrl');
  if (anthropic) settings.anthropicBaseUrl = anthropic;
  const sessions = text('sessionsDirectory');
  if (sessions) settings.sessionsDirectory = sessions;
  return settings;
}

export const API_KEY_SECRET = 'agentOs.anthropicApiKey';
