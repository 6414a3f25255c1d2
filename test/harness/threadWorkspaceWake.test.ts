// A thread's workspace across wakes, on real parts: the Reviewer of a single-agent session gets a clean room
// at the session's head, recorded (`agent_os.thread_workspace`) before any tool runs. A wake reads the record:
// the port is not asked to choose again, so neither a changed setting nor a moved branch moves the thread.
// A log from before the record still wakes (chosen, then recorded), and a planted record (a commit of the
// person's that is not the session's, their checkout as the folder) is refused and replaced.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import type { EventInput, SessionEvent } from '../../src/core/events/sessionEvent.ts';
import type { SessionSandboxes } from '../../src/core/sandbox/sessionSandboxes.ts';
import { chosenSessionSandboxes } from '../../src/node/sandbox/chosenSessionSandboxes.ts';
import { lazySessionSandboxes } from '../../src/node/sandbox/forwardedSandboxes.ts';
import { chooseSandbox } from '../../src/node/sandbox/sandboxChoice.ts';
import { makeTempRepo } from '../support/gitRepo.ts';
import { startScriptedRuntime, type ScriptedRuntime } from '../support/scriptedRuntime.ts';
import { ofType, resultText } from './harnessWorld.ts';

const show = (command: string) => ({ content: [{ type: 'tool_use', name: 'bash', input: { command } }] });
/** The first turn, refused once (a 400: the session stops resumable), then served to the wake. */
const refusedOnce = (command: string) => ({ ...show(command), faults: [{ kind: 'invalid_request' }] });
const done = { content: [{ type: 'text', text: 'Reviewed.' }] };
/** Git as the person runs it, with an identity of its own: a bare machine has none configured. */
const git = (dir: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=Person', '-c', 'user.email=person@example.com', '-C', dir, ...args], {
    encoding: 'utf8',
  }).trim();

/** The sandboxes `auto` chooses, counting how often a thread's workspace is chosen. */
function countingSandboxes(counts: { chosen: number }) {
  return (repository: string, storageDir: string): SessionSandboxes => {
    const inner = lazySessionSandboxes(async () =>
      chosenSessionSandboxes(await chooseSandbox({ setting: 'auto', repository }), { storageDir, repository }),
    );
    return {
      ...inner,
      chooseWorkspace: (sessionId, need) => {
        counts.chosen++;
        return inner.chooseWorkspace(sessionId, need);
      },
    };
  };
}

async function refusedReviewer(rt: ScriptedRuntime, repository: string): Promise<string> {
  const meta = await rt.runtime.startSingleAgent({ repository, agent: 'Reviewer', prompt: 'Review it.' });
  assert.deepEqual(await rt.runtime.settled(meta.id), { type: 'retries_exhausted' });
  return meta.id;
}

function bashOutput(events: SessionEvent[]): string {
  return ofType(events, 'agent.tool_result')
    .map((r) => resultText(r))
    .join('\n');
}

test('a wake works in the recorded clean room: the chooser is not asked, a changed setting and a moved branch do not move it', async () => {
  const repo = makeTempRepo({ 'README.md': '# sample\n' });
  const base = git(repo.repo, 'rev-parse', 'HEAD');
  let rt = await startScriptedRuntime(repo.root, { agents: { Reviewer: [refusedOnce('never served')] } });
  try {
    const id = await refusedReviewer(rt, repo.repo);
    const [first] = ofType(await rt.store.read(id), 'agent_os.thread_workspace');
    assert.deepEqual(first?.workspace, { kind: 'clean_room', commit: base });
    assert.equal(first?.read_only, true);
    // The session's branch moves on (a commit in its repository): choosing again would take the new head.
    const worktree = (await rt.runtime.changes(id)).worktree;
    git(worktree, 'commit', '--allow-empty', '-q', '-m', 'moved on');
    await rt.close();

    const counts = { chosen: 0 };
    rt = await startScriptedRuntime(
      repo.root,
      { agents: { Reviewer: [show('git rev-parse HEAD && pwd'), done] } },
      { settings: { cleanRoomReview: false }, sandboxes: countingSandboxes(counts) },
    );
    await rt.runtime.resume(id);
    const events = await rt.store.read(id);
    assert.equal(counts.chosen, 0, 'the wake read the record instead of choosing');
    assert.equal(ofType(events, 'agent_os.thread_workspace').length, 1);
    const out = bashOutput(events);
    assert.ok(out.includes(base), out);
    assert.ok(out.includes(`-clean-${base.slice(0, 12)}`), out);
  } finally {
    await rt.close();
    repo.cleanup();
  }
});

test('a log from before the record wakes: the workspace is chosen, recorded once, and used', async () => {
  const repo = makeTempRepo({ 'README.md': '# sample\n' });
  const base = git(repo.repo, 'rev-parse', 'HEAD');
  const rt = await startScriptedRuntime(repo.root, {
    agents: { Reviewer: [refusedOnce('git rev-parse HEAD && pwd'), done] },
  });
  try {
    const source = await refusedReviewer(rt, repo.repo);
    // The same log as an older Agent OS wrote it: no thread_workspace.
    const old = (await rt.store.read(source)).filter((e) => e.type !== 'agent_os.thread_workspace');
    const meta = await rt.store.create({
      title: 'old',
      source: 'agent Reviewer',
      repository: repo.repo,
      metadata: { primary_agent: 'Reviewer' },
    });
    const writer = await rt.store.openWriter(meta.id);
    await writer.appendMany(
      old.map(({ id: _id, seq: _seq, processed_at: _at, schema_version: _v, ...input }) => input as EventInput),
    );
    await writer.close();

    await rt.runtime.resume(meta.id);
    const events = await rt.store.read(meta.id);
    const records = ofType(events, 'agent_os.thread_workspace');
    assert.equal(records.length, 1);
    assert.deepEqual(records[0]?.workspace, { kind: 'clean_room', commit: base });
    const firstTool = events.findIndex((e) => e.type === 'agent.tool_use');
    assert.ok(events.indexOf(records[0]!) < firstTool, 'recorded before any tool ran there');
    assert.ok(bashOutput(events).includes(`-clean-${base.slice(0, 12)}`));
  } finally {
    await rt.close();
    repo.cleanup();
  }
});

test("a planted record (a commit of the person's outside the session, their checkout as the folder) is refused and replaced", async () => {
  const repo = makeTempRepo({ 'README.md': '# sample\n' });
  const base = git(repo.repo, 'rev-parse', 'HEAD');
  const rt = await startScriptedRuntime(repo.root, {
    agents: { Reviewer: [refusedOnce('ls -a && pwd'), done] },
  });
  try {
    const id = await refusedReviewer(rt, repo.repo);
    // A commit of the person's on another branch, made after the session started: its objects are
    // borrowed by the session's vault, so a clean room would check it out if the record were believed.
    git(repo.repo, 'checkout', '-q', '-b', 'private');
    execFileSync('sh', ['-c', 'echo secret > SECRET.txt'], { cwd: repo.repo });
    git(repo.repo, 'add', 'SECRET.txt');
    git(repo.repo, 'commit', '-q', '-m', 'private');
    const foreign = git(repo.repo, 'rev-parse', 'HEAD');
    git(repo.repo, 'checkout', '-q', '-');
    const thread = ofType(await rt.store.read(id), 'session.thread_created')[0]!.session_thread_id;
    const writer = await rt.store.openWriter(id);
    await writer.append({
      type: 'agent_os.thread_workspace',
      thread,
      session_thread_id: thread,
      sandbox_kind: (await rt.store.read(id)).find((e) => e.type === 'agent_os.session_configured')!.sandbox.kind,
      workspace: { kind: 'clean_room', commit: foreign },
      workdir: repo.repo,
      read_only: false,
    });
    await writer.close();

    await rt.runtime.resume(id);
    const events = await rt.store.read(id);
    const latest = ofType(events, 'agent_os.thread_workspace').at(-1)!;
    assert.match(latest.replaces_refused ?? '', /not in the session's history/);
    assert.deepEqual(latest.workspace, { kind: 'clean_room', commit: base });
    const out = bashOutput(events);
    assert.ok(!out.includes('SECRET.txt'), out);
    assert.ok(out.includes(`-clean-${base.slice(0, 12)}`), out);
    assert.ok(!out.split('\n').includes(repo.repo), out);
  } finally {
    await rt.close();
    repo.cleanup();
  }
});
