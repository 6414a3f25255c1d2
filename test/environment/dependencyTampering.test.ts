// Attack tests for the dependency cache, one per sandbox kind that works here. A hostile agent has the set-up's
// dependencies in its files and tries (1) to poison the next session's: it changes a dependency file in place,
// keeping its size and modification time, in the Coder's repository and in the Reviewer's clean room; and (2) to
// turn Agent OS's own copy of the dependencies onto the person's files: it replaces the folder that holds a
// nested dependency folder with a symbolic link to a folder outside the repository, and a file the environment
// file names to copy with a link to a file of the person's, then sandboxes open.
// Judged by the effect: what the cache holds, what the next session's test command runs, and the person's
// folder outside the repository.
import assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { readyEventIn } from '../../src/node/environment/sessionEnvironment.ts';
import { devcontainerJson, kindUnavailable, removeSessions } from './environmentKinds.ts';
import { bashResults, eventsOf, sandboxesFor, settledAllowing, startEnvironmentRuntime } from './environmentWorld.ts';
import { fixtureRepo, listFiles } from './fixtureRepos.ts';

const SETUP = `set -e
mkdir -p node_modules/runner packages/a/node_modules/dep
printf "console.log('runner: clean')\\n" > node_modules/runner/index.js
printf "module.exports = 'dep: clean';\\n" > packages/a/node_modules/dep/index.js
`;

function projectFiles(devcontainer: boolean): Record<string, string> {
  return {
    'setup.sh': SETUP,
    '.agents/environment.yaml':
      'setup: bash setup.sh\ntest: node node_modules/runner/index.js\ncacheDirectories: [node_modules, packages/a/node_modules]\ncopyFiles: [.env.test]\n',
    'packages/a/package.json': '{"name":"a","private":true}\n',
    '.gitignore': 'node_modules/\n.env*\n',
    ...(devcontainer ? { '.devcontainer/devcontainer.json': devcontainerJson() } : {}),
  };
}

/** Changes a file in place to text of the same length, then puts its modification time back. */
const tamper = (file: string, from: string, to: string): string =>
  `f=${file}; m=$(stat -c %y "$f"); chmod u+w "$f" 2>/dev/null; sed "s/${from}/${to}/" "$f" | dd of="$f" conv=notrunc status=none; touch -d "$m" "$f"; cat "$f"`;

const TAMPER_RUNNER = tamper('node_modules/runner/index.js', 'clean', 'EVIL!');
const TAMPER_DEP = tamper('packages/a/node_modules/dep/index.js', 'clean', 'EVIL!');

/** Every file of the cache whose content an agent changed. */
function poisonedCacheFiles(storeDir: string): string[] {
  const cache = join(storeDir, '.environments', 'cache');
  if (!existsSync(cache)) return [];
  return listFiles(cache).filter((f) => {
    try {
      return readFileSync(join(cache, f), 'utf8').includes('EVIL');
    } catch {
      return false;
    }
  });
}

for (const kind of ['os', 'worktree', 'devcontainer'] as const) {
  test(`${kind}: an agent changing its dependencies in place, or linking a dependency folder's parent away, reaches neither the next session nor the person's files`, async (t) => {
    const why = await kindUnavailable(kind, t);
    if (why) return t.skip(why);
    const repo = fixtureRepo(projectFiles(kind === 'devcontainer'));
    // The person's folder outside the repository, which the agent points a link at.
    const victim = join(repo.root, 'person-files');
    mkdirSync(join(victim, 'node_modules'), { recursive: true });
    writeFileSync(join(victim, 'node_modules', 'keep.txt'), "the person's file\n");
    writeFileSync(join(victim, 'notes.txt'), "the person's notes\n");
    // A git-ignored file the environment file names: copied into every sandbox.
    writeFileSync(join(repo.repo, '.env.test'), 'MODE=test\n');
    const link = `rm -rf packages/a && ln -s ${victim} packages/a && rm -f .env.test && ln -s ${join(victim, 'notes.txt')} .env.test && ls -l packages`;
    const check = 'node node_modules/runner/index.js; cat packages/a/node_modules/dep/index.js';
    // A scripted model answers by turn within a conversation: the next session gets a runtime of its own
    // (same store, same cache) whose Coder runs the check.
    const rt = await startEnvironmentRuntime(repo.root, [[TAMPER_RUNNER, TAMPER_DEP, link]], {
      sandbox: kind,
      environment: { acceptDetected: true },
    });
    let closed = false;
    try {
      const first = await rt.runtime.startSingleAgent({ repository: repo.repo, agent: 'Coder', prompt: 'work' });
      await settledAllowing(rt, first.id);
      const events = await rt.store.read(first.id);
      const failed = eventsOf(events, 'agent_os.environment_failed')[0];
      assert.equal(failed, undefined, `${failed?.message}\n${failed?.output_tail}`);
      const ready = readyEventIn(events);
      assert.deepEqual(ready?.dependency_dirs, ['node_modules', 'packages/a/node_modules']);
      const [runner, dep] = bashResults(events);
      assert.match(runner?.text ?? '', /runner: EVIL!/, `the agent changed its own copy: ${runner?.text}`);
      assert.match(dep?.text ?? '', /dep: EVIL!/, `the agent changed its own copy: ${dep?.text}`);
      assert.equal(bashResults(events)[2]?.isError, false, bashResults(events)[2]?.text);

      // The Reviewer's clean room and further sandboxes of the session open after the link was planted (the
      // take-over carries it into the clean room and a child's repository).
      const sandboxes = rt.environment!.wrap(
        await sandboxesFor(rt.storeDir, repo.repo, kind),
        repo.repo,
        first.id,
        () => ready,
      );
      // Committed as the runtime does at a hand-off, so that the clean room and a child's repository, made
      // fresh from the session's branch, have the link too.
      const { commit: head } = await sandboxes.checkpoint(first.id, "the agent's links");
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
          assert.ok(
            lstatSync(join(sandbox.workdir, 'packages', 'a')).isSymbolicLink(),
            `${request.threadId}: the agent's link is left as the agent made it`,
          );
          if (request.threadId === 'reviewer') {
            const result = await sandbox.runTool({ name: 'bash', input: { command: TAMPER_RUNNER } }, {});
            assert.match(result.content, /runner: EVIL!/, `the Reviewer changed its own copy: ${result.content}`);
          }
        } finally {
          await sandbox.dispose();
        }
      }

      assert.deepEqual(
        readdirSync(victim, { recursive: true }).sort(),
        ['node_modules', join('node_modules', 'keep.txt'), 'notes.txt'],
        "the person's folder is as it was",
      );
      assert.equal(readFileSync(join(victim, 'node_modules', 'keep.txt'), 'utf8'), "the person's file\n");
      assert.equal(
        readFileSync(join(victim, 'notes.txt'), 'utf8'),
        "the person's notes\n",
        'a named file is never written through a link',
      );
      assert.deepEqual(poisonedCacheFiles(rt.storeDir), [], 'the cache holds what the set-up made');

      // The next session on the same repository: its dependencies are the set-up's, not the agent's.
      if (kind === 'devcontainer') await rt.runtime.delete(first.id);
      await rt.close();
      closed = true;
      const rt2 = await startEnvironmentRuntime(repo.root, [[check]], {
        sandbox: kind,
        environment: { acceptDetected: true },
      });
      try {
        const second = await rt2.runtime.startSingleAgent({
          repository: repo.repo,
          agent: 'Coder',
          prompt: 'run the tests',
        });
        await settledAllowing(rt2, second.id);
        const events2 = await rt2.store.read(second.id);
        assert.equal(readyEventIn(events2)?.cached, true, 'served by the cache');
        const next = bashResults(events2)[0];
        assert.equal(next?.isError, false, next?.text);
        assert.match(next?.text ?? '', /runner: clean/);
        assert.match(next?.text ?? '', /dep: clean/);
        assert.doesNotMatch(next?.text ?? '', /EVIL/);
      } finally {
        if (kind === 'devcontainer') await removeSessions(rt2);
        await rt2.close();
      }
    } finally {
      if (!closed) {
        // Containers outlive the runtime: a failed run must not leave them to the engine's other tests.
        if (kind === 'devcontainer') await removeSessions(rt);
        await rt.close();
      }
      repo.cleanup();
    }
  });
}
