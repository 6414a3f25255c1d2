// The set-up on a pnpm project (packageManager), a yarn project and a Python project with pytest, in each
// sandbox kind this machine has — the OS sandbox, a dev container, and the unconfined kind with consent: the
// detected set-up runs, the Coder's run of the detected test command passes and so does the Reviewer's clean
// room's — offline, with pnpm and yarn already in node_modules — and a confined agent has no network.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolveEnvironmentPlan } from '../../src/node/environment/environmentPlan.ts';
import { readyEventIn } from '../../src/node/environment/sessionEnvironment.ts';
import { devcontainerJson, kindUnavailable, openCleanRoom, removeSessions } from './environmentKinds.ts';
import { bashResults, eventsOf, settledAllowing, startEnvironmentRuntime } from './environmentWorld.ts';
import {
  fixtureRepo,
  pnpmProjectFiles,
  pytestUnavailable,
  pythonProjectFiles,
  registryProbeCommand,
  registryUnavailable,
  systemPath,
  yarnProjectFiles,
} from './fixtureRepos.ts';

const KINDS = ['os', 'devcontainer', 'worktree'] as const;
type Kind = (typeof KINDS)[number];

async function setUpAndTest(
  kind: Kind,
  projectFiles: Record<string, string>,
  expect: { setup: RegExp; test: RegExp; passed: RegExp },
): Promise<void> {
  const files =
    kind === 'devcontainer' ? { ...projectFiles, '.devcontainer/devcontainer.json': devcontainerJson() } : projectFiles;
  const repo = fixtureRepo(files);
  try {
    // The Coder runs the detected test command, as the Reviewer would; a confined one then tries the registry.
    const plan = await resolveEnvironmentPlan(repo.repo, { sandboxKind: 'os' });
    assert.ok(plan.test, 'a test command was detected');
    const commands = kind === 'worktree' ? [plan.test] : [plan.test, await registryProbeCommand()];
    const rt = await startEnvironmentRuntime(repo.root, [commands], {
      sandbox: kind,
      environment: { acceptDetected: true },
    });
    try {
      const meta = await rt.runtime.startSingleAgent({
        repository: repo.repo,
        agent: 'Coder',
        prompt: 'run the tests',
      });
      // Unconfined, each command asks: the person allows it.
      await settledAllowing(rt, meta.id);
      const events = await rt.store.read(meta.id);
      const failed = eventsOf(events, 'agent_os.environment_failed')[0];
      assert.equal(failed, undefined, `${failed?.message}\n${failed?.output_tail}`);
      assert.match(eventsOf(events, 'agent_os.environment_setup_started')[0]?.commands.join('\n') ?? '', expect.setup);
      const ready = readyEventIn(events);
      assert.match(ready?.test_command ?? '', expect.test);
      const [result, probe] = bashResults(events);
      assert.equal(result?.isError, false, result?.text);
      assert.match(result?.text ?? '', expect.passed);
      if (kind !== 'worktree') {
        assert.equal(probe?.isError, true, `an agent reached the registry: ${probe?.text}`);
        assert.doesNotMatch(probe?.text ?? '', /reached/);
      }

      // The Reviewer's clean room at the session's head, offline, runs the same command.
      const room = await openCleanRoom(rt, repo.repo, meta.id, kind);
      try {
        const run = await room.runTool({ name: 'bash', input: { command: plan.test, timeout_ms: 120_000 } }, {});
        assert.equal(run.is_error, false, run.content);
        assert.match(run.content, expect.passed);
      } finally {
        await room.dispose();
      }
    } finally {
      await rt.close();
      if (kind === 'devcontainer') await removeSessions(rt);
    }
  } finally {
    repo.cleanup();
  }
}

for (const kind of KINDS) {
  test(`${kind}: pnpm project with packageManager: corepack pnpm install, then pnpm test offline`, async (t) => {
    const why = (await kindUnavailable(kind, t)) || (await registryUnavailable());
    if (why) return t.skip(why);
    await setUpAndTest(kind, await pnpmProjectFiles(), {
      setup: /corepack pnpm install --frozen-lockfile/,
      test: /corepack pnpm test$/,
      passed: /Passed:\s+1/,
    });
  });

  test(`${kind}: yarn project: corepack yarn install, then yarn test offline`, async (t) => {
    const why = (await kindUnavailable(kind, t)) || (await registryUnavailable());
    if (why) return t.skip(why);
    await setUpAndTest(kind, await yarnProjectFiles(), {
      setup: /corepack yarn install --frozen-lockfile/,
      test: /corepack yarn test$/,
      passed: /Passed:\s+1/,
    });
  });

  test(`${kind}: Python project with pytest from the system (no download): a virtual environment, then pytest`, async (t) => {
    const why =
      (await kindUnavailable(kind, t)) || pytestUnavailable() || (kind !== 'worktree' && (await registryUnavailable()));
    if (why) return t.skip(why);
    // The sandbox's commands get this process' PATH: the system's python3, not a shim under the home directory.
    const path = process.env.PATH;
    process.env.PATH = systemPath();
    t.after(() => {
      process.env.PATH = path;
    });
    await setUpAndTest(kind, pythonProjectFiles(), {
      setup: /python3 -m venv --system-site-packages \.venv/,
      test: /^\.venv\/bin\/python -m pytest$/,
      passed: /1 passed/,
    });
  });
}
