// Which files a thread works in, read from the log: the workspace recorded when it was first chosen
// (`agent_os.thread_workspace`, folded into the thread's state) is used again on every wake, so a changed
// setting or a moved branch never moves an existing thread. Chosen anew only when nothing usable is
// recorded — a new thread, a log from before the record (or a crash between choosing and recording: nothing
// was opened there yet, so choosing again does nothing twice) — or when a new task is given to a thread in
// a clean room, which is of one commit: the next review is of the newer one.
import type { EventOfType } from '../events/sessionEvent.ts';
import type { WorkspaceNeed } from '../sandbox/sessionSandboxes.ts';
import type { ThreadState } from '../session/sessionState.ts';

export type ThreadWorkspaceRecord = EventOfType<'agent_os.thread_workspace'>;

export type WorkspaceDecision =
  | { kind: 'use'; record: ThreadWorkspaceRecord }
  /** `refused`: why the thread's record could not be used (said in the new record). */
  | { kind: 'choose'; need: WorkspaceNeed; refused?: string };

const FULL_COMMIT = /^[0-9a-f]{40,64}$/;

export function workspaceDecision(
  thread: ThreadState,
  sandboxKind: string,
  need: () => WorkspaceNeed,
): WorkspaceDecision {
  const record = thread.workspace;
  if (!record) return { kind: 'choose', need: need() };
  const refused = refusal(record, thread, sandboxKind);
  if (refused) return { kind: 'choose', need: need(), refused };
  if (record.workspace.kind === 'clean_room' && (thread.taskSeq ?? 0) > record.seq)
    return { kind: 'choose', need: { kind: 'clean_room' } };
  return { kind: 'use', record };
}

/**
 * What the log alone shows is wrong with a recorded workspace: another thread's, another sandbox kind's,
 * another thread's child repository, a clean room without a full commit id. The sandboxes check the rest
 * (SessionSandboxes.refuseWorkspace: the commit is of the session's history). A log is written only by Agent
 * OS, but a garbled or planted record must not move a thread out of what its session may use.
 */
export function refusal(record: ThreadWorkspaceRecord, thread: ThreadState, sandboxKind: string): string | undefined {
  if (record.session_thread_id !== thread.id) return `it names thread ${record.session_thread_id}`;
  if (record.sandbox_kind !== sandboxKind)
    return `it was chosen under sandbox kind ${record.sandbox_kind}; the session runs ${sandboxKind}`;
  const { workspace } = record;
  if (workspace.kind === 'child' && workspace.key !== thread.threadKey)
    return `its repository ${JSON.stringify(workspace.key)} is not this thread's own`;
  if (workspace.kind === 'clean_room' && !FULL_COMMIT.test(workspace.commit))
    return `its clean room names ${JSON.stringify(workspace.commit)}, not a full commit id`;
  return undefined;
}
