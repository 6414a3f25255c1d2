// What the runtime needs of a repository's sandboxes beyond the SandboxProvider port: which kind runs
// (recorded in the session and shown to people), where the session's repository and base are, and the
// only ways the agents' work reaches the host: taken over into the session's vault (verified objects),
// merged from a parallel Coder, delivered to the person's repository after approval.
import type { SandboxProvider } from '../../core/sandbox/sandbox.ts';
import type { WorktreeDiff } from '../git/worktreeDiff.ts';
import type { ConfinedCopyRequest, ConfinedCopyResult } from '../sandbox/confinedCopy.ts';
import type { MergeResult } from '../sandbox/sessionGit.ts';

export interface SandboxDescription {
  kind: string;
  confined: boolean;
  detail: string;
}

export interface SessionWorkspaceInfo {
  /** The session's repository (agents' files: the host reads nothing in it). */
  worktree: string;
  baseCommit: string;
  branch: string;
}

export interface SessionChangeSet {
  /** The session branch's head commit. */
  head: string;
  /** The files as they are (committed or not) against the base commit. */
  diff: WorktreeDiff;
  /** A commit of those files, in `gitDir` (the vault), for showing them. */
  snapshot: string;
  gitDir: string;
}

export interface SessionSandboxes extends SandboxProvider {
  describe(): Promise<SandboxDescription>;
  /** Whether threads can get sandboxes of their own (clean rooms, child repositories); when not, every
   * thread works in the session's repository. */
  readonly supportsWorkspaces: boolean;
  /** Clears what a killed process left in the session's repositories (stale git locks, half-made clones),
   * once per process. Called only while holding the session's writer lock. */
  recover(sessionId: string): Promise<void>;
  /** Stops what the session's sandboxes keep running between runs (containers); the files stay. */
  stopSession(sessionId: string): Promise<void>;
  /** The session's repository, made (or re-made from the vault) when missing. */
  workspace(sessionId: string): Promise<SessionWorkspaceInfo>;
  /** Takes the session's files over into the vault (nothing is committed) and says what changed. */
  changes(sessionId: string): Promise<SessionChangeSet>;
  /** Commits what is uncommitted in the session's repository (confined) and takes it over. */
  checkpoint(sessionId: string, message: string): Promise<{ commit: string; committed: boolean }>;
  /** Takes a parallel Coder's repository over (its leftovers committed) and merges its branch into the
   * session's repository. */
  mergeChild(sessionId: string, key: string, label: string): Promise<MergeResult>;
  /** Brings the session branch, exactly at `head`, into the person's repository (for the push). */
  deliver(sessionId: string, head: string): Promise<void>;
  /** Makes a fork's repository start at `commit` of the source session's work (its vault's copy), or at the
   * source's base commit when undefined; says which commit and that base. */
  fork(sourceId: string, forkId: string, commit: string | undefined): Promise<{ commit: string; baseCommit: string }>;
  /** Copies files between a host folder and a sandbox's files (or a cache entry being made), confined like
   * Agent OS's git: only `to` is written, no symbolic link in it is followed (confinedCopy.ts). */
  copyConfined(sessionId: string, request: ConfinedCopyRequest): Promise<ConfinedCopyResult>;
}

/** A SessionSandboxes with `open` (and only it) replaced. */
export function withOpen(sandboxes: SessionSandboxes, open: SessionSandboxes['open']): SessionSandboxes {
  return {
    open,
    supportsWorkspaces: sandboxes.supportsWorkspaces,
    removeSession: (id) => sandboxes.removeSession(id),
    describe: () => sandboxes.describe(),
    workspace: (id) => sandboxes.workspace(id),
    changes: (id) => sandboxes.changes(id),
    checkpoint: (id, message) => sandboxes.checkpoint(id, message),
    mergeChild: (id, key, label) => sandboxes.mergeChild(id, key, label),
    deliver: (id, head) => sandboxes.deliver(id, head),
    fork: (source, fork, commit) => sandboxes.fork(source, fork, commit),
    copyConfined: (id, request) => sandboxes.copyConfined(id, request),
    recover: (id) => sandboxes.recover(id),
    stopSession: (id) => sandboxes.stopSession(id),
  };
}
