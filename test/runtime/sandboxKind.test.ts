// The sandbox kind a session runs in is chosen when it starts, recorded in its log, shown to people,
// and kept when it wakes — a later change of the setting never swaps it silently.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EventOfType, SessionEvent } from '../../src/core/events/sessionEvent.ts';
import { probeOsSandbox } from '../../src/node/sandbox/osSandbox.ts';
import { makeTempRepo } from '../support/gitRepo.ts';
import { startScriptedRuntime } from '../support/scriptedRuntime.ts';

const script = {
  agents: {
    Coder: [
      { content: [{ type: 'tool_use', name: 'bash', input: { command: 'echo hi' } }] },
      { content: [{ type: 'text', text: 'Done.' }] },
    ],
  },
};

function configured(events: SessionEvent[]): EventOfType<'agent_os.session_configured'> {
  const e = events.find(
    (x): x is EventOfType<'agent_os.session_configured'> => x.type === 'agent_os.session_configured',
  );
  assert.ok(e);
  return e;
}

test('sandbox "worktree": recorded as unconfined, and every tool call names that sandbox', async () => {
  const repo = makeTempRepo();
  const rt = await startScriptedRuntime(repo.root, script, { sandbox: 'worktree' });
  try {
    const meta = await rt.runtime.startSingleAgent({ repository: repo.repo, agent: 'Coder', prompt: 'hi' });
    await rt.runtime.settled(meta.id);
    const events = await rt.store.read(meta.id);
    const c = configured(events);
    assert.equal(c.sandbox.kind, 'worktree');
    assert.equal(c.sandbox.confined, false);
    assert.match(c.sandbox.detail ?? '', /unconfined/);
    const use = events.find((e) => e.type === 'agent.tool_use');
    assert.match(use?.type === 'agent.tool_use' ? (use.sandbox_id ?? '') : '', /^worktree:/);
  } finally {
    await rt.close();
    repo.cleanup();
  }
});

test('"auto" without a dev container picks bubblewrap where it works (else the unconfined worktree, said so)', async () => {
  const repo = makeTempRepo();
  const rt = await startScriptedRuntime(repo.root, script, { sandbox: 'auto' });
  try {
    const meta = await rt.runtime.startSingleAgent({ repository: repo.repo, agent: 'Coder', prompt: 'hi' });
    await rt.runtime.settled(meta.id);
    const c = configured(await rt.store.read(meta.id));
    const bwrap = await probeOsSandbox();
    assert.equal(c.sandbox.kind, bwrap.available ? 'os' : 'worktree');
    assert.equal(c.sandbox.confined, bwrap.available);
    assert.match(c.sandbox.detail ?? '', /no dev container/);
  } finally {
    await rt.close();
    repo.cleanup();
  }
});

test('a session asked for a dev container where the repository has none stops with a clear error and stays resumable', async () => {
  const repo = makeTempRepo();
  const rt = await startScriptedRuntime(repo.root, script, { sandbox: 'devcontainer' });
  try {
    const meta = await rt.runtime.startSingleAgent({ repository: repo.repo, agent: 'Coder', prompt: 'hi' });
    const stop = await rt.runtime.settled(meta.id);
    assert.equal(stop?.type, 'retries_exhausted');
    const events = await rt.store.read(meta.id);
    assert.equal(configured(events).sandbox.kind, 'devcontainer');
    const error = events.find((e) => e.type === 'session.error');
    assert.match(error?.type === 'session.error' ? error.error.message : '', /no dev container configuration/);
    // Not weakened to another kind behind the person's back: resuming asks for the dev container again.
    await rt.runtime.resume(meta.id);
    const again = (await rt.store.read(meta.id)).filter((e) => e.type === 'session.error');
    assert.equal(again.length, 2);
    assert.equal((await rt.store.read(meta.id)).filter((e) => e.type === 'agent.tool_result').length, 0);
  } finally {
    await rt.close();
    repo.cleanup();
  }
});
