// `agent-os demo --backend managed`: the same pipeline and the same output as the local demo, with the
// agent loop on the platform stand-in and the tools run by this machine's worker.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cliEnv, startCli } from '../support/cliProcess.ts';
import { ensureBuiltCli, show } from '../cli/cliWorld.ts';

test('agent-os demo --backend managed runs offline to the end: same thread tree, verdict, diff and pull request as local', async () => {
  ensureBuiltCli();
  const result = await startCli(['demo', '--backend', 'managed'], cliEnv({})).done;
  assert.equal(result.code, 0, show(result));
  const out = result.stdout;
  assert.match(
    out,
    /platform stand-in: http:\/\/127\.0\.0\.1:\d+ \(Claude Managed Agents API; tools run by this machine's worker\)/,
  );
  assert.match(out, /== threads\nCoordinator v\d+ — idle/);
  for (const agent of ['Planner', 'Coder', 'Reviewer']) assert.match(out, new RegExp(`[├└]─ ${agent} v\\d+ — idle`));
  assert.match(out, /Reviewer: verdict REJECT/);
  assert.match(out, /== verdict\nAPPROVE: /);
  assert.match(out, /== diff\nM src\/parseDuration\.js \(\+\d+ −\d+\)\nA test\/compoundDuration\.test\.js/);
  assert.match(out, /== pull request\n#\d+ agent-os-demo\/duration-kit#\d+: /);
  assert.equal(result.stderr, '');
});

test('agent-os run --backend managed without a key says what key it needs', async () => {
  ensureBuiltCli();
  const result = await startCli(['run', '--backend', 'managed', '--task', 'x'], cliEnv({})).done;
  assert.equal(result.code, 1, show(result));
  assert.match(
    result.stderr,
    /ANTHROPIC_API_KEY is not set: the managed backend needs a key of an organization with Claude Managed Agents access/,
  );
});
