// The managed backend: the SessionService on the hosted Claude Managed Agents platform. The platform
// runs the agent loop (the brains); Agent OS syncs the agents, serves the self-hosted environment whose
// worker runs the tools in the local sandbox (the hands), mirrors the platform's events into the local
// session log (so every view works unchanged), sends the person's input back as `user.*` events, and
// keeps the gate: plans and verdicts are checked here, an APPROVE waits here for the person, and only
// Agent OS pushes the verified commit and opens the pull request.
import type { Anthropic } from '@anthropic-ai/sdk';
import type { BetaManagedAgentsEventParams } from '@anthropic-ai/sdk/resources/beta/sessions/events';
import type { SessionCreateParams } from '@anthropic-ai/sdk/resources/beta/sessions/sessions';
import { AgentOsError, StateConflictError, StateCorruptError } from '../../core/errors.ts';
import type { EventOfType, SessionEvent, StopReason } from '../../core/events/sessionEvent.ts';
import type { HarnessAgent } from '../../core/harness/harnessAgent.ts';
import { SessionLog } from '../../core/harness/sessionLog.ts';
import type { SessionChanges, SessionService, StartSessionRequest } from '../../core/runtime/sessionService.ts';
import type { SessionMeta } from '../../core/session/sessionStore.ts';
import { latestApprovalOf } from '../../core/pipeline/approval.ts';
import { openPullRequestForSession } from '../pipeline/pullRequestStep.ts';
import { COORDINATOR } from '../../core/pipeline/roles.ts';
import { AgentOsRuntime } from '../runtime/agentOsRuntime.ts';
import type { AgentOsRuntimeOptions } from '../runtime/runtimeOptions.ts';
import { describeTask } from '../runtime/taskSource.ts';
import { syncAgents } from './agentSync.ts';
import { EventMirror } from './eventMirror.ts';
import { checkHandIn, isHandIn } from './handInCheck.ts';
import type { ManagedStateFile } from './managedState.ts';
import { platformError } from './platformErrors.ts';
import { REPOSITORY_METADATA_KEY } from './sandboxTools.ts';
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
    const { client, settings } = this.options;
    const task = await describeTask(this.options.tasks, request);
    const catalog = this.options.agents(request.repository);
    const versions = await catalog.pinVersions(COORDINATOR);
    const agents = await catalog.load(versions);
    if (settings.budget?.maxTokens !== undefined) {
      throw new AgentOsError('INVALID_ARGUMENT', 'the platform budgets sessions in dollars only; use --budget-usd (or the local backend for a token budget)');
    }
    const synced = await syncAgents({ client, state: this.options.state, agents, primary: COORDINATOR });
    const environmentId = await this.environmentId();
    const sandbox = await this.options.sandboxes(request.repository).describe();
    const coordinator = synced.byName[COORDINATOR] as { id: string; version: number };
    const params: SessionCreateParams = {
      agent: { type: 'agent', id: coordinator.id, version: coordinator.version },
      environment_id: environmentId,
      title: task.title,
      metadata: { [REPOSITORY_METADATA_KEY]: request.repository, agent_os_source: task.source.slice(0, 500) },
      // The issue is the first user.message, in the create call itself: a session never exists without its task.
      initial_events: [{ type: 'user.message', content: [{ type: 'text', text: task.prompt }] }],
      ...(settings.budget?.maxUsd !== undefined
        ? { budget: { type: 'limit', max_list_cost: { amount: String(Math.max(1, Math.round(settings.budget.maxUsd * 100))), currency: 'USD' } } }
        : {}),
    };
    let platformSession: Awaited<ReturnType<Anthropic['beta']['sessions']['create']>>;
    let primary: string | undefined;
    try {
      platformSession = await client.beta.sessions.create(params);
      for await (const thread of client.beta.sessions.threads.list(platformSession.id)) if (thread.parent_thread_id === null) primary = thread.id;
    } catch (error) {
      throw platformError(error, 'creating the session on the platform');
    }
    if (!primary) throw new AgentOsError('PLATFORM_FAILED', `platform session ${platformSession.id} has no primary thread`);
    // One id on both sides: the platform's session is the local session.
    const meta = await this.options.store.create({
      id: platformSession.id,
      title: task.title,
      source: task.source,
      repository: request.repository,
      metadata: { primary_agent: COORDINATOR, backend: 'managed', environment_id: environmentId },
    });
    const log = new SessionLog(await this.options.store.openWriter(meta.id), meta.id);
    const budget = settings.budget?.maxUsd !== undefined ? { budget: { max_usd: settings.budget.maxUsd } } : {};
    await log.appendMany([
      {
        type: 'session.thread_created',
        thread: primary,
        session_thread_id: primary,
        agent_name: COORDINATOR,
        agent_version: versions[COORDINATOR] as number,
        parent_thread_id: null,
      },
      { type: 'agent_os.session_configured', thread: primary, agent_versions: versions, sandbox: { ...sandbox, detail: `${sandbox.detail}; run by the self-hosted environment's worker` }, ...budget },
    ]);
    // Its echo (and all that follows) comes from the history the mirror lists once its stream is open.
    this.attach(meta, log, agents);
    return meta;
  }

  /** One agent on a prompt runs on the local backend: on the platform, the pipeline is what is synced. */
  async startSingleAgent(_request: { repository: string; agent: string; prompt: string }): Promise<SessionMeta> {
    throw new AgentOsError('INVALID_ARGUMENT', 'the managed backend runs the whole pipeline (--issue or --task); run one agent with --backend local');
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
    if (meta.metadata.backend !== 'managed') throw new StateConflictError(`session ${sessionId} runs on the local backend; resume it with --backend local`);
    const log = new SessionLog(await this.options.store.openWriter(sessionId), sessionId);
    const configured = log.state.configured;
    if (!configured || !meta.repository) {
      await log.close();
      throw new StateCorruptError(`session ${sessionId} was never started: the process stopped while creating it; delete it and start again`);
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
  private async runUntilStop(sessionId: string, action: (a: Attached) => Promise<'wait' | 'stopped'>): Promise<StopReason> {
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
    await this.send(sessionId, [{ type: 'user.interrupt', ...(threadId ? { session_thread_id: threadId } : {}) }], 'interrupting');
  }

  async confirmTool(sessionId: string, toolUseEventId: string, allow: boolean, denyMessage?: string): Promise<void> {
    await this.runUntilStop(sessionId, async (a) => {
      await this.caughtUp(a);
      const use = a.log.get(toolUseEventId);
      if (!use || use.type !== 'agent.tool_use' || use.evaluated_permission !== 'ask' || !use.platform_event_id) {
        throw new StateConflictError(`event ${toolUseEventId} is not a tool call waiting for confirmation`);
      }
      await this.send(
        sessionId,
        [{ type: 'user.tool_confirmation', tool_use_id: use.platform_event_id, result: allow ? 'allow' : 'deny', ...(denyMessage && !allow ? { deny_message: denyMessage } : {}) }],
        'confirming the tool call',
      );
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

  private async decide(sessionId: string, verdictEventId: string, decision: 'approve' | 'reject', feedback?: string): Promise<void> {
    await this.runUntilStop(sessionId, async (a) => {
      await this.caughtUp(a);
      const { log } = a;
      const verdict = log.get(verdictEventId);
      if (!verdict || verdict.type !== 'agent_os.verdict_submitted') throw new AgentOsError('APPROVAL_REFUSED', `event ${verdictEventId} is not a verdict of session ${sessionId}`);
      if (log.state.latestVerdict?.id !== verdict.id) throw new AgentOsError('APPROVAL_REFUSED', `verdict ${verdictEventId} is not the latest verdict of this session`);
      if ((verdict.verdict as { decision?: string }).decision !== 'APPROVE') throw new AgentOsError('APPROVAL_REFUSED', 'only an APPROVE verdict can be approved');
      const previous = latestApprovalOf(log.events, verdict.id);
      const carriedOut = previous !== undefined && log.events.some((e) => e.type === 'agent_os.pull_request_opened' && e.seq > previous.seq);
      // Approving again retries an approval whose push failed; a request for changes may still replace it.
      if (carriedOut || previous?.decision === 'reject') throw new AgentOsError('APPROVAL_REFUSED', 'this verdict was already decided');
      if (previous?.decision !== decision) {
        if (decision === 'approve') await this.checkEvidenceStillHolds(a.meta, verdict);
        await log.append({ type: 'agent_os.approval', thread: log.state.primaryThreadId as string, verdict_event_id: verdict.id, decision, ...(feedback ? { feedback } : {}) });
      }
      await this.finishApprovedWork(a);
      return 'wait';
    });
  }

  private async checkEvidenceStillHolds(meta: SessionMeta, verdict: EventOfType<'agent_os.verdict_submitted'>): Promise<void> {
    const changes = await this.options.sandboxes(meta.repository as string).changes(meta.id);
    if (changes.diff.sha256 !== verdict.evidence.diff_sha256 || changes.head !== verdict.evidence.head_commit) {
      throw new AgentOsError('APPROVAL_REFUSED', "the worktree changed after the Reviewer's verdict; the verdict no longer covers it — request changes for a new review");
    }
  }

  /** An approval whose pull request is not in the log yet is carried out (found first, so opened once);
   * then the held hand-in is answered so the Reviewer, and the Coordinator, can finish. */
  private async finishApprovedWork(a: Attached): Promise<void> {
    const { log, meta } = a;
    const verdict = log.state.latestVerdict;
    const approval = verdict ? latestApprovalOf(log.events, verdict.id) : undefined;
    if (!verdict || !approval) return;
    if (approval.decision === 'approve' && !log.events.some((e) => e.type === 'agent_os.pull_request_opened' && e.seq > approval.seq)) {
      if (!this.options.pullRequests) throw new AgentOsError('GITHUB_FAILED', 'no GitHub connection is configured to open the pull request');
      const sandboxes = this.options.sandboxes(meta.repository as string);
      const changes = await sandboxes.changes(meta.id);
      if (changes.diff.sha256 !== verdict.evidence.diff_sha256) {
        throw new AgentOsError('APPROVAL_REFUSED', "the worktree changed after the Reviewer's verdict; the verdict no longer covers it — request changes for a new review");
      }
      const target = await this.options.pullRequests(meta.repository as string);
      const opened = await openPullRequestForSession({ meta, events: log.events, sandboxes, expectedSha256: verdict.evidence.diff_sha256, target });
      await log.append({ type: 'agent_os.pull_request_opened', thread: log.state.primaryThreadId as string, ...opened });
    }
    const call = log.get(verdict.model_request_end_id);
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
      });
      if (!answer) return;
      await this.send(
        a.meta.id,
        [{ type: 'user.custom_tool_result', custom_tool_use_id: call.platform_event_id, content: [{ type: 'text', text: answer.text }], is_error: answer.isError }],
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

  private async send(sessionId: string, events: BetaManagedAgentsEventParams[], doing: string, options: { alreadyAnsweredIsFine?: boolean } = {}): Promise<void> {
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
      if ((error as { status?: number }).status !== 404) throw platformError(error, `deleting session ${sessionId} on the platform`);
    }
    await this.local.delete(sessionId);
  }

  /** Lets every attached session go; they keep running on the platform and re-attach on the next call. */
  async dispose(): Promise<void> {
    await Promise.all([...this.attached.keys()].map((id) => this.detach(id)));
  }
}

export type { SessionEvent };
