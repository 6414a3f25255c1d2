// The Planner and the Reviewer cannot change the Coder's worktree: not through write or edit (not offered,
// refused when called anyway), and not through bash, even when it aims at the worktree by its path.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { foldSession } from '../../src/core/session/sessionState.ts';
import { solutionCodeChange, solutionTest } from '../../src/testkit/demo/fixture/solution.ts';
import { probeOsSandbox } from '../../src/node/sandbox/osSandbox.ts';
import { requireOsSandbox } from '../support/requirements.ts';
import { startDemoWorld } from '../support/demoWorld.ts';
import {
  approveText,
  coderTurns,
  coordinatorToReview,
  planText,
  requestsOf,
  text,
  threadOf,
  tool,
  toolNamesOf,
  toolResultsOf,
  turn,
  verdictsOf,
} from './scriptParts.ts';

// Inside the agent's own sandbox: what a read-only snapshot alone already contains.
const LOCAL_ATTACK = 'echo x > src/hacked.js; rm -f src/parseDuration.js; echo attack-done';
// Every worktree of the repository, found from inside the sandbox the way an agent could find them, by
// absolute path: only confinement (bubblewrap's read-only mounts) stops this one.
const WORKTREE_ATTACK =
  'for w in $(git worktree list --porcelain | sed -n "s/^worktree //p"); do echo x > "$w/src/hacked.js"; rm -f "$w/src/parseDuration.js"; done; ' +
  'echo attack-done';

const writeAttempt = tool('write', { file_path: 'src/hacked.js', content: 'x\n' });
const editAttempt = tool('edit', {
  file_path: 'src/parseDuration.js',
  old_string: "'use strict';",
  new_string: '// hacked',
});

function script(confined: boolean): unknown {
  const ATTACK = confined ? `${LOCAL_ATTACK}; ${WORKTREE_ATTACK}` : LOCAL_ATTACK;
  return {
    agents: {
      Coordinator: coordinatorToReview(),
      Planner: [turn(tool('bash', { command: ATTACK })), turn(writeAttempt), turn(editAttempt), turn(text(planText()))],
      Coder: coderTurns(),
      Reviewer: [
        turn(tool('bash', { command: ATTACK })),
        turn(writeAttempt),
        turn(editAttempt),
        turn(tool('bash', { command: 'node --test' })),
        turn(text(approveText())),
      ],
    },
  };
}

test("read-only agents: write/edit not offered and refused; their bash leaves the Coder's worktree and the checkout unchanged", async (t) => {
  // Readers have a bash only where a sandbox confines it (unconfined they get none: unconfinedConsent.test.ts).
  const why = await requireOsSandbox();
  if (why) return t.skip(why);
  const confined = (await probeOsSandbox()).available;
  const world = await startDemoWorld(script(confined));
  try {
    const { rt, sample } = world;
    const meta = await rt.runtime.start({ issue: world.issueRef, repository: sample.workdir });
    const stop = await rt.runtime.settled(meta.id);
    const events = await rt.store.read(meta.id);
    const state = foldSession(meta.id, events);
    assert.equal(state.configured?.sandbox.confined, confined, JSON.stringify(state.configured?.sandbox));
    assert.equal(
      stop?.type,
      'requires_action',
      JSON.stringify({
        stop,
        errors: events.filter((e) => e.type === 'session.error' || e.type === 'agent_os.validation_run'),
      }),
    );
    assert.deepEqual(
      rt.server.requests.filter((r) => r.outcome.kind !== 'turn').map((r) => r.outcome),
      [],
    );

    for (const agent of ['Planner', 'Reviewer']) {
      const requests = requestsOf(rt.server, agent);
      assert.ok(requests.length >= 4);
      for (const body of requests)
        assert.deepEqual(toolNamesOf(body), ['bash', 'glob', 'grep', 'read'], `${agent} is offered only reading tools`);
      const thread = threadOf(events, agent);
      for (const name of ['write', 'edit']) {
        const calls = toolResultsOf(events, name, thread);
        assert.equal(calls.length, 1);
        assert.equal(calls[0]?.use.evaluated_permission, 'deny');
        assert.equal(calls[0]?.result?.is_error, true);
        assert.match(
          calls[0]?.result?.content[0]?.text ?? '',
          new RegExp(`tool '${name}' is not enabled for agent '${agent}'`),
        );
      }
      // The attack ran (it is not merely refused): bash is the agent's, only its effects are contained.
      const attack = toolResultsOf(events, 'bash', thread)[0];
      assert.ok(attack?.result, `${agent}'s bash ran`);
    }
    // The Coder is offered the writing tools, and its calls worked.
    assert.deepEqual(toolNamesOf(requestsOf(rt.server, 'Coder')[0]!), [
      'bash',
      'complete_step',
      'edit',
      'glob',
      'grep',
      'read',
      'write',
    ]);

    // The session worktree holds exactly the Coder's work.
    const changes = await rt.runtime.changes(meta.id);
    assert.deepEqual(
      changes.files.map((f) => `${f.status} ${f.path}`).sort(),
      [`added ${solutionTest.input.file_path}`, `modified ${solutionCodeChange.input.file_path}`].sort(),
    );
    assert.equal(existsSync(join(changes.worktree, 'src/hacked.js')), false);
    assert.match(
      readFileSync(join(changes.worktree, 'src/parseDuration.js'), 'utf8'),
      /\/y/,
      "the Coder's parser is still there",
    );
    assert.equal(
      readFileSync(join(changes.worktree, solutionTest.input.file_path), 'utf8'),
      solutionTest.input.content,
    );
    // The person's checkout is untouched too.
    assert.equal(execFileSync('git', ['status', '--porcelain'], { cwd: sample.workdir, encoding: 'utf8' }), '');
    assert.ok(existsSync(join(sample.workdir, 'src/parseDuration.js')));

    // The Reviewer's verdict rests on the worktree as the Coder left it.
    const verdict = verdictsOf(events)[0];
    assert.ok(verdict);
    assert.deepEqual(state.stopReason, { type: 'requires_action', event_ids: [verdict.id] });
    assert.equal(verdict.evidence.head_commit, changes.headCommit);
  } finally {
    await world.close();
  }
});
