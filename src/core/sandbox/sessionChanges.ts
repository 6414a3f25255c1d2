// What the agents' work is, as data: the change against the session's base (the diff a verdict judges),
// the result of merging a parallel Coder's branch, and a confined copy's request and result. The sandboxes
// (src/node/sandbox) make them with git; the pipeline and the views only read them.

export interface ChangedFile {
  /** git's letter: A added, M modified, D deleted, R renamed, T type changed. */
  status: string;
  path: string;
  /** The former path of a renamed file. */
  oldPath?: string;
  /** Lines added and deleted; undefined for binary files. */
  additions?: number;
  deletions?: number;
}

export interface WorktreeDiff {
  base: string;
  /** The tree the diff leads to: the same content gives the same tree, committed or not. */
  tree: string;
  files: ChangedFile[];
  /** Unified diff text (binary files as git binary patches). */
  patch: string;
  /** sha256 of `patch`, hex. */
  sha256: string;
}

export type MergeResult =
  /** Merged (or nothing to merge): `commit` is the session repository's new head. */
  | { status: 'merged'; commit: string; childBranch: string; upToDate: boolean }
  /** Both sides changed the same lines: the session repository is unchanged and has the child's branch,
   * which keeps all its commits. `task` is a ready-made instruction for a Coder thread. */
  | { status: 'conflict'; childBranch: string; childHead: string; parentHead: string; files: string[]; task: string };

export interface ConfinedCopyRequest {
  /** The host folder copied from: read, never written. */
  from: string;
  /** The host folder copied into: the only one written. */
  to: string;
  /** Files or folders, relative to both; each replaces what `to` had there. */
  paths: readonly string[];
}

export interface ConfinedCopyResult {
  copied: string[];
  /** Not in `from`. */
  missing: string[];
  /** Refused, with the reason (a folder on the way is a symbolic link). */
  skipped: { path: string; reason: string }[];
}
