// The Agent OS runtime: wires the session store, the harness, sandboxes, agents and GitHub together
// behind the SessionService port, for the extension and the CLI alike. It holds no state that matters
// for recovery: every decision is read back from the session's log.
import { AgentOsError, describeError } from '../../core/errors.ts';
import type { EventInput, EventOfType, SessionEvent, StopReason } from '../../core/events/sessionEvent.ts';
import { newId } from '../../core/events/ids.ts';
import { Harness } from '../../core/harness/harness.ts';
import type { HarnessAgent } from '../../core/harness/harnessAgent.ts';
import { SessionLog } from '../../core/harness/sessionLog.ts';
import type { BudgetLimits } from '../../core/harness/budget.ts';
import type { ModelClient, ModelResponse } from '../../core/model/modelClient.ts';
import type { SessionChanges, SessionService, StartSessionRequest } from '../../core/runtime/sessionService.ts';
import type { SessionMeta, SessionStore } from '../../core/session/sessionStore.ts';
import { builtinToolSpecs } from '../../core/tools/builtinTools.ts';
import type { BuiltinToolName } from '../../core/tools/toolConfig.ts';
import { diffWorktree } from '../git/worktreeDiff.ts';
import { headCommit } from '../git/commits.ts';
import { approvalOutcomeText, latestApprovalOf, pipelineResultHook, REVIEWER } from '../pipeline/pipelineResultHook.ts';
import { openPullRequestForSession, type PullRequestTarget } from '../pipeline/pullRequestStep.ts';
import { readyEventOf, type SessionEnvironment } from '../environment/sessionEnvironment.ts';
import type { AgentCatalog } from './agentCatalog.ts';
import type { SessionSandboxes } from './sessionSandboxes.ts';
import { describeTask, type TaskSource } from './taskSource.ts';

export const COORDINATOR = 'Coordinator';

export interface RuntimeSettings {
  reviewRounds: number;
  delegationDepth: number;
  budget?: BudgetLimits;
  maxCorrections: number;
  /** The Coder's work is committed when it hands back, and the Reviewer tests a clean checkout of that
   * commit (where the sandbox supports it) instead of the Coder's worktree. */
  cleanRoomReview: boolean;
}

export const DEFAULT_RUNTIME_SETTINGS: RuntimeSettings = { reviewRounds: 3, delegationDepth: 1, maxCorrections: 3, cleanRoomReview: true };

export interface AgentOsRuntimeOptions {
  store: SessionStore;
  model: ModelClient;
  /** The sandboxes (and worktree) of sessions on one repository: of the kind a session recorded, or,
   * for a new session, the kind chosen now. */
  sandboxes(repository: string, kind?: string): SessionSandboxes;
  /** The agents defined for one repository (built-ins, `.agents/`, `.claude/agents/`), with versions. */
  agents(repository: string): AgentCatalog;
  tasks: TaskSource;
  /** Where approved work goes; absent when the runtime cannot open pull requests (then approval fails clearly). */
  pullRequests?(repository: string): Promise<PullRequestTarget>;
  settings: RuntimeSettings;
  priceOf(model: string, usage: ModelResponse['usage']): number;
  /** Whether a model has a list price: a dollar budget cannot be held for one that has none. */
  isPriced?(model: string): boolean;
  onTextDelta?(sessionId: string, threadId: string, text: string): void;
  /** The set-up phase (dependencies, toolchain) run before the agents of each session; absent: none. */
  environment?: SessionEnvironment;
}

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
      primaryAgent: COORDINATOR,
      title: task.title,
      source: task.source,
      prompt: task.prompt,
    });
  }

  /** One agent, one thread: `agent-os run --agent <name> --prompt <text>`. */
  async startSingleAgent(request: { repository: string; agent: string; prompt: string; title?: string }): Promise<SessionMeta> {
    return this.create({
      repository: request.repository,
      primaryAgent: request.agent,
      title: request.title ?? request.prompt.split('\n')[0]?.slice(0, 80) ?? request.agent,
      source: `agent ${request.agent}`,
      prompt: request.prompt,
    });
  }

  private async create(input: { repository: string; primaryAgent: string; title: string; source: string; prompt: string }): Promise<SessionMeta> {
    const catalog = this.options.agents(input.repository);
    const versions = await catalog.pinVersions(input.primaryAgent);
    await this.refuseUnpricedModels(catalog, versions);
    const sandboxes = this.options.sandboxes(input.repository);
    const sandbox = await sandboxes.describe();
    const meta = await this.options.store.create({
      title: input.title,
      source: input.source,
      repository: input.repository,
      metadata: { primary_agent: input.primaryAgent },
    });
    const writer = await this.options.store.openWriter(meta.id);
    const log = new SessionLog(writer, meta.id);
    const primary = newId('sthr');
    const budget = this.options.settings.budget;
    await log.appendMany([
      {
        type: 'session.thread_created',
        thread: primary,
        session_thread_id: primary,
        agent_name: input.primaryAgent,
        agent_version: versions[input.primaryAgent] as number,
        parent_thread_id: null,
      },
      {
        type: 'agent_os.session_configured',
        thread: primary,
        agent_versions: versions,
        sandbox,
        ...(budget && (budget.maxUsd !== undefined || budget.maxTokens !== undefined)
          ? { budget: { ...(budget.maxUsd !== undefined ? { max_usd: budget.maxUsd } : {}), ...(budget.maxTokens !== undefined ? { max_tokens: budget.maxTokens } : {}) } }
          : {}),
      },
      { type: 'user.message', thread: primary, content: [{ type: 'text', text: input.prompt }] },
    ]);
    this.launch(meta, log);
    return meta;
  }

  /** As on the platform (`model_not_budgetable`): with a dollar budget every model must have a price,
   * or its spending would count as nothing and the cap would never hold. */
  private async refuseUnpricedModels(catalog: AgentCatalog, versions: Record<string, number>): Promise<void> {
    if (this.options.settings.budget?.maxUsd === undefined || !this.options.isPriced) return;
    const agents = await catalog.load(versions);
    const unpriced = [...agents.values()].filter((a) => !this.options.isPriced!(a.model));
    if (unpriced.length > 0) {
      throw new AgentOsError(
        'INVALID_ARGUMENT',
        `a dollar budget is set, but ${unpriced.map((a) => `${a.name}'s model ${a.model}`).join(', ')} has no list price in Agent OS's price table: ` +
          'choose a priced model for it, or run without the dollar budget',
      );
    }
  }

  // ---- running -----------------------------------------------------------------------------

  async resume(sessionId: string): Promise<void> {
    const existing = this.active.get(sessionId);
    if (existing) {
      await existing.done;
      return;
    }
    const { meta, log } = await this.openLog(sessionId);
    try {
      await this.finishApprovedWork(meta, log);
    } catch (error) {
      // A failed push or GitHub call must not keep the session's writer lock held by this process.
      await log.close();
      throw error;
    }
    await this.launch(meta, log).done;
  }

  /** Runs the harness on an open log in the background; the writer is released when it stops. */
  private launch(meta: SessionMeta, log: SessionLog): ActiveRun {
    const harness = this.harnessFor(meta, log);
    const run: ActiveRun = {
      log,
      harness: undefined,
      setup: new AbortController(),
      done: harness
        .then(async (h) => {
          run.harness = h;
          // Before any agent: the environment (dependencies); a failed set-up leaves the session idle and resumable.
          const stopped = await this.options.environment?.prepare({
            repository: this.repositoryOf(meta),
            log,
            sandboxes: this.options.sandboxes(this.repositoryOf(meta), log.state.configured?.sandbox.kind),
            signal: run.setup.signal,
          });
          return stopped ?? h.run();
        })
        .finally(async () => {
          this.active.delete(meta.id);
          await log.close();
          // Nothing keeps running for a session that is not running (a dev container is started again
          // by the next run). The kind is the one the session recorded.
          const kind = log.state.configured?.sandbox.kind;
          if (meta.repository) await this.options.sandboxes(meta.repository, kind).stopSession?.(meta.id).catch(() => undefined);
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
    const writer = await this.options.store.openWriter(sessionId);
    const log = new SessionLog(writer, sessionId);
    const primary = log.state.primaryThreadId;
    const started = primary !== undefined && log.state.configured !== undefined && log.threadEvents(primary).some((e) => e.type === 'user.message');
    if (!started) {
      await log.close();
      throw new AgentOsError(
        'INVALID_ARGUMENT',
        `session ${sessionId} was never started: the process stopped while creating it, before its first events were written; delete it and start again`,
      );
    }
    // Holding the writer now: the moment to clear what a killed earlier writer left in the sandboxes,
    // before the approval's git work or the harness touches them.
    if (meta.repository) {
      try {
        await this.options.sandboxes(meta.repository, log.state.configured?.sandbox.kind).recover?.(sessionId);
      } catch (error) {
        await log.close();
        throw error;
      }
    }
    return { meta, log };
  }

  private repositoryOf(meta: SessionMeta): string {
    if (!meta.repository) throw new AgentOsError('INVALID_ARGUMENT', `session ${meta.id} has no repository`);
    return meta.repository;
  }

  private async harnessFor(meta: SessionMeta, log: SessionLog): Promise<Harness> {
    const repository = this.repositoryOf(meta);
    const configured = log.state.configured;
    if (!configured) throw new AgentOsError('INVALID_ARGUMENT', `session ${meta.id} has no configuration event`);
    const agents = await this.options.agents(repository).load(configured.agent_versions);
    const kindSandboxes = this.options.sandboxes(repository, configured.sandbox.kind);
    const sandboxes = this.options.environment?.wrap(kindSandboxes, repository, meta.id, () => readyEventOf(log)) ?? kindSandboxes;
    return new Harness({
      log,
      model: this.options.model,
      sandboxes,
      agent: (name: string): HarnessAgent | undefined => agents.get(name),
      toolSpecs: (names) => builtinToolSpecs(names as BuiltinToolName[]),
      priceOf: this.options.priceOf,
      ...(this.options.settings.budget ? { budget: this.options.settings.budget } : {}),
      maxDelegationDepth: this.options.settings.delegationDepth,
      maxCorrections: this.options.settings.maxCorrections,
      onThreadResult: pipelineResultHook({
        workspace: () => sandboxes.workspace(meta.id),
        maxReviewRounds: this.options.settings.reviewRounds,
        checkpointCoderWork: this.options.settings.cleanRoomReview,
        ...(sandboxes.childWorktree ? { childWorktree: (key: string) => sandboxes.childWorktree!(meta.id, key) } : {}),
      }),
      sandboxWorkspace: async (thread, agent) => {
        if (!sandboxes.supportsWorkspaces) return undefined;
        if (thread.agentName === REVIEWER && this.options.settings.cleanRoomReview) {
          // The Reviewer checks out exactly what was committed: its evidence cannot rest on leftovers.
          const { worktree } = await sandboxes.workspace(meta.id);
          return { kind: 'clean_room', commit: await headCommit(worktree) };
        }
        if (thread.threadKey && agent.access === 'read_write') return { kind: 'child', key: thread.threadKey };
        return undefined;
      },
      onTextDelta: (threadId, text) => this.options.onTextDelta?.(meta.id, threadId, text),
    });
  }

  /** Appends client input to a session, whether or not a harness of this process runs it. */
  private async withLog<T>(sessionId: string, action: (log: SessionLog, meta: SessionMeta) => Promise<T>): Promise<T> {
    const running = this.active.get(sessionId);
    if (running) return action(running.log, await this.options.store.get(sessionId));
    const { meta, log } = await this.openLog(sessionId);
    try {
      return await action(log, meta);
    } finally {
      await log.close();
    }
  }

  async interrupt(sessionId: string, threadId?: string): Promise<void> {
    const running = this.active.has(sessionId);
    await this.withLog(sessionId, async (log) => {
      const primary = log.state.primaryThreadId as string;
      await log.append({
        type: 'user.interrupt',
        thread: threadId ?? primary,
        ...(threadId ? { session_thread_id: threadId } : {}),
      });
      // A session waiting for a tool confirmation stops waiting, as on the platform: the calls still
      // asking are closed with an error result (the agent may ask again when resumed), and it idles.
      if (!running && log.state.stopReason?.type === 'requires_action') {
        const closed = await closeUnconfirmedCalls(log, threadId);
        if (closed > 0) await log.append({ type: 'session.status_idle', thread: primary, stop_reason: { type: 'end_turn' } });
      }
    });
    if (!threadId) this.active.get(sessionId)?.setup.abort();
    this.active.get(sessionId)?.harness?.interrupt(threadId);
    await this.active.get(sessionId)?.done.catch(() => undefined);
  }

  async confirmTool(sessionId: string, toolUseEventId: string, allow: boolean, denyMessage?: string): Promise<void> {
    this.refuseWhileRunning(sessionId);
    const { meta, log } = await this.openLog(sessionId);
    const use = log.get(toolUseEventId);
    if (!use || use.type !== 'agent.tool_use' || use.evaluated_permission !== 'ask') {
      await log.close();
      throw new AgentOsError('INVALID_ARGUMENT', `event ${toolUseEventId} is not a tool call waiting for confirmation`);
    }
    await log.append({
      type: 'user.tool_confirmation',
      thread: use.thread,
      tool_use_id: toolUseEventId,
      result: allow ? 'allow' : 'deny',
      ...(denyMessage ? { deny_message: denyMessage } : {}),
    });
    await this.launch(meta, log).done;
  }

  private refuseWhileRunning(sessionId: string): void {
    if (this.active.has(sessionId)) {
      throw new AgentOsError('INVALID_ARGUMENT', `session ${sessionId} is running; wait until it asks for you`);
    }
  }

  // ---- approval ----------------------------------------------------------------------------

  async approve(sessionId: string, verdictEventId: string): Promise<void> {
    await this.decide(sessionId, verdictEventId, 'approve');
  }

  async requestChanges(sessionId: string, verdictEventId: string, feedback: string): Promise<void> {
    if (!feedback.trim()) throw new AgentOsError('INVALID_ARGUMENT', 'say what should change');
    await this.decide(sessionId, verdictEventId, 'reject', feedback);
  }

  private async decide(sessionId: string, verdictEventId: string, decision: 'approve' | 'reject', feedback?: string): Promise<void> {
    this.refuseWhileRunning(sessionId);
    const { meta, log } = await this.openLog(sessionId);
    try {
      if (decision === 'approve' && this.approvedButNotCarriedOut(log, verdictEventId)) {
        // Approving again after the push or the pull request failed (remote refused, network down): the
        // approval stands; carry it out now. The evidence was checked then, and the commit made since is ours.
        await this.finishApprovedWork(meta, log);
      } else {
        // An approval that could not be carried out (push failed, work changed since) may still be
        // replaced by a request for changes; the latest decision counts.
        const verdict = this.pendingVerdict(log, verdictEventId, decision === 'reject' && this.approvedButNotCarriedOut(log, verdictEventId));
        if (decision === 'approve') await this.checkEvidenceStillHolds(meta, verdict);
        await log.append({
          type: 'agent_os.approval',
          thread: log.state.primaryThreadId as string,
          verdict_event_id: verdict.id,
          decision,
          ...(feedback ? { feedback } : {}),
        });
        await this.finishApprovedWork(meta, log);
      }
    } catch (error) {
      await log.close();
      throw error;
    }
    await this.launch(meta, log).done;
  }

  private approvedButNotCarriedOut(log: SessionLog, verdictEventId: string): boolean {
    if (log.state.latestVerdict?.id !== verdictEventId) return false;
    const approval = latestApprovalOf(log.events, verdictEventId);
    return approval?.decision === 'approve' && !log.events.some((e) => e.type === 'agent_os.pull_request_opened' && e.seq > approval.seq);
  }

  private pendingVerdict(log: SessionLog, verdictEventId: string, overrideApproval = false): EventOfType<'agent_os.verdict_submitted'> {
    const verdict = log.get(verdictEventId);
    if (!verdict || verdict.type !== 'agent_os.verdict_submitted') {
      throw new AgentOsError('APPROVAL_REFUSED', `event ${verdictEventId} is not a verdict of session ${log.sessionId}`);
    }
    if (log.state.latestVerdict?.id !== verdict.id) {
      throw new AgentOsError('APPROVAL_REFUSED', `verdict ${verdictEventId} is not the latest verdict of this session`);
    }
    if ((verdict.verdict as { decision?: string }).decision !== 'APPROVE') {
      throw new AgentOsError('APPROVAL_REFUSED', 'only an APPROVE verdict can be approved');
    }
    if (!overrideApproval && latestApprovalOf(log.events, verdict.id)) {
      throw new AgentOsError('APPROVAL_REFUSED', 'this verdict was already decided');
    }
    return verdict;
  }

  /** The approval points at a verdict; if the work changed since, the verdict no longer covers it. */
  private async checkEvidenceStillHolds(meta: SessionMeta, verdict: EventOfType<'agent_os.verdict_submitted'>): Promise<void> {
    const workspace = await this.options.sandboxes(this.repositoryOf(meta)).workspace(meta.id);
    const [diff, head] = await Promise.all([diffWorktree(workspace.worktree, workspace.baseCommit), headCommit(workspace.worktree)]);
    if (diff.sha256 !== verdict.evidence.diff_sha256 || head !== verdict.evidence.head_commit) throw worktreeChangedError();
  }

  /**
   * Carries out an approval whose effects are not all in the log yet: commit, push, pull request
   * (found first, so it is opened exactly once even across crashes), then answers the Coordinator's
   * open call to the Reviewer so it can finish.
   */
  private async finishApprovedWork(meta: SessionMeta, log: SessionLog): Promise<void> {
    const verdict = log.state.latestVerdict;
    const approval = verdict ? latestApprovalOf(log.events, verdict.id) : undefined;
    if (!verdict || !approval) return;
    if (approval.decision === 'approve' && !log.events.some((e) => e.type === 'agent_os.pull_request_opened' && e.seq > approval.seq)) {
      if (!this.options.pullRequests) throw new AgentOsError('GITHUB_FAILED', 'no GitHub connection is configured to open the pull request');
      const repository = this.repositoryOf(meta);
      const workspace = await this.options.sandboxes(repository).workspace(meta.id);
      // Also when the approval is carried out later (after a failed push, on wake): the commit made since
      // leaves the hash as it was, but any other change means the verdict no longer covers the work.
      const diff = await diffWorktree(workspace.worktree, workspace.baseCommit);
      if (diff.sha256 !== verdict.evidence.diff_sha256) throw worktreeChangedError();
      const target = await this.options.pullRequests(repository);
      const opened = await openPullRequestForSession({ meta, events: log.events, workspace, target });
      await log.append({ type: 'agent_os.pull_request_opened', thread: log.state.primaryThreadId as string, ...opened });
    }
    await this.answerHeldReview(log, verdict, approval);
  }

  private async answerHeldReview(
    log: SessionLog,
    verdict: EventOfType<'agent_os.verdict_submitted'>,
    approval: EventOfType<'agent_os.approval'>,
  ): Promise<void> {
    const reviewerThread = verdict.thread;
    const parent = log.state.threads[reviewerThread]?.parentThreadId;
    if (!parent) return;
    const held = [...(log.state.threads[parent]?.pendingToolUses.values() ?? [])].find((use) =>
      log.events.some((e) => e.type === 'agent.thread_message_sent' && e.delegation_tool_use_id === use.id && e.to_session_thread_id === reviewerThread),
    );
    if (!held) return;
    const text = approvalOutcomeText(log.events, approval);
    const events: EventInput[] = [
      {
        type: 'agent.thread_message_sent',
        thread: reviewerThread,
        to_session_thread_id: parent,
        content: [{ type: 'text', text }],
        delegation_tool_use_id: held.id,
      },
      { type: 'agent.tool_result', thread: parent, tool_use_id: held.id, content: [{ type: 'text', text }], is_error: false },
    ];
    await log.appendMany(events);
  }

  // ---- other -------------------------------------------------------------------------------

  async changes(sessionId: string): Promise<SessionChanges> {
    const meta = await this.options.store.get(sessionId);
    const workspace = await this.options.sandboxes(this.repositoryOf(meta)).workspace(sessionId);
    const diff = await diffWorktree(workspace.worktree, workspace.baseCommit);
    return {
      baseCommit: workspace.baseCommit,
      headCommit: await headCommit(workspace.worktree),
      worktree: workspace.worktree,
      files: diff.files.map((f) => ({ path: f.path, status: fileStatus(f.status) })),
    };
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
      const events: SessionEvent[] = await this.options.store.read(sessionId).catch(() => []);
      const configured = events.find((e): e is EventOfType<'agent_os.session_configured'> => e.type === 'agent_os.session_configured');
      await this.options.sandboxes(meta.repository, configured?.sandbox.kind).removeSession(sessionId).catch((error: unknown) => {
        throw new AgentOsError('SANDBOX_UNAVAILABLE', `could not remove the sandbox of ${sessionId}: ${describeError(error)}`);
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

function worktreeChangedError(): AgentOsError {
  return new AgentOsError(
    'APPROVAL_REFUSED',
    'the worktree changed after the Reviewer\'s verdict; the verdict no longer covers it — request changes for a new review',
  );
}

function fileStatus(letter: string): SessionChanges['files'][number]['status'] {
  if (letter.startsWith('A')) return 'added';
  if (letter.startsWith('D')) return 'deleted';
  if (letter.startsWith('R')) return 'renamed';
  return 'modified';
}

export type { SessionEvent };

/** Answers the tool calls still waiting for a person's confirmation (of one thread, or all). */
async function closeUnconfirmedCalls(log: SessionLog, threadId?: string): Promise<number> {
  const confirmed = new Set(log.events.flatMap((e) => (e.type === 'user.tool_confirmation' ? [e.tool_use_id] : [])));
  const waiting = Object.values(log.state.threads)
    .filter((t) => threadId === undefined || t.id === threadId)
    .flatMap((t) => [...t.pendingToolUses.values()])
    .filter((use) => use.evaluated_permission === 'ask' && !confirmed.has(use.id));
  for (const use of waiting) {
    await log.append({
      type: 'agent.tool_result',
      thread: use.thread,
      tool_use_id: use.id,
      content: [{ type: 'text', text: 'interrupted before completion: the person interrupted while this call waited for confirmation; it did not run' }],
      is_error: true,
    });
  }
  for (const thread of new Set(waiting.map((use) => use.thread))) {
    await log.append({
      type: 'session.thread_status_idle',
      thread,
      session_thread_id: thread,
      agent_name: log.state.threads[thread]?.agentName ?? 'agent',
      stop_reason: { type: 'end_turn' },
    });
  }
  return waiting.length;
}

