// The sandbox port of a repository's sessions: everything the runtime and the harness ask of the machine
// about where agents work. A thread's sandbox (`open`) and which files it holds (`chooseWorkspace`, then
// recorded in the log and checked on wake by `refuseWorkspace`), the session's repository (`workspace`),
// what a killed process left (`recover`), what keeps running (`stopSession`), removal (`removeSession`),
// which kind runs (`describe`), and the only ways the agents' work reaches the host: taken over into the
// session's vault (verified objects), merged from a parallel Coder, delivered after approval. Implemented
// in src/node/sandbox (chosenSessionSandboxes.ts); the runtime only wires it.
import type { SandboxProvider, SandboxWorkspace } from './sandbox.ts';
import type { ConfinedCopyRequest, ConfinedCopyResult, MergeResult, WorktreeDiff } from './sessionChanges.ts';

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

/** Which files a thread needs, by the pipeline's rules (src/core/pipeline/roles.ts); the port turns it
 * into a workspace: a clean room needs the commit under review, which only the sandboxes know. */
export type WorkspaceNeed = { kind: 'session' } | { kind: 'clean_room' } | { kind: 'child'; key: string };

export interface ChosenWorkspace {
  workspace: SandboxWorkspace;
  /** The host folder its files will be in, for people (a wake never opens a recorded path). */
  workdir: string;
}

export interface SessionSandboxes extends SandboxProvider {
  describe(): Promise<SandboxDescription>;
  /** Clears what a killed process left in the session's repositories (stale git locks, half-made clones),
   * once per process. Called only while holding the session's writer lock. */
  recover(sessionId: string): Promise<void>;
  /** Stops what the session's sandboxes keep running between runs (containers); the files stay. */
  stopSession(sessionId: string): Promise<void>;
  /** The session's repository, made (or re-made from the vault) when missing. */
  workspace(sessionId: string): Promise<SessionWorkspaceInfo>;
  /** Decides the files a thread with this need works in (a clean room at the session branch's head, its
   * files taken over first). Nothing is opened: the harness records the choice before any tool runs there. */
  chooseWorkspace(sessionId: string, need: WorkspaceNeed): Promise<ChosenWorkspace>;
  /** Why a workspace read from the log may not be used by this session, or undefined when it may: a clean
   * room's commit must be one of the session's own history, a child's key must name a folder. */
  refuseWorkspace(sessionId: string, workspace: SandboxWorkspace): Promise<string | undefined>;
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
   * Agent OS's git: only `to` is written, no symbolic link in it is followed. */
  copyConfined(sessionId: string, request: ConfinedCopyRequest): Promise<ConfinedCopyResult>;
}

/** What the harness asks of the port: a thread's sandbox, and which files it holds. */
export type ThreadSandboxPort = Pick<SessionSandboxes, 'open' | 'chooseWorkspace' | 'refuseWorkspace'>;
