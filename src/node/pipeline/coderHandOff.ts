// When a Coder thread hands its work back, the work becomes a commit on the session branch: a
// checkpoint the Reviewer's clean room checks out, so a verdict rests on what was committed and not on
// files the Coder left lying around (ignored or untracked-excluded files never reach the clean room).
// A parallel Coder (its own worktree and branch) is merged back instead; a conflict is reported to the
// Coordinator as a task for a Coder thread, and nothing is lost: its branch keeps every commit.
import { commitAll } from '../git/commitAll.ts';
import { mergeChild } from '../sandbox/cleanRoom.ts';

export interface HandOffInput {
  sessionWorktree: string;
  agentName: string;
  finalText: string;
  /** Present for a parallel Coder thread. */
  child?: { key: string; worktree: string; branch: string };
}

export interface HandOffResult {
  /** What the Coordinator is told beside the Coder's own report. */
  note: string;
  /** True when the work did not reach the session branch (a merge conflict). */
  conflict: boolean;
}

export async function handOffCoderWork(input: HandOffInput): Promise<HandOffResult> {
  const summary = (input.finalText.split('\n').find((l) => l.trim()) ?? 'work').trim().slice(0, 72);
  // The session worktree must be clean before a merge; commit whatever is there first.
  const own = await commitAll(input.sessionWorktree, { message: `${input.agentName}: ${summary}` });
  if (!input.child) {
    return {
      note: own.committed ? `(Agent OS committed this work as ${own.commit.slice(0, 12)} on the session branch.)` : '(No file changes to commit.)',
      conflict: false,
    };
  }
  const merged = await mergeChild({
    parentWorktree: input.sessionWorktree,
    child: { worktree: input.child.worktree, branch: input.child.branch },
    commitLeftovers: true,
    label: `${input.agentName} [${input.child.key}]`,
  });
  switch (merged.status) {
    case 'merged':
      return {
        note: merged.upToDate
          ? `(Thread ${input.child.key} changed nothing to merge.)`
          : `(Agent OS merged ${input.child.branch} into the session branch: ${merged.commit.slice(0, 12)}.)`,
        conflict: false,
      };
    case 'conflict':
      return {
        note: `MERGE CONFLICT: the work of thread ${input.child.key} (branch ${merged.childBranch}) conflicts with the session branch in ${merged.files.join(', ')}. Nothing was lost; the session branch is unchanged. Give a Coder this task:\n${merged.task}`,
        conflict: true,
      };
    case 'parent_dirty':
    case 'child_dirty':
      return { note: `Could not merge thread ${input.child.key}: uncommitted files ${merged.files.join(', ')}.`, conflict: true };
  }
}
