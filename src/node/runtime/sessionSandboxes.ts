// What the runtime needs of a repository's sandboxes beyond the SandboxProvider port: which kind runs
// (recorded in the session and shown to people) and where the session's worktree and base are.
import type { SandboxProvider } from '../../core/sandbox/sandbox.ts';

export interface SandboxDescription {
  kind: string;
  confined: boolean;
  detail: string;
}

export interface SessionWorkspaceInfo {
  worktree: string;
  baseCommit: string;
  branch: string;
}

export interface SessionSandboxes extends SandboxProvider {
  describe(): Promise<SandboxDescription>;
  /** Whether threads can get sandboxes of their own (clean rooms, child worktrees); when not, every
   * thread works on the session's worktree. */
  readonly supportsWorkspaces: boolean;
  /** Where a child thread (`thread_key`) works, for merging its branch back. */
  childWorktree?(sessionId: string, key: string): Promise<{ worktree: string; branch: string }>;
  /** Clears what a killed process left in the session's sandboxes (half-made worktrees, stale git locks,
   * temp files), once per process. Called only while holding the session's writer lock. */
  recover?(sessionId: string): Promise<void>;
  /** Stops what the session's sandboxes keep running between runs (containers); the files stay. */
  stopSession?(sessionId: string): Promise<void>;
  /** The session's worktree, made (or re-made from its branch) when missing. */
  workspace(sessionId: string): Promise<SessionWorkspaceInfo>;
}
