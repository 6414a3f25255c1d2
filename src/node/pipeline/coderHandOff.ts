// When a Coder thread hands its work back, the work becomes a commit on the session branch: a
// checkpoint the Reviewer's clean room checks out, so a verdict rests on what was committed and not on
// files the Coder left lying around (ignored or untracked-excluded files never reach the clean room).
// A parallel Coder (its own repository and branch) is merged back instead; a conflict is reported to the
// Coordinator as a task for a Coder thread, and nothing is lost: its branch keeps every commit.
// Both happen confined, through the session's sandboxes (sessionGit.ts): the host never runs git on them.
import type { SessionSandboxes } from '../../core/sandbox/sessionSandboxes.ts';

export interface HandOffInput {
  sessionId: string;
  sandboxes: Pick<SessionSandboxes, 'checkpoint' | 'mergeChild'>;
  agentName: string;
  finalText: string;
  /** Present for a parallel Coder thread: its thread key. */
  childKey?: string;
}

export interface HandOffResult {
  /** What the Coordinator is told beside the Coder's own report. */
  note: string;
  /** True when the work did not reach the session branch (a merge conflict). */
  conflict: boolean;
  /** The session branch's head after the hand-off, and whether it moved (absent on a conflict). */
  head?: { commit: string; moved: boolean };
}

export async function handOffCoderWork(input: HandOffInput): Promise<HandOffResult> {
  const summary = (input.finalText.split('\n').find((l) => l.trim()) ?? 'work').trim().slice(0, 72);
  if (!input.childKey) {
    const own = await input.sandboxes.checkpoint(input.sessionId, `${input.agentName}: ${summary}`);
    return {
      note: own.committed
        ? `(Agent OS committed this work as ${own.commit.slice(0, 12)} on the session branch.)`
        : '(No file changes to commit.)',
      conflict: false,
      head: { commit: own.commit, moved: own.committed },
    };
  }
  const key = input.childKey;
  const merged = await input.sandboxes.mergeChild(input.sessionId, key, `${input.agentName} [${key}]`);
  if (merged.status === 'merged') {
    return {
      note: merged.upToDate
        ? `(Thread ${key} changed nothing to merge.)`
        : `(Agent OS merged ${merged.childBranch} into the session branch: ${merged.commit.slice(0, 12)}.)`,
      conflict: false,
      head: { commit: merged.commit, moved: !merged.upToDate },
    };
  }
  return {
    note: `MERGE CONFLICT: the work of thread ${key} (branch ${merged.childBranch}) conflicts with the session branch in ${merged.files.join(', ')}. Nothing was lost; the session branch is unchanged. Give a Coder this task:\n${merged.task}`,
    conflict: true,
  };
}
