// The pipeline's roles and every rule keyed on them, in one place: which agent a session starts with,
// what the pipeline checks in what each role hands back, and where each role's tools work. An agent of
// another name (your own) is plain: its answer goes back as it is, in the session's worktree.
import type { SandboxAccess } from '../sandbox/sandbox.ts';
import type { WorkspaceNeed } from '../sandbox/sessionSandboxes.ts';

export const COORDINATOR = 'Coordinator';
export const PLANNER = 'Planner';
export const CODER = 'Coder';
export const REVIEWER = 'Reviewer';

export interface RoleRules {
  /** What is checked in what the role hands back: a plan (validated, recorded), a verdict (validated,
   * tied to its evidence, APPROVE held for the person), the work (committed on the session branch), or
   * nothing. */
  result: 'plan' | 'verdict' | 'work' | 'text';
  /** Works in a clean checkout of the commit under review rather than the Coder's worktree. */
  cleanRoom: boolean;
}

const PLAIN: RoleRules = { result: 'text', cleanRoom: false };

const RULES: Readonly<Record<string, RoleRules>> = {
  [COORDINATOR]: PLAIN,
  [PLANNER]: { result: 'plan', cleanRoom: false },
  [CODER]: { result: 'work', cleanRoom: false },
  [REVIEWER]: { result: 'verdict', cleanRoom: true },
};

export function roleRules(agentName: string): RoleRules {
  return RULES[agentName] ?? PLAIN;
}

/** Which files a thread works in when it is first given a workspace: the Reviewer's clean room (where the
 * session reviews in one), a parallel writer's own repository, else the session's. Once recorded, the
 * thread keeps it (src/core/harness/threadWorkspace.ts). */
export function workspaceNeedOf(
  thread: { agentName: string; threadKey?: string },
  access: SandboxAccess,
  cleanRoomReview: boolean,
): WorkspaceNeed {
  // The Reviewer checks out exactly what was committed: its evidence cannot rest on leftovers.
  if (roleRules(thread.agentName).cleanRoom && cleanRoomReview) return { kind: 'clean_room' };
  if (thread.threadKey && access === 'read_write') return { kind: 'child', key: thread.threadKey };
  return { kind: 'session' };
}

/** The agent a pipeline session (an issue to a pull request) starts with. */
export const PIPELINE_PRIMARY_AGENT = COORDINATOR;
