// The thread workspace's table: a log in, the folded record and the decision out. No git or sandbox: what
// a wake does with `agent_os.thread_workspace` (use it, choose anew, refuse it) is decided from these.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SessionEvent, type EventInput } from '../../src/core/events/sessionEvent.ts';
import { workspaceDecision, type WorkspaceDecision } from '../../src/core/harness/threadWorkspace.ts';
import { workspaceNeedOf } from '../../src/core/pipeline/roles.ts';
import type { SandboxWorkspace } from '../../src/core/sandbox/sandbox.ts';
import type { WorkspaceNeed } from '../../src/core/sandbox/sessionSandboxes.ts';
import { foldSession } from '../../src/core/session/sessionState.ts';
import { logOf } from '../support/eventLog.ts';

const T = 'sthr_reviewer';
const OTHER = 'sthr_coder_2';
const COMMIT = 'a'.repeat(40);
const NEWER = 'b'.repeat(40);

const created = (thread: string, agent: string, key?: string): EventInput => ({
  type: 'session.thread_created',
  thread: 'sthr_main',
  session_thread_id: thread,
  agent_name: agent,
  parent_thread_id: 'sthr_main',
  ...(key ? { thread_key: key } : {}),
});
const task = (thread: string): EventInput => ({
  type: 'agent.thread_message_received',
  thread,
  from_session_thread_id: 'sthr_main',
  content: [{ type: 'text', text: 'Review it.' }],
});
const recorded = (workspace: SandboxWorkspace, more: Partial<EventInput> = {}, thread = T): EventInput =>
  ({
    type: 'agent_os.thread_workspace',
    thread,
    session_thread_id: thread,
    sandbox_kind: 'os',
    workspace,
    workdir: '/store/.worktrees/repos/s',
    read_only: true,
    ...more,
  }) as EventInput;

const never = (): WorkspaceNeed => assert.fail('the rules were asked again');
const cleanRoom = (): WorkspaceNeed => ({ kind: 'clean_room' });

function decide(events: EventInput[], need: () => WorkspaceNeed = never, thread = T): WorkspaceDecision {
  const state = foldSession('s', logOf(...events));
  return workspaceDecision(state.threads[thread]!, 'os', need);
}

test('the fold keeps each thread its latest record and the seq of its latest task', () => {
  const state = foldSession(
    's',
    logOf(
      created(T, 'Reviewer'),
      task(T),
      recorded({ kind: 'clean_room', commit: COMMIT }),
      created(OTHER, 'Coder', 'two'),
      recorded({ kind: 'child', key: 'two' }, { read_only: false }, OTHER),
      task(T),
      recorded({ kind: 'clean_room', commit: NEWER }),
    ),
  );
  const reviewer = state.threads[T]!;
  assert.deepEqual(reviewer.workspace?.workspace, { kind: 'clean_room', commit: NEWER });
  assert.equal(reviewer.workspace?.seq, 7);
  assert.equal(reviewer.taskSeq, 6);
  assert.deepEqual(state.threads[OTHER]?.workspace?.workspace, { kind: 'child', key: 'two' });
  assert.equal(state.threads[OTHER]?.taskSeq, undefined);
});

test('the event parses, and a workspace of an unknown kind does not', () => {
  const [event] = logOf(recorded({ kind: 'session' }));
  assert.ok(SessionEvent.safeParse(event).success);
  const odd = { ...event, workspace: { kind: 'host', path: '/' } };
  assert.equal(SessionEvent.safeParse(odd).success, false);
});

const rows: { name: string; events: EventInput[]; need?: () => WorkspaceNeed; thread?: string; expect: unknown }[] = [
  {
    name: 'nothing recorded (a new thread, or a log from before the record): chosen by the rules',
    events: [created(T, 'Reviewer'), task(T)],
    need: cleanRoom,
    expect: { kind: 'choose', need: { kind: 'clean_room' } },
  },
  {
    name: 'recorded after its task (a wake): used, the rules not asked',
    events: [created(T, 'Reviewer'), task(T), recorded({ kind: 'clean_room', commit: COMMIT })],
    expect: { kind: 'use', workspace: { kind: 'clean_room', commit: COMMIT } },
  },
  {
    name: 'a clean room and a newer task (the next review round): a clean room again, at the commit of now',
    events: [created(T, 'Reviewer'), task(T), recorded({ kind: 'clean_room', commit: COMMIT }), task(T)],
    expect: { kind: 'choose', need: { kind: 'clean_room' } },
  },
  {
    name: "the session's repository and a newer task: kept (a changed setting does not move the thread)",
    events: [created(T, 'Reviewer'), task(T), recorded({ kind: 'session' }), task(T)],
    expect: { kind: 'use', workspace: { kind: 'session' } },
  },
  {
    name: 'its own child repository and a newer task: kept',
    events: [created(OTHER, 'Coder', 'two'), recorded({ kind: 'child', key: 'two' }, {}, OTHER), task(OTHER)],
    thread: OTHER,
    expect: { kind: 'use', workspace: { kind: 'child', key: 'two' } },
  },
  {
    name: "another thread's child repository: refused, chosen by the rules",
    events: [created(OTHER, 'Coder', 'two'), recorded({ kind: 'child', key: 'three' }, {}, OTHER)],
    thread: OTHER,
    need: () => ({ kind: 'child', key: 'two' }),
    expect: { kind: 'choose', need: { kind: 'child', key: 'two' }, refused: /"three" is not this thread's own/ },
  },
  {
    name: 'a path for a child key: refused',
    events: [created(OTHER, 'Coder'), recorded({ kind: 'child', key: '../../..' }, {}, OTHER)],
    thread: OTHER,
    need: () => ({ kind: 'session' }),
    expect: { kind: 'choose', need: { kind: 'session' }, refused: /not this thread's own/ },
  },
  {
    name: 'a clean room without a full commit id (a ref, an option): refused',
    events: [created(T, 'Reviewer'), recorded({ kind: 'clean_room', commit: '--upload-pack=sh' })],
    need: cleanRoom,
    expect: { kind: 'choose', need: { kind: 'clean_room' }, refused: /not a full commit id/ },
  },
  {
    name: 'recorded under another sandbox kind: refused',
    events: [created(T, 'Reviewer'), recorded({ kind: 'session' }, { sandbox_kind: 'worktree' })],
    need: cleanRoom,
    expect: { kind: 'choose', need: { kind: 'clean_room' }, refused: /sandbox kind worktree; the session runs os/ },
  },
  {
    name: 'a record on this thread that names another: refused',
    events: [created(T, 'Reviewer'), recorded({ kind: 'session' }, { session_thread_id: OTHER })],
    need: cleanRoom,
    expect: { kind: 'choose', need: { kind: 'clean_room' }, refused: /names thread sthr_coder_2/ },
  },
];

for (const row of rows) {
  test(`workspace decision: ${row.name}`, () => {
    const got = decide(row.events, row.need, row.thread);
    const expect = row.expect as { kind: string; need?: unknown; refused?: RegExp; workspace?: unknown };
    assert.equal(got.kind, expect.kind);
    if (got.kind === 'use') assert.deepEqual(got.record.workspace, expect.workspace);
    else {
      assert.deepEqual(got.need, expect.need);
      if (expect.refused) assert.match(got.refused ?? '', expect.refused);
      else assert.equal(got.refused, undefined);
    }
  });
}

test("the pipeline's rules: the Reviewer's clean room when the session reviews in one, a parallel writer's own repository", () => {
  assert.deepEqual(workspaceNeedOf({ agentName: 'Reviewer' }, 'read_only', true), { kind: 'clean_room' });
  assert.deepEqual(workspaceNeedOf({ agentName: 'Reviewer' }, 'read_only', false), { kind: 'session' });
  assert.deepEqual(workspaceNeedOf({ agentName: 'Coder', threadKey: 'two' }, 'read_write', true), {
    kind: 'child',
    key: 'two',
  });
  assert.deepEqual(workspaceNeedOf({ agentName: 'Planner', threadKey: 'two' }, 'read_only', true), {
    kind: 'session',
  });
  assert.deepEqual(workspaceNeedOf({ agentName: 'Coder' }, 'read_write', true), { kind: 'session' });
});
