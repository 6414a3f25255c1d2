// The scripted model's part in the offline demo: all four agents, turn by turn, working the sample
// repository's issue through one REJECT round to an APPROVE. Built from the fixture's own solution, so
// the demo's change is a real one that makes a real test suite pass.
import { sampleIssue } from './fixture/issue.ts';
import {
  sampleApproveVerdict,
  samplePlan,
  sampleRejectVerdict,
  sampleTestCommand,
  solutionCodeChange,
  solutionTest,
  solutionTestDraft,
} from './fixture/solution.ts';

type Block = { type: 'text'; text: string } | { type: 'tool_use'; name: string; input: Record<string, unknown> };
interface Turn {
  content: Block[];
  expect?: { last_user_text_includes?: string };
  event_delay_ms?: number;
}

const text = (t: string): Block => ({ type: 'text', text: t });
const tool = (name: string, input: Record<string, unknown>): Block => ({ type: 'tool_use', name, input });
const json = (value: unknown): string => '```json\n' + JSON.stringify(value, null, 2) + '\n```';

/** `eventDelayMs` paces streamed text so a person watching sees it arrive. */
export function demoModelScript(eventDelayMs = 0): { agents: Record<string, Turn[]> } {
  const paced = (turn: Turn): Turn => (eventDelayMs > 0 ? { ...turn, event_delay_ms: eventDelayMs } : turn);
  const step1 = samplePlan.steps[0];
  const step2 = samplePlan.steps[1];
  const coordinator: Turn[] = [
    {
      content: [
        text(`I will get a plan for issue #${sampleIssue.number} first.`),
        tool('send_to_agent', {
          agent_name: 'Planner',
          message: `Plan the fix for issue #${sampleIssue.number}: ${sampleIssue.title}. Read the code first.`,
        }),
      ],
    },
    {
      content: [
        text('The plan is accepted. Handing it to the Coder.'),
        tool('send_to_agent', {
          agent_name: 'Coder',
          message: `Carry out this plan step by step, running each step's validation:\n${JSON.stringify(samplePlan, null, 2)}`,
        }),
      ],
      expect: { last_user_text_includes: 'Plan accepted' },
    },
    {
      content: [
        text('Asking the Reviewer to check the change.'),
        tool('send_to_agent', {
          agent_name: 'Reviewer',
          message: 'Review the change in the worktree against the issue. Run the full test suite yourself.',
        }),
      ],
    },
    {
      content: [
        text('The Reviewer rejected; sending the fixes back to the Coder.'),
        tool('send_to_agent', {
          agent_name: 'Coder',
          message: `The Reviewer asked for changes:\n${(sampleRejectVerdict.decision === 'REJECT' ? sampleRejectVerdict.fixes : []).map((f) => `- ${f.file}: ${f.problem} Fix: ${f.fix}`).join('\n')}`,
        }),
      ],
      expect: { last_user_text_includes: 'REJECT' },
    },
    {
      content: [
        text('Asking the Reviewer for a second review.'),
        tool('send_to_agent', {
          agent_name: 'Reviewer',
          message: 'The Coder added the round-trip test. Review again and run the full suite.',
        }),
      ],
    },
    {
      content: [text(`Done. The person approved the Reviewer's verdict and the pull request is open.`)],
      expect: { last_user_text_includes: 'approved' },
    },
  ];
  const planner: Turn[] = [
    { content: [text('Looking at the source files.'), tool('glob', { pattern: 'src/**/*.js' })] },
    { content: [tool('read', { file_path: 'src/parseDuration.js' })] },
    { content: [tool('bash', { command: sampleTestCommand })] },
    { content: [text(`Here is the plan.\n\n${json(samplePlan)}`)] },
  ];
  const coder: Turn[] = [
    {
      content: [
        text(`Step ${step1?.id}: ${step1?.title}.`),
        tool('read', { file_path: solutionCodeChange.input.file_path }),
      ],
    },
    { content: [tool('edit', solutionCodeChange.input)] },
    // Agent OS runs each step's validation itself when the Coder reports the step done.
    {
      content: [
        text('Step 1 is done; reporting it.'),
        tool('complete_step', { step_id: step1?.id ?? '1', summary: 'parseDuration reads compound durations' }),
      ],
    },
    { content: [text(`Step ${step2?.id}: ${step2?.title}.`), tool('write', solutionTestDraft.input)] },
    { content: [tool('complete_step', { step_id: step2?.id ?? '2', summary: 'tests for compound durations' })] },
    {
      content: [
        text(
          'Both steps are done; Agent OS ran their validations and both passed. Step 1: parser reads compound durations. Step 2: tests added.',
        ),
      ],
    },
    // Second round, in the same thread: the Coder remembers its first attempt.
    {
      content: [
        text('I wrote the test file earlier in this thread; adding the round-trip test to it.'),
        tool('write', solutionTest.input),
      ],
      expect: { last_user_text_includes: 'formatDuration' },
    },
    { content: [tool('bash', { command: sampleTestCommand })] },
    { content: [text('Added the round-trip test; the full suite passes.')] },
  ];
  const reviewer: Turn[] = [
    { content: [text('Running the full test suite.'), tool('bash', { command: sampleTestCommand })] },
    { content: [tool('read', { file_path: 'test/compoundDuration.test.js' })] },
    { content: [text(json(sampleRejectVerdict))] },
    { content: [text('Running the full test suite again.'), tool('bash', { command: sampleTestCommand })] },
    { content: [tool('grep', { pattern: 'formatDuration', path: 'test' })] },
    { content: [text(json(sampleApproveVerdict))] },
  ];
  return {
    agents: {
      Coordinator: coordinator.map(paced),
      Planner: planner.map(paced),
      Coder: coder.map(paced),
      Reviewer: reviewer.map(paced),
    },
  };
}
