// The person's decision through the CLI: without one (and no terminal) the run stops with exit 3 and says
// how to decide; `resume --reject` sends feedback through another round; `resume --approve` opens the PR;
// `run --reject` does the same in one go.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { foldSession } from '../../src/core/session/sessionState.ts';
import { FileSessionStore } from '../../src/node/session/fileSessionStore.ts';
import { acceptPushes, rejectPushes } from '../git/gitTestRepo.ts';
import {
  approveOnceScript,
  approveText,
  lastUserText,
  README_FEEDBACK,
  requestChangesScript,
  requestsOf,
  text,
  turn,
  verdictsOf,
} from '../pipeline/scriptParts.ts';
import { cliEnv, startCli } from '../support/cliProcess.ts';
import { sessionIdIn, show, startCliWorld } from './cliWorld.ts';

const FEEDBACK = README_FEEDBACK;
const script = (): unknown => requestChangesScript([turn(text(approveText()))]);

test('no decision and no terminal: exit 3 with the resume hint; resume --reject, then resume --approve opens the PR', async () => {
  const world = await startCliWorld(script());
  try {
    const first = await world.cli(['run', '--issue', world.issueRef, ...world.flags]);
    assert.equal(first.code, 3, show(first));
    const id = sessionIdIn(first.stdout);
    assert.ok(first.stdout.includes(`agent-os resume ${id} --approve`), show(first));
    assert.equal(world.github.pullRequests().length, 0);

    const rejected = await world.cli(['resume', id, '--reject', FEEDBACK, ...world.flags]);
    assert.equal(rejected.code, 3, show(rejected));
    assert.match(rejected.stdout, /person: requested changes: Please also document/);
    assert.match(rejected.stdout, /Coder → edit README\.md/);
    assert.match(rejected.stdout, /Reviewer: verdict APPROVE/);
    assert.ok(rejected.stdout.includes(`agent-os resume ${id} --approve`));
    assert.equal(world.github.pullRequests().length, 0);

    const approved = await world.cli(['resume', id, '--approve', ...world.flags]);
    assert.equal(approved.code, 0, show(approved));
    const prs = world.github.pullRequests();
    assert.equal(prs.length, 1);
    assert.match(approved.stdout, new RegExp(`pull request #${prs[0]?.number}: `));
    const events = await new FileSessionStore(world.storeDir).read(id);
    assert.equal(verdictsOf(events).length, 2);
    assert.equal(foldSession(id, events).stopReason?.type, 'end_turn');

    // Resuming a finished session changes nothing and opens nothing.
    const again = await world.cli(['resume', id, '--approve', ...world.flags]);
    assert.equal(again.code, 0, show(again));
    assert.equal(world.github.pullRequests().length, 1);
    assert.deepEqual(
      world.server.requests.filter((r) => r.outcome.kind !== 'turn').map((r) => r.outcome),
      [],
    );
  } finally {
    await world.close();
  }
});

test('run --reject: the feedback goes to the Coordinator and the Coder; the next verdict waits for the person', async () => {
  const world = await startCliWorld(script());
  try {
    const result = await world.cli(['run', '--issue', world.issueRef, '--reject', FEEDBACK, ...world.flags]);
    assert.equal(result.code, 3, show(result));
    assert.match(result.stdout, /sending the requested changes/);
    const coordinator = requestsOf(world.server, 'Coordinator');
    assert.match(lastUserText(coordinator[3]!), /document compound durations/);
    assert.match(lastUserText(requestsOf(world.server, 'Coder')[5]!), /document compound durations/);
    const id = sessionIdIn(result.stdout);
    const events = await new FileSessionStore(world.storeDir).read(id);
    const verdicts = verdictsOf(events);
    assert.equal(verdicts.length, 2);
    assert.deepEqual(foldSession(id, events).stopReason, { type: 'requires_action', event_ids: [verdicts[1]?.id] });
    assert.equal(world.github.pullRequests().length, 0);
  } finally {
    await world.close();
  }
});

test('a push the remote refuses: one-line GIT_FAILED error and a non-zero exit; after the fix, resume --approve opens the PR once', async () => {
  const world = await startCliWorld(approveOnceScript());
  try {
    rejectPushes(world.sample.barePath, 'pushes are closed today');
    const failed = await world.cli(['run', '--issue', world.issueRef, '--approve', ...world.flags]);
    assert.equal(failed.code, 1, show(failed));
    const lines = failed.stderr.trim().split('\n');
    assert.equal(lines.length, 1, failed.stderr);
    assert.match(lines[0] ?? '', /^agent-os: git push .* failed: .*pushes are closed today/);
    const id = sessionIdIn(failed.stdout);
    assert.ok(failed.stdout.includes(`agent-os resume ${id} --approve`), `the way on is shown:\n${failed.stdout}`);
    assert.equal(world.github.pullRequests().length, 0);

    acceptPushes(world.sample.barePath);
    const resumed = await world.cli(['resume', id, '--approve', ...world.flags]);
    assert.equal(resumed.code, 0, show(resumed));
    assert.equal(world.github.pullRequests().length, 1);
    assert.match(resumed.stdout, /pull request #\d+: /);
    assert.deepEqual(
      world.server.requests.filter((r) => r.outcome.kind !== 'turn').map((r) => r.outcome),
      [],
    );
  } finally {
    await world.close();
  }
});

test('resume --reject killed after the rejection was recorded, then run again: the next verdict is not rejected a second time', async () => {
  const world = await startCliWorld(script());
  try {
    const first = await world.cli(['run', '--issue', world.issueRef, ...world.flags]);
    assert.equal(first.code, 3, show(first));
    const id = sessionIdIn(first.stdout);
    const store = new FileSessionStore(world.storeDir);

    const rejecting = startCli(
      ['resume', id, '--reject', FEEDBACK, ...world.flags],
      cliEnv({ ANTHROPIC_API_KEY: 'x' }),
    );
    // Killed once the rejection is recorded and the new round has begun (the session is marked running).
    const begun = async () => {
      const events = await store.read(id);
      const approval = events.find((e) => e.type === 'agent_os.approval');
      return approval !== undefined && events.some((e) => e.type === 'session.status_running' && e.seq > approval.seq);
    };
    for (let i = 0; i < 600 && !(await begun()); i++) await new Promise((r) => setTimeout(r, 20));
    rejecting.child.kill('SIGKILL');
    const killed = await rejecting.done;
    assert.equal(killed.signal, 'SIGKILL', show(killed));
    assert.equal((await store.read(id)).filter((e) => e.type === 'agent_os.approval').length, 1);

    // The person (or a script) runs the same command again.
    const again = await world.cli(['resume', id, '--reject', FEEDBACK, ...world.flags]);
    assert.equal(again.code, 3, show(again));
    const events = await store.read(id);
    assert.equal(
      events.filter((e) => e.type === 'agent_os.approval').length,
      1,
      'the new verdict was not rejected too',
    );
    const verdicts = verdictsOf(events);
    assert.equal(verdicts.length, 2);
    assert.deepEqual(foldSession(id, events).stopReason, { type: 'requires_action', event_ids: [verdicts[1]?.id] });
    assert.deepEqual(
      world.server.requests.filter((r) => r.outcome.kind !== 'turn').map((r) => r.outcome),
      [],
    );
  } finally {
    await world.close();
  }
});
