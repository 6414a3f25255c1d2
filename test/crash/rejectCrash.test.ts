// SIGKILL across the person's "request changes" path: `run --issue … --reject <text>` (and `resume <id>
// --reject <text>` after each kill) until the next verdict waits, then `resume <id> --approve` until the
// pull request is open. The rejection is recorded once, reaches the Coder once, and the branch holds the
// solution plus the change the person asked for.
// AGENT_OS_REJECT_CRASH_KILLS (default 12) sets the kills; AGENT_OS_CRASH_SEED repeats a run.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sampleFiles } from '../../src/testkit/demo/fixture/files.ts';
import {
  branchFiles,
  checkFinished,
  crashScript,
  expectedBranchFiles,
  prHeadOf,
  runKilledSessions,
  startCrashWorld,
  type CrashWorld,
} from './pipelineCrashSession.ts';
import { approveText } from '../pipeline/scriptParts.ts';

const REJECT_KILLS = Number(process.env.AGENT_OS_REJECT_CRASH_KILLS ?? 12);
const KILLS_PER_SESSION = 6;
const LANES = 2;
const WINDOW_MS: [number, number] = [50, 1500];
const FEEDBACK = 'Please also document compound durations in the README.';
const README = `${sampleFiles['README.md']}\nCompound durations such as \`1h30m\` work too.\n`;

type Turn = { content: unknown[]; expect?: { last_user_text_includes?: string } };

/** The crash script, continued: the person rejects the APPROVE; the Coordinator sends the feedback to
 * the Coder (who rewrites the README whole, safe to run again on wake) and asks the Reviewer again. */
function rejectScript(): unknown {
  const script = crashScript() as { agents: Record<string, Turn[]> };
  const { Coordinator = [], Coder = [], Reviewer = [] } = script.agents;
  const last = Coordinator.pop() as Turn; // "Done. The person approved…"
  Coordinator.push(
    {
      content: [
        {
          type: 'tool_use',
          name: 'send_to_agent',
          input: { agent_name: 'Coder', message: `The person asked: ${FEEDBACK}` },
        },
      ],
      expect: { last_user_text_includes: 'requested changes' },
    },
    {
      content: [
        {
          type: 'tool_use',
          name: 'send_to_agent',
          input: { agent_name: 'Reviewer', message: 'The Coder updated the README. Review again.' },
        },
      ],
    },
    last,
  );
  Coder.push(
    {
      content: [{ type: 'tool_use', name: 'write', input: { file_path: 'README.md', content: README } }],
      expect: { last_user_text_includes: FEEDBACK },
    },
    { content: [{ type: 'text', text: 'README updated.' }] },
  );
  Reviewer.push(
    { content: [{ type: 'tool_use', name: 'bash', input: { command: 'node --test' } }] },
    { content: [{ type: 'text', text: approveText() }] },
  );
  return script;
}

let world: CrashWorld;
before(async () => {
  world = await startCrashWorld(LANES, rejectScript());
});
after(async () => {
  await world?.close();
});

test(`SIGKILL across request-changes and approval (${REJECT_KILLS} kills): one rejection, one new round, one pull request`, async () => {
  const seed = Number(process.env.AGENT_OS_CRASH_SEED ?? Date.now() % 100000);
  const expected = { ...expectedBranchFiles(), 'README.md': README };
  const killed = await runKilledSessions(world, {
    totalKills: REJECT_KILLS,
    killsPerSession: KILLS_PER_SESSION,
    seed,
    plan: { windowMs: WINDOW_MS, rejectWith: FEEDBACK },
    check: async (lane, run) => {
      await checkFinished(world, lane, run, {
        verdicts: ['REJECT', 'APPROVE', 'APPROVE'],
        approvals: ['reject', 'approve'],
      });
      const rejection = run.events.find((e) => e.type === 'agent_os.approval' && e.decision === 'reject');
      assert.ok(rejection?.type === 'agent_os.approval' && rejection.feedback === FEEDBACK);
      const toCoder = run.events.filter(
        (e) => e.type === 'agent.thread_message_received' && JSON.stringify(e.content).includes(FEEDBACK),
      );
      assert.equal(toCoder.length, 1, 'the feedback reached the Coder once');
      assert.deepEqual(branchFiles(lane, prHeadOf(run)), expected, "the branch differs from the uninterrupted run's");
    },
  });
  assert.ok(killed >= REJECT_KILLS);
});
