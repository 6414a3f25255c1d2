// "Never silently unconfined": in a sandbox that confines nothing (the plain worktree), a writer's every
// `bash` call waits for the person — whatever its agent file says — and runs only when allowed; a reader
// is never offered `bash`, and a call it makes anyway is refused. Judged by the effect on disk.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ofType, resultOf, resultText, startWorld, type HarnessWorld } from './harnessWorld.ts';
import type { TempRepo } from '../support/gitRepo.ts';

// Neither file asks for anything: the runtime asks because nothing confines their commands.
const WRITER = `---
name: writer
description: Runs commands and writes files.
tools: [bash, read, write]
---
You run commands when asked.
`;
const READER = `---
name: reader
description: Reads, and may run read-only commands.
tools: [bash, read, grep]
---
You look around.
`;

let world: HarnessWorld;
let outside: string;

before(async () => {
  world = await startWorld(
    (repo: TempRepo) => {
      // A path outside every sandbox: a reader's command that ran would leave this file behind.
      outside = join(repo.root, 'reader-ran.txt');
      return {
        agents: {
          writer: [
            {
              content: [{ type: 'tool_use', name: 'bash', input: { command: 'echo ran > ran.txt' } }],
              expect: { tool_names: ['bash', 'read', 'write'] },
            },
            { content: [{ type: 'tool_use', name: 'bash', input: { command: 'echo no > denied.txt' } }] },
            {
              content: [{ type: 'text', text: 'Understood.' }],
              expect: { last_user_text_includes: 'not on my machine' },
            },
          ],
          reader: [
            {
              content: [{ type: 'tool_use', name: 'bash', input: { command: `echo ran > ${outside}` } }],
              // bash is not offered: only the file tools, which confine their own paths.
              expect: { tool_names: ['read', 'grep'] },
            },
            {
              content: [{ type: 'text', text: 'No commands, then.' }],
              expect: { last_user_text_includes: 'read-only agents run no commands here' },
            },
          ],
        },
      };
    },
    { files: { '.agents/writer.md': WRITER, '.agents/reader.md': READER }, runtime: { sandbox: 'worktree' } },
  );
});

after(async () => {
  await world.close();
});

test("an unconfined writer's bash waits for consent: allowed it runs, denied it never ran", async () => {
  const runtime = world.rt.runtime;
  const { id, reason } = await world.run('writer');
  let events = await world.events(id);
  const configured = ofType(events, 'agent_os.session_configured')[0];
  assert.equal(configured?.sandbox.confined, false);
  const [first] = ofType(events, 'agent.tool_use');
  assert.equal(first?.evaluated_permission, 'ask', 'asks although the agent file allows bash');
  assert.deepEqual(reason, { type: 'requires_action', event_ids: [first!.id] });
  const worktree = await world.worktree(id);
  assert.equal(existsSync(join(worktree, 'ran.txt')), false, 'nothing ran before the person answered');

  await runtime.confirmTool(id, first!.id, true);
  events = await world.events(id);
  assert.equal(resultOf(events, first!)?.is_error, false, resultText(resultOf(events, first!)));
  assert.equal(readFileSync(join(worktree, 'ran.txt'), 'utf8'), 'ran\n');
  const second = ofType(events, 'agent.tool_use')[1];
  assert.equal(second?.evaluated_permission, 'ask', 'every call asks, not only the first');

  await runtime.confirmTool(id, second!.id, false, 'not on my machine');
  events = await world.events(id);
  assert.equal(resultOf(events, second!)?.is_error, true);
  assert.equal(existsSync(join(worktree, 'denied.txt')), false, 'the denied command never ran');
  assert.deepEqual(ofType(events, 'session.status_idle').at(-1)?.stop_reason, { type: 'end_turn' });

  // Said once per session, though the session ran three times.
  const warnings = ofType(events, 'agent_os.sandbox_unconfined');
  assert.equal(warnings.length, 1);
  assert.equal(warnings[0]?.kind, 'worktree');
  assert.ok(warnings[0]!.seq < first!.seq, 'said before any command is asked for');
});

test('an unconfined reader is never offered bash, and a bash call it makes anyway is refused unrun', async () => {
  const { id, reason } = await world.run('reader');
  assert.deepEqual(reason, { type: 'end_turn' });
  const events = await world.events(id);
  const [use] = ofType(events, 'agent.tool_use');
  assert.equal(use?.name, 'bash');
  assert.equal(use?.evaluated_permission, 'deny');
  assert.match(
    resultText(resultOf(events, use!)),
    /this sandbox confines nothing .* read-only agents run no commands here/,
  );
  assert.equal(ofType(events, 'user.tool_confirmation').length, 0, 'nothing to ask: it is refused');
  assert.equal(existsSync(outside), false, 'the command never ran');
  // The scripted server checked the tools offered on each request (expect.tool_names).
  assert.equal(world.requests('reader').length, 2);
});
