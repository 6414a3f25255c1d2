// A hostile model and hostile tool output cannot drive the person's terminal through the CLI: a scripted
// session whose messages, tool inputs and tool results carry OSC 8 links, OSC 0 titles, CSI clear-screen,
// carriage-return overwrites and bidi overrides prints none of them — checked on the bytes the real
// `agent-os` wrote to its stdout and stderr — while each shows as visible text (`␛]0;…`).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parseModelScript } from '../../src/testkit/model/modelScript.ts';
import { ScriptedModelServer } from '../../src/testkit/model/scriptedModelServer.ts';
import { FileSessionStore } from '../../src/node/session/fileSessionStore.ts';
import { CLI, CLI_NODE, cliEnv } from '../support/cliProcess.ts';
import { makeTempRepo, type TempRepo } from '../support/gitRepo.ts';
import { ensureBuiltCli } from './cliWorld.ts';

const HOSTILE_TEXT =
  'Done \x1b]0;sudo password:\x07 see \x1b]8;;https://evil.example\x1b\\the docs\x1b]8;;\x1b\\ \x1b[2J\x1b[H' +
  'all tests pass\r\x1b[31mFAILED\x1b[0m \u202egnp.exe\u202c \u009b2J';
// What `bash` prints: a title, a clear screen, colour, a CR overwrite, bidi and C1 CSI as raw bytes; then it fails.
const HOSTILE_COMMAND =
  "printf '\\033]0;owned\\007\\033[2J\\033[31mred\\rgreen \\342\\200\\256txt.exe\\302\\233Kend\\n'; (exit 3)";

const AGENT = `---
name: hostile
description: Answers with terminal escapes.
tools: [bash, read, write]
---
You answer.
`;

let server: ScriptedModelServer;
let repo: TempRepo;

before(async () => {
  ensureBuiltCli();
  server = await ScriptedModelServer.start({
    script: parseModelScript({
      agents: {
        hostile: [
          {
            content: [
              { type: 'text', text: HOSTILE_TEXT },
              { type: 'tool_use', name: 'bash', input: { command: HOSTILE_COMMAND } },
            ],
          },
          { content: [{ type: 'tool_use', name: 'read', input: { file_path: '\x1b]0;title\x07\u202emissing.txt' } }] },
          { content: [{ type: 'text', text: HOSTILE_TEXT }] },
        ],
      },
    }),
  });
  repo = makeTempRepo({ 'README.md': '# x\n', '.agents/hostile.md': AGENT });
});
after(async () => {
  await server.close();
  repo.cleanup();
});

/** Runs the built CLI and keeps the exact bytes it wrote. */
function cliBytes(args: string[]): Promise<{ code: number | null; stdout: Buffer; stderr: Buffer }> {
  const child = spawn(CLI_NODE, [CLI, ...args], {
    env: cliEnv({ ANTHROPIC_API_KEY: 'x' }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (d: Buffer) => out.push(d));
  child.stderr.on('data', (d: Buffer) => err.push(d));
  return new Promise((resolve) =>
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out), stderr: Buffer.concat(err) })),
  );
}

/** No ESC, no other C0 control but tab and newline, no DEL, no C1 control and no bidi character in the bytes. */
function assertNothingToObey(bytes: Buffer, what: string): void {
  assert.equal(bytes.indexOf(0x1b), -1, `${what} holds an ESC byte:\n${bytes.toString()}`);
  for (const byte of bytes)
    assert.ok(
      byte === 0x09 || byte === 0x0a || (byte >= 0x20 && byte !== 0x7f),
      `${what} holds control byte 0x${byte.toString(16)}`,
    );
  const text = bytes.toString('utf8');
  assert.doesNotMatch(
    text,
    /[\u0080-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/,
    `${what} holds a C1 or bidi character`,
  );
}

test('model text and tool output reach the terminal with every escape shown, none obeyed', async () => {
  const store = join(repo.root, 'store');
  // --allow-tools: unconfined (no OS sandbox here), the scripted commands ask first; the agent writes (so it
  // has a bash there at all: readers get none unconfined).
  const common = ['--repo', repo.repo, '--store', store, '--base-url', server.url, '--allow-tools'];
  const run = await cliBytes(['run', '--agent', 'hostile', '--prompt', 'say \x1b[2Jhello', '--allow-tools', ...common]);
  const stdout = run.stdout.toString('utf8');
  assert.equal(run.code, 0, `${stdout}\n${run.stderr.toString()}`);
  assertNothingToObey(run.stdout, 'run stdout');
  assertNothingToObey(run.stderr, 'run stderr');
  // What was there is visible: the model's title and link, the command's output, the read error's path.
  assert.match(stdout, /hostile: Done ␛\]0;sudo password:␇ see ␛\]8;;https:\/\/evil\.example␛\\the docs/);
  // A one-line summary folds whitespace, CR included; elsewhere a CR shows as ␍.
  assert.match(stdout, /all tests pass[ ␍]␛\[31mFAILED␛\[0m \\u\{202e\}gnp\.exe\\u\{202c\} \\u\{9b\}2J/);
  assert.match(stdout, /hostile ✗ ␛\]0;owned␇␛\[2J␛\[31mred[ ␍]green \\u\{202e\}txt\.exe\\u\{9b\}Kend \[exit code 3\]/);
  assert.match(stdout, /hostile ✗ read: .*␛\]0;title␇\\u\{202e\}missing\.txt/);

  // The log itself keeps the text exactly as it came: only what is shown changes.
  const [session] = await new FileSessionStore(store).list();
  assert.ok(session);
  const events = await new FileSessionStore(store).read(session.id);
  const message = events.find((e) => e.type === 'agent.message');
  assert.equal(message?.type === 'agent.message' && message.content[0]?.text, HOSTILE_TEXT);

  // Every way of reading the session back is as harmless, and JSON stays exact.
  for (const args of [
    ['sessions', 'show', session.id],
    ['sessions', 'list'],
    ['sessions', 'show', session.id, '--json'],
    ['sessions', 'export', session.id],
  ]) {
    const shown = await cliBytes([...args, '--store', store]);
    assert.equal(shown.code, 0, `${args.join(' ')}: ${shown.stderr.toString()}`);
    assertNothingToObey(shown.stdout, `${args.join(' ')} stdout`);
    assertNothingToObey(shown.stderr, `${args.join(' ')} stderr`);
  }
  const json = await cliBytes(['sessions', 'show', session.id, '--json', '--store', store]);
  const parsed = JSON.parse(json.stdout.toString('utf8')) as { events: typeof events };
  const again = parsed.events.find((e) => e.type === 'agent.message');
  assert.equal(
    again?.type === 'agent.message' && again.content[0]?.text,
    HOSTILE_TEXT,
    'JSON output means exactly what the log holds',
  );
});

test('the CLI writes to its terminal only through terminalOutput.ts, which shows control characters', () => {
  const cliDir = join(__dirname, '..', '..', 'src', 'cli');
  const offenders: string[] = [];
  for (const file of readdirSync(cliDir, { recursive: true, encoding: 'utf8' })) {
    if (!file.endsWith('.ts') || file === 'terminalOutput.ts') continue;
    const text = readFileSync(join(cliDir, file), 'utf8');
    for (const [i, line] of text.split('\n').entries()) {
      if (/process\.(stdout|stderr)\.write|console\.(log|error|warn|info)/.test(line))
        offenders.push(`src/cli/${file}:${i + 1}: ${line.trim()}`);
      // readline writes its prompt to the terminal itself: a prompt that carries model text goes through promptText.
      if (/\.question\(`[^`]*\$\{/.test(line) && !line.includes('promptText('))
        offenders.push(`src/cli/${file}:${i + 1}: ${line.trim()}`);
    }
  }
  assert.deepEqual(offenders, []);
});
