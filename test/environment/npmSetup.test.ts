// The set-up phase on an npm project with a lockfile and a test runner from the registry: in the OS-level
// sandbox (bubblewrap) and in the unconfined worktree chosen in the settings, the set-up installs, the Coder
// runs the test command and sees it pass, agents have no network (where it can be turned off), a second
// session takes the dependencies from the cache, and the Reviewer's clean room and a child repository get copies
// of their own (a reader sees the session's repository itself).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { requireBubblewrap, type Requirement } from '../support/requirements.ts';
import { readyEventIn } from '../../src/node/environment/sessionEnvironment.ts';
import { bashResults, eventsOf, sandboxesFor, settledAllowing, startEnvironmentRuntime } from './environmentWorld.ts';
import {
  fixtureRepo,
  npmProjectFiles,
  registryProbeCommand,
  registryUnavailable,
  TEST_RUNNER,
} from './fixtureRepos.ts';

async function skipReason(kind: string): Promise<Requirement> {
  return (await registryUnavailable()) || (kind === 'bubblewrap' ? requireBubblewrap() : false);
}

for (const kind of ['bubblewrap', 'worktree'] as const) {
  test(`${kind}: set-up before the agents, the Coder's test run passes, the cache serves the second session and every other sandbox`, async (t) => {
    const why = await skipReason(kind);
    if (why) return t.skip(why);
    const repo = fixtureRepo(await npmProjectFiles());
    // npm itself is slow to start (seconds on a busy machine): the test command runs through npm where the
    // issue asks for it (the Coder, the clean room), the runner directly elsewhere.
    const probeCommand = await registryProbeCommand();
    const rt = await startEnvironmentRuntime(
      repo.root,
      [kind === 'bubblewrap' ? ['npm test', probeCommand] : ['npm test'], ['npm test']],
      { sandbox: kind, environment: { acceptDetected: true } },
    );
    try {
      const first = await rt.runtime.startSingleAgent({
        repository: repo.repo,
        agent: 'Coder',
        prompt: 'run the tests',
      });
      assert.equal((await settledAllowing(rt, first.id))?.type, 'end_turn');
      const events = await rt.store.read(first.id);
      const started = eventsOf(events, 'agent_os.environment_setup_started');
      assert.equal(started.length, 1);
      assert.equal(started[0]?.source, 'detected');
      assert.deepEqual(started[0]?.commands, ['npm ci --no-audit --no-fund']);
      assert.ok(
        eventsOf(events, 'agent_os.environment_output').some((e) => /added \d+ packages?/.test(e.text)),
        'npm ci output streamed into the log',
      );
      const ready = readyEventIn(events);
      assert.equal(ready?.cached, false);
      assert.deepEqual(ready?.dependency_dirs, ['node_modules']);
      assert.equal(ready?.test_command, 'npm test');
      // Before any agent: the set-up's events come before the first model request.
      const firstModel = events.findIndex((e) => e.type === 'span.model_request_start');
      assert.ok(events.findIndex((e) => e.type === 'agent_os.environment_ready') < firstModel);
      const [test1, probe] = bashResults(events);
      assert.equal(test1?.isError, false, test1?.text);
      assert.match(test1?.text ?? '', /Passed:\s+1/);
      if (kind === 'bubblewrap') {
        assert.equal(probe?.isError, true, `an agent reached the registry: ${probe?.text}`);
        assert.match(probe?.text ?? '', /unreachable/);
      }

      // A second session on the same lockfile: no install, the same files.
      const second = await rt.runtime.startSingleAgent({
        repository: repo.repo,
        agent: 'Coder',
        prompt: 'run the tests again',
      });
      await settledAllowing(rt, second.id);
      const events2 = await rt.store.read(second.id);
      assert.equal(eventsOf(events2, 'agent_os.environment_setup_started').length, 0, 'nothing reinstalled');
      assert.equal(readyEventIn(events2)?.cached, true);
      const test2 = bashResults(events2)[0];
      assert.equal(test2?.isError, false, test2?.text);
      assert.match(test2?.text ?? '', /Passed:\s+1/);

      // The Reviewer's clean room at the session's head, a reader's snapshot and a child worktree.
      const sandboxes = rt.environment!.wrap(
        await sandboxesFor(rt.storeDir, repo.repo, kind),
        repo.repo,
        first.id,
        () => ready,
      );
      const { worktree } = await sandboxes.workspace(first.id);
      const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: worktree, encoding: 'utf8' }).trim();
      const marker = (dir: string) => statSync(join(dir, 'node_modules', TEST_RUNNER.name, 'package.json'));
      for (const request of [
        {
          threadId: 'reviewer',
          access: 'read_only' as const,
          workspace: { kind: 'clean_room' as const, commit: head },
        },
        { threadId: 'planner', access: 'read_only' as const },
        { threadId: 'child', access: 'read_write' as const, workspace: { kind: 'child' as const, key: 'part-1' } },
      ]) {
        const sandbox = await sandboxes.open({
          sessionId: first.id,
          network: false,
          enabledTools: ['bash'],
          ...request,
        });
        try {
          const command = request.threadId === 'reviewer' ? 'npm test' : 'node_modules/.bin/uvu tests';
          const result = await sandbox.runTool({ name: 'bash', input: { command } }, {});
          assert.equal(result.is_error, false, `${request.threadId}: ${result.content}`);
          // Readers see the session's repository itself, read-only; the others work in copies of their own,
          // which no other sandbox shares (an agent changing its copy changes no one else's).
          if (request.threadId !== 'planner') {
            assert.notEqual(sandbox.workdir, worktree);
            assert.notEqual(
              marker(sandbox.workdir).ino,
              marker(worktree).ino,
              `${request.threadId} has a copy of its own`,
            );
          }
          assert.equal(marker(sandbox.workdir).size, marker(worktree).size);
        } finally {
          await sandbox.dispose();
        }
      }
    } finally {
      await rt.close();
      repo.cleanup();
    }
  });
}
