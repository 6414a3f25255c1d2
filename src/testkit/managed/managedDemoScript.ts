// The demo's scripted agents on the platform: the same turns as the local demo, except that the
// Planner and the Reviewer hand in their plan and verdicts through Agent OS's custom tools (so Agent OS
// checks them, and holds the APPROVE for the person), then end with a line naming the outcome, which the
// Coordinator's turns expect.
import { demoModelScript } from '../demo/demoScript.ts';
import { sampleApproveVerdict, samplePlan, sampleRejectVerdict } from '../demo/fixture/solution.ts';

type Script = ReturnType<typeof demoModelScript>;
type Turn = Script['agents'][string][number];

const text = (t: string): Turn['content'][number] => ({ type: 'text', text: t });
const handIn = (name: string, input: unknown): Turn['content'][number] => ({
  type: 'tool_use',
  name,
  input: input as Record<string, unknown>,
});

export function managedDemoModelScript(eventDelayMs = 0): Script {
  const local = demoModelScript(eventDelayMs);
  const paced = (turn: Turn): Turn => (eventDelayMs > 0 ? { ...turn, event_delay_ms: eventDelayMs } : turn);
  const planner = local.agents.Planner ?? [];
  const reviewer = local.agents.Reviewer ?? [];
  return {
    agents: {
      ...local.agents,
      Planner: [
        ...planner.slice(0, 3),
        paced({ content: [text('Here is the plan.'), handIn('submit_plan', samplePlan)] }),
        paced({
          content: [text('Plan accepted; it is handed in.')],
          expect: { last_user_text_includes: 'Plan accepted' },
        }),
      ],
      Reviewer: [
        ...reviewer.slice(0, 2),
        paced({ content: [handIn('submit_verdict', sampleRejectVerdict)] }),
        paced({
          content: [text(`REJECT: ${sampleRejectVerdict.summary}`)],
          expect: { last_user_text_includes: 'REJECT (review round 1' },
        }),
        ...reviewer.slice(3, 5),
        paced({ content: [handIn('submit_verdict', sampleApproveVerdict)] }),
        paced({
          content: [text('The person approved the verdict; the pull request is open.')],
          expect: { last_user_text_includes: 'Pull request #' },
        }),
      ],
    },
  };
}
