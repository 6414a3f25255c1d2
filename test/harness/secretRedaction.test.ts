// Known secret values — the API key and GitHub token the runtime holds, and a value configuration names
// as secret — never reach the model or the log through a tool, in whatever easy form a command prints
// them: read from a file, cat, base64 of the whole file (each value at its own byte alignment), and
// percent-encoded. Judged by what the scripted model server received and by every byte of the store.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ofType, resultText, startWorld, type HarnessWorld } from './harnessWorld.ts';

const API_KEY = `sk-ant-api03-${randomBytes(24).toString('base64url')}`;
const GITHUB_TOKEN = `ghp_${randomBytes(18).toString('hex')}`;
const CONFIGURED = `p@ss w/rd+${randomBytes(8).toString('hex')}=&`;
const SECRETS = { API_KEY, GITHUB_TOKEN, CONFIGURED };
const FILE = `# leaked by accident\nanthropic=${API_KEY}\ngithub: ${GITHUB_TOKEN}\npassword ${CONFIGURED}\n`;

let world: HarnessWorld;

before(async () => {
  const bash = (command: string) => ({ content: [{ type: 'tool_use', name: 'bash', input: { command } }] });
  world = await startWorld(
    {
      agents: {
        Coder: [
          { content: [{ type: 'tool_use', name: 'read', input: { file_path: 'config/keys.txt' } }] },
          bash('cat config/keys.txt'),
          bash('base64 -w0 config/keys.txt'),
          bash(
            `node -e "process.stdout.write(require('fs').readFileSync('config/keys.txt','utf8').split('\\n').map(encodeURIComponent).join('\\n'))"`,
          ),
          { content: [{ type: 'text', text: 'Looked at the keys.' }] },
        ],
      },
    },
    {
      files: { 'config/keys.txt': FILE },
      runtime: { apiKey: API_KEY, github: { token: GITHUB_TOKEN }, secrets: [CONFIGURED] },
    },
  );
});

after(async () => {
  await world?.close();
});

/** The value itself, percent-encoded, or inside any run of base64 text (decoded at each alignment). */
function carries(text: string, secret: string): string | undefined {
  if (text.includes(secret)) return 'as is';
  if (text.includes(encodeURIComponent(secret))) return 'percent-encoded';
  for (const run of text.match(/[A-Za-z0-9+/_-]{12,}={0,2}/g) ?? []) {
    for (let offset = 0; offset < 4; offset++) {
      if (Buffer.from(run.slice(offset), 'base64').toString('latin1').includes(secret))
        return `in base64 (${run.slice(0, 16)}…)`;
    }
  }
  return undefined;
}

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    // The worktrees hold the repository's files, the leaked file among them: that is where it came from.
    if (name === '.worktrees') return [];
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

test('secret values in tool output reach neither the model nor any file of the store', async () => {
  const { id, reason } = await world.run('Coder', 'Look at config/keys.txt.');
  assert.deepEqual(reason, { type: 'end_turn' });
  const events = await world.events(id);
  const results = ofType(events, 'agent.tool_result');
  assert.equal(results.length, 4);
  for (const r of results) {
    assert.equal(r.is_error, false, resultText(r));
    assert.match(resultText(r), /\[redacted\]/, 'each form was found and replaced');
  }
  // The rest of the output is left as it was.
  assert.match(resultText(results[0]), /# leaked by accident/);

  const requests = world.requests('Coder');
  assert.equal(requests.length, 5);
  for (const [name, secret] of Object.entries(SECRETS)) {
    for (const [i, request] of requests.entries()) {
      const found = carries(JSON.stringify(request.body), secret);
      assert.equal(found, undefined, `${name} reached the model in request ${i + 1} (${found})`);
    }
    const stored = files(world.rt.storeDir);
    assert.ok(stored.some((f) => f.endsWith('events.jsonl')));
    for (const file of stored) {
      const found = carries(readFileSync(file, 'latin1'), secret);
      assert.equal(found, undefined, `${name} is in ${file} (${found})`);
    }
  }
});
