// `run --no-learn`: the person marks a session as not to learn from. With learning on, its Request Changes —
// given in a later `resume`, in another process — teaches nothing: the preferences model is never asked and no
// document is made. The same correction in a session not so marked is learned.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { EventOfType, SessionEvent } from '../../src/core/events/sessionEvent.ts';
import { FileSessionStore } from '../../src/node/session/fileSessionStore.ts';
import { PreferenceStore } from '../../src/node/preferences/preferenceStore.ts';
import {
  approveText,
  README_FEEDBACK,
  requestChangesScript,
  requestsOf,
  text,
  turn,
  verdictsOf,
} from '../pipeline/scriptParts.ts';
import { sessionIdIn, show, startCliWorld } from './cliWorld.ts';

const LEARNED = 'Document user-visible parsing changes in the README.';
const learnedOf = (events: readonly SessionEvent[]) =>
  events.filter((e): e is EventOfType<'agent_os.preferences_learned'> => e.type === 'agent_os.preferences_learned');

test('run --no-learn: the session is marked, and its Request Changes teaches nothing, even from a later resume; unmarked, the same correction is learned', async () => {
  const base = requestChangesScript([turn(text(approveText()))]) as { agents: Record<string, unknown[]> };
  const world = await startCliWorld({
    agents: { ...base.agents, Preferences: [turn(text(`- ${LEARNED} (from 1)`))] },
  });
  try {
    const store = new FileSessionStore(world.storeDir);
    const preferences = new PreferenceStore(join(world.storeDir, '.preferences'));
    const first = await world.cli([
      'run',
      '--issue',
      world.issueRef,
      '--learn-preferences',
      '--no-learn',
      ...world.flags,
    ]);
    assert.equal(first.code, 3, show(first));
    const marked = sessionIdIn(first.stdout);
    assert.equal((await store.list()).find((m) => m.id === marked)?.metadata['learn'], 'no');
    const rejected = await world.cli([
      'resume',
      marked,
      '--reject',
      README_FEEDBACK,
      '--learn-preferences',
      ...world.flags,
    ]);
    assert.equal(rejected.code, 3, show(rejected));
    assert.match(rejected.stdout, /person: requested changes: Please also document/);
    const markedEvents = await store.read(marked);
    assert.ok(markedEvents.some((e) => e.type === 'agent_os.approval' && e.decision === 'reject'));
    assert.equal(verdictsOf(markedEvents).length, 2);
    assert.deepEqual(learnedOf(markedEvents), []);
    assert.equal(requestsOf(world.server, 'Preferences').length, 0, 'the preferences model was never asked');
    assert.equal(existsSync(preferences.fileOf(world.sample.workdir)), false, 'no preferences document');

    // Not marked: the same correction is learned.
    const second = await world.cli([
      'run',
      '--issue',
      world.issueRef,
      '--reject',
      README_FEEDBACK,
      '--learn-preferences',
      ...world.flags,
    ]);
    assert.equal(second.code, 3, show(second));
    const unmarked = sessionIdIn(second.stdout);
    assert.equal((await store.list()).find((m) => m.id === unmarked)?.metadata['learn'], undefined);
    const learned = learnedOf(await store.read(unmarked));
    assert.equal(learned.length, 1);
    assert.equal(learned[0]?.lines[0]?.text, LEARNED);
    assert.equal(requestsOf(world.server, 'Preferences').length, 1);
    assert.equal(await preferences.current(world.sample.workdir).then((p) => p?.version), 1);
  } finally {
    await world.close();
  }
});
