// A managed session whose log nears the size a session may hold says so as the runtime opens its writer, as a
// local one does (test/runtime/sessionSizeWarning.test.ts): the mirror appends the platform's events to the
// same local log, which has the same limit. The limit is lowered to a little above the log the run left.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { describeBytes } from '../../src/core/errors.ts';
import { foldSession } from '../../src/core/session/sessionState.ts';
import { FileSessionStore } from '../../src/node/session/fileSessionStore.ts';
import { logBytes } from '../session/logBytes.ts';
import { startManagedWorld } from './managedWorld.ts';

test('a managed session opened near its log limit says so once, with its id, and runs on to its pull request', async () => {
  const world = await startManagedWorld();
  try {
    await world.startWorker();
    const { runtime, store } = world.setup;
    const meta = await runtime.start({ issue: world.issueRef, repository: world.sample.workdir });
    assert.equal((await runtime.settled(meta.id))?.type, 'requires_action');
    const verdict = foldSession(meta.id, await store.read(meta.id)).latestVerdict;
    assert.ok(verdict);
    await runtime.dispose();

    const bytes = logBytes(join(world.storeDir, meta.id, 'events.jsonl'));
    const limit = Math.ceil(bytes / 0.8); // past the warning share (75%) at the opening, with room to append
    const warnings: [string, string][] = [];
    const again = world.reopen({
      store: new FileSessionStore(world.storeDir, { maxLogBytes: limit }),
      onSessionWarning: (id, message) => warnings.push([id, message]),
    });
    try {
      await again.runtime.approve(meta.id, verdict.id);
      assert.equal(foldSession(meta.id, await again.store.read(meta.id)).stopReason?.type, 'end_turn');
    } finally {
      await again.runtime.dispose();
    }
    assert.equal(warnings.length, 1, warnings.map(([, m]) => m).join('\n'));
    assert.equal(warnings[0]?.[0], meta.id);
    assert.match(
      warnings[0]?.[1] ?? '',
      new RegExp(`of the ${describeBytes(limit).replace('.', '\\.')} a session may hold`),
    );
    assert.equal(world.github.pullRequests().length, 1);
  } finally {
    await world.close();
  }
});
