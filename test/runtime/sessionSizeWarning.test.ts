// A session whose log nears the size a session may hold says so as its writer opens, through the runtime's
// problem channel (the CLI prints it, VS Code shows it), once per opening — not only with the LOG_FULL
// refusal at the limit. The limit is lowered to a little above the log a short run leaves (its prompt
// long enough that the runs here have room to append), instead of writing gigabytes.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { describeBytes } from '../../src/core/errors.ts';
import { FileSessionStore } from '../../src/node/session/fileSessionStore.ts';
import { makeTempRepo, type TempRepo } from '../support/gitRepo.ts';
import { startScriptedRuntime } from '../support/scriptedRuntime.ts';
import { logBytes as bytesOfLog } from '../session/logBytes.ts';

const SCRIPT = { agents: { Coder: [{ content: [{ type: 'text', text: 'Nothing to do.' }] }] } };

let repo: TempRepo;
let sessionId: string;

before(async () => {
  repo = makeTempRepo();
  const problems: string[] = [];
  const rt = await startScriptedRuntime(repo.root, SCRIPT, { onProblem: (line) => problems.push(line) });
  try {
    const meta = await rt.runtime.startSingleAgent({
      repository: repo.repo,
      agent: 'Coder',
      prompt: `Look around. ${'Take your time. '.repeat(3000)}`,
    });
    assert.deepEqual(await rt.runtime.settled(meta.id), { type: 'end_turn' });
    await rt.runtime.resume(meta.id);
    assert.deepEqual(problems, [], 'far below the limit, nothing is said');
    sessionId = meta.id;
  } finally {
    await rt.close();
  }
});

after(() => repo.cleanup());

/** The session's store again, with a limit its log is 80% of now (past the warning's 75%, with room to append). */
function storeNearItsLimit(): { store: FileSessionStore; limit: number; logBytes: number } {
  const storeDir = join(repo.root, 'store');
  const logBytes = bytesOfLog(join(storeDir, sessionId, 'events.jsonl'));
  const limit = Math.ceil(logBytes / 0.8);
  return { store: new FileSessionStore(storeDir, { maxLogBytes: limit }), limit, logBytes };
}

const escaped = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

test("a writer opened near the log's limit says so through onProblem, once per opening", async () => {
  const { store, limit, logBytes } = storeNearItsLimit();
  const problems: string[] = [];
  const rt = await startScriptedRuntime(repo.root, SCRIPT, { store, onProblem: (line) => problems.push(line) });
  try {
    await rt.runtime.resume(sessionId);
    assert.equal(problems.length, 1, problems.join('\n'));
    const [line] = problems as [string];
    assert.ok(line.startsWith(`session ${sessionId}: `), line);
    // The size at the opening, the limit, and what to do.
    assert.match(line, new RegExp(`its log is ${escaped(describeBytes(logBytes))} of the `));
    assert.match(line, new RegExp(`of the ${escaped(describeBytes(limit))} a session may hold`));
    assert.match(line, /at the limit appends are refused\. Start a new session for further work soon/);
    // Each opening of the writer (here an interrupt of the idle session) says it again, once.
    await rt.runtime.interrupt(sessionId);
    assert.equal(problems.length, 2, problems.join('\n'));
  } finally {
    await rt.close();
  }
});

test('a runtime given onSessionWarning gets the warning with the session id, not as a problem', async () => {
  const { store } = storeNearItsLimit();
  const problems: string[] = [];
  const warnings: [string, string][] = [];
  const rt = await startScriptedRuntime(repo.root, SCRIPT, {
    store,
    onProblem: (line) => problems.push(line),
    onSessionWarning: (id, message) => warnings.push([id, message]),
  });
  try {
    await rt.runtime.resume(sessionId);
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0]?.[0], sessionId);
    assert.match(warnings[0]?.[1] ?? '', /a session may hold; at the limit appends are refused/);
    assert.deepEqual(problems, []);
  } finally {
    await rt.close();
  }
});

test('a listener that throws does not keep the session from running, nor its writer held', async () => {
  const { store } = storeNearItsLimit();
  const rt = await startScriptedRuntime(repo.root, SCRIPT, {
    store,
    onSessionWarning: () => {
      throw new Error('the listener broke');
    },
  });
  try {
    await rt.runtime.resume(sessionId);
    await rt.runtime.interrupt(sessionId);
    assert.equal(rt.runtime.isRunning(sessionId), false);
  } finally {
    await rt.close();
  }
});

test('a run whose appends take the log past the warning share says so then, once, not at the next opening only', async () => {
  const storeDir = join(repo.root, 'store');
  const logBytes = bytesOfLog(join(storeDir, sessionId, 'events.jsonl'));
  // Below the warning's 75% at the opening; the run's first record takes the log past it.
  const limit = Math.ceil((logBytes + 1) / 0.75);
  const store = new FileSessionStore(storeDir, { maxLogBytes: limit });
  const warnings: [string, string][] = [];
  const rt = await startScriptedRuntime(repo.root, SCRIPT, {
    store,
    onSessionWarning: (id, message) => warnings.push([id, message]),
  });
  try {
    await rt.runtime.resume(sessionId);
    await rt.runtime.settled(sessionId);
    const grown = bytesOfLog(join(storeDir, sessionId, 'events.jsonl'));
    assert.ok(grown > logBytes && grown < limit, `the run appended (${logBytes} → ${grown} of ${limit} bytes)`);
    assert.equal(warnings.length, 1, warnings.join('\n'));
    assert.equal(warnings[0]?.[0], sessionId);
    assert.match(warnings[0]?.[1] ?? '', /a session may hold; at the limit appends are refused/);
    assert.match(warnings[0]?.[1] ?? '', new RegExp(`of the ${escaped(describeBytes(limit))} a session may hold`));
  } finally {
    await rt.close();
  }
});

test('a run that reaches the limit stops with its error and its end in its own log; with a larger limit it resumes', async () => {
  const local = makeTempRepo();
  const storeDir = join(local.root, 'full-store');
  const limit = 24 * 1024;
  const write = (i: number) => ({
    content: [
      { type: 'tool_use', name: 'write', input: { file_path: `notes/${i}.md`, content: `${i} `.repeat(2500) } },
    ],
  });
  const script = {
    agents: {
      Coder: [...Array.from({ length: 5 }, (_, i) => write(i)), { content: [{ type: 'text', text: 'Done.' }] }],
    },
  };
  const store = new FileSessionStore(storeDir);
  const logBytes = (id: string): number => bytesOfLog(join(storeDir, id, 'events.jsonl'));
  /** The run ended on the limit: its error and the session going idle are the log's last records, within it. */
  const assertStoppedByLimit = async (id: string): Promise<void> => {
    const [error, idle] = (await store.read(id)).slice(-2);
    assert.equal(error?.type, 'session.error');
    assert.match(
      error?.type === 'session.error' ? error.error.message : '',
      new RegExp(
        `its log has reached the ${escaped(describeBytes(limit))} a session may hold.*raise the limit and resume it`,
      ),
    );
    assert.deepEqual(idle?.type === 'session.status_idle' && idle.stop_reason, { type: 'retries_exhausted' });
    assert.ok(logBytes(id) <= limit, `${logBytes(id)} bytes`);
    assert.equal((await store.verify(id)).ok, true);
  };
  const warnings: string[] = [];
  let rt = await startScriptedRuntime(local.root, script, {
    store: new FileSessionStore(storeDir, { maxLogBytes: limit }),
    onSessionWarning: (_id, message) => warnings.push(message),
  });
  let id = '';
  try {
    id = (await rt.runtime.startSingleAgent({ repository: local.repo, agent: 'Coder', prompt: 'Write notes.' })).id;
    assert.deepEqual(await rt.runtime.settled(id), { type: 'retries_exhausted' });
    assert.equal(warnings.length, 1, 'said once, before the limit');
    await assertStoppedByLimit(id);
  } finally {
    await rt.close();
  }
  // The same limit: the resume goes on until a record does not fit, and ends the same way.
  rt = await startScriptedRuntime(local.root, script, {
    store: new FileSessionStore(storeDir, { maxLogBytes: limit }),
  });
  try {
    const before = (await store.read(id)).length;
    await rt.runtime.resume(id);
    await rt.runtime.settled(id);
    await assertStoppedByLimit(id);
    assert.ok((await store.read(id)).length > before);
  } finally {
    await rt.close();
  }
  rt = await startScriptedRuntime(local.root, script, { store: new FileSessionStore(storeDir) });
  try {
    await rt.runtime.resume(id);
    await rt.runtime.settled(id);
    const last = (await store.read(id)).at(-1);
    assert.deepEqual(last?.type === 'session.status_idle' && last.stop_reason, { type: 'end_turn' });
  } finally {
    await rt.close();
    local.cleanup();
  }
});
