import assert from 'node:assert/strict';
import { test } from 'node:test';
import { z } from 'zod';
import { extractJsonPayload, parsePlan, parseVerdict } from '../../src/core/agents/structuredOutput.ts';

const plan = {
  summary: 'Add a slugify helper and its test.',
  steps: [
    {
      id: 1,
      title: 'Add slugify',
      description: 'Create src/slug.ts',
      files: ['src/slug.ts'],
      validation: 'npm test -- slug',
    },
    { id: 'final', title: 'Full suite', description: 'Run all tests', files: [], validation: 'npm test' },
  ],
};

test('a plan in a ```json block after prose is found and ids become text', () => {
  const message = `I looked at the repo.\n\n\`\`\`json\n${JSON.stringify(plan, null, 2)}\n\`\`\`\n`;
  const result = parsePlan(message);
  assert.ok(result.ok, !result.ok ? result.error : '');
  assert.equal(result.value.steps[0]!.id, '1');
  assert.equal(result.value.steps[1]!.validation, 'npm test');
});

test('a plan as the whole message, and one with prose around bare JSON', () => {
  assert.ok(parsePlan(JSON.stringify(plan)).ok);
  assert.ok(parsePlan(`Here it is: ${JSON.stringify(plan)} — done.`).ok);
});

test('the last valid ```json block wins over an earlier draft', () => {
  const draft = { ...plan, summary: 'draft' };
  const message = `\`\`\`json\n${JSON.stringify(draft)}\n\`\`\`\nRevised:\n\`\`\`json\n${JSON.stringify(plan)}\n\`\`\``;
  const result = parsePlan(message);
  assert.ok(result.ok);
  assert.equal(result.value.summary, plan.summary);
});

test('a plan missing a validation command gets an error naming the path and the expected shape', () => {
  const bad = { summary: 's', steps: [{ id: '1', title: 't', description: 'd', files: [] }] };
  const result = parsePlan('```json\n' + JSON.stringify(bad) + '\n```');
  assert.equal(result.ok, false);
  if (result.ok) return;
  assert.match(result.error, /does not match the required schema/);
  assert.match(result.error, /- steps\[0\]\.validation: /);
  assert.match(result.error, /"validation": "a shell command/);
});

test('duplicate step ids, empty steps, syntax errors and no JSON at all are each explained', () => {
  const dup = parsePlan(JSON.stringify({ ...plan, steps: [plan.steps[0], plan.steps[0]] }));
  assert.ok(!dup.ok && /steps\[1\]\.id: step id '1' is used twice/.test(dup.error));
  const empty = parsePlan(JSON.stringify({ summary: 's', steps: [] }));
  assert.ok(!empty.ok && /- steps: /.test(empty.error));
  const syntax = parsePlan('```json\n{ "summary": "s", steps: [] }\n```');
  assert.ok(!syntax.ok && /not valid JSON/.test(syntax.error), !syntax.ok ? syntax.error : '');
  const none = parsePlan('I could not finish the plan.');
  assert.ok(!none.ok && /contains no JSON plan/.test(none.error));
});

test('verdicts: APPROVE with summary, REJECT needs at least one fix', () => {
  const approve = parseVerdict('```json\n{"decision":"APPROVE","summary":"npm test: 12 passed"}\n```');
  assert.ok(approve.ok && approve.value.decision === 'APPROVE');
  const reject = parseVerdict(
    JSON.stringify({
      decision: 'REJECT',
      summary: 'test fails',
      fixes: [{ file: 'src/a.ts', problem: 'off by one', fix: 'use <=' }],
    }),
  );
  assert.ok(reject.ok && reject.value.decision === 'REJECT' && reject.value.fixes.length === 1);
  const noFixes = parseVerdict(JSON.stringify({ decision: 'REJECT', summary: 'bad', fixes: [] }));
  assert.ok(!noFixes.ok && /- fixes: /.test(noFixes.error) && /"decision": "APPROVE"/.test(noFixes.error));
  const wrong = parseVerdict(JSON.stringify({ decision: 'MAYBE', summary: 'hm' }));
  assert.ok(!wrong.ok && /- decision: /.test(wrong.error), !wrong.ok ? wrong.error : '');
});

test('extractJsonPayload works with any schema', () => {
  const result = extractJsonPayload('```\n{"n": 3}\n```', z.object({ n: z.number() }), 'count');
  assert.deepEqual(result, { ok: true, value: { n: 3 } });
});
