// What the runtime tells agents beside their own prompt, read from the session's log so that every request
// and every wake sends the same bytes: the project's memory files (AGENTS.md, CLAUDE.md, pinned when the
// session started), the repository's test command (for the Planner and the Reviewer, whose plans and
// verdicts the runtime checks with it), and the runtime's rules for a Coder that reports plan steps.
import type { EventOfType } from '../events/sessionEvent.ts';
import { COMPLETE_STEP_TOOL_NAME } from './planSteps.ts';
import { roleRules } from './roles.ts';

export interface AgentContextInput {
  agentName: string;
  memory?: EventOfType<'agent_os.project_memory'>;
  preferences?: EventOfType<'agent_os.preferences_pinned'>;
  testCommand?: string;
  completesSteps: boolean;
  maxStepAttempts: number;
  /** A forked session's word on its files (sessionFork.ts `forkNote`). */
  forkNote?: string;
}

export function agentContext(input: AgentContextInput): string | undefined {
  const parts: string[] = input.forkNote ? [input.forkNote] : [];
  const { result } = roleRules(input.agentName);
  if (input.testCommand && (result === 'plan' || result === 'verdict')) {
    parts.push(
      result === 'plan'
        ? `The repository's full test command, from its environment set-up, is \`${input.testCommand}\`. Use it as the last step's validation unless the task needs another.`
        : `The repository's full test command, from its environment set-up, is \`${input.testCommand}\`. Before your APPROVE counts, Agent OS runs it itself at the commit under review in your sandbox; an APPROVE over a failing run comes back to you with its output.`,
    );
  }
  if (input.completesSteps) {
    parts.push(
      `Agent OS checks plan steps itself. When a step is done, call ${COMPLETE_STEP_TOOL_NAME} with its step_id: Agent OS runs the step's validation command in a fresh shell of your sandbox and answers with the result. ` +
        `A step has ${input.maxStepAttempts} attempts; after the last failing one the step fails and your thread stops. Your report of a step as PASSED counts only when that run passed.`,
    );
  }
  if (input.preferences) {
    parts.push(
      `The person's preferences for this repository, learned from their corrections in earlier sessions (version ${input.preferences.version}):\n${input.preferences.text.replace(/\s*<!--.*?-->/g, '').trim()}`,
    );
  }
  const files = input.memory?.files ?? [];
  if (files.length > 0) {
    parts.push(
      'Project memory — instructions the repository keeps for agents (AGENTS.md / CLAUDE.md, as they were when this session started; a nested file applies to its folder):',
      ...files.map(
        (f) =>
          `<project_memory path="${f.path}"${f.truncated ? ' truncated="true"' : ''}>\n${f.content.trimEnd()}\n</project_memory>`,
      ),
    );
  }
  return parts.length > 0 ? `# From Agent OS\n\n${parts.join('\n\n')}` : undefined;
}
