// `agent-os fork` as a person runs it: a session stopped at its verdict is forked from the Reviewer's REJECT, the
// fork runs on through another round and, with --approve, opens its own pull request; --no-run only makes it;
// a missing --at or an unknown event is one clear line.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { foldSession } from '../../src/core/session/sessionState.ts';
import { FileSessionStore } from '../../src/node/session/fileSessionStore.ts';
import { demoModelScript } from '../../src/testkit/demo/demoScript.ts';
import { verdictsOf } from '../pipeline/scriptParts.ts';
import { sessionIdIn, show, startCliWorld } from './cliWorld.ts';

test('fork --at a REJECT runs on to an approved pull request of its own; --no-run and bad input', async () => {
  const world = await startCliWorld(demoModelScript());
  try {
    const first = await world.cli(['run', '--issue', world.issueRef, ...world.flags]);
    assert.equal(first.code, 3, show(first));
    const id = sessionIdIn(first.stdout);
    const store = new FileSessionStore(world.storeDir);
    const reject = verdictsOf(await store.read(id))[0];
    assert.equal(reject?.verdict.decision, 'REJECT');

    const forked = await world.cli(['fork', id, '--at', String(reject.seq), '--approve', ...world.flags]);
    assert.equal(forked.code, 0, show(forked));
    const fork = /into (sesn_[A-Za-z0-9]+); files at ([0-9a-f]{12})/.exec(forked.stdout);
    assert.ok(fork, show(forked));
    assert.match(forked.stdout, new RegExp(`forked session ${id} at event ${reject.seq} into`));
    assert.match(forked.stdout, /Reviewer: verdict APPROVE/);
    const prs = world.github.pullRequests();
    assert.equal(prs.length, 1);
    assert.equal(prs[0]?.head, `agent-os/${fork[1]}`);
    assert.equal(
      foldSession(id, await store.read(id)).stopReason?.type,
      'requires_action',
      'the source still waits for you',
    );

    const made = await world.cli(['fork', id, '--at', reject.id, '--no-run', ...world.flags]);
    assert.equal(made.code, 0, show(made));
    const madeId = /into (sesn_[A-Za-z0-9]+)/.exec(made.stdout)?.[1] as string;
    assert.equal((await store.read(madeId)).at(-1)?.type, 'agent_os.session_forked', 'made, not run');

    const noAt = await world.cli(['fork', id, ...world.flags]);
    assert.equal(noAt.code, 1, show(noAt));
    assert.match(noAt.stderr, /say which event to fork from with --at/);
    const unknown = await world.cli(['fork', id, '--at', 'sevt_nope', ...world.flags]);
    assert.equal(unknown.code, 1, show(unknown));
    assert.match(unknown.stderr, /has no event "sevt_nope"/);
  } finally {
    await world.close();
  }
});
