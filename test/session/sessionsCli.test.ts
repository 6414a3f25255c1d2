// `agent-os sessions …` run as the user runs it: the CLI bundled the way `npm run build` bundles it,
// in its own process, against real files and a real git repository.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildSync } from 'esbuild';
import { FileSessionStore } from '../../src/node/session/fileSessionStore.ts';
import { makeTempDir } from './tempDir.ts';

let temp: { dir: string; remove(): void };
let cli: string;

before(() => {
  temp = makeTempDir('agent-os-cli-');
  cli = join(temp.dir, 'cli.js');
  buildSync({
    entryPoints: [join(__dirname, '..', '..', 'src', 'cli', 'main.ts')],
    outfile: cli,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node22',
    logLevel: 'error',
  });
});
after(() => temp.remove());

function agentOs(args: string[], cwd = temp.dir): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cli, ...args], {
    cwd,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, AGENT_OS_DEBUG: '' },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Asserts the failure is one readable line, never a stack trace. */
function oneLineError(stderr: string): string {
  const lines = stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `one line of error, got:\n${stderr}`);
  assert.doesNotMatch(stderr, /\n\s+at /);
  return lines[0] as string;
}

const CODER = 'sthr_coder';
const COORD = 'sthr_coord';

async function seed(dir: string): Promise<{ id: string; log: string }> {
  const store = new FileSessionStore(dir);
  const meta = await store.create({ title: 'Fix the parser', source: 'acme/app#12' });
  const writer = await store.openWriter(meta.id);
  await writer.appendMany([
    {
      type: 'session.thread_created',
      thread: COORD,
      session_thread_id: COORD,
      agent_name: 'coordinator',
      parent_thread_id: null,
    },
    {
      type: 'session.thread_created',
      thread: COORD,
      session_thread_id: CODER,
      agent_name: 'coder',
      parent_thread_id: COORD,
    },
    { type: 'session.status_running', thread: COORD },
    { type: 'user.message', thread: COORD, content: [{ type: 'text', text: 'Please fix the parser' }] },
    { type: 'session.thread_status_running', thread: CODER, session_thread_id: CODER, agent_name: 'coder' },
    {
      type: 'span.model_request_end',
      thread: CODER,
      model_request_start_id: 'sevt_x',
      is_error: false,
      model_usage: {
        input_tokens: 1000,
        output_tokens: 200,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 0,
      },
      cost_usd: 0.0123,
    },
    {
      type: 'agent.tool_use',
      thread: CODER,
      name: 'bash',
      input: { command: 'npm test' },
      model_tool_use_id: 'toolu_1',
      evaluated_permission: 'allow',
    },
  ]);
  await writer.close();
  return { id: meta.id, log: join(dir, meta.id, 'events.jsonl') };
}

describe('agent-os sessions', () => {
  let storeDir: string;
  let id: string;
  before(async () => {
    storeDir = join(temp.dir, 'store');
    ({ id } = await seed(storeDir));
  });

  it('lists sessions as a table and as JSON', () => {
    const text = agentOs(['sessions', 'list', '--store', storeDir]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^ID\s+STATUS\s+EVENTS\s+COST\s+CREATED\s+TITLE$/m);
    assert.match(text.stdout, new RegExp(`^${id}\\s+running\\s+7\\s+\\$0\\.0123\\s+\\S+ \\S+\\s+Fix the parser$`, 'm'));
    const json = agentOs(['sessions', 'list', '--json', '--store', storeDir]);
    assert.equal(json.code, 0, json.stderr);
    const [only] = JSON.parse(json.stdout) as Array<{
      id: string;
      status: string;
      events: number;
      usage: { cost_usd: number };
    }>;
    assert.deepEqual([only?.id, only?.status, only?.events, only?.usage.cost_usd], [id, 'running', 7, 0.0123]);
  });

  it('shows threads with agents, statuses and usage, and the events', () => {
    const text = agentOs(['sessions', 'show', id, '--store', storeDir]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /Fix the parser/);
    assert.match(text.stdout, /coordinator — idle/);
    assert.match(text.stdout, /└─ coder — running, 1 requests, 1200 tokens, \$0\.0123/);
    assert.match(text.stdout, /^7\s+\S+\s+coder\s+agent\.tool_use\s+bash \{"command":"npm test"\} \[allow\]$/m);
    const json = agentOs(['sessions', 'show', id, '--json', '--store', storeDir]);
    assert.equal(json.code, 0, json.stderr);
    const shown = JSON.parse(json.stdout) as {
      session: { id: string };
      status: string;
      threads: Array<{
        id: string;
        agent_name: string;
        status: string;
        usage: { cost_usd: number };
        pending_tool_uses: string[];
      }>;
      events: Array<{ seq: number }>;
    };
    assert.equal(shown.session.id, id);
    assert.deepEqual(
      shown.events.map((e) => e.seq),
      [1, 2, 3, 4, 5, 6, 7],
    );
    const coder = shown.threads.find((t) => t.id === CODER);
    assert.deepEqual(
      [coder?.agent_name, coder?.status, coder?.usage.cost_usd, coder?.pending_tool_uses.length],
      ['coder', 'running', 0.0123, 1],
    );
  });

  it('verifies a whole log with exit 0', () => {
    const r = agentOs(['sessions', 'verify', id, '--store', storeDir]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /log is whole \(7 records, \d+ bytes\)/);
  });

  it('reports a flipped byte with its offset: verify exits 1, show fails with one line', async () => {
    const other = join(temp.dir, 'damaged');
    const damaged = await seed(other);
    const bytes = readFileSync(damaged.log);
    const thirdLine = bytes.indexOf(0x0a, bytes.indexOf(0x0a) + 1) + 1;
    bytes[thirdLine + 50] = (bytes[thirdLine + 50] as number) ^ 0x20;
    writeFileSync(damaged.log, bytes);
    const v = agentOs(['sessions', 'verify', damaged.id, '--store', other]);
    assert.equal(v.code, 1);
    assert.match(v.stdout, new RegExp(`log damaged at byte offset ${thirdLine}: checksum mismatch`));
    const s = agentOs(['sessions', 'show', damaged.id, '--store', other]);
    assert.equal(s.code, 1);
    assert.match(
      oneLineError(s.stderr),
      new RegExp(`^agent-os: session ${damaged.id}: log damaged at byte offset ${thirdLine}`),
    );
    const l = agentOs(['sessions', 'list', '--store', other]);
    assert.equal(l.code, 0);
    assert.match(l.stdout, new RegExp(`^${damaged.id}\\s+damaged`, 'm'));
  });

  it('reports a torn last record with exit 3', async () => {
    const other = join(temp.dir, 'torn');
    const torn = await seed(other);
    writeFileSync(torn.log, Buffer.concat([readFileSync(torn.log), Buffer.from('{"crc32":"0000')]));
    const v = agentOs(['sessions', 'verify', torn.id, '--store', other]);
    assert.equal(v.code, 3);
    assert.match(v.stdout, /torn last record at byte offset \d+/);
  });

  it('fails with one line for an unknown session, a bad flag or a missing id', () => {
    const unknown = agentOs(['sessions', 'show', 'sesn_nope', '--store', storeDir]);
    assert.equal(unknown.code, 1);
    assert.equal(oneLineError(unknown.stderr), 'agent-os: session sesn_nope not found');
    const flag = agentOs(['sessions', 'list', '--bogus', '--store', storeDir]);
    assert.equal(flag.code, 1);
    assert.match(oneLineError(flag.stderr), /--bogus/);
    const missing = agentOs(['sessions', 'verify', '--store', storeDir]);
    assert.equal(missing.code, 1);
    assert.match(oneLineError(missing.stderr), /needs a session id/);
    assert.equal(agentOs(['sessions', '--store', storeDir]).code, 2);
  });

  it('uses <git dir>/agent-os/sessions of the repository by default, and asks for --store outside one', async () => {
    const repo = join(temp.dir, 'repo');
    mkdirSync(join(repo, 'src'), { recursive: true });
    execFileSync('git', ['init', '-q', repo]);
    const empty = agentOs(['sessions', 'list'], join(repo, 'src'));
    assert.equal(empty.code, 0, empty.stderr);
    const expected = join(realpathSync(repo), '.git', 'agent-os', 'sessions');
    assert.equal(empty.stdout.trim(), `no sessions in ${expected}`);
    const { id: inRepo } = await seed(expected);
    const listed = agentOs(['sessions', 'list', '--json'], join(repo, 'src'));
    assert.deepEqual(
      (JSON.parse(listed.stdout) as Array<{ id: string }>).map((s) => s.id),
      [inRepo],
    );
    assert.equal(
      execFileSync('git', ['status', '--porcelain', '--untracked-files=all'], { cwd: repo, encoding: 'utf8' }).includes(
        'agent-os',
      ),
      false,
    );

    const outside = join(temp.dir, 'not-a-repo');
    mkdirSync(outside);
    const r = agentOs(['sessions', 'list'], outside);
    assert.equal(r.code, 1);
    assert.match(oneLineError(r.stderr), /not inside a git repository.*--store <dir>/);
  });

  it('show and export a log longer than a page: every event, in order, as one whole read would print it', async () => {
    const dir = join(temp.dir, 'long');
    const store = new FileSessionStore(dir);
    const meta = await store.create({ title: 'Long' });
    const writer = await store.openWriter(meta.id);
    const n = 5_000; // more than two of the pages the CLI reads at a time
    for (let i = 0; i < n; i += 500)
      writer.appendNow(
        Array.from({ length: 500 }, (_, k) => ({
          type: 'agent.message' as const,
          thread: k % 2 ? CODER : COORD,
          content: [{ type: 'text' as const, text: `message ${i + k}${k === 7 ? ' with a much longer text' : ''}` }],
        })),
        'batch',
      );
    await writer.close();
    const events = await store.read(meta.id);
    assert.equal(events.length, n);

    const json = agentOs(['sessions', 'show', meta.id, '--json', '--store', dir]);
    assert.equal(json.code, 0, json.stderr);
    const shown = JSON.parse(json.stdout) as { events: unknown[]; threads: unknown[] };
    assert.deepEqual(shown.events, JSON.parse(JSON.stringify(events)));
    assert.equal(json.stdout, `${JSON.stringify({ ...shown, events }, null, 2)}\n`);

    const text = agentOs(['sessions', 'show', meta.id, '--store', dir]);
    assert.equal(text.code, 0, text.stderr);
    const rows = text.stdout.split('\n').filter((l) => /^\d+\s/.test(l));
    assert.deepEqual(
      rows.map((l) => Number(l.split(' ')[0])),
      events.map((e) => e.seq),
    );
    // Columns measured over every row, the first page's and the last's alike.
    const summaryAt = (l: string) => l.indexOf('message ');
    assert.equal(new Set(rows.map(summaryAt)).size, 1);
    assert.match(text.stdout, /^Events \(5000\):$/m);

    const exported = agentOs(['sessions', 'export', meta.id, '--store', dir]);
    assert.equal(exported.code, 0, exported.stderr);
    const lines = exported.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { seq?: number; events?: number });
    assert.equal(lines[0]?.events, n);
    assert.deepEqual(
      lines.slice(1).map((l) => l.seq),
      events.map((e) => e.seq),
    );
  });
});
