// The Agent OS runtime: wires the session store, the harness, sandboxes, agents and GitHub together
// behind the SessionService port, for the extension and the CLI alike. It holds no state that matters
// for recovery: every decision is read back from the session's log.
import { AgentOsError, describeError, StateConflictError, StateCorruptError } from '../../core/errors.ts';
import type { StopReason } from '../../core/events/sessionEvent.ts';
import type { Harness } from '../../core/harness/harness.ts';
import type { SessionLog } from '../../core/harness/sessionLog.ts';
import { PIPELINE_PRIMARY_AGENT } from '../../core/pipeline/roles.ts';
import { interruptEvents, neverStarted } from '../../core/pipeline/supervisor.ts';
import type { SessionChanges, SessionService, StartSessionRequest } from '../../core/runtime/sessionService.ts';
import type { SessionMeta } from '../../core/session/sessionStore.ts';
import { readSessionState } from '../../core/session/sessionStateFold.ts';
import { decide, finishApprovedWork, type Decision } from './approvalRunner.ts';
import { closingOnFailure } from './closingOnFailure.ts';
import { assembleHarness, repositoryOf } from './harnessAssembly.ts';
import { questionAnswerEvents, toolConfirmationEvent } from './personAnswers.ts';
import { learnPreferences } from './preferenceLearner.ts';
import type { AgentOsRuntimeOptions } from './runtimeOptions.ts';
import { sessionChanges } from './sessionChanges.ts';
import { openSessionLog } from './sessionLogOpening.ts';
import { createSession, type NewSession } from './sessionCreation.ts';
import { forkSession } from './sessionFork.ts';
import { describeTask } from './taskSource.ts';

interface ActiveRun {
  log: SessionLog;
  /** Set once the pinned agents are loaded. */
  harness: Harness | undefined;
  /** Ends a set-up still running (interrupt, shutdown). */
  setup: AbortController;
  done: Promise<StopReason>;
}

export class AgentOsRuntime implements SessionService {
  private readonly active = new Map<string, ActiveRun>();

  constructor(private readonly options: AgentOsRuntimeOptions) {}

  isRunning(sessionId: string): boolean {
    return this.active.has(sessionId);
  }

  /** Resolves when the session's current run (if any) stops. */
  async settled(sessionId: string): Promise<StopReason | undefined> {
    return this.active.get(sessionId)?.done;
  }

  // ---- starting ----------------------------------------------------------------------------

  async start(request: StartSessionRequest): Promise<SessionMeta> {
    const task = await describeTask(this.options.tasks, request);
    return this.create({
      repository: request.repository,
      primaryAgent: PIPELINE_PRIMARY_AGENT,
      title: task.title,
      source: task.source,
      prompt: task.prompt,
      ...(request.learn === false ? { learn: false } : {}),
    });
  }

  /** One agent, one thread: `agent-os run --agent <name> --prompt <text>`. */
  async startSingleAgent(request: {
    repository: string;
    agent: string;
    prompt: string;
    title?: string;
  }): Promise<SessionMeta> {
    return this.create({
      repository: request.repository,
      primaryAgent: request.agent,
      title: request.title ?? request.prompt.split('\n')[0]?.slice(0, 80) ?? request.agent,
      source: `agent ${request.agent}`,
      prompt: request.prompt,
    });
  }

  private async create(input: NewSession): Promise<SessionMeta> {
    const { meta, log } = await createSession(this.options, input);
    this.launch(meta, log);
    return meta;
  }

  // ---- running -----------------------------------------------------------------------------

  async resume(sessionId: string): Promise<void> {
    const existing = this.active.get(sessionId);
    if (existing) {
      await existing.done;
      return;
    }
    const { meta, log } = await this.openLog(sessionId);
    await closingOnFailure(log, () => finishApprovedWork(this.options, meta, log));
    await this.launch(meta, log).done;
  }

  /** Runs the harness on an open log in the background; the writer is released when it stops. */
  private launch(meta: SessionMeta, log: SessionLog): ActiveRun {
    const harness = assembleHarness(this.options, meta, log);
    const run: ActiveRun = {
      log,
      harness: undefined,
      setup: new AbortController(),
      done: harness
        .then(async (h) => {
          run.harness = h;
          // Before any agent: the environment (dependencies); a failed set-up leaves the session idle and resumable.
          const stopped = await this.options.environment?.prepare({
            repository: repositoryOf(meta),
            log,
            sandboxes: this.options.sandboxes(repositoryOf(meta), log.state.configured?.sandbox.kind),
            signal: run.setup.signal,
          });
          if (stopped) return stopped;
          const reason = await h.run();
          // Stopped to wait for someone (not cut off by a crash or a shutdown): what the run taught is learned now.
          if (
            (reason.type === 'requires_action' || reason.type === 'end_turn') &&
            log.state.status === 'idle' &&
            !run.setup.signal.aborted
          ) {
            await learnPreferences(this.options, meta, log);
          }
          return reason;
        })
        .finally(async () => {
          this.active.delete(meta.id);
          await log.close();
          // Nothing keeps running for a session that is not running (a dev container is started again
          // by the next run). The kind is the one the session recorded.
          const kind = log.state.configured?.sandbox.kind;
          if (meta.repository)
            await this.options
              .sandboxes(meta.repository, kind)
              .stopSession(meta.id)
              .catch(() => undefined);
        }),
    };
    const done = run.done;
    this.active.set(meta.id, run);
    // A failed run is reported through `done`; keep it from being an unhandled rejection here.
    done.catch(() => undefined);
    return run;
  }

  private async openLog(sessionId: string): Promise<{ meta: SessionMeta; log: SessionLog }> {
    const meta = await this.options.store.get(sessionId);
    const log = await openSessionLog(this.options, sessionId);
    await closingOnFailure(log, async () => {
      if (neverStarted(log.state)) {
        throw new StateCorruptError(
          `session ${sessionId} was never started: the process stopped while creating it, before its first events were written; delete it and start again`,
        );
      }
      // Holding the writer now: the moment to clear what a killed earlier writer left in the sandboxes,
      // before the approval's git work or the harness touches them.
      if (meta.repository)
        await this.options.sandboxes(meta.repository, log.state.configured?.sandbox.kind).recover(sessionId);
    });
    return { meta, log };
  }

  /** Appends client input to a session, whether or not a harness of this process runs it. */
  private async withLog<T>(sessionId: string, action: (log: SessionLog, meta: SessionMeta) => Promise<T>): Promise<T> {
    const running = this.active.get(sessionId);
    if (running) return action(running.log, await this.options.store.get(sessionId));
    const { meta, log } = await this.openLog(sessionId);
    const result = await closingOnFailure(log, () => action(log, meta));
    await log.close();
    return result;
  }

  async interrupt(sessionId: string, threadId?: string): Promise<void> {
    const running = this.active.has(sessionId);
    await this.withLog(sessionId, async (log) => {
      for (const event of interruptEvents(log.state, log.eventsOfTypes(['user.tool_confirmation']), threadId, running))
        await log.append(event);
    });
    if (!threadId) this.active.get(sessionId)?.setup.abort();
    this.active.get(sessionId)?.harness?.interrupt(threadId);
    await this.active.get(sessionId)?.done.catch(() => undefined);
  }

  async confirmTool(sessionId: string, toolUseEventId: string, allow: boolean, denyMessage?: string): Promise<void> {
    this.refuseWhileRunning(sessionId);
    const { meta, log } = await this.openLog(sessionId);
    await closingOnFailure(log, () => log.append(toolConfirmationEvent(log, toolUseEventId, allow, denyMessage)));
    await this.launch(meta, log).done;
  }

  async answerQuestions(sessionId: string, questionsEventId: string, answers: readonly string[]): Promise<void> {
    this.refuseWhileRunning(sessionId);
    const { meta, log } = await this.openLog(sessionId);
    await closingOnFailure(log, () => log.appendMany(questionAnswerEvents(log, questionsEventId, answers)));
    await this.launch(meta, log).done;
  }

  private refuseWhileRunning(sessionId: string): void {
    if (this.active.has(sessionId)) {
      throw new StateConflictError(`session ${sessionId} is running; wait until it asks for you`);
    }
  }

  // ---- approval ----------------------------------------------------------------------------

  async approve(sessionId: string, verdictEventId: string): Promise<void> {
    await this.decide(sessionId, verdictEventId, { decision: 'approve' });
  }

  async requestChanges(sessionId: string, verdictEventId: string, feedback: string): Promise<void> {
    if (!feedback.trim()) throw new AgentOsError('INVALID_ARGUMENT', 'say what should change');
    await this.decide(sessionId, verdictEventId, { decision: 'reject', feedback });
  }

  private async decide(sessionId: string, verdictEventId: string, decision: Decision): Promise<void> {
    this.refuseWhileRunning(sessionId);
    const { meta, log } = await this.openLog(sessionId);
    // A refused decision or a failed push or GitHub call must not keep the writer lock held by this process.
    await closingOnFailure(log, () => decide(this.options, meta, log, verdictEventId, decision));
    if (decision.decision === 'reject') await closingOnFailure(log, () => learnPreferences(this.options, meta, log));
    await this.launch(meta, log).done;
  }

  // ---- other -------------------------------------------------------------------------------

  async fork(sessionId: string, at: string): Promise<SessionMeta> {
    return forkSession(this.options, sessionId, at);
  }

  async changes(sessionId: string): Promise<SessionChanges> {
    const meta = await this.options.store.get(sessionId);
    return sessionChanges(this.options.sandboxes(repositoryOf(meta)), sessionId);
  }

  async delete(sessionId: string): Promise<void> {
    const run = this.active.get(sessionId);
    if (run) {
      run.harness?.interrupt();
      await run.done.catch(() => undefined);
    }
    const meta = await this.options.store.get(sessionId);
    if (meta.repository) {
      // Its own kind's sandboxes: a dev container session's containers go with it.
      const configured = await readSessionState(this.options.store, sessionId).then(
        (folded) => folded.state.configured,
        () => undefined,
      );
      await this.options
        .sandboxes(meta.repository, configured?.sandbox.kind)
        .removeSession(sessionId)
        .catch((error: unknown) => {
          throw new AgentOsError(
            'SANDBOX_UNAVAILABLE',
            `could not remove the sandbox of ${sessionId}: ${describeError(error)}`,
          );
        });
    }
    await this.options.store.delete(sessionId);
  }

  /** Stops every run of this process (the host is going away); each session is left `rescheduled`. */
  async dispose(): Promise<void> {
    for (const run of this.active.values()) {
      run.setup.abort();
      run.harness?.shutdown();
    }
    await Promise.all([...this.active.values()].map((r) => r.done.catch(() => undefined)));
  }
}
