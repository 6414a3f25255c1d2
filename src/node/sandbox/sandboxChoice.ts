// The `sandbox` setting (and the CLI's `--sandbox` flag): which kind of sandbox a session's tools run in.
// `auto` takes the strongest that works on this machine for this repository: the repository's dev container
// when it has one and Docker answers, else the OS sandbox (sandbox-runtime) when it works here, else
// unconfined — never silently: every command then asks the person first (src/core/tools/unconfinedTools.ts).
// `bubblewrap` is the name older settings used for the OS sandbox. Detection is injectable so tests can
// simulate a machine without Docker or the OS sandbox.
import * as path from 'node:path';
import { AgentOsError } from '../../core/errors.ts';
import type { SandboxKind } from '../../core/sandbox/sandbox.ts';
import { findDevcontainerConfig } from './devcontainer/devcontainerConfig.ts';
import { DockerCli } from './devcontainer/dockerCli.ts';
import { probeOsSandbox } from './osSandbox.ts';

export const SANDBOX_SETTINGS = ['auto', 'devcontainer', 'os', 'bubblewrap', 'worktree'] as const;
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
  /** Does the OS sandbox work here? Default: sandbox-runtime's checks and one confined `true`. */
  os?: () => Promise<ProbeResult>;
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
  osSandboxAvailable?: boolean;
  dockerPath?: string;
  env?: NodeJS.ProcessEnv;
}

export interface SandboxChoice {
  setting: SandboxSetting;
  kind: SandboxKind;
  /** False only when nothing confines: commands run as the person, each with their consent. */
  confined: boolean;
  /** One line for the UI and the CLI: what was chosen and why. */
  detail: string;
  /** Set when an explicitly chosen kind cannot work here: what is wrong and the next step. Opening its
   * sandbox fails with this message; the session stays resumable once it is fixed. */
  problem?: string;
  /** Whether the OS sandbox works here (a dev container session uses it for Agent OS's own git). */
  osSandbox: boolean;
}

async function defaultDockerProbe(options: SandboxChoiceOptions): Promise<ProbeResult> {
  try {
    const version = await new DockerCli({
      ...(options.dockerPath ? { dockerPath: options.dockerPath } : {}),
      env: options.env ?? process.env,
    }).probe();
    return { available: true, reason: `Docker ${version} answers` };
  } catch (error) {
    return { available: false, reason: error instanceof Error ? error.message : String(error) };
  }
}

function probeOf(
  shorthand: boolean | undefined,
  probe: (() => Promise<ProbeResult>) | undefined,
  fallback: () => Promise<ProbeResult>,
  name: string,
): () => Promise<ProbeResult> {
  if (shorthand !== undefined)
    return async () =>
      shorthand ? { available: true } : { available: false, reason: `${name} not available (by configuration)` };
  return probe ?? fallback;
}

const UNCONFINED_CONSENT = 'every command asks you first, read-only agents get no shell';

/** Decides the sandbox kind for a session. Never throws for a machine that lacks something. */
export async function chooseSandbox(options: SandboxChoiceOptions): Promise<SandboxChoice> {
  const docker = probeOf(options.dockerAvailable, options.probes?.docker, () => defaultDockerProbe(options), 'Docker');
  const os = probeOf(options.osSandboxAvailable, options.probes?.os, probeOsSandbox, 'the OS sandbox');
  const configFile = findDevcontainerConfig(options.repository, options.devcontainerConfigPath);
  const { setting } = options;
  const osProbe = await os();
  const osSandbox = osProbe.available;

  if (setting === 'worktree') {
    return {
      setting,
      kind: 'worktree',
      confined: false,
      osSandbox,
      detail: `unconfined (chosen in settings): commands run as you; ${UNCONFINED_CONSENT}`,
    };
  }
  if (setting === 'devcontainer') {
    const base = { setting, kind: 'devcontainer' as const, confined: true, osSandbox };
    if (!configFile) {
      const where = options.devcontainerConfigPath ?? '.devcontainer/devcontainer.json';
      return {
        ...base,
        detail: 'dev container (chosen in settings)',
        problem: `the repository has no dev container configuration (${where}): add one, or set the sandbox to auto, os or worktree, then resume the session`,
      };
    }
    const probe = await docker();
    return probe.available
      ? { ...base, detail: `dev container from ${configFile} (chosen in settings)` }
      : { ...base, detail: 'dev container (chosen in settings)', problem: probe.reason ?? 'Docker does not answer' };
  }
  if (setting === 'os' || setting === 'bubblewrap') {
    const base = { setting, kind: 'os' as const, confined: true, osSandbox };
    return osProbe.available
      ? {
          ...base,
          detail:
            "OS sandbox (chosen in settings): only the session's repository is writable, nothing of yours is visible, network off unless allowed",
        }
      : {
          ...base,
          detail: 'OS sandbox (chosen in settings)',
          problem: `${osProbe.reason ?? 'the OS sandbox does not work here'}; or set the sandbox to auto or worktree, then resume the session`,
        };
  }

  // auto
  let whyNotContainer: string;
  if (configFile) {
    const probe = await docker();
    if (probe.available) {
      return {
        setting,
        kind: 'devcontainer',
        confined: true,
        osSandbox,
        detail: `dev container: the repository has ${configFile} and ${probe.reason ?? 'Docker answers'}`,
      };
    }
    whyNotContainer = `the repository has a dev container but Docker does not answer (${probe.reason ?? 'no reason given'})`;
  } else {
    whyNotContainer = 'the repository has no dev container';
  }
  if (osProbe.available) {
    return { setting, kind: 'os', confined: true, osSandbox, detail: `OS sandbox: ${whyNotContainer}` };
  }
  return {
    setting,
    kind: 'worktree',
    confined: false,
    osSandbox,
    detail: `unconfined: ${whyNotContainer}, and ${osProbe.reason ?? 'the OS sandbox does not work here'}; ${UNCONFINED_CONSENT}`,
  };
}

export interface SandboxProviderParts {
  /** Agent OS's folder for this repository's sandboxes (session repositories, vaults, homes). */
  storageDir: string;
  /** The whole store (every session's log), hidden from sandboxes; `storageDir`'s parent when that is
   * the store's `.worktrees` folder. */
  storeDir?: string;
  repository: string;
  baseRef?: string;
  devcontainerConfigPath?: string;
  dockerPath?: string;
  env?: NodeJS.ProcessEnv;
  bashDefaultTimeoutMs?: number;
}

/** Where the dev container provider of a storage folder keeps its state (for pruneOrphanContainers). */
export function devcontainerStateDir(storageDir: string): string {
  return path.join(storageDir, 'devcontainer');
}
