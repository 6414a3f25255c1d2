// The set-up phase itself, shared by a session's start (events into its log) and `agent-os env check`
// (lines on the terminal): resolve the plan, take it from the cache or run it in a sandbox of the session's
// kind with network for the registries, keep the result in the cache, and copy the named files.
import { describeError } from '../../core/errors.ts';
import type { EnvironmentSource } from '../../core/events/environmentEvents.ts';
import type { SandboxRequest } from '../../core/sandbox/sandbox.ts';
import { openGit } from '../git/gitClient.ts';
import type { SessionSandboxes } from '../../core/sandbox/sessionSandboxes.ts';
import {
  findDevcontainerConfig,
  readDevcontainerJson,
  configImage,
} from '../sandbox/devcontainer/devcontainerConfig.ts';
import { environmentCacheKey, hostImage } from './cacheKey.ts';
import { copyNamedFiles } from './copyFiles.ts';
import type { ConfinedCopier, DependencyCache } from './dependencyCache.ts';
import type { EnvironmentPlan } from './environmentPlan.ts';
import { registryDomains } from './registryDomains.ts';
import { runCommands } from './setupRun.ts';
import { hostTrustEnv } from './trustEnv.ts';
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { pathExists } from '../pathExists.ts';

/** The thread id the set-up's sandbox is opened under (its scratch HOME is kept apart from agents'). */
export const SETUP_THREAD = 'environment-setup';

/** What the set-up reports as it goes; a session turns these into events, the CLI into lines. */
export interface SetupReporter {
  started(info: {
    source: EnvironmentSource;
    commands: string[];
    cacheKey: string;
    allowedDomains: string[];
  }): Promise<void>;
  output(index: number, text: string): Promise<void>;
}

export type SetupResult =
  | {
      ok: true;
      source: EnvironmentSource;
      cached: boolean;
      cacheKey: string;
      testCommand?: string;
      /** The environment file's `network.agents`, as named. */
      agentDomains: string[];
      dependencyDirs: string[];
      copiedFiles: string[];
      durationMs: number;
    }
  | { ok: false; command?: string; exitCode?: number; tail: string; message: string };

export interface SetupRequest {
  sessionId: string;
  /** The person's repository: the source of files the environment file names to copy. */
  repository: string;
  plan: EnvironmentPlan;
  sandboxes: SessionSandboxes;
  sandboxKind: string;
  cache: DependencyCache;
  /** Where named files are cleaned on their way into the sandbox (host-only). */
  stagingDir: string;
  reporter: SetupReporter;
  signal?: AbortSignal;
  /** Run even when the cache has the result (`agent-os env check --no-cache`). */
  ignoreCache?: boolean;
}

/** What stands for the image in the cache key: the dev container's image, or its configuration's hash when it builds one. */
export async function environmentImage(
  root: string,
  sandboxKind: string,
  devcontainerConfigPath?: string,
): Promise<string> {
  if (sandboxKind !== 'devcontainer') return hostImage();
  const file = findDevcontainerConfig(root, devcontainerConfigPath);
  if (!file) return 'devcontainer:none';
  const json = await readDevcontainerJson(file);
  return (
    configImage(json) ?? `devcontainer:${createHash('sha256').update(JSON.stringify(json)).digest('hex').slice(0, 16)}`
  );
}

export async function runSetup(request: SetupRequest): Promise<SetupResult> {
  const began = Date.now();
  const { plan, sandboxes, sessionId } = request;
  const workspace = await sandboxes.workspace(sessionId);
  const key = await environmentCacheKey(workspace.worktree, {
    plan,
    sandboxKind: request.sandboxKind,
    image: await environmentImage(workspace.worktree, request.sandboxKind),
  });
  const copy: ConfinedCopier = (r) => sandboxes.copyConfined(sessionId, r);
  const finish = async (cached: boolean, dirs: string[]): Promise<SetupResult> => {
    const copied = await copyNamedFiles({
      from: request.repository,
      to: workspace.worktree,
      files: plan.copyFiles,
      stagingDir: request.stagingDir,
      copy,
    });
    return {
      ok: true,
      source: plan.source,
      cached,
      cacheKey: key,
      ...(plan.test ? { testCommand: plan.test } : {}),
      agentDomains: plan.agentDomains,
      dependencyDirs: dirs,
      copiedFiles: copied.copied,
      durationMs: Date.now() - began,
    };
  };
  if (plan.setup.length === 0) return finish(false, []);
  if (!request.ignoreCache) {
    const restored = await request.cache.restore(key, workspace.worktree, copy);
    if (restored) return finish(true, restored.dirs);
  }

  const allowedDomains = plan.setupDomains ?? (await registryDomains(plan.detected.ecosystems, workspace.worktree));
  await request.reporter.started({ source: plan.source, commands: plan.setup, cacheKey: key, allowedDomains });
  // `allowedDomains` is read by sandboxes whose proxy enforces a per-domain allowlist; others give the
  // set-up the network they have (said in the started event and the docs).
  const sandboxRequest: SandboxRequest & { allowedDomains: string[] } = {
    sessionId,
    threadId: SETUP_THREAD,
    access: 'read_write',
    network: true,
    allowedDomains,
    enabledTools: ['bash'],
  };
  let sandbox;
  try {
    sandbox = await sandboxes.open(sandboxRequest);
  } catch (error) {
    return { ok: false, tail: '', message: `the set-up's sandbox could not open: ${describeError(error)}` };
  }
  try {
    const run = await runCommands({
      sandbox,
      commands: plan.setup,
      env: { ...hostTrustEnv(), ...plan.env },
      timeoutMs: plan.timeoutMs,
      ...(request.signal ? { signal: request.signal } : {}),
      onOutput: (index, text) => request.reporter.output(index, text),
    });
    if (!run.ok) {
      const failed = run.outcomes.at(-1);
      return {
        ok: false,
        ...(failed ? { command: failed.command } : {}),
        ...(failed?.exitCode !== undefined ? { exitCode: failed.exitCode } : {}),
        tail: failed?.tail ?? '',
        message: `set-up command failed: ${failed?.command ?? '?'} (${failed?.reason ?? (failed?.exitCode !== undefined ? `exit code ${failed.exitCode}` : 'it did not finish')}); fix it (the environment file, the lockfile, the network) and resume the session`,
      };
    }
  } finally {
    await sandbox.dispose();
  }
  const dirs = await untrackedDirs(workspace.worktree, request.repository, workspace.baseCommit, plan.cacheDirectories);
  // A set-up that made none of the cached folders is not cached: what it did lives elsewhere, so it runs each time.
  const saved = dirs.length > 0 ? await request.cache.save(key, workspace.worktree, dirs, plan.test, copy) : undefined;
  return finish(false, saved?.dirs ?? []);
}

/** The cache folders the set-up made that git does not track (a committed folder is the session's own).
 * Asked of the person's repository at the base commit: the host runs no git in the session's repository. */
async function untrackedDirs(
  worktree: string,
  repository: string,
  baseCommit: string,
  dirs: readonly string[],
): Promise<string[]> {
  const out: string[] = [];
  for (const dir of dirs) {
    if (!(await pathExists(path.join(worktree, dir)))) continue;
    const tracked = (
      await openGit(repository)
        .raw(['ls-tree', '--name-only', baseCommit, '--', dir])
        .catch(() => '')
    ).trim();
    if (tracked === '') out.push(dir);
  }
  return out;
}
