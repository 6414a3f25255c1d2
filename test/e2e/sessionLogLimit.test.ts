// A session's log limit in a real VS Code (`agentOs.maxSessionLogGiB`, lowered to 96 KiB): a run whose Coder
// writes large files warns once as the log passes three quarters of the limit, then stops at the limit with an
// error notification that names it, the session "failed" in the Threads view and its end recorded in its own
// log. With the setting raised (while the window is open), Resume finishes the session.
import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { FileSessionStore } from '../../src/node/session/fileSessionStore.ts';
import { openScriptedWorkspace, type ScriptedWorkspace } from './support/scriptedWorkspace.ts';

const TASK = 'Write the long notes';
const LIMIT_KIB = 96;
const tool = (name: string, input: Record<string, unknown>) => ({ type: 'tool_use', name, input });
const text = (t: string) => ({ type: 'text', text: t });
const SCRIPT = {
  agents: {
    Coordinator: [
      { content: [tool('send_to_agent', { agent_name: 'Coder', message: 'Write the notes, one file per part.' })] },
      { content: [text('The notes are written.')] },
    ],
    Coder: [
      ...Array.from({ length: 10 }, (_, i) => ({
        content: [tool('write', { file_path: `notes/part${i}.md`, content: `part ${i}\n`.repeat(1000) })],
      })),
      { content: [text('Wrote the notes.')] },
    ],
  },
};

describe("a session's log limit", { timeout: 300_000 }, () => {
  let world: ScriptedWorkspace;

  before(async () => {
    world = await openScriptedWorkspace({
      prefix: 'agent-os-e2e-log-limit-',
      files: { 'README.md': '# notes\n' },
      script: SCRIPT,
      settings: { 'agentOs.sandbox': 'os', 'agentOs.maxSessionLogGiB': (LIMIT_KIB * 1024) / 2 ** 30 },
    });
  });

  after(async () => {
    await world?.close();
  });

  test('warned before, stopped at the limit with its reason, resumed once the setting is raised', async () => {
    const { wb } = world;
    await wb.runCommandAndPick('Agent OS: Plan and Implement Issue', 'Describe a task');
    await wb.answerInputTitled('Describe a task', TASK);

    const limit = new RegExp(`of the ${LIMIT_KIB}\\.0 KiB a session may hold; at the limit appends are refused`);
    await wb.waitForNotification(
      new RegExp(`^Agent OS: "${TASK}" — session sesn_\\w+: its log is .*${limit.source}`),
      120_000,
    );
    await wb.waitForNotification(
      new RegExp(
        `^Agent OS: "${TASK}" stopped: session sesn_\\w+: its log has reached the ${LIMIT_KIB}\\.0 KiB a session may hold`,
      ),
      120_000,
    );
    await wb.waitForTreeItem(new RegExp(`${TASK} — failed`), 30_000);
    await wb.screenshot('60-session-log-limit');

    const store = new FileSessionStore(world.sessions);
    const [meta] = await store.list();
    assert.ok(meta);
    const [error, idle] = (await store.read(meta.id)).slice(-2);
    assert.equal(error?.type, 'session.error');
    assert.deepEqual(idle?.type === 'session.status_idle' && idle.stop_reason, { type: 'retries_exhausted' });
    assert.ok(statSync(join(world.sessions, meta.id, 'events.jsonl')).size <= LIMIT_KIB * 1024);

    // The setting raised while the window is open (machine-overridable: code-server reads the machine's file).
    const machineSettings = join(world.server.dataDir, 'Machine', 'settings.json');
    const settings = JSON.parse(readFileSync(machineSettings, 'utf8')) as Record<string, unknown>;
    writeFileSync(machineSettings, JSON.stringify({ ...settings, 'agentOs.maxSessionLogGiB': 1 }, null, 2));
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    await wb.runCommandAndPick('Agent OS: Resume Session', TASK);
    await wb.waitForTreeItem(new RegExp(`${TASK} — (idle|done)`), 120_000);
    const last = (await store.read(meta.id)).at(-1);
    assert.deepEqual(last?.type === 'session.status_idle' && last.stop_reason, { type: 'end_turn' });
    assert.ok(
      world.model.requests.every((r) => r.outcome.kind === 'turn'),
      'every request matched the script',
    );
  });
});
