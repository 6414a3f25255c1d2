// The `sandbox` setting (and the CLI's `--sandbox` flag): which kind of sandbox a session's tools run in.
// `auto` takes the strongest that works on this machine for this repository: the repository's dev container
// when it has one and Docker answers, else bubblewrap when it works here, else the plain worktree, which is
// flagged as unconfined. Detection is injectable so tests can simulate a machine without Docker or bwrap.
import * as path from 'node:path';
import { AgentOsError } from '../../core/errors.ts';
import type { Sandbox, SandboxKind, SandboxProvider, SandboxRequest } from '../../core/sandbox/sandbox.ts';
import { probeBubblewrap } from './bubblewrap.ts';
import { DevcontainerSandboxProvider } from './devcontainer/devcontainerSandboxProvider.ts';
import { findDevcontainerConfig } from './devcontainer/devcontainerConfig.ts';
import { DockerCli } from './devcontainer/dockerCli.ts';
import { WorktreeSandboxProvider } from './worktreeSandboxProvider.ts';

export const SANDBOX_SETTINGS = ['auto', 'devcontainer', 'bubblewrap', 'worktree'] as const;
export type SandboxSetting = (typeof SANDBOX_SETTINGS)[number];

export function parseSandboxSetting(value: string | undefined): SandboxSetting {
  const v = (value ?? 'auto').trim() || 'auto';
  if ((SANDBOX_SETTINGS as readonly string[]).includes(v)) return v as SandboxSetting;
  throw new AgentOsError('INVALID_ARGUMENT', `unknown sandbox "${v}": use one of ${SANDBOX_SETTINGS.join(', ')}`);
}

export interface ProbeResult {
  available: boolean;
  /** Why not, when not available. */
  reason?: string;
}

export interface SandboxProbes {
  /** Does a Docker engine answer? Default: `docker version` with this process' DOCKER_HOST. */
  docker?: () => Promise<ProbeResult>;
  /** Does bubblewrap work here? Default: runs `bwrap` once with the flags real runs use. */
  bubblewrap?: () => Promise<ProbeResult>;
}

export interface SandboxChoiceOptions {
  setting: SandboxSetting;
  /** The person's repository (its dev container configuration is looked for there). */
  repository: string;
  /** The dev container configuration setting: relative to the repository, or absolute. */
  devcontainerConfigPath?: string;
  probes?: SandboxProbes;
  /** Shorthands that replace the probes (tests, or a caller that already knows). */
  dockerAvailable?: boolean;
  bwrapAvailable?: boolean;
  dockerPath?: string;
  env?: NodeJS.ProcessEnv;
}

export interface SandboxChoice {
  setting: SandboxSetting;
  kind: SandboxKind;
  /** False only for the plain worktree: commands run as the user, unconfined. */
  confined: boolean;
  /** One line for the UI and the CLI: what was chosen and why. */
  detail: string;
  /** Set when an explicitly chosen kind cannot work here: what is wrong and the next step. Opening its
   * sandbox fails with this message; the session stays resumable once it is fixed. */
  problem?: string;
}

async function defaultDockerProbe(options: SandboxChoiceOptions): Promise<ProbeResult> {
  try {
    const version = await new DockerCli({ ...(options.dockerPath ? { dockerPath: options.dockerPath } : {}), env: options.env ?? process.env }).probe();
    return { available: true, reason: `Docker ${version} answers` };
  } catch (error) {
    return { available: false, reason: error instanceof Error ? error.message : String(error) };
  }
}

async function defaultBubblewrapProbe(): Promise<ProbeResult> {
  const probe = await probeBubblewrap();
  return probe.available ? { available: true } : { available: false, reason: probe.reason ?? 'bubblewrap not available' };
}

function probeOf(shorthand: boolean | undefined, probe: (() => Promise<ProbeResult>) | undefined, fallback: () => Promise<ProbeResult>, name: string): () => Promise<ProbeResult> {
  if (shorthand !== undefined) return async () => (shorthand ? { available: true } : { available: false, reason: `${name} not available (by configuration)` });
  return probe ?? fallback;
}

/** Decides the sandbox kind for a session. Never throws for a machine that lacks something. */
export async function chooseSandbox(options: SandboxChoiceOptions): Promise<SandboxChoice> {
  const docker = probeOf(options.dockerAvailable, options.probes?.docker, () => defaultDockerProbe(options), 'Docker');
  const bwrap = probeOf(options.bwrapAvailable, options.probes?.bubblewrap, defaultBubblewrapProbe, 'bubblewrap');
  const configFile = findDevcontainerConfig(options.repository, options.devcontainerConfigPath);
  const { setting } = options;

  if (setting === 'worktree') {
    return { setting, kind: 'worktree', confined: false, detail: 'unconfined worktree (chosen in settings): commands run as you, with a scrubbed environment' };
  }
  if (setting === 'devcontainer') {
    const base = { setting, kind: 'devcontainer' as const, confined: true };
    if (!configFile) {
      const where = options.devcontainerConfigPath ?? '.devcontainer/devcontainer.json';
      return { ...base, detail: 'dev container (chosen in settings)', problem: `the repository has no dev container configuration (${where}): add one, or set the sandbox to auto, bubblewrap or worktree, then resume the session` };
    }
    const probe = await docker();
    return probe.available
      ? { ...base, detail: `dev container from ${configFile} (chosen in settings)` }
      : { ...base, detail: 'dev container (chosen in settings)', problem: probe.reason ?? 'Docker does not answer' };
  }
  if (setting === 'bubblewrap') {
    const probe = await bwrap();
    const base = { setting, kind: 'bubblewrap' as const, confined: true };
    return probe.available
      ? { ...base, detail: 'bubblewrap (chosen in settings): read-only system, writable worktree, network off unless allowed' }
      : { ...base, detail: 'bubblewrap (chosen in settings)', problem: `${probe.reason ?? 'bubblewrap does not work here'}: install bubblewrap (apt-get install bubblewrap) or set the sandbox to auto or worktree, then resume the session` };
  }

  // auto
  let whyNotContainer: string;
  if (configFile) {
    const probe = await docker();
    if (probe.available) {
      return { setting, kind: 'devcontainer', confined: true, detail: `dev container: the repository has ${configFile} and ${probe.reason ?? 'Docker answers'}` };
    }
    whyNotContainer = `the repository has a dev container but Docker does not answer (${probe.reason ?? 'no reason given'})`;
  } else {
    whyNotContainer = 'the repository has no dev container';
  }
  const probe = await bwrap();
  if (probe.available) {
    return { setting, kind: 'bubblewrap', confined: true, detail: `bubblewrap: ${whyNotContainer}` };
  }
  return {
    setting,
    kind: 'worktree',
    confined: false,
    detail: `unconfined worktree: ${whyNotContainer}, and ${probe.reason ?? 'bubblewrap is not available'}; commands run as you`,
  };
}

export interface SandboxProviderParts {
  /** The provider of scratch worktrees (every kind works on the same session worktree). */
  storageDir: string;
  repository: string;
  baseRef?: string;
  devcontainerConfigPath?: string;
  dockerPath?: string;
  env?: NodeJS.ProcessEnv;
  bashDefaultTimeoutMs?: number;
}

/** A provider that refuses to open, with the choice's problem: the session is not started in a weaker
 * sandbox than the one asked for, and resuming after the fix opens the right one. */
export class UnavailableSandboxProvider implements SandboxProvider {
  constructor(
    private readonly problem: string,
    private readonly worktrees: WorktreeSandboxProvider,
  ) {}
  open(_request: SandboxRequest): Promise<Sandbox> {
    return Promise.reject(new AgentOsError('SANDBOX_UNAVAILABLE', this.problem));
  }
  removeSession(sessionId: string): Promise<void> {
    return this.worktrees.removeSession(sessionId);
  }
}

/** Where the dev container provider of a storage folder keeps its state (for pruneOrphanContainers). */
export function devcontainerStateDir(storageDir: string): string {
  return path.join(storageDir, 'devcontainer');
}

/** Builds the provider for a choice. The composition root calls this once per session start or wake. */
export function createSandboxProvider(choice: SandboxChoice, parts: SandboxProviderParts): SandboxProvider {
  const worktrees = new WorktreeSandboxProvider({
    storageDir: parts.storageDir,
    repository: parts.repository,
    ...(parts.baseRef !== undefined ? { baseRef: parts.baseRef } : {}),
    ...(parts.bashDefaultTimeoutMs !== undefined ? { bashDefaultTimeoutMs: parts.bashDefaultTimeoutMs } : {}),
    bubblewrap: choice.kind === 'bubblewrap' ? 'auto' : 'off',
  });
  if (choice.problem) return new UnavailableSandboxProvider(choice.problem, worktrees);
  if (choice.kind !== 'devcontainer') return worktrees;
  return new DevcontainerSandboxProvider({
    worktrees,
    stateDir: devcontainerStateDir(parts.storageDir),
    ...(parts.devcontainerConfigPath ? { configPath: parts.devcontainerConfigPath } : {}),
    ...(parts.dockerPath ? { dockerPath: parts.dockerPath } : {}),
    ...(parts.env ? { parentEnv: parts.env } : {}),
  });
}
