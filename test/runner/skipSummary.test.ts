// The end of `npm test` says what was skipped and why: the skip reporter records every skip of a real
// node:test run and skipSummary groups them by reason; the requirement checks give those reasons.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { skipSummary } from '../../scripts/skipSummary.mjs';
import { requireTool } from '../support/requirements.ts';

const ROOT = resolve(__dirname, '..', '..');

test('the skip reporter records each skip of a run with its reason, and the summary groups them', () => {
  const dir = mkdtempSync(join(tmpdir(), 'agent-os-skips-'));
  try {
    const out = join(dir, 'skips.jsonl');
    const fixture = join(ROOT, 'test', 'fixtures', 'skipReporter', 'skips.test.ts');
    // Without NODE_TEST_CONTEXT: a run that inherits it reports to this runner instead of to its reporters.
    const { NODE_TEST_CONTEXT: _, ...env } = process.env;
    const run = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        '--test',
        `--test-reporter=${join(ROOT, 'scripts', 'skipReporter.mjs')}`,
        `--test-reporter-destination=${out}`,
        fixture,
      ],
      { cwd: ROOT, encoding: 'utf8', env },
    );
    assert.equal(run.status, 0, run.stderr);
    const skips = readFileSync(out, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { file: string; name: string; reason: string });
    assert.deepEqual(skips.map((s) => s.name).sort(), ['needs Docker', 'needs bubblewrap', 'needs bubblewrap too']);
    const lines = skipSummary(
      skips,
      [{ reason: 'end-to-end: AGENT_OS_E2E is not set', files: [join(ROOT, 'test', 'e2e', 'a.test.ts')] }],
      ROOT,
    );
    assert.deepEqual(lines, [
      'Skipped here (3 tests skipped, 1 file not run) — what this machine lacks:',
      '  end-to-end: AGENT_OS_E2E is not set: 1 file not run (test/e2e/a.test.ts)',
      '  bubblewrap: `bwrap` is not on PATH: 2 tests skipped (test/fixtures/skipReporter/skips.test.ts)',
      '  Docker: no engine answers: 1 test skipped (test/fixtures/skipReporter/skips.test.ts)',
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('nothing skipped prints nothing', () => {
  assert.deepEqual(skipSummary([], [{ reason: 'end-to-end', files: [] }], ROOT), []);
});

test('a missing tool is a reason to skip, or a failure when AGENT_OS_REQUIRE_ALL says everything is installed', () => {
  // CI runs the suite with AGENT_OS_REQUIRE_ALL set: this test sets and clears it itself, and puts it back.
  const inherited = process.env['AGENT_OS_REQUIRE_ALL'];
  try {
    delete process.env['AGENT_OS_REQUIRE_ALL'];
    assert.equal(requireTool('git'), false);
    assert.equal(requireTool('agent-os-no-such-tool'), 'agent-os-no-such-tool: `agent-os-no-such-tool` is not on PATH');
    process.env['AGENT_OS_REQUIRE_ALL'] = '1';
    assert.throws(() => requireTool('agent-os-no-such-tool'), /AGENT_OS_REQUIRE_ALL is set but agent-os-no-such-tool/);
  } finally {
    if (inherited === undefined) delete process.env['AGENT_OS_REQUIRE_ALL'];
    else process.env['AGENT_OS_REQUIRE_ALL'] = inherited;
  }
});
