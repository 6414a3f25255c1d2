// Preference learning: a Request Changes in one session is distilled (a scripted model call) into the
// repository's preferences document, with its provenance; the next session pins that version and gives it to
// its agents; the person's edit of the document is the next version; a session marked not to learn from
// teaches nothing.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { test } from 'node:test';
import type { EventOfType, SessionEvent } from '../../src/core/events/sessionEvent.ts';
import { PreferenceStore } from '../../src/node/preferences/preferenceStore.ts';
import { startDemoWorld } from '../support/demoWorld.ts';
import { approveText, README_FEEDBACK, requestChangesScript, requestsOf, runToFirstVerdict, text, turn, verdictsOf } from '../pipeline/scriptParts.ts';
import { join } from 'node:path';

const LEARNED = 'Document user-visible parsing changes in the README.';
const script = (): unknown => {
  const base = requestChangesScript([turn(text(approveText()))]) as { agents: Record<string, unknown[]> };
  return { agents: { ...base.agents, Preferences: [turn(text(`- ${LEARNED} (from 1)`))] } };
};
const pinnedOf = (events: readonly SessionEvent[]) => events.find((e): e is EventOfType<'agent_os.preferences_pinned'> => e.type === 'agent_os.preferences_pinned');
const systemOf = (body: unknown): string => JSON.stringify((body as { system?: unknown }).system ?? '');

test('a preference learned from a Request Changes reaches the next session\'s agents; an edit is a new version; a no-learn session teaches nothing', async () => {
  const world = await startDemoWorld(script(), { settings: { learnPreferences: true } });
  try {
    const { rt, sample } = world;
    // Session 1: the person asks for changes; the lesson is learned with where it came from.
    const { meta, verdict } = await runToFirstVerdict(world);
    assert.equal(pinnedOf(await rt.store.read(meta.id)), undefined, 'nothing to pin yet');
    await rt.runtime.requestChanges(meta.id, verdict.id, README_FEEDBACK);
    const events = await rt.store.read(meta.id);
    const learned = events.find((e): e is EventOfType<'agent_os.preferences_learned'> => e.type === 'agent_os.preferences_learned');
    const approval = events.find((e) => e.type === 'agent_os.approval');
    assert.deepEqual(learned?.lines, [{ text: LEARNED, source_event_id: approval?.id }]);
    assert.equal(learned?.version, 1);
    const request = requestsOf(rt.server, 'Preferences')[0];
    assert.match(JSON.stringify(request?.messages), /Please also document compound durations/);
    const store = new PreferenceStore(join(rt.storeDir, '.preferences'));
    const file = store.fileOf(sample.workdir);
    assert.match(readFileSync(file, 'utf8'), new RegExp(`- ${LEARNED} <!-- from session ${meta.id}, event ${approval?.id} -->`));

    // Session 2: pins version 1; every agent's context carries it (without the provenance comments).
    const before = requestsOf(rt.server, 'Coordinator').length;
    const second = await rt.runtime.start({ issue: world.issueRef, repository: sample.workdir, learn: false });
    assert.equal((await rt.runtime.settled(second.id))?.type, 'requires_action');
    const secondEvents = await rt.store.read(second.id);
    assert.equal(pinnedOf(secondEvents)?.version, 1);
    const system = systemOf(requestsOf(rt.server, 'Coordinator')[before]);
    assert.match(system, /preferences for this repository[^"]*version 1/);
    assert.ok(system.includes(LEARNED));
    assert.doesNotMatch(system, /<!-- from session/);
    // Marked not to learn from: its Request Changes teaches nothing.
    await rt.runtime.requestChanges(second.id, verdictsOf(secondEvents)[0]!.id, 'Never use tabs.');
    assert.equal((await rt.store.read(second.id)).filter((e) => e.type === 'agent_os.preferences_learned').length, 0);
    assert.equal(requestsOf(rt.server, 'Preferences').length, 1);

    // The person edits the document: the next session pins it as version 2.
    writeFileSync(file, `${readFileSync(file, 'utf8')}- Keep functions under 40 lines.\n`);
    const third = await rt.runtime.start({ issue: world.issueRef, repository: sample.workdir });
    await rt.runtime.settled(third.id);
    const pinned = pinnedOf(await rt.store.read(third.id));
    assert.equal(pinned?.version, 2);
    assert.match(pinned?.text ?? '', /Keep functions under 40 lines/);
  } finally {
    await world.close();
  }
});
