// The sandbox each thread of a run uses, opened on first need and let go when the run ends. Which files
// it holds is the thread's recorded workspace (threadWorkspace.ts): as a thread starts running the harness
// asks the sandbox port to choose one only when the log has none it may use, and records the choice before
// any tool runs there — so a wake reads it rather than choosing again.
import type { Sandbox, SandboxAccess, SandboxWorkspace } from '../sandbox/sandbox.ts';
import type { ThreadSandboxPort } from '../sandbox/sessionSandboxes.ts';
import { workspaceNeedOf } from '../pipeline/roles.ts';
import type { ThreadState } from '../session/sessionState.ts';
import { enabledToolNames } from '../tools/toolConfig.ts';
import type { HarnessAgent } from './harnessAgent.ts';
import type { SessionLog } from './sessionLog.ts';
import { workspaceDecision } from './threadWorkspace.ts';

interface OpenSandbox {
  /** The recorded workspace it was opened on (as JSON): another one means another sandbox. */
  on: string;
  sandbox: Promise<Sandbox>;
}

export class ThreadSandboxes {
  private readonly sandboxes = new Map<string, OpenSandbox>();

  constructor(
    private readonly port: ThreadSandboxPort,
    private readonly log: SessionLog,
    /** Whether the pipeline's Reviewer reviews in a clean room (the runtime's setting). */
    private readonly cleanRoomReview: boolean,
  ) {}

  of(threadId: string, agent: HarnessAgent): Promise<Sandbox> {
    const { workspace, access } = this.recorded(threadId, agent.access);
    let open = this.sandboxes.get(threadId);
    if (!open) {
      const sandbox = this.port.open({
        sessionId: this.log.sessionId,
        threadId,
        access,
        network: agent.network,
        enabledTools: enabledToolNames(agent.tools),
        workspace,
      });
      open = { on: JSON.stringify([workspace, access]), sandbox };
      this.sandboxes.set(threadId, open);
      sandbox.catch(() => this.sandboxes.delete(threadId));
    }
    return open.sandbox;
  }

  /** As a thread starts running: its workspace as recorded, or chosen now and recorded. A sandbox this run
   * opened on another workspace (a clean room at an older commit) is let go. */
  async settle(thread: ThreadState, agent: HarnessAgent): Promise<void> {
    const sessionId = this.log.sessionId;
    const sandboxKind = this.log.state.configured?.sandbox.kind ?? 'unknown';
    const need = () => workspaceNeedOf(thread, agent.access, this.cleanRoomReview);
    let decision = workspaceDecision(thread, sandboxKind, need);
    if (decision.kind === 'use') {
      const refused = await this.port.refuseWorkspace(sessionId, decision.record.workspace);
      if (refused) decision = { kind: 'choose', need: need(), refused };
    }
    if (decision.kind === 'choose') {
      const chosen = await this.port.chooseWorkspace(sessionId, decision.need);
      await this.log.append({
        type: 'agent_os.thread_workspace',
        thread: thread.id,
        session_thread_id: thread.id,
        sandbox_kind: sandboxKind,
        workspace: chosen.workspace,
        workdir: chosen.workdir,
        read_only: agent.access === 'read_only',
        ...(decision.refused ? { replaces_refused: decision.refused } : {}),
      });
    }
    const { workspace, access } = this.recorded(thread.id, agent.access);
    const open = this.sandboxes.get(thread.id);
    if (!open || open.on === JSON.stringify([workspace, access])) return;
    this.sandboxes.delete(thread.id);
    await (await open.sandbox.catch(() => undefined))?.dispose();
  }

  /**
   * Runs `action` in a sandbox of the runtime's own over the thread's files (a Reviewer's clean room at the
   * commit under review): read-only, offline, bash only, opened fresh and closed after. Not the agent's own
   * sandbox: what a read-only agent did to its copy (a deleted test, a stub) cannot change the runtime's run.
   */
  async withRuntimeSandbox<T>(threadId: string, action: (sandbox: Sandbox) => Promise<T>): Promise<T> {
    const sandbox = await this.port.open({
      sessionId: this.log.sessionId,
      threadId: `${threadId}-runtime`,
      access: 'read_only',
      network: false,
      enabledTools: ['bash'],
      workspace: this.recorded(threadId, 'read_only').workspace,
    });
    try {
      return await action(sandbox);
    } finally {
      await sandbox.dispose();
    }
  }

  async disposeAll(): Promise<void> {
    const open = [...this.sandboxes.values()];
    this.sandboxes.clear();
    await Promise.all(open.map(async (o) => (await o.sandbox.catch(() => undefined))?.dispose()));
  }

  /** The thread's recorded workspace (the session's when none is), and the agent's access there: never more
   * than the record says the thread had. */
  private recorded(threadId: string, access: SandboxAccess): { workspace: SandboxWorkspace; access: SandboxAccess } {
    const record = this.log.state.threads[threadId]?.workspace;
    return {
      workspace: record?.workspace ?? { kind: 'session' },
      access: record?.read_only ? 'read_only' : access,
    };
  }
}
