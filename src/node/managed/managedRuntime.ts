// The managed backend: the SessionService on the hosted Claude Managed Agents platform. The platform
// runs the agent loop (the brains); Agent OS syncs the agents, serves the self-hosted environment whose
// worker runs the tools in the local sandbox (the hands), mirrors the platform's events into the local
// session log (so every view works unchanged), sends the person's input back as `user.*` events, and
// keeps the gate: plans and verdicts are checked here, an APPROVE waits here for the person, and only
// Agent OS pushes the verified commit and opens the pull request.
import type { Anthropic } from '@anthropic-ai/sdk';
import type { BetaManagedAgentsEventParams } from '@anthropic-ai/sdk/resources/beta/sessions/events';
import { AgentOsError, StateConflictError, StateCorruptError } from '../../core/errors.ts';
import type { EventOfType, SessionEvent, StopReason } from '../../core/events/sessionEvent.ts';
import type { HarnessAgent } from '../../core/harness/harnessAgent.ts';
import type { SessionLog } from '../../core/harness/sessionLog.ts';
import type { SessionChanges, SessionService, StartSessionRequest } from '../../core/runtime/sessionService.ts';
import type { SessionMeta } from '../../core/session/sessionStore.ts';
import { pendingToolUse } from '../../core/session/sessionState.ts';
import { AgentOsRuntime } from '../runtime/agentOsRuntime.ts';
import type { AgentOsRuntimeOptions } from '../runtime/runtimeOptions.ts';
import { openSessionLog } from '../runtime/sessionLogOpening.ts';
import { EventMirror } from './eventMirror.ts';
import { checkHandIn, isHandIn } from './handInCheck.ts';
import { questionsAnswered, supervisionOf } from './managedSupervision.ts';
import type { ManagedStateFile } from './managedState.ts';
import { carryOutDecision, recordDecision } from './managedGate.ts';
import { platformError } from './platformErrors.ts';
import { startPlatformSession } from './platformSession.ts';
import { ensureEnvironment } from './selfHostedEnvironment.ts';

export interface ManagedRuntimeOptions extends Omit<AgentOsRuntimeOptions, 'model' | 'onTextDelta'> {
  client: Anthropic;
  state: ManagedStateFile;
  storeDir: string;
  /** A configured environment; otherwise Agent OS makes (once) and serves its own. */
  environmentId?: string;
  /** Re-attaches after a cut stream and similar, for a log or the terminal. */
  onNote?(sessionId: string, line: string): void;
}

interface Attached {
  meta: SessionMeta;
  log: SessionLog;
  mirror: EventMirror;
  agents: Map<string, HarnessAgent>;
  /** Resolves at the next stop of the platform session. */
  done: Promise<StopReason>;
  stopped(stop: StopReason): void;
  failed(error: unknown): void;
  /** Hand-ins being checked (the mirror waits for them; so does a decision). */
  checks: Promise<unknown>;
}

/** The local model is never asked: the platform samples. Kept honest should something try. */
const NO_LOCAL_MODEL = {
  createMessage: (): never => {
    throw new AgentOsError('RUNTIME_UNAVAILABLE', 'the managed backend runs no model locally');
  },
};

export class ManagedRuntime implements SessionService {
  private readonly attached = new Map<string, Attached>();
  /** Local-only work (changes, deleting the local side) is what the local runtime does already. */
  private readonly local: AgentOsRuntime;
  private environment: Promise<string> | undefined;

  constructor(private readonly options: ManagedRuntimeOptions) {
    this.local = new AgentOsRuntime({ ...options, model: NO_LOCAL_MODEL });
  }

  isRunning(sessionId: string): boolean {
    return this.attached.has(sessionId);
  }

  async settled(sessionId: string): Promise<StopReason | undefined> {
    return this.attached.get(sessionId)?.done;
  }

  /** The self-hosted environment this runtime's sessions use (made on first use). */
  environmentId(): Promise<string> {
    this.environment ??= ensureEnvironment({
      client: this.options.client,
      state: this.options.state,
      storeDir: this.options.storeDir,
      ...(this.options.environmentId ? { configuredId: this.options.environmentId } : {}),
    });
    this.environment.catch(() => (this.environment = undefined));
    return this.environment;
  }

  // ---- starting ----------------------------------------------------------------------------

  async start(request: StartSessionRequest): Promise<SessionMeta> {
    const { meta, log, agents } = await startPlatformSession(this.options, () => this.environmentId(), request);
    // Its echo (and all that follows) comes from the history the mirror lists once its stream is open.
    this.attach(meta, log, agents);
    return meta;
  }

  /** One agent on a prompt runs on the local backend: on the platform, the pipeline is what is synced. */
  async startSingleAgent(_request: { repository: string; agent: string; prompt: string }): Promise<SessionMeta> {
    throw new AgentOsError(
      'INVALID_ARGUMENT',
      'the managed backend runs the whole pipeline (--issue or --task); run one agent with --backend local',
    );
  }

  // ---- attaching ---------------------------------------------------------------------------

  private attach(meta: SessionMeta, log: SessionLog, agents: Map<string, HarnessAgent>): Attached {
    const primary = log.state.primaryThreadId as string;
    const configured = log.state.configured;
    let resolve!: (s: StopReason) => void;
    let reject!: (e: unknown) => void;
    const attached = {
      meta,
      log,
      agents,
      checks: Promise.resolve(),
      done: undefined as unknown as Promise<StopReason>,
      stopped: (s: StopReason) => resolve(s),
      failed: (e: unknown) => reject(e),
    } as Attached;
    const arm = (): void => {
      attached.done = new Promise<StopReason>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      attached.done.catch(() => undefined);
    };
    arm();
    attached.mirror = new EventMirror({
      client: this.options.client,
      sessionId: meta.id,
      log,
      primaryThread: primary,
      agentVersion: (name) => configured?.agent_versions[name],
      modelOf: (name) => agents.get(name)?.model ?? '',
      priceOf: (model, usage) => this.options.priceOf(model, usage),
      onMirrored: async (event) => {
        if (isHandIn(event)) await this.answerHandIn(attached, event);
      },
      onStop: (stop) => {
        const settle = resolve;
        arm();
        settle(stop);
      },
      onFailure: (error) => {
        const fail = reject;
        arm();
        fail(platformError(error, `following session ${meta.id}`));
      },
      onNote: (line) => this.options.onNote?.(meta.id, line),
    });
    this.attached.set(meta.id, attached);
    attached.mirror.start();
    return attached;
  }

  /** Attaches a session of the store (after a reload, in another process), catching up from its history. */
  private async reattach(sessionId: string): Promise<Attached> {
    const existing = this.attached.get(sessionId);
    if (existing) return existing;
    const meta = await this.options.store.get(sessionId);
    if (meta.metadata.backend !== 'managed')
      throw new StateConflictError(`session ${sessionId} runs on the local backend; resume it with --backend local`);
    const log = await openSessionLog(this.options, sessionId);
    const configured = log.state.configured;
    if (!configured || !meta.repository) {
      await log.close();
      throw new StateCorruptError(
        `session ${sessionId} was never started: the process stopped while creating it; delete it and start again`,
      );
    }
    const agents = await this.options.agents(meta.repository).load(configured.agent_versions);
    return this.attach(meta, log, agents);
  }

  private async detach(sessionId: string): Promise<void> {
    const attached = this.attached.get(sessionId);
    if (!attached) return;
    this.attached.delete(sessionId);
    await attached.mirror.stop();
    await attached.checks.catch(() => undefined);
    await attached.log.close();
  }

  /** Runs `action` attached, then waits for the session's next stop and lets the log go. */
  private async runUntilStop(
    sessionId: string,
    action: (a: Attached) => Promise<'wait' | 'stopped'>,
  ): Promise<StopReason> {
    const attached = await this.reattach(sessionId);
    try {
      const done = attached.done;
      const outcome = await action(attached);
      if (outcome === 'stopped') return attached.log.state.stopReason ?? { type: 'end_turn' };
      return await done;
    } finally {
      await this.detach(sessionId);
    }
  }

  // ---- running -----------------------------------------------------------------------------

  async resume(sessionId: string): Promise<void> {
    const running = this.attached.get(sessionId);
    if (running) {
      await running.done;
      await this.detach(sessionId);
      return;
    }
    await this.runUntilStop(sessionId, async (a) => {
      await this.caughtUp(a);
      await this.finishApprovedWork(a);
      await this.recheckHandIns(a);
      const status = (await this.retrieve(sessionId)).status;
      // Nothing will come: the platform session is at rest and the log says why.
      if (status !== 'running' && status !== 'rescheduling' && a.log.state.status !== 'running') return 'stopped';
      return 'wait';
    });
  }

  async interrupt(sessionId: string, threadId?: string): Promise<void> {
    await this.send(
      sessionId,
      [{ type: 'user.interrupt', ...(threadId ? { session_thread_id: threadId } : {}) }],
      'interrupting',
    );
  }

  async confirmTool(sessionId: string, toolUseEventId: string, allow: boolean, denyMessage?: string): Promise<void> {
    await this.runUntilStop(sessionId, async (a) => {
      await this.caughtUp(a);
      const use = pendingToolUse(a.log.state, toolUseEventId);
      if (!use || use.evaluated_permission !== 'ask' || !use.platform_event_id) {
        throw new StateConflictError(`event ${toolUseEventId} is not a tool call waiting for confirmation`);
      }
      // Said before the send: the session's idle after it may come ahead of the echo and still name the call.
      const undo = a.mirror.confirmingTool(use.id);
      try {
        await this.send(
          sessionId,
          [
            {
              type: 'user.tool_confirmation',
              tool_use_id: use.platform_event_id,
              result: allow ? 'allow' : 'deny',
              ...(denyMessage && !allow ? { deny_message: denyMessage } : {}),
            },
          ],
          'confirming the tool call',
        );
      } catch (error) {
        undo();
        throw error;
      }
      return 'wait';
    });
  }

  /** The person answers the Planner's questions: recorded, then its held `submit_plan` is answered with them. */
  async answerQuestions(sessionId: string, questionsEventId: string, answers: readonly string[]): Promise<void> {
    await this.runUntilStop(sessionId, async (a) => {
      await this.caughtUp(a);
      const { event, callId } = questionsAnswered(a.log, questionsEventId, answers);
      await a.log.append(event);
      const call = pendingToolUse(a.log.state, callId);
      if (call && isHandIn(call)) await this.answerHandIn(a, call);
      return 'wait';
    });
  }

  // ---- the gate ----------------------------------------------------------------------------

  async approve(sessionId: string, verdictEventId: string): Promise<void> {
    await this.decide(sessionId, verdictEventId, 'approve');
  }

  async requestChanges(sessionId: string, verdictEventId: string, feedback: string): Promise<void> {
    if (!feedback.trim()) throw new AgentOsError('INVALID_ARGUMENT', 'say what should change');
    await this.decide(sessionId, verdictEventId, 'reject', feedback);
  }

  private async decide(
    sessionId: string,
    verdictEventId: string,
    decision: 'approve' | 'reject',
    feedback?: string,
  ): Promise<void> {
    await this.runUntilStop(sessionId, async (a) => {
      await this.caughtUp(a);
      await recordDecision(this.options, a.meta, a.log, verdictEventId, decision, feedback);
      await this.finishApprovedWork(a);
      return 'wait';
    });
  }

  /** An approval whose pull request is not in the log yet is carried out (found first, so opened once);
   * then the held hand-in is answered so the Reviewer, and the Coordinator, can finish. */
  private async finishApprovedWork(a: Attached): Promise<void> {
    const verdict = await carryOutDecision(this.options, a.meta, a.log);
    const call = verdict ? pendingToolUse(a.log.state, verdict.model_request_end_id) : undefined;
    if (call && isHandIn(call)) await this.answerHandIn(a, call);
  }

  // ---- hand-ins ----------------------------------------------------------------------------

  private answerHandIn(a: Attached, call: EventOfType<'agent.tool_use'>): Promise<void> {
    const run = a.checks.then(async () => {
      if (!call.platform_event_id || !a.log.state.threads[call.thread]?.pendingToolUses.has(call.id)) return;
      const answer = await checkHandIn({
        log: a.log,
        call,
        workspace: () => this.options.sandboxes(a.meta.repository as string).workspace(a.meta.id),
        changes: () => this.options.sandboxes(a.meta.repository as string).changes(a.meta.id),
        maxReviewRounds: this.options.settings.reviewRounds,
        supervision: supervisionOf(this.options, a.meta, a.log),
      });
      a.mirror.judgeHeldIdleAgain(); // whether the person waits on this call is known now
      if (!answer) return;
      await this.send(
        a.meta.id,
        [
          {
            type: 'user.custom_tool_result',
            custom_tool_use_id: call.platform_event_id,
            content: [{ type: 'text', text: answer.text }],
            is_error: answer.isError,
          },
        ],
        `answering ${call.name}`,
        { alreadyAnsweredIsFine: true },
      );
    });
    a.checks = run.catch(() => undefined);
    return run;
  }

  /** After a re-attach: hand-ins the log holds without an answer are checked (and answered) again. */
  private async recheckHandIns(a: Attached): Promise<void> {
    for (const thread of Object.values(a.log.state.threads)) {
      for (const use of thread.pendingToolUses.values()) if (isHandIn(use)) await this.answerHandIn(a, use);
    }
  }

  // ---- plumbing ----------------------------------------------------------------------------

  /** Waits until the mirror holds what the platform's history held when it attached. */
  private async caughtUp(a: Attached): Promise<void> {
    await a.mirror.caughtUp();
    await a.checks;
  }

  private async retrieve(sessionId: string): Promise<Awaited<ReturnType<Anthropic['beta']['sessions']['retrieve']>>> {
    try {
      return await this.options.client.beta.sessions.retrieve(sessionId);
    } catch (error) {
      throw platformError(error, `looking up session ${sessionId}`);
    }
  }

  private async send(
    sessionId: string,
    events: BetaManagedAgentsEventParams[],
    doing: string,
    options: { alreadyAnsweredIsFine?: boolean } = {},
  ): Promise<void> {
    try {
      await this.options.client.beta.sessions.events.send(sessionId, { events });
    } catch (error) {
      // After a crash between sending an answer and mirroring its echo, the answer is sent again: the
      // platform says it has one already, which is what we wanted.
      if (options.alreadyAnsweredIsFine && (error as { status?: number }).status === 400) return;
      throw platformError(error, doing);
    }
  }

  // ---- other -------------------------------------------------------------------------------

  changes(sessionId: string): Promise<SessionChanges> {
    return this.local.changes(sessionId);
  }

  async delete(sessionId: string): Promise<void> {
    await this.detach(sessionId);
    try {
      await this.options.client.beta.sessions.delete(sessionId);
    } catch (error) {
      if ((error as { status?: number }).status !== 404)
        throw platformError(error, `deleting session ${sessionId} on the platform`);
    }
    await this.local.delete(sessionId);
  }

  /** Lets every attached session go; they keep running on the platform and re-attach on the next call. */
  async dispose(): Promise<void> {
    await Promise.all([...this.attached.keys()].map((id) => this.detach(id)));
  }
}

export type { SessionEvent };
