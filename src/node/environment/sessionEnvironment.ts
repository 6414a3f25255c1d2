// The set-up phase of a session, before any agent runs: its plan resolved on the session's worktree, a
// set-up that asks (detected, or unconfined) confirmed by the person once per repository, the run (or the cache) recorded as events, and
// a failure left as an event with the command and its output's tail — the session idles, resumable once it is
// fixed. Afterwards every sandbox the session opens (the session's repository, the Reviewer's clean room, child
// repositories) gets a copy of the dependencies from the cache once, and the named files copied, both by the
// sandboxes' confined copy; agents' sandboxes get the environment file's network allowlist (`network.agents`).
import * as path from 'node:path';
import { AgentOsError, describeError } from '../../core/errors.ts';
import type { EventOfType, SessionEvent, StopReason } from '../../core/events/sessionEvent.ts';
import { foldSession, type SessionState } from '../../core/session/sessionState.ts';
import { secretRedactor } from '../../core/tools/redactSecrets.ts';
import type { SessionLog } from '../../core/harness/sessionLog.ts';
import type { Sandbox, SandboxRequest } from '../../core/sandbox/sandbox.ts';
import type { SessionSandboxes } from '../../core/sandbox/sessionSandboxes.ts';
import { withOpen } from '../sandbox/forwardedSandboxes.ts';
import { agentNetwork, withAgentNetwork } from './agentNetwork.ts';
import { copyNamedFiles } from './copyFiles.ts';
import { DependencyCache, type ConfinedCopier } from './dependencyCache.ts';
import { EnvironmentFileError } from './environmentFile.ts';
import { describePlan, resolveEnvironmentPlan, type EnvironmentPlan } from './environmentPlan.ts';
import { runSetup, SETUP_THREAD } from './environmentSetup.ts';
import { SetupConsent, setupNeedsConsent } from './setupConsent.ts';

export interface ConfirmSetupRequest {
  repository: string;
  plan: EnvironmentPlan;
  /** What was found and what would run, one finding per line. */
  description: string;
}

export interface SessionEnvironmentOptions {
  /** Folder for the cache and the remembered confirmations (`<store>/.environments`). */
  dir: string;
  /** Asks the person to confirm a set-up that asks (a detected one; any where nothing confines; see
   * setupConsent.ts) — a VS Code prompt, a terminal question. Absent: only confirmations given before (or
   * `acceptDetected`) count. */
  confirm?(request: ConfirmSetupRequest): Promise<boolean>;
  /** Confirms every set-up that asks (the CLI's `--accept-setup`); it is remembered like a confirmation. */
  acceptDetected?: boolean;
  devcontainerConfigPath?: string;
  /** One line per step, for a status bar or a terminal. */
  onProgress?(sessionId: string, line: string): void;
  /** Secret values the runtime holds: redacted from the set-up's output before it is logged (chunk by
   * chunk, as it streams: a value cut across two chunks is missed; the tool results are the main line). */
  secrets?: readonly string[];
}

type ReadyEvent = EventOfType<'agent_os.environment_ready'>;
/** What sandboxes need to know of a ready environment. */
export type EnvironmentReadyInfo = Pick<ReadyEvent, 'cache_key' | 'dependency_dirs' | 'copied_files' | 'agent_domains'>;

export class SessionEnvironment {
  readonly cache: DependencyCache;
  readonly consent: SetupConsent;
  /** Where named files are cleaned on their way into a sandbox (host-only). */
  readonly stagingDir: string;
  private readonly redact: (text: string) => string;

  constructor(private readonly options: SessionEnvironmentOptions) {
    this.redact = secretRedactor(options.secrets ?? []);
    this.cache = new DependencyCache(path.join(options.dir, 'cache'));
    this.stagingDir = path.join(options.dir, 'staging');
    this.consent = new SetupConsent(path.join(options.dir, 'confirmed.json'));
  }

  /**
   * Makes the session's environment ready, unless it already is. Returns undefined to go on with the agents,
   * or the stop reason after recording why the set-up could not finish (the session is then idle).
   */
  async prepare(input: {
    repository: string;
    log: SessionLog;
    sandboxes: SessionSandboxes;
    signal?: AbortSignal;
  }): Promise<StopReason | undefined> {
    const { log, sandboxes, repository } = input;
    const sessionId = log.sessionId;
    const primary = log.state.primaryThreadId as string;
    const kind = log.state.configured?.sandbox.kind ?? 'worktree';
    const ready = readyEventOf(log);
    if (ready) {
      // Woken or resumed: the worktree may have been re-made since; put the dependencies back (quick when they are there).
      await this.giveDependencies(
        ready,
        (await sandboxes.workspace(sessionId)).worktree,
        repository,
        sandboxes,
        sessionId,
      );
      return undefined;
    }
    const progress = (line: string): void => this.options.onProgress?.(sessionId, line);
    const fail = async (failure: {
      command?: string;
      exitCode?: number;
      tail: string;
      message: string;
    }): Promise<StopReason> => {
      await log.appendMany([
        {
          type: 'agent_os.environment_failed',
          thread: primary,
          ...(failure.command ? { command: failure.command } : {}),
          ...(failure.exitCode !== undefined ? { exit_code: failure.exitCode } : {}),
          output_tail: this.redact(failure.tail),
          message: failure.message,
        },
        {
          type: 'session.error',
          thread: primary,
          error: { type: 'environment_setup_failed', message: failure.message, retry_status: { type: 'exhausted' } },
        },
        { type: 'session.status_idle', thread: primary, stop_reason: { type: 'retries_exhausted' } },
      ]);
      progress(`environment: set-up failed — ${failure.message}`);
      return { type: 'retries_exhausted' };
    };

    let plan: EnvironmentPlan;
    try {
      const worktree = (await sandboxes.workspace(sessionId)).worktree;
      plan = await resolveEnvironmentPlan(worktree, {
        sandboxKind: kind,
        ...(this.options.devcontainerConfigPath ? { devcontainerConfigPath: this.options.devcontainerConfigPath } : {}),
      });
    } catch (error) {
      if (error instanceof EnvironmentFileError || error instanceof AgentOsError)
        return fail({ tail: '', message: `the environment could not be read: ${error.message}` });
      throw error;
    }
    const asks = setupNeedsConsent(plan, kind);
    if (asks && !(await this.confirmed(repository, plan, asks))) {
      return fail({
        tail: describePlan(plan),
        message:
          `the set-up was not confirmed (${asks}): confirm it (the prompt, \`--accept-setup\` on the CLI, or \`agent-os env check --accept-setup\`), ` +
          'or describe the set-up in .agents/environment.yaml, then resume the session',
      });
    }
    if (plan.setup.length > 0) {
      await log.append({ type: 'session.status_running', thread: primary });
      progress(`environment: setting up (${plan.setup.join(' && ')})`);
    }
    let result;
    try {
      result = await runSetup({
        sessionId,
        repository,
        plan,
        sandboxes,
        sandboxKind: kind,
        cache: this.cache,
        stagingDir: this.stagingDir,
        ...(input.signal ? { signal: input.signal } : {}),
        reporter: {
          started: async (info) => {
            await log.append({
              type: 'agent_os.environment_setup_started',
              thread: primary,
              source: info.source,
              commands: info.commands,
              cache_key: info.cacheKey,
              allowed_domains: info.allowedDomains,
            });
          },
          output: async (index, text) => {
            await log.append(
              { type: 'agent_os.environment_output', thread: primary, command_index: index, text: this.redact(text) },
              'batch',
            );
          },
        },
      });
    } catch (error) {
      if (error instanceof AgentOsError) return fail({ tail: '', message: describeError(error) });
      throw error;
    }
    if (!result.ok) {
      if (input.signal?.aborted) {
        // Interrupted or shut down: not a fault of the set-up; it runs again when the session resumes.
        await log.appendMany([
          {
            type: 'agent_os.environment_failed',
            thread: primary,
            output_tail: this.redact(result.tail),
            message: 'the set-up was interrupted; it runs again when the session resumes',
          },
          { type: 'session.status_idle', thread: primary, stop_reason: { type: 'end_turn' } },
        ]);
        return { type: 'end_turn' };
      }
      return fail(result);
    }
    const network = agentNetwork(result.agentDomains, kind);
    await log.append({
      type: 'agent_os.environment_ready',
      thread: primary,
      source: result.source,
      cached: result.cached,
      cache_key: result.cacheKey,
      ...(result.testCommand ? { test_command: result.testCommand } : {}),
      dependency_dirs: result.dependencyDirs,
      copied_files: result.copiedFiles,
      ...(network.domains.length ? { agent_domains: network.domains } : {}),
      ...(network.note ? { agent_network_note: network.note } : {}),
      duration_ms: result.durationMs,
    });
    if (network.note) progress(`environment: ${network.note}`);
    if (plan.setup.length > 0) progress(`environment: ready${result.cached ? ' (from the cache)' : ''}`);
    return undefined;
  }

  private async confirmed(repository: string, plan: EnvironmentPlan, why: string): Promise<boolean> {
    if (await this.consent.isConfirmed(repository, plan.setup)) return true;
    const description = `${why}:\n${describePlan(plan)}`;
    const yes =
      this.options.acceptDetected ||
      (this.options.confirm ? await this.options.confirm({ repository, plan, description }) : false);
    if (yes) await this.consent.remember(repository, plan.setup);
    return yes;
  }

  /** Gives a sandbox's folder the set-up's folders (a copy from the cache, once per folder) and the named
   * files. Never from another sandbox's folder: what an agent did to its copy stays there. */
  private async giveDependencies(
    ready: EnvironmentReadyInfo,
    workdir: string,
    repository: string,
    sandboxes: SessionSandboxes,
    sessionId: string,
  ): Promise<void> {
    const copy: ConfinedCopier = (request) => sandboxes.copyConfined(sessionId, request);
    if (ready.dependency_dirs.length > 0 && !(await this.cache.given.has(workdir, ready.cache_key))) {
      if (!(await this.cache.restore(ready.cache_key, workdir, copy))) {
        throw new AgentOsError(
          'SANDBOX_UNAVAILABLE',
          `the session's dependencies (${ready.dependency_dirs.join(', ')}) are no longer in the cache (it was cleared): start a new session, whose set-up fills it again`,
        );
      }
    }
    if (ready.copied_files.length > 0)
      await copyNamedFiles({
        from: repository,
        to: workdir,
        files: ready.copied_files,
        stagingDir: this.stagingDir,
        copy,
      });
  }

  /** The session's sandboxes, with the environment (once `ready` says it is there) given to each one opened:
   * its dependencies and named files, and the agents' network allowlist. */
  wrap(
    sandboxes: SessionSandboxes,
    repository: string,
    sessionId: string,
    ready: () => EnvironmentReadyInfo | undefined,
  ): SessionSandboxes {
    const give = async (sandbox: Sandbox, info: EnvironmentReadyInfo | undefined): Promise<Sandbox> => {
      if (info) {
        try {
          await this.giveDependencies(info, sandbox.workdir, repository, sandboxes, sessionId);
        } catch (error) {
          await sandbox.dispose();
          throw new AgentOsError(
            'SANDBOX_UNAVAILABLE',
            `the environment could not be given to ${sandbox.id}: ${describeError(error)}`,
          );
        }
      }
      return sandbox;
    };
    return withOpen(sandboxes, async (request: SandboxRequest) => {
      if (request.threadId === SETUP_THREAD)
        throw new AgentOsError('INVALID_ARGUMENT', `thread id ${SETUP_THREAD} is the set-up's own`);
      const info = ready();
      return give(await sandboxes.open(withAgentNetwork(request, info?.agent_domains)), info);
    });
  }
}

/** The session's latest ready event, unless a failure came after it (the fold keeps the latest of the two). */
export function readyEventOf(log: { state: Pick<SessionState, 'environment'> }): ReadyEvent | undefined {
  const latest = log.state.environment;
  return latest?.type === 'agent_os.environment_ready' ? latest : undefined;
}

/** The same, of a log read whole (tests and tools that hold the events, not a fold). */
export function readyEventIn(events: readonly SessionEvent[]): ReadyEvent | undefined {
  return readyEventOf({ state: foldSession('', events) });
}

/** The test command the session's environment knows (environment file or detection), once it is ready. */
export function sessionTestCommand(log: { state: Pick<SessionState, 'environment'> }): string | undefined {
  return readyEventOf(log)?.test_command;
}
