// What a session's set-up phase will do, resolved in the order of the issue: the repository's environment
// file; else the dev container's lifecycle commands (when the session's sandbox is a dev container: Agent OS
// runs them once in the set-up's container, which has the network, and caches the result like any set-up; the
// dev container CLI runs none of them in agents' containers, which are offline); else detection from the
// repository's files.
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { EnvironmentSource } from '../../core/events/environmentEvents.ts';
import { findDevcontainerConfig, readDevcontainerJson } from '../sandbox/devcontainer/devcontainerConfig.ts';
import { detectEnvironment, type DetectedEnvironment } from './detectEnvironment.ts';
import { ENVIRONMENT_FILE_NAMES, parseEnvironmentFile, type EnvironmentFile } from './environmentFile.ts';

export const DEFAULT_SETUP_TIMEOUT_MS = 20 * 60_000;

export interface EnvironmentPlan {
  source: EnvironmentSource;
  /** The environment file it came from, relative to the repository. */
  file?: string;
  /** Commands the set-up runs, in order, in the repository root. Empty: nothing to install. */
  setup: string[];
  test?: string;
  timeoutMs: number;
  /** Domains the set-up may reach; undefined: the ecosystem's registries (see registryDomains.ts). */
  setupDomains?: string[];
  /** Domains agents may reach (none unless the environment file names them). */
  agentDomains: string[];
  env: Record<string, string>;
  copyFiles: string[];
  cacheDirectories: string[];
  lockfiles: string[];
  detected: DetectedEnvironment;
}

const LIFECYCLE = ['onCreateCommand', 'updateContentCommand', 'postCreateCommand'] as const;

/** A lifecycle command in any of its three forms: a string, an argument list, or named parallel commands. */
function lifecycleCommands(value: unknown): string[] {
  if (typeof value === 'string') return value.trim() ? [value] : [];
  if (Array.isArray(value)) return value.length > 0 ? [value.map((a) => shellQuote(String(a))).join(' ')] : [];
  if (value && typeof value === 'object') return Object.values(value).flatMap(lifecycleCommands);
  return [];
}

function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

export async function readEnvironmentFile(root: string): Promise<{ file: string; value: EnvironmentFile } | undefined> {
  for (const name of ENVIRONMENT_FILE_NAMES) {
    const text = await readFile(path.join(root, name), 'utf8').catch(() => undefined);
    if (text !== undefined) return { file: name, value: parseEnvironmentFile(text, name) };
  }
  return undefined;
}

export interface PlanOptions {
  /** The sandbox kind the session's agents use: a dev container runs its own lifecycle commands. */
  sandboxKind: string;
  devcontainerConfigPath?: string;
}

/** Resolves the plan from the files under `root` (the session's worktree before any agent ran, or the
 * person's checkout for `agent-os env check`). Throws EnvironmentFileError for an invalid environment file. */
export async function resolveEnvironmentPlan(root: string, options: PlanOptions): Promise<EnvironmentPlan> {
  const detected = await detectEnvironment(root);
  const base = {
    timeoutMs: DEFAULT_SETUP_TIMEOUT_MS,
    agentDomains: [] as string[],
    env: {} as Record<string, string>,
    copyFiles: [] as string[],
    cacheDirectories: detected.cacheDirectories,
    lockfiles: detected.lockfiles,
    detected,
  };
  const file = await readEnvironmentFile(root);
  if (file) {
    const f = file.value;
    return {
      ...base,
      source: 'environment_file',
      file: file.file,
      setup: f.setup === undefined ? [] : typeof f.setup === 'string' ? [f.setup] : f.setup,
      ...((f.test ?? detected.test) ? { test: (f.test ?? detected.test) as string } : {}),
      ...(f.timeoutMinutes !== undefined ? { timeoutMs: f.timeoutMinutes * 60_000 } : {}),
      ...(f.network?.setup ? { setupDomains: f.network.setup } : {}),
      agentDomains: f.network?.agents ?? [],
      env: f.env ?? {},
      copyFiles: f.copyFiles ?? [],
      cacheDirectories: f.cacheDirectories ?? detected.cacheDirectories,
      // The environment file itself is part of what decides the set-up.
      lockfiles: [...new Set([...detected.lockfiles, file.file])],
    };
  }
  if (options.sandboxKind === 'devcontainer') {
    const config = findDevcontainerConfig(root, options.devcontainerConfigPath);
    if (config) {
      const json = await readDevcontainerJson(config);
      const commands = LIFECYCLE.flatMap((name) => lifecycleCommands(json[name]));
      if (commands.length > 0) {
        const file = path.relative(root, config);
        // The configuration decides the set-up (commands, features, image): part of the cache key.
        return {
          ...base,
          source: 'devcontainer',
          file,
          setup: commands,
          lockfiles: [...new Set([...detected.lockfiles, file])],
          ...(detected.test ? { test: detected.test } : {}),
        };
      }
    }
  }
  if (detected.setup.length === 0 && detected.test === undefined) return { ...base, source: 'none', setup: [] };
  return { ...base, source: 'detected', setup: detected.setup, ...(detected.test ? { test: detected.test } : {}) };
}

/** Lines for a person deciding whether to run a detected set-up (VS Code prompt, CLI). */
export function describePlan(plan: EnvironmentPlan): string {
  const lines = [
    ...plan.detected.reasons.map((r) => `found ${r}`),
    ...plan.setup.map((c) =>
      plan.source === 'devcontainer' ? `set-up (lifecycle command of ${plan.file}): ${c}` : `set-up: ${c}`,
    ),
    plan.test ? `test: ${plan.test}` : 'test: none found',
  ];
  return lines.join('\n');
}
