// The set-up on a pnpm project (packageManager), a yarn project and a Python project with pytest, in the
// strongest OS-level sandbox this machine has: the detected set-up runs, and the Coder's run of the detected
// test command passes — offline, with pnpm and yarn already in node_modules.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolveEnvironmentPlan } from '../../src/node/environment/environmentPlan.ts';
import { readyEventOf } from '../../src/node/environment/sessionEnvironment.ts';
import { probeOsSandbox } from '../../src/node/sandbox/osSandbox.ts';
import { bashResults, eventsOf, settledAllowing, startEnvironmentRuntime } from './environmentWorld.ts';
import { fixtureRepo, pnpmProjectFiles, pytestUnavailable, pythonProjectFiles, registryUnavailable, systemPath, yarnProjectFiles } from './fixtureRepos.ts';

async function kind(): Promise<'os' | 'worktree'> {
  return (await probeOsSandbox()).available ? 'os' : 'worktree';
}

async function setUpAndTest(files: Record<string, string>, expect: { setup: RegExp; test: RegExp; passed: RegExp }): Promise<void> {
  const repo = fixtureRepo(files);
  const sandbox = await kind();
  try {
    // The Coder runs the detected test command, as the Reviewer would.
    const plan = await resolveEnvironmentPlan(repo.repo, { sandboxKind: sandbox });
    assert.ok(plan.test, 'a test command was detected');
    const rt = await startEnvironmentRuntime(repo.root, [[plan.test]], { sandbox, environment: { acceptDetected: true } });
    try {
      const meta = await rt.runtime.startSingleAgent({ repository: repo.repo, agent: 'Coder', prompt: 'run the tests' });
      // Unconfined (no OS sandbox here), each command asks: the person allows it.
      await settledAllowing(rt, meta.id);
      const events = await rt.store.read(meta.id);
      const failed = eventsOf(events, 'agent_os.environment_failed')[0];
      assert.equal(failed, undefined, `${failed?.message}\n${failed?.output_tail}`);
      assert.match(eventsOf(events, 'agent_os.environment_setup_started')[0]?.commands.join('\n') ?? '', expect.setup);
      assert.match(readyEventOf({ events })?.test_command ?? '', expect.test);
      const result = bashResults(events)[0];
      assert.equal(result?.isError, false, result?.text);
      assert.match(result?.text ?? '', expect.passed);
    } finally {
      await rt.close();
    }
  } finally {
    repo.cleanup();
  }
}

test('pnpm project with packageManager: corepack pnpm install, then pnpm test offline', async (t) => {
  const why = await registryUnavailable();
  if (why) return t.skip(why);
  await setUpAndTest(await pnpmProjectFiles(), { setup: /corepack pnpm install --frozen-lockfile/, test: /corepack pnpm test$/, passed: /Passed:\s+1/ });
});

test('yarn project: corepack yarn install, then yarn test offline', async (t) => {
  const why = await registryUnavailable();
  if (why) return t.skip(why);
  await setUpAndTest(await yarnProjectFiles(), { setup: /corepack yarn install --frozen-lockfile/, test: /corepack yarn test$/, passed: /Passed:\s+1/ });
});

test('Python project with pytest from the system (no download): a virtual environment, then pytest', async (t) => {
  const why = pytestUnavailable();
  if (why) return t.skip(why);
  // The sandbox's commands get this process' PATH: the system's python3, not a shim under the home directory.
  const path = process.env.PATH;
  process.env.PATH = systemPath();
  t.after(() => {
    process.env.PATH = path;
  });
  await setUpAndTest(pythonProjectFiles(), { setup: /python3 -m venv --system-site-packages \.venv/, test: /^\.venv\/bin\/python -m pytest$/, passed: /1 passed/ });
});
