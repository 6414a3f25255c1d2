// What a session changed: its worktree against the commit it started from, for "Show Changes".
import type { SessionChanges } from '../../core/runtime/sessionService.ts';
import { headCommit } from '../git/commits.ts';
import { diffWorktree } from '../git/worktreeDiff.ts';
import type { SessionWorkspaceInfo } from './sessionSandboxes.ts';

export async function sessionChanges(workspace: SessionWorkspaceInfo): Promise<SessionChanges> {
  const diff = await diffWorktree(workspace.worktree, workspace.baseCommit);
  return {
    baseCommit: workspace.baseCommit,
    headCommit: await headCommit(workspace.worktree),
    worktree: workspace.worktree,
    files: diff.files.map((f) => ({ path: f.path, status: fileStatus(f.status) })),
  };
}

function fileStatus(letter: string): SessionChanges['files'][number]['status'] {
  if (letter.startsWith('A')) return 'added';
  if (letter.startsWith('D')) return 'deleted';
  if (letter.startsWith('R')) return 'renamed';
  return 'modified';
}
