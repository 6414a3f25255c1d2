// The sandbox each thread of a run uses, opened on first need and let go when the run ends. The
// harness only asks for "the sandbox of this thread"; which files it holds is decided as the thread
// starts running (a Reviewer's clean room at the commit under review, a parallel Coder's worktree).
import type { Sandbox, SandboxProvider, SandboxWorkspace } from '../sandbox/sandbox.ts';
import type { ThreadState } from '../session/sessionState.ts';
import { enabledToolNames } from '../tools/toolConfig.ts';
import type { HarnessAgent } from './harnessAgent.ts';

export type WorkspaceChooser = (thread: ThreadState, agent: HarnessAgent) => Promise<SandboxWorkspace | undefined>;

export class ThreadSandboxes {
  private readonly sandboxes = new Map<string, Promise<Sandbox>>();
  /** The workspace each thread's sandbox was opened on (absent: the session's worktree). */
  private readonly workspaces = new Map<string, SandboxWorkspace>();

  constructor(
    private readonly provider: SandboxProvider,
    private readonly sessionId: string,
    private readonly chooser?: WorkspaceChooser,
  ) {}

  of(threadId: string, agent: HarnessAgent): Promise<Sandbox> {
    let sandbox = this.sandboxes.get(threadId);
    if (!sandbox) {
      const workspace = this.workspaces.get(threadId);
      sandbox = this.provider.open({
        sessionId: this.sessionId,
        threadId,
        access: agent.access,
        network: agent.network,
        enabledTools: enabledToolNames(agent.tools),
        ...(workspace ? { workspace } : {}),
      });
      this.sandboxes.set(threadId, sandbox);
      sandbox.catch(() => this.sandboxes.delete(threadId));
    }
    return sandbox;
  }

  /** Decides, as a thread starts running, which files its sandbox holds. When that changed since the
   * sandbox was opened (a Reviewer's clean room at a newer commit), the old sandbox is let go. */
  async choose(thread: ThreadState | undefined, agent: HarnessAgent): Promise<void> {
    if (!this.chooser || !thread) return;
    const next = await this.chooser(thread, agent);
    const current = this.workspaces.get(thread.id);
    if (JSON.stringify(next) === JSON.stringify(current)) return;
    const open = this.sandboxes.get(thread.id);
    this.sandboxes.delete(thread.id);
    if (next) this.workspaces.set(thread.id, next);
    else this.workspaces.delete(thread.id);
    await (await open?.catch(() => undefined))?.dispose();
  }

  /**
   * Runs `action` in a sandbox of the runtime's own over the thread's files (a Reviewer's clean room at the
   * commit under review): read-only, offline, bash only, opened fresh and closed after. Not the agent's own
   * sandbox: what a read-only agent did to its copy (a deleted test, a stub) cannot change the runtime's run.
   */
  async withRuntimeSandbox<T>(threadId: string, action: (sandbox: Sandbox) => Promise<T>): Promise<T> {
    const workspace = this.workspaces.get(threadId);
    const sandbox = await this.provider.open({
      sessionId: this.sessionId,
      threadId: `${threadId}-runtime`,
      access: 'read_only',
      network: false,
      enabledTools: ['bash'],
      ...(workspace ? { workspace } : {}),
    });
    try {
      return await action(sandbox);
    } finally {
      await sandbox.dispose();
    }
  }

  async disposeAll(): Promise<void> {
    await Promise.all([...this.sandboxes.values()].map(async (s) => (await s.catch(() => undefined))?.dispose()));
    this.sandboxes.clear();
  }
}
