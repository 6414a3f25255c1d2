// A set-up that cannot finish — a bad lockfile, an unknown package, the registry unreachable, an invalid
// environment file, a detected set-up nobody confirmed — is an event with the command and the tail of its output, the session idles without
// any agent having run, nothing is lost, and resuming after the fix carries on.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { readyEventIn } from '../../src/node/environment/sessionEnvironment.ts';
import { requireOsSandbox } from '../support/requirements.ts';
import { bashResults, eventsOf, settledAllowing, startEnvironmentRuntime } from './environmentWorld.ts';
import { fixtureRepo, npmProjectFiles, registryUnavailable } from './fixtureRepos.ts';

const noDependencies = JSON.stringify(
  { name: 'fixture-empty', version: '1.0.0', private: true, scripts: { test: 'node --test' } },
  null,
  2,
);
const emptyLock = JSON.stringify(
  {
    name: 'fixture-empty',
    version: '1.0.0',
    lockfileVersion: 3,
    requires: true,
    packages: { '': { name: 'fixture-empty', version: '1.0.0' } },
  },
  null,
  2,
);
const aTest = "const test = require('node:test');\ntest('ok', () => {});\n";

test('a bad lockfile: a clear event and error, no agent ran, and resuming after the fix goes on', async () => {
  const repo = fixtureRepo({
    'package.json': noDependencies,
    'package-lock.json': '{ "lockfileVersion": 3, broken',
    'a.test.js': aTest,
    '.gitignore': 'node_modules/\n',
  });
  const rt = await startEnvironmentRuntime(repo.root, [['npm test']], {
    sandbox: 'worktree',
    environment: { acceptDetected: true },
  });
  try {
    const meta = await rt.runtime.startSingleAgent({ repository: repo.repo, agent: 'Coder', prompt: 'run the tests' });
    assert.equal((await rt.runtime.settled(meta.id))?.type, 'retries_exhausted');
    let events = await rt.store.read(meta.id);
    const failed = eventsOf(events, 'agent_os.environment_failed');
    assert.equal(failed.length, 1);
    assert.equal(failed[0]?.command, 'npm ci --no-audit --no-fund');
    assert.ok((failed[0]?.exit_code ?? 0) !== 0);
    assert.match(failed[0]?.output_tail ?? '', /npm (error|ERR)/i);
    assert.match(failed[0]?.message ?? '', /resume the session/);
    const error = eventsOf(events, 'session.error')[0];
    assert.equal(error?.error.type, 'environment_setup_failed');
    assert.equal(eventsOf(events, 'span.model_request_start').length, 0, 'no agent ran');

    // The person fixes the lockfile in the session's worktree and resumes.
    const { worktree } = await rt.runtime.changes(meta.id);
    writeFileSync(join(worktree, 'package-lock.json'), emptyLock);
    await rt.runtime.resume(meta.id);
    events = await rt.store.read(meta.id);
    // The plain worktree confines nothing: the Coder's command waits for the person, who allows it.
    const asking = eventsOf(events, 'agent.tool_use').find((u) => u.evaluated_permission === 'ask');
    assert.ok(asking, 'the unconfined command asks');
    await rt.runtime.confirmTool(meta.id, asking.id, true);
    events = await rt.store.read(meta.id);
    assert.ok(
      events.some((e) => e.id === failed[0]?.id),
      'the failure is still in the log',
    );
    assert.equal(readyEventIn(events)?.test_command, 'npm test');
    const result = bashResults(events)[0];
    assert.equal(result?.isError, false, result?.text);
  } finally {
    await rt.close();
    repo.cleanup();
  }
});

test("an unknown package: the registry's answer is in the event", async (t) => {
  const why = await registryUnavailable();
  if (why) return t.skip(why);
  const pkg = JSON.stringify({
    name: 'fixture-missing',
    version: '1.0.0',
    private: true,
    devDependencies: { 'agent-os-fixture-no-such-package-7f3a': '1.0.0' },
  });
  const repo = fixtureRepo({ 'package.json': pkg, '.gitignore': 'node_modules/\n' });
  const rt = await startEnvironmentRuntime(repo.root, [['true']], {
    sandbox: 'worktree',
    environment: { acceptDetected: true },
  });
  try {
    const meta = await rt.runtime.startSingleAgent({ repository: repo.repo, agent: 'Coder', prompt: 'x' });
    assert.equal((await rt.runtime.settled(meta.id))?.type, 'retries_exhausted');
    const failed = eventsOf(await rt.store.read(meta.id), 'agent_os.environment_failed')[0];
    assert.equal(failed?.command, 'npm install --no-audit --no-fund');
    assert.match(failed?.output_tail ?? '', /404|E404|not found/i);
  } finally {
    await rt.close();
    repo.cleanup();
  }
});

test('an invalid environment file: the event names the line; fixed, the session resumes (its set-up asked first: nothing confines it)', async () => {
  const repo = fixtureRepo({
    '.agents/environment.yaml': 'setup: echo ready\ntest: node --test\nnetwrk: {}\n',
    'a.test.js': aTest,
  });
  const asked: string[] = [];
  const confirm = async (request: { description: string }): Promise<boolean> => {
    asked.push(request.description);
    return true;
  };
  const rt = await startEnvironmentRuntime(repo.root, [['node --test']], {
    sandbox: 'worktree',
    environment: { confirm },
  });
  try {
    const meta = await rt.runtime.startSingleAgent({ repository: repo.repo, agent: 'Coder', prompt: 'x' });
    assert.equal((await rt.runtime.settled(meta.id))?.type, 'retries_exhausted');
    const failed = eventsOf(await rt.store.read(meta.id), 'agent_os.environment_failed')[0];
    assert.match(failed?.message ?? '', /\.agents\/environment\.yaml:3:1: unknown field "netwrk"/);
    const { worktree } = await rt.runtime.changes(meta.id);
    writeFileSync(join(worktree, '.agents', 'environment.yaml'), 'setup: echo ready\ntest: node --test\n');
    await rt.runtime.resume(meta.id);
    const events = await rt.store.read(meta.id);
    const ready = readyEventIn(events);
    assert.equal(ready?.source, 'environment_file');
    assert.equal(ready?.test_command, 'node --test');
    assert.ok(eventsOf(events, 'agent_os.environment_output').some((e) => e.text.includes('ready')));
    // The repository's own set-up would run as the person here: it asked, once.
    assert.equal(asked.length, 1);
    assert.match(
      asked[0] ?? '',
      /^nothing confines commands here: the repository's set-up would run as you, outside any sandbox:\n(.*\n)*set-up: echo ready$/m,
    );
  } finally {
    await rt.close();
    repo.cleanup();
  }
});

test('a detected set-up runs only once the person confirmed it, asked once per repository', async () => {
  const repo = fixtureRepo({
    'package.json': noDependencies,
    'package-lock.json': emptyLock,
    'a.test.js': aTest,
    '.gitignore': 'node_modules/\n',
  });
  const asked: string[] = [];
  let answer = false;
  const rt = await startEnvironmentRuntime(repo.root, [['true'], ['true']], {
    sandbox: 'worktree',
    environment: {
      confirm: async (request) => {
        asked.push(request.description);
        return answer;
      },
    },
  });
  try {
    const meta = await rt.runtime.startSingleAgent({ repository: repo.repo, agent: 'Coder', prompt: 'x' });
    assert.equal((await rt.runtime.settled(meta.id))?.type, 'retries_exhausted');
    const failed = eventsOf(await rt.store.read(meta.id), 'agent_os.environment_failed')[0];
    assert.match(failed?.message ?? '', /not confirmed/);
    assert.match(failed?.output_tail ?? '', /set-up: npm ci/);
    assert.equal(asked.length, 1);
    assert.match(asked[0] ?? '', /found package-lock\.json: npm\nset-up: npm ci --no-audit --no-fund\ntest: npm test/);

    answer = true;
    await rt.runtime.resume(meta.id);
    assert.ok(readyEventIn(await rt.store.read(meta.id)));
    assert.equal(asked.length, 2);
    // Remembered: the next session on this repository is not asked again.
    const next = await rt.runtime.startSingleAgent({ repository: repo.repo, agent: 'Coder', prompt: 'y' });
    await rt.runtime.settled(next.id);
    assert.ok(readyEventIn(await rt.store.read(next.id)));
    assert.equal(asked.length, 2);
  } finally {
    await rt.close();
    repo.cleanup();
  }
});

test('the registry unreachable: the event says so with the command; once it answers, resuming sets up and goes on', async (t) => {
  const why = await registryUnavailable();
  if (why) return t.skip(why);
  const sandbox = (await requireOsSandbox()) ? 'worktree' : 'os';
  // A registry nothing answers (a closed local port; the OS sandbox's proxy refuses it too), no retries.
  const command = 'npm ci --no-audit --no-fund --registry=http://127.0.0.1:9/ --fetch-retries=0';
  const repo = fixtureRepo({ ...(await npmProjectFiles()), '.agents/environment.yaml': `setup: ${command}\n` });
  const rt = await startEnvironmentRuntime(repo.root, [['npm test']], {
    sandbox,
    environment: { acceptDetected: true },
  });
  try {
    const meta = await rt.runtime.startSingleAgent({ repository: repo.repo, agent: 'Coder', prompt: 'run the tests' });
    assert.equal((await rt.runtime.settled(meta.id))?.type, 'retries_exhausted');
    let events = await rt.store.read(meta.id);
    const failed = eventsOf(events, 'agent_os.environment_failed')[0];
    assert.equal(failed?.command, command);
    assert.ok((failed?.exit_code ?? 0) !== 0);
    assert.match(failed?.output_tail ?? '', /ECONNREFUSED|ECONNRESET|EAI_AGAIN|403|blocked|network/i);
    assert.match(failed?.message ?? '', /the network\) and resume the session/);
    assert.equal(eventsOf(events, 'span.model_request_start').length, 0, 'no agent ran');

    // The person points the set-up at the registry again (the environment file in the session's repository).
    const { worktree } = await rt.runtime.changes(meta.id);
    writeFileSync(join(worktree, '.agents', 'environment.yaml'), 'setup: npm ci --no-audit --no-fund\n');
    await rt.runtime.resume(meta.id);
    await settledAllowing(rt, meta.id);
    events = await rt.store.read(meta.id);
    assert.ok(
      events.some((e) => e.id === failed?.id),
      'the failure is still in the log',
    );
    assert.deepEqual(readyEventIn(events)?.dependency_dirs, ['node_modules']);
    const result = bashResults(events)[0];
    assert.equal(result?.isError, false, result?.text);
    assert.match(result?.text ?? '', /Passed:\s+1/);
  } finally {
    await rt.close();
    repo.cleanup();
  }
});
