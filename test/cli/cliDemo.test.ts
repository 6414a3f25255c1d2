// `agent-os demo`, the README's main job: the whole pipeline offline, to the end, through the built CLI.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cliEnv, startCli } from '../support/cliProcess.ts';
import { ensureBuiltCli, show } from './cliWorld.ts';

test('agent-os demo runs offline to the end: thread tree, verdict, diff summary, pull request; exit 0', async () => {
  ensureBuiltCli();
  // No ANTHROPIC_API_KEY: the scripted model plays the agents.
  const result = await startCli(['demo'], cliEnv({})).done;
  assert.equal(result.code, 0, show(result));
  const out = result.stdout;
  assert.match(out, /scripted model server at http:\/\/127\.0\.0\.1:\d+/);
  assert.match(out, /== threads\nCoordinator v\d+ — idle/);
  for (const agent of ['Planner', 'Coder', 'Reviewer']) assert.match(out, new RegExp(`[├└]─ ${agent} v\\d+ — idle`));
  assert.match(out, /== verdict\nAPPROVE: /);
  assert.match(out, /== diff\nM src\/parseDuration\.js \(\+\d+ −\d+\)\nA test\/compoundDuration\.test\.js/);
  assert.match(out, /== pull request\n#\d+ agent-os-demo\/duration-kit#\d+: /);
  assert.match(out, /http:\/\/127\.0\.0\.1:\d+\/agent-os-demo\/duration-kit\/pull\/\d+ +\(agent-os\/sesn_\w+ → main, head [0-9a-f]{12}\)/);
  assert.match(out, /Reviewer: verdict REJECT/, 'the REJECT round is shown');
  assert.equal(result.stderr, '');
});
