// A dollar budget cannot be held for a model without a list price (its spending would count as nothing):
// such a session is refused at start, as the platform refuses it (`model_not_budgetable`).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AgentOsError } from '../../src/core/errors.ts';
import { makeTempRepo } from '../support/gitRepo.ts';
import { startScriptedRuntime } from '../support/scriptedRuntime.ts';

const CODER = `---
name: Coder
description: The Coder, on a model Agent OS has no price for.
model: claude-opus-4-8
---
You write code.
`;

const script = { agents: { Coder: [{ content: [{ type: 'text', text: 'Done.' }] }] } };

test('with a dollar budget, an agent on an unpriced model is refused at start, naming agent and model', async () => {
  const repo = makeTempRepo({ 'README.md': '# x\n', '.agents/coder.md': CODER });
  const rt = await startScriptedRuntime(repo.root, script, { settings: { budget: { maxUsd: 1 } } });
  try {
    await assert.rejects(
      rt.runtime.startSingleAgent({ repository: repo.repo, agent: 'Coder', prompt: 'hi' }),
      (error: unknown) =>
        error instanceof AgentOsError &&
        error.code === 'INVALID_ARGUMENT' &&
        /Coder's model claude-opus-4-8 has no list price/.test(error.message),
    );
    assert.deepEqual(await rt.store.list(), [], 'no session left half-made');
  } finally {
    await rt.close();
    repo.cleanup();
  }
});

test('without a dollar budget the same agent runs', async () => {
  const repo = makeTempRepo({ 'README.md': '# x\n', '.agents/coder.md': CODER });
  const rt = await startScriptedRuntime(repo.root, script);
  try {
    const meta = await rt.runtime.startSingleAgent({ repository: repo.repo, agent: 'Coder', prompt: 'hi' });
    assert.deepEqual(await rt.runtime.settled(meta.id), { type: 'end_turn' });
  } finally {
    await rt.close();
    repo.cleanup();
  }
});
