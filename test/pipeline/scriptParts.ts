// Building blocks for pipeline tests: scripted turns for the four agents, and ways to read what the
// scripted server was asked (per agent) and what the session log holds.
import assert from 'node:assert/strict';
import type { EventOfType, SessionEvent } from '../../src/core/events/sessionEvent.ts';
import {
  samplePlan,
  sampleApproveVerdict,
  sampleRejectVerdict,
  solutionCodeChange,
  solutionTest,
} from '../../src/testkit/demo/fixture/solution.ts';
import type { ScriptedModelServer } from '../../src/testkit/model/scriptedModelServer.ts';
import type { SessionMeta } from '../../src/core/session/sessionStore.ts';
import type { DemoWorld } from '../support/demoWorld.ts';

export type Block = { type: 'text'; text: string } | { type: 'tool_use'; name: string; input: Record<string, unknown> };
export interface Turn {
  content: Block[];
  expect?: { last_user_text_includes?: string; tool_names?: string[] };
}

export const text = (t: string): Block => ({ type: 'text', text: t });
export const tool = (name: string, input: Record<string, unknown>): Block => ({ type: 'tool_use', name, input });
export const turn = (...content: Block[]): Turn => ({ content });
export const expecting = (includes: string, ...content: Block[]): Turn => ({
  content,
  expect: { last_user_text_includes: includes },
});
export const fenced = (value: unknown): string => '```json\n' + JSON.stringify(value, null, 2) + '\n```';
export const send = (agent: string, message: string): Block => tool('send_to_agent', { agent_name: agent, message });

export const planText = (): string => `Here is the plan.\n\n${fenced(samplePlan)}`;
export const approveText = (): string => fenced(sampleApproveVerdict);
export const rejectText = (): string => fenced(sampleRejectVerdict);

/** The Planner reads one file and hands in the sample plan. */
export const plannerTurns = (): Turn[] => [
  turn(tool('read', { file_path: 'src/parseDuration.js' })),
  turn(text(planText())),
];

/** The Coder makes the whole solution in two tool calls, reports each step done (the runtime runs its
 * validation) and reports. */
export const coderTurns = (): Turn[] => [
  turn(tool('edit', solutionCodeChange.input)),
  turn(tool('complete_step', { step_id: '1' })),
  turn(tool('write', solutionTest.input)),
  turn(tool('complete_step', { step_id: '2' })),
  turn(text('Step 1: PASSED. Step 2: PASSED.')),
];

/** The Reviewer runs the suite and approves. */
export const reviewerApproveTurns = (): Turn[] => [
  turn(tool('bash', { command: 'node --test' })),
  turn(text(approveText())),
];

/** Coordinator: Planner, Coder, Reviewer, in order; the last call is held for the person on APPROVE. */
export const coordinatorToReview = (): Turn[] => [
  turn(send('Planner', 'Plan the fix for the issue.')),
  expecting('Plan accepted', send('Coder', 'Carry out the plan.')),
  turn(send('Reviewer', 'Review the change; run the full test suite.')),
];

/** The whole pipeline to one APPROVE, which the person approves. */
export const approveOnceScript = (): unknown => ({
  agents: {
    Coordinator: [...coordinatorToReview(), expecting('approved', text('Done.'))],
    Planner: plannerTurns(),
    Coder: coderTurns(),
    Reviewer: reviewerApproveTurns(),
  },
});

/** What the person asks for in the request-changes tests. */
export const README_FEEDBACK = 'Please also document compound durations in the README.';

/** To the first APPROVE; then the person asks for changes (README_FEEDBACK), which the Coordinator sends
 * to the Coder (a README edit) and then to a second review, whose verdict the person decides again.
 * `secondReview`: the Reviewer's turns that second time. */
export const requestChangesScript = (secondReview: Turn[]): unknown => ({
  agents: {
    Coordinator: [
      ...coordinatorToReview(),
      expecting('requested changes', send('Coder', `The person asked: ${README_FEEDBACK}`)),
      turn(send('Reviewer', 'The Coder changed the README as the person asked. Review again.')),
      expecting('approved', text('Done: the pull request is open.')),
    ],
    Planner: plannerTurns(),
    Coder: [
      ...coderTurns(),
      expecting(
        README_FEEDBACK,
        tool('edit', {
          file_path: 'README.md',
          old_string: 'Units:',
          new_string: 'Compound durations such as `1h30m` work too.\n\nUnits:',
        }),
      ),
      turn(text('README updated.')),
    ],
    Reviewer: [...reviewerApproveTurns(), ...secondReview],
  },
});

interface RequestBody {
  tools?: { name: string }[];
  messages: { role: string; content: unknown }[];
}

/** The requests the scripted server answered with a turn, for one agent, in order. */
export function requestsOf(server: ScriptedModelServer, agent: string): RequestBody[] {
  return server.requests
    .filter((r) => r.agent === agent && r.outcome.kind === 'turn')
    .map((r) => r.body as RequestBody);
}

export function toolNamesOf(body: RequestBody): string[] {
  return (body.tools ?? []).map((t) => t.name).sort();
}

/** The text of the newest user message of a request (its tool results and text blocks). */
export function lastUserText(body: RequestBody): string {
  const last = [...body.messages].reverse().find((m) => m.role === 'user');
  return JSON.stringify(last?.content ?? '');
}

export function toolResultsOf(
  events: readonly SessionEvent[],
  toolName: string,
  thread?: string,
): { use: EventOfType<'agent.tool_use'>; result: EventOfType<'agent.tool_result'> | undefined }[] {
  return events
    .filter(
      (e): e is EventOfType<'agent.tool_use'> =>
        e.type === 'agent.tool_use' && e.name === toolName && (thread === undefined || e.thread === thread),
    )
    .map((use) => ({
      use,
      result: events.find(
        (e): e is EventOfType<'agent.tool_result'> => e.type === 'agent.tool_result' && e.tool_use_id === use.id,
      ),
    }));
}

export function threadOf(events: readonly SessionEvent[], agent: string): string {
  const created = events.find(
    (e): e is EventOfType<'session.thread_created'> => e.type === 'session.thread_created' && e.agent_name === agent,
  );
  if (!created) throw new Error(`no ${agent} thread`);
  return created.session_thread_id;
}

export function verdictsOf(events: readonly SessionEvent[]): EventOfType<'agent_os.verdict_submitted'>[] {
  return events.filter((e): e is EventOfType<'agent_os.verdict_submitted'> => e.type === 'agent_os.verdict_submitted');
}

/** Starts a session on the world's issue and runs it to the first verdict, where it waits for the person. */
export async function runToFirstVerdict(
  world: DemoWorld,
): Promise<{ meta: SessionMeta; verdict: EventOfType<'agent_os.verdict_submitted'> }> {
  const { rt, sample } = world;
  const meta = await rt.runtime.start({ issue: world.issueRef, repository: sample.workdir });
  assert.equal((await rt.runtime.settled(meta.id))?.type, 'requires_action');
  const verdict = verdictsOf(await rt.store.read(meta.id))[0];
  assert.ok(verdict);
  return { meta, verdict };
}
