// What a session changed: its files against the commit it started from, for "Show Changes". Both sides are
// read from the session's vault (taken over, verified), never from the agents' repository.
import type { SessionChanges } from '../../core/runtime/sessionService.ts';
import type { SessionSandboxes } from '../../core/sandbox/sessionSandboxes.ts';

export async function sessionChanges(
  sandboxes: Pick<SessionSandboxes, 'workspace' | 'changes'>,
  sessionId: string,
): Promise<SessionChanges> {
  const workspace = await sandboxes.workspace(sessionId);
  const changes = await sandboxes.changes(sessionId);
  return {
    baseCommit: workspace.baseCommit,
    headCommit: changes.head,
    worktree: workspace.worktree,
    gitDir: changes.gitDir,
    filesCommit: changes.snapshot,
    files: changes.diff.files.map((f) => ({ path: f.path, status: fileStatus(f.status) })),
  };
}

function fileStatus(letter: string): SessionChanges['files'][number]['status'] {
  if (letter.startsWith('A')) return 'added';
  if (letter.startsWith('D')) return 'deleted';
  if (letter.startsWith('R')) return 'renamed';
  return 'modified';
}
