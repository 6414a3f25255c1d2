// Intent before effect, at the disk: a call that changes something (write, edit, bash) starts only once
// its tool_use record is durable — an fdatasync of the log that began after the record was written has
// returned. Calls without an effect (read, glob, grep) and tool results need not wait (sessionLog.ts,
// 'ahead'), but the log is whole on disk at the end. The real fs.fdatasync runs; a wrapper notes what each
// one covered.
import assert from 'node:assert/strict';
import { fstatSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import type { Sandbox } from '../../src/core/sandbox/sandbox.ts';
import { chosenSessionSandboxes } from '../../src/node/sandbox/chosenSessionSandboxes.ts';
import { lazySessionSandboxes } from '../../src/node/sandbox/forwardedSandboxes.ts';
import { chooseSandbox } from '../../src/node/sandbox/sandboxChoice.ts';
import { ofType, startWorld, type HarnessWorld } from './harnessWorld.ts';
import { logBytes } from '../session/logBytes.ts';

const fs = require('node:fs') as { fdatasync: (fd: number, cb: (error: Error | null) => void) => void };
const realFdatasync = fs.fdatasync;
/** Finished fdatasyncs: the file (inode) and its size when the call started, which is what it made durable. */
let synced: { ino: number; bytes: number }[] = [];

beforeEach(() => {
  synced = [];
  fs.fdatasync = (fd, cb) => {
    const { ino } = fstatSync(fd);
    const size = logBytes(`/proc/self/fd/${fd}`); // the log, without the zeros its writer wrote ahead
    realFdatasync(fd, (error) => {
      if (!error) synced.push({ ino, bytes: size });
      cb(error);
    });
  };
});
afterEach(() => {
  fs.fdatasync = realFdatasync;
});

interface ToolStart {
  name: string;
  /** The log's size, and how much of it was durable, as the call started. */
  logBytes: number;
  durableBytes: number;
}

test('a call with an effect runs only once its tool_use is durable, and every record is durable at the end', async () => {
  const starts: ToolStart[] = [];
  let logOf: (sessionId: string) => string = () => '';
  const turns = [
    { content: [{ type: 'tool_use', name: 'write', input: { file_path: 'notes.txt', content: 'one\n' } }] },
    { content: [{ type: 'tool_use', name: 'read', input: { file_path: 'notes.txt' } }] },
    { content: [{ type: 'tool_use', name: 'bash', input: { command: 'echo two >> notes.txt' } }] },
    { content: [{ type: 'tool_use', name: 'grep', input: { pattern: 'two' } }] },
    {
      content: [
        { type: 'tool_use', name: 'edit', input: { file_path: 'notes.txt', old_string: 'one', new_string: 'three' } },
      ],
    },
    { content: [{ type: 'text', text: 'Done.' }] },
  ];
  let world: HarnessWorld | undefined;
  try {
    world = await startWorld(
      { agents: { Coder: turns } },
      {
        runtime: {
          sandboxes: (repository, storageDir) => {
            const inner = lazySessionSandboxes(async () =>
              chosenSessionSandboxes(await chooseSandbox({ setting: 'auto', repository }), { storageDir, repository }),
            );
            return {
              ...inner,
              async open(request) {
                const sandbox = await inner.open(request);
                const log = logOf(request.sessionId);
                const watched: Sandbox = {
                  ...sandbox,
                  runTool: (call, options) => {
                    const { ino } = statSync(log);
                    const size = logBytes(log);
                    const durable = Math.max(0, ...synced.filter((s) => s.ino === ino).map((s) => s.bytes));
                    starts.push({ name: call.name, logBytes: size, durableBytes: durable });
                    return sandbox.runTool(call, options);
                  },
                  dispose: () => sandbox.dispose(),
                };
                return watched;
              },
            };
          },
        },
      },
    );
    const store = world.rt.store;
    logOf = (sessionId) => join(store.sessionDir(sessionId), 'events.jsonl');
    const { id, reason } = await world.run('Coder');
    assert.equal(reason?.type, 'end_turn');
    const events = await world.events(id);
    assert.deepEqual(
      ofType(events, 'agent.tool_result').map((r) => r.is_error),
      [false, false, false, false, false],
      JSON.stringify(ofType(events, 'agent.tool_result').map((r) => r.content)),
    );
    assert.deepEqual(
      starts.map((s) => s.name),
      ['write', 'read', 'bash', 'grep', 'edit'],
    );
    for (const start of starts.filter((s) => ['write', 'bash', 'edit'].includes(s.name))) {
      // The tool_use is the last record written when its call starts: all of the log must be durable.
      assert.ok(
        start.durableBytes >= start.logBytes,
        `${start.name} started with ${start.durableBytes} of ${start.logBytes} bytes of the log durable`,
      );
    }
    const { ino, size } = statSync(logOf(id));
    assert.equal(
      size,
      Math.max(...synced.filter((s) => s.ino === ino).map((s) => s.bytes)),
      'all of it durable at the end',
    );
  } finally {
    await world?.close();
  }
});
