// The pipeline's roles and every rule keyed on them, in one place: which agent a session starts with,
// what the pipeline checks in what each role hands back, and where each role's tools work. An agent of
// another name (your own) is plain: its answer goes back as it is, in the session's worktree.

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

/** The agent a pipeline session (an issue to a pull request) starts with. */
export const PIPELINE_PRIMARY_AGENT = COORDINATOR;
