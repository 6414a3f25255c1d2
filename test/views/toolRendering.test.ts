// How file and shell tool calls read in the Event Log: inline diffs for write and edit, bash results
// as terminal output with the exit code, sandbox paths from the sandbox root; and the Event Log model
// putting them on its rows.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ALL_KINDS_FILTER } from '../../src/shared/eventLogProtocol.ts';
import { readCommandResult, testCounts } from '../../src/core/tools/commandOutput.ts';
import { EventLogModel } from '../../src/views/eventLogModel.ts';
import { recordedLog } from '../support/recordedLog.ts';
import { DIFF_LINE_LIMIT, sandboxRelativizer, terminalOf, toolDiff } from '../../src/views/toolRendering.ts';
import { LogBuilder, T } from './overviewLog.ts';

const none = () => undefined;

describe('tool calls in the Event Log', () => {
  test('an edit is a diff of its old and new text, with a hunk header and counts', () => {
    const diff = toolDiff(
      'edit',
      {
        file_path: 'src/a.ts',
        old_string: 'const a = 1;\nconst b = 2;',
        new_string: 'const a = 1;\nconst b = 3;\nconst c = 4;',
      },
      none,
    );
    assert.equal(diff?.path, 'src/a.ts');
    assert.equal(diff?.base, 'edit');
    assert.deepEqual([diff?.added, diff?.removed], [2, 1]);
    assert.deepEqual(diff?.lines, [
      { kind: '@', text: 'lines 1–3' },
      { kind: ' ', text: 'const a = 1;' },
      { kind: '-', text: 'const b = 2;' },
      { kind: '+', text: 'const b = 3;' },
      { kind: '+', text: 'const c = 4;' },
    ]);
  });

  test('a write is a new file, or a diff against the previous write of the same path', () => {
    const fresh = toolDiff('write', { file_path: 't.js', content: 'one\ntwo\n' }, none);
    assert.deepEqual([fresh?.base, fresh?.added, fresh?.removed], ['new-file', 2, 0]);
    const again = toolDiff('write', { file_path: 't.js', content: 'one\n2\n' }, (p) =>
      p === 't.js' ? 'one\ntwo\n' : undefined,
    );
    assert.deepEqual([again?.base, again?.added, again?.removed], ['previous-write', 1, 1]);
    assert.equal(toolDiff('read', { file_path: 't.js' }, none), undefined);
    assert.equal(
      toolDiff('edit', { file_path: 't.js' }, none),
      undefined,
      'malformed input: no diff, the row shows the input',
    );
  });

  test('a long change is cut to the line limit and says how much is left out', () => {
    const content = Array.from({ length: 500 }, (_, i) => `line ${i}`).join('\n');
    const diff = toolDiff('write', { file_path: 'big.txt', content }, none)!;
    assert.equal(diff.lines.length, DIFF_LINE_LIMIT);
    assert.equal(diff.added, 500);
    assert.equal(diff.omitted, 500 - (DIFF_LINE_LIMIT - 1));
  });

  test('a bash result reads as a terminal: output, exit code; a killed shell has none', () => {
    assert.deepEqual(terminalOf('npm test', 'ok 1\n# pass 1', false), {
      command: 'npm test',
      output: 'ok 1\n# pass 1',
      exitCode: 0,
    });
    assert.deepEqual(terminalOf('false', 'boom\n[exit code 2]', true), {
      command: 'false',
      output: 'boom',
      exitCode: 2,
    });
    const killed = terminalOf(
      'sleep 99',
      'partial\n[the command timed out after 1000 ms; the shell and every process it started were killed]',
      true,
    );
    assert.equal(killed.exitCode, null);
    assert.match(killed.output, /timed out/);
    const long = terminalOf('yes', 'y\n'.repeat(5_000), false);
    assert.equal(long.output.length, 4_000);
    assert.equal(long.outputLength, 10_000);
  });

  test('test counts from the runners people use', () => {
    assert.deepEqual(testCounts('TAP version 13\n# tests 8\n# pass 8\n# fail 0\n'), { passed: 8, failed: 0 });
    assert.deepEqual(testCounts('ℹ tests 3\nℹ pass 2\nℹ fail 1\n'), { passed: 2, failed: 1 });
    assert.deepEqual(testCounts('Tests:       1 failed, 12 passed, 13 total'), { passed: 12, failed: 1 });
    assert.deepEqual(testCounts('  12 passing (30ms)\n  1 failing\n'), { passed: 12, failed: 1 });
    assert.deepEqual(testCounts('==== 3 failed, 40 passed in 2.1s ===='), { passed: 40, failed: 3 });
    assert.equal(testCounts('compiled fine'), undefined);
    assert.deepEqual(readCommandResult('', false), { exitCode: 0, output: '' });
  });

  test("paths in the session's sandboxes read from the sandbox root; other paths stay", () => {
    const rel = sandboxRelativizer('sesn_aHU9');
    assert.equal(rel('/tmp/s/.worktrees/snapshots/sesn_aHU9/sthr_NA3P/src/index.js'), 'src/index.js');
    assert.equal(
      rel('/tmp/s/.worktrees/snapshots/sesn_aHU9-clean-5b45964230/sthr_A6fY/test/a.js:5:const x'),
      'test/a.js:5:const x',
    );
    assert.equal(
      rel(
        '/home/me/storage/.worktrees/worktrees/sesn_aHU9/src/a.js\n/home/me/storage/.worktrees/worktrees/sesn_aHU9/b.js',
      ),
      'src/a.js\nb.js',
    );
    assert.equal(rel('cd /x/worktrees/sesn_aHU9 && ls'), 'cd . && ls');
    assert.equal(rel('/etc/passwd and /tmp/sesn_other/a.js'), '/etc/passwd and /tmp/sesn_other/a.js');
    assert.equal(sandboxRelativizer('weird id')('/a/weird id/b'), '/a/weird id/b');
  });

  test('the Event Log model puts diffs, terminals and relative paths on its rows', async () => {
    const log = new LogBuilder();
    log.thread(T.coder, 'Coder', null, 0);
    log.tool(T.coder, 'write', { file_path: 'src/t.js', content: 'a\nb\n' }, 10, 20, 'wrote');
    log.tool(T.coder, 'write', { file_path: 'src/t.js', content: 'a\nc\n' }, 30, 40, 'wrote');
    log.tool(T.coder, 'bash', { command: 'node --test' }, 50, 60, 'not ok 1\n# pass 0\n# fail 1\n[exit code 1]', true);
    log.tool(T.coder, 'glob', { pattern: '**/*.js' }, 70, 80, '/s/.worktrees/snapshots/sesn_test/sthr_code/src/t.js');
    const model = await EventLogModel.open(recordedLog(log.events), 'sesn_test', ALL_KINDS_FILTER);
    const rows = await model.rows(0, 100);
    const writes = rows.filter((r) => r.diff);
    assert.deepEqual(
      writes.map((r) => [r.diff?.base, r.diff?.added, r.diff?.removed]),
      [
        ['new-file', 2, 0],
        ['previous-write', 1, 1],
      ],
    );
    assert.match(writes[1]!.title, /^write src\/t\.js \(\+1 −1\)$/);
    const bash = rows.find((r) => r.terminal)!;
    assert.deepEqual(bash.terminal, { command: 'node --test', output: 'not ok 1\n# pass 0\n# fail 1', exitCode: 1 });
    assert.match(bash.title, /^bash failed, exit 1: /);
    const glob = rows.find((r) => r.type === 'agent.tool_result' && r.body === 'src/t.js');
    assert.ok(glob, JSON.stringify(rows.map((r) => r.body)));
  });
});
