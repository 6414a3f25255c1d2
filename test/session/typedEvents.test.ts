// Plans and verdicts in the log are typed by the Planner's and the Reviewer's schemas. A verdict that
// does not match is refused on append with the field that is wrong, and nothing is written; a plan must
// at least be an object (its schema grows, and older plans are read leniently).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isAgentOsError } from '../../src/core/errors.ts';
import { MemorySessionStore } from '../../src/core/session/memorySessionStore.ts';

test('a verdict that does not match its schema, or a plan that is no object, is refused and loses nothing', async () => {
  const store = new MemorySessionStore();
  const meta = await store.create({ title: 't' });
  const writer = await store.openWriter(meta.id);
  await writer.append({ type: 'user.message', thread: 'sthr_a', content: [{ type: 'text', text: 'go' }] });
  const badPlan = writer.append({
    type: 'agent_os.plan_submitted',
    thread: 'sthr_a',
    // @ts-expect-error: the type refuses it too
    plan: 'do things',
    model_request_end_id: 'sevt_1',
  });
  await assert.rejects(badPlan, (error: unknown) => isAgentOsError(error) && /plan/.test(error.message));
  const badVerdict = writer.append({
    type: 'agent_os.verdict_submitted',
    thread: 'sthr_a',
    // @ts-expect-error: the type refuses it too; a producer outside TypeScript (an import) could still send it
    verdict: { decision: 'MAYBE', summary: 'x' },
    model_request_end_id: 'sevt_1',
    evidence: { base_commit: 'a', head_commit: 'b', diff_sha256: 'c', test_run_event_ids: [] },
  });
  await assert.rejects(badVerdict, (error: unknown) => isAgentOsError(error) && /verdict/.test(error.message));
  const plan = {
    summary: 'Do it.',
    steps: [{ id: '1', title: 'Step', description: 'Change it', files: ['a.ts'], validation: 'npm test' }],
  };
  await writer.append({ type: 'agent_os.plan_submitted', thread: 'sthr_a', plan, model_request_end_id: 'sevt_1' });
  await writer.close();
  const events = await store.read(meta.id);
  assert.deepEqual(
    events.map((e) => e.type),
    ['user.message', 'agent_os.plan_submitted'],
  );
  assert.deepEqual(events[1]?.type === 'agent_os.plan_submitted' && events[1].plan, plan);
});
