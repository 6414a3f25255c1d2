// Forking a session from one of its events, with the real runtime, git and the scripted model: a fork from the
// verdict that waits for the person is approved into its own pull request (its files are exactly the verdict's);
// a fork from the mid-session REJECT runs on through another Coder round to an APPROVE of its own; the source
// session is left as it was; a fork point that is not an event, or before the session started, is refused; a fork
// after changes no commit holds runs on with files without them, and its agent is told so; a fork of a long session
// reads its source only up to the point.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { EventOfType, SessionEvent } from '../../src/core/events/sessionEvent.ts';
import { foldSession } from '../../src/core/session/sessionState.ts';
import { sessionBranch } from '../../src/node/sandbox/sessionRepository.ts';
import { startDemoWorld } from '../support/demoWorld.ts';
import { makeTempRepo } from '../support/gitRepo.ts';
import { startScriptedRuntime } from '../support/scriptedRuntime.ts';
import { verdictsOf } from '../pipeline/scriptParts.ts';

const forkedOf = (events: readonly SessionEvent[]) =>
  events.find((e): e is EventOfType<'agent_os.session_forked'> => e.type === 'agent_os.session_forked');
const checkpointsOf = (events: readonly SessionEvent[]) =>
  events.filter((e): e is EventOfType<'agent_os.checkpoint'> => e.type === 'agent_os.checkpoint');

test('forks run on from a mid-session event and from the held verdict; the source stays as it was', async () => {
  const world = await startDemoWorld();
  try {
    const { rt, sample } = world;
    const source = await rt.runtime.start({ issue: world.issueRef, repository: sample.workdir });
    assert.equal((await rt.runtime.settled(source.id))?.type, 'requires_action');
    const sourceEvents = await rt.store.read(source.id);
    const [reject, approve] = verdictsOf(sourceEvents);
    assert.equal(reject?.verdict.decision, 'REJECT');
    assert.equal(approve?.verdict.decision, 'APPROVE');
    // Each hand-back of the Coder is a checkpoint on the log, and each verdict reviewed the checkpoint before it.
    const checkpoints = checkpointsOf(sourceEvents);
    assert.equal(checkpoints.length, 2);
    assert.deepEqual(
      checkpoints.map((c) => c.moved),
      [true, true],
    );
    assert.equal(reject?.evidence.head_commit, checkpoints[0]?.commit);
    assert.equal(approve?.evidence.head_commit, checkpoints[1]?.commit);

    // 1. From the REJECT (by seq, as the CLI takes it): files at the first checkpoint, nothing missing from them.
    const midFork = await rt.runtime.fork(source.id, String(reject.seq));
    assert.equal(midFork.metadata['forked_from'], source.id);
    assert.equal(midFork.metadata['forked_at'], reject.id);
    const midEvents = await rt.store.read(midFork.id);
    assert.deepEqual(midEvents.slice(0, reject.seq), sourceEvents.slice(0, reject.seq));
    const forked = forkedOf(midEvents);
    assert.equal(forked?.seq, reject.seq + 1);
    assert.equal(forked?.files_commit, checkpoints[0]?.commit);
    assert.equal(forked?.files_event_id, reject.id);
    assert.deepEqual(forked?.unrecorded_tool_use_ids, []);
    await rt.runtime.resume(midFork.id);
    const midAfter = await rt.store.read(midFork.id);
    const midVerdicts = verdictsOf(midAfter);
    assert.deepEqual(
      midVerdicts.map((v) => v.verdict.decision),
      ['REJECT', 'APPROVE'],
      'the fork ran its own second round',
    );
    assert.equal(midVerdicts[0]?.id, reject.id);
    assert.ok(!sourceEvents.some((e) => e.id === midVerdicts[1]?.id));
    assert.equal(foldSession(midFork.id, midAfter).stopReason?.type, 'requires_action');
    // Its second round is committed on its own branch, on top of the source's first checkpoint.
    const midCheckpoint = checkpointsOf(midAfter).at(-1);
    assert.equal(midVerdicts[1]?.evidence.head_commit, midCheckpoint?.commit);
    assert.notEqual(midCheckpoint?.commit, checkpoints[1]?.commit);
    const vault = join(rt.storeDir, '.worktrees', 'vault', `${midFork.id}.git`);
    const parent = execFileSync('git', ['--git-dir', vault, 'rev-parse', `${midCheckpoint?.commit}^`], {
      encoding: 'utf8',
    }).trim();
    assert.equal(parent, checkpoints[0]?.commit);

    // 2. From the held APPROVE (by id): approved, it opens a pull request from the fork's own branch.
    const heldFork = await rt.runtime.fork(source.id, approve.id);
    assert.equal(forkedOf(await rt.store.read(heldFork.id))?.files_commit, checkpoints[1]?.commit);
    await rt.runtime.resume(heldFork.id);
    const held = verdictsOf(await rt.store.read(heldFork.id));
    assert.deepEqual(
      held.map((v) => v.id),
      [reject.id, approve.id],
      'woken at the held verdict, it waits on the same verdict',
    );
    await rt.runtime.approve(heldFork.id, approve.id);
    const prs = world.github.pullRequests();
    assert.equal(prs.length, 1);
    assert.equal(prs[0]?.head, sessionBranch(heldFork.id));
    const opened = (await rt.store.read(heldFork.id)).find(
      (e): e is EventOfType<'agent_os.pull_request_opened'> => e.type === 'agent_os.pull_request_opened',
    );
    assert.equal(opened?.head_commit, checkpoints[1]?.commit);

    // The source is untouched: same log, still waiting on its verdict.
    assert.deepEqual(await rt.store.read(source.id), sourceEvents);

    // Bad fork points are refused clearly and make nothing.
    const before = (await rt.store.list()).length;
    await assert.rejects(rt.runtime.fork(source.id, 'sevt_nosuchevent'), /has no event "sevt_nosuchevent"/);
    await assert.rejects(rt.runtime.fork(source.id, String(sourceEvents.length + 1)), /has no event/);
    await assert.rejects(
      rt.runtime.fork(source.id, '1'),
      /comes before session .* was started; fork from event \d+ or later/,
    );
    assert.equal((await rt.store.list()).length, before);
  } finally {
    await world.close();
  }
});

test('a fork after file changes no commit holds runs on, and its agent is told what its files lack', async () => {
  const repo = makeTempRepo({ 'README.md': '# sample\n' });
  const write = (file: string) => ({
    content: [{ type: 'tool_use', name: 'write', input: { file_path: file, content: `${file}\n` } }],
  });
  const rt = await startScriptedRuntime(repo.root, {
    agents: { Coder: [write('one.txt'), write('two.txt'), { content: [{ type: 'text', text: 'Both written.' }] }] },
  });
  try {
    const source = await rt.runtime.startSingleAgent({
      repository: repo.repo,
      agent: 'Coder',
      prompt: 'Write one.txt and two.txt',
    });
    assert.deepEqual(await rt.runtime.settled(source.id), { type: 'end_turn' });
    const events = await rt.store.read(source.id);
    const [first] = events.filter((e) => e.type === 'agent.tool_result');
    assert.ok(first);
    const fork = await rt.runtime.fork(source.id, first.id);
    const forked = forkedOf(await rt.store.read(fork.id));
    const firstUse = events.find((e) => e.type === 'agent.tool_use' && e.name === 'write');
    assert.deepEqual(forked?.unrecorded_tool_use_ids, [firstUse?.id]);
    const before = rt.server.requests.length;
    await rt.runtime.resume(fork.id);
    assert.equal(foldSession(fork.id, await rt.store.read(fork.id)).stopReason?.type, 'end_turn');
    // Its next request carried the note; its files are the base commit's plus what it did after the fork.
    const system = JSON.stringify((rt.server.requests[before]?.body as { system?: unknown } | undefined)?.system);
    assert.match(system, /forked from session .* NOT in the files .*write one\.txt/);
    const { worktree } = await rt.runtime.changes(fork.id);
    assert.equal(existsSync(join(worktree, 'one.txt')), false);
    assert.equal(readFileSync(join(worktree, 'two.txt'), 'utf8'), 'two.txt\n');
    assert.equal(
      readFileSync(join((await rt.runtime.changes(source.id)).worktree, 'one.txt'), 'utf8'),
      'one.txt\n',
      'the source keeps its files',
    );
  } finally {
    await rt.close();
    repo.cleanup();
  }
});

test('a fork of a long session reads the source only up to the point, a page at a time', async () => {
  const repo = makeTempRepo({ 'README.md': '# sample\n' });
  const rt = await startScriptedRuntime(repo.root, {
    agents: { Coder: [{ content: [{ type: 'text', text: 'Nothing to change.' }] }] },
  });
  try {
    const source = await rt.runtime.startSingleAgent({ repository: repo.repo, agent: 'Coder', prompt: 'Look around' });
    assert.deepEqual(await rt.runtime.settled(source.id), { type: 'end_turn' });
    const started = await rt.store.read(source.id);
    const point = started.find((e) => e.type === 'agent.message');
    assert.ok(point);
    // The source goes on long past the point: four pages' worth of telemetry after its turn ended.
    const writer = await rt.store.openWriter(source.id);
    const primary = point.thread;
    const later = Array.from({ length: 4 * 2048 }, (_, i) => ({
      type: 'agent.message' as const,
      thread: primary,
      content: [{ type: 'text' as const, text: `later ${i}` }],
    }));
    await writer.appendMany(later, 'batch');
    await writer.close();
    const sourceLength = started.length + later.length;

    const readPage = rt.store.readPage.bind(rt.store);
    let eventsRead = 0;
    rt.store.readPage = async (sessionId, options) => {
      const page = await readPage(sessionId, options);
      if (sessionId === source.id) eventsRead += page.events.length;
      return page;
    };
    const fork = await rt.runtime.fork(source.id, point.id);
    rt.store.readPage = readPage;

    // The point's page (logPages reads 2048 at a time), then the copy of the events through the point.
    const mostRead = 2048 + point.seq + 1;
    assert.ok(eventsRead <= mostRead, `the fork read ${eventsRead} of the source's ${sourceLength} events`);
    const forkEvents = await rt.store.read(fork.id);
    assert.deepEqual(forkEvents.slice(0, point.seq), started.slice(0, point.seq));
    assert.equal(forkedOf(forkEvents)?.seq, point.seq + 1);
    assert.equal(forkEvents.length, point.seq + 1);
  } finally {
    await rt.close();
    repo.cleanup();
  }
});
