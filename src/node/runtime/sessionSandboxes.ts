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
  /** The session's worktree, made (or re-made from its branch) when missing. */
  workspace(sessionId: string): Promise<SessionWorkspaceInfo>;
}
