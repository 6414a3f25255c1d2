// `agent-os sessions export` and `sessions delete` through the built CLI, on a session a real run made
// (scripted model over HTTP, real git): the export is every event as JSON lines with the API key, a
// GitHub token and credential-shaped text redacted; delete refuses an unknown id without touching
// anything and removes the log and the session's repository. On a session that delivered (the demo run
// with --approve: pushed to the bare remote, pull request opened on the GitHub stand-in) delete removes
// the log, the session's repository, vault, homes and record, and keeps the branch agent-os/<id> in the
// person's repository (and on the remote) where it was.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { FileSessionStore } from '../../src/node/session/fileSessionStore.ts';
import { SESSION_LABEL } from '../../src/node/sandbox/devcontainer/dockerCli.ts';
import { STORE_LABEL, storeId } from '../../src/node/sandbox/devcontainer/sessionContainers.ts';
import { devcontainerStateDir } from '../../src/node/sandbox/sandboxChoice.ts';
import { acquireEngine } from '../devcontainer/dockerEngine.ts';
import { DEFAULT_DEVCONTAINER } from '../devcontainer/fixtureRepo.ts';
import { demoModelScript } from '../../src/testkit/demo/demoScript.ts';
import { ALLOW_SCRIPTED_COMMANDS, sessionIdIn, show, startCliWorld } from './cliWorld.ts';

const API_KEY = 'sk-ant-api03-exportTestKey0123456789';
const GITHUB_TOKEN = 'ghp_exportTestToken0123456789abcdef';
const PRIVATE_VALUE = 'a-private-value-in-a-variable';

test('sessions export redacts secrets; sessions delete refuses an unknown id, removes log and worktree', async () => {
  const leaky = `key ${API_KEY}, token ${GITHUB_TOKEN}, ${PRIVATE_VALUE}, https://bob:hunter2pass@git.example/x.git\nAuthorization: Bearer abcdefghijklmnop\n`;
  const world = await startCliWorld({
    agents: {
      Coder: [
        { content: [{ type: 'tool_use', name: 'write', input: { file_path: 'NOTES.md', content: leaky } }] },
        { content: [{ type: 'text', text: `Wrote NOTES.md with ${API_KEY}.` }] },
      ],
    },
  });
  try {
    const env = { ANTHROPIC_API_KEY: API_KEY, GITHUB_TOKEN, MY_SERVICE_PASSWORD: PRIVATE_VALUE };
    const run = await world.cli(['run', '--agent', 'Coder', '--prompt', 'Write NOTES.md', ...world.flags], env);
    assert.equal(run.code, 0, show(run));
    const id = sessionIdIn(run.stdout);
    const events = await new FileSessionStore(world.storeDir).read(id);
    assert.ok(JSON.stringify(events).includes(API_KEY), 'the log itself has the key (the model wrote it)');

    const exported = await world.cli(['sessions', 'export', id, '--store', world.storeDir], env);
    assert.equal(exported.code, 0, show(exported));
    const lines = exported.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(lines.length, events.length + 1, 'a header and every event');
    assert.equal(lines[0]?.['agent_os_export'], 1);
    assert.deepEqual(
      lines.slice(1).map((e) => e['type']),
      events.map((e) => e.type),
    );
    for (const secret of [API_KEY, GITHUB_TOKEN, PRIVATE_VALUE, 'hunter2pass', 'abcdefghijklmnop']) {
      assert.ok(!exported.stdout.includes(secret), `${secret} is redacted`);
    }
    assert.match(exported.stdout, /\[redacted secret\]/);
    assert.match(exported.stdout, /https:\/\/bob:\[redacted secret\]@git\.example/);

    // Exported to a file, with no secret in the environment: credential-shaped text is still redacted.
    const file = join(world.root, 'bug-report.jsonl');
    const toFile = await world.cli(['sessions', 'export', id, '--store', world.storeDir, '--out', file], {});
    assert.equal(toFile.code, 0, show(toFile));
    assert.match(
      toFile.stderr,
      new RegExp(`exported ${events.length} events of ${id} to ${file} \\(\\d+ secrets redacted\\)`),
    );
    const text = readFileSync(file, 'utf8');
    assert.ok(!text.includes(API_KEY) && !text.includes(GITHUB_TOKEN));

    // delete: an unknown id is refused and nothing is touched.
    const worktree = join(world.storeDir, '.worktrees', 'repos', id);
    assert.ok(existsSync(worktree));
    const unknown = await world.cli(['sessions', 'delete', 'sesn_nosuchsession', '--store', world.storeDir], {});
    assert.equal(unknown.code, 1, show(unknown));
    assert.match(unknown.stderr, /^agent-os: .*sesn_nosuchsession/);
    assert.ok(existsSync(worktree));

    // Without ANTHROPIC_API_KEY: deleting needs no model.
    const deleted = await world.cli(['sessions', 'delete', id, '--store', world.storeDir], {});
    assert.equal(deleted.code, 0, show(deleted));
    // Nothing was approved, so nothing reached the person's repository: no branch to keep.
    assert.match(deleted.stdout, new RegExp(`^deleted session ${id}\\n$`));
    assert.equal(existsSync(worktree), false, 'the worktree is gone');
    await assert.rejects(new FileSessionStore(world.storeDir).get(id), /not found|no session|unknown/i);
    const list = await world.cli(['sessions', 'list', '--store', world.storeDir], {});
    assert.match(list.stdout, /^no sessions in /);
    const branches = execFileSync('git', ['branch', '--list', `agent-os/${id}`], {
      cwd: world.sample.workdir,
      encoding: 'utf8',
    });
    assert.equal(branches, '', 'the session never had a branch in the person’s repository');
  } finally {
    await world.close();
  }
});

test('sessions delete of a session that delivered: log, repository, vault and homes go; the branch agent-os/<id> stays', async () => {
  const world = await startCliWorld(demoModelScript());
  try {
    // The demo run approved: Agent OS fetched the verified commit into the person's repository as
    // agent-os/<id>, pushed it to the bare remote and opened the pull request on the GitHub stand-in.
    const run = await world.cli([
      'run',
      '--issue',
      world.issueRef,
      '--approve',
      ...ALLOW_SCRIPTED_COMMANDS,
      ...world.flags,
    ]);
    assert.equal(run.code, 0, show(run));
    const id = sessionIdIn(run.stdout);
    const branch = `agent-os/${id}`;
    const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8' }).trim();
    const delivered = git(world.sample.workdir, 'rev-parse', '--verify', `refs/heads/${branch}`);
    const [pr] = world.github.pullRequests();
    assert.ok(pr, 'the pull request is open');
    assert.equal(git(world.sample.barePath, 'rev-parse', '--verify', `refs/heads/${branch}`), delivered, 'pushed');
    assert.notEqual(delivered, world.sample.baseCommit, 'the branch carries the session’s work');

    // What the session has of its own in the store, beside its log.
    const storage = join(world.storeDir, '.worktrees');
    const own = () => ({
      repos: readdirSync(join(storage, 'repos')).filter((n) => n === id || n.startsWith(`${id}-`)),
      vault: existsSync(join(storage, 'vault', `${id}.git`)),
      homes: existsSync(join(storage, 'homes', id)),
      record: existsSync(join(storage, 'records', `${id}.json`)),
    });
    const before = own();
    assert.ok(before.repos.includes(id), JSON.stringify(before));
    assert.ok(
      before.repos.some((n) => n.startsWith(`${id}-clean-`)),
      `the Reviewer's clean rooms are there: ${JSON.stringify(before)}`,
    );
    assert.ok(before.vault && before.record, JSON.stringify(before));

    const deleted = await world.cli(['sessions', 'delete', id, '--store', world.storeDir], {});
    assert.equal(deleted.code, 0, show(deleted));
    assert.equal(deleted.stdout, `deleted session ${id} (its branch ${branch} is kept in ${world.sample.workdir})\n`);

    // The log is gone, and so is everything the session had of its own.
    await assert.rejects(new FileSessionStore(world.storeDir).get(id), /not found|no session|unknown/i);
    assert.equal(existsSync(join(world.storeDir, id)), false);
    assert.deepEqual(own(), { repos: [], vault: false, homes: false, record: false });
    const list = await world.cli(['sessions', 'list', '--store', world.storeDir], {});
    assert.match(list.stdout, /^no sessions in /);

    // The delivered branch stays where the person and the pull request need it, at the same commit.
    assert.equal(git(world.sample.workdir, 'rev-parse', '--verify', `refs/heads/${branch}`), delivered);
    assert.equal(git(world.sample.barePath, 'rev-parse', '--verify', `refs/heads/${branch}`), delivered);
    assert.equal(git(world.sample.workdir, 'cat-file', '-t', delivered), 'commit', 'its objects are the person’s');
    assert.equal(git(world.sample.workdir, 'fsck', '--connectivity-only', '--no-dangling'), '');
    assert.equal(world.github.pullRequests().length, 1);
  } finally {
    await world.close();
  }
});

test('sessions delete of a dev container session that delivered: its containers go too, the branch stays', async (t) => {
  const engine = await acquireEngine();
  if (!engine.dockerHost) return t.skip(engine.skip);
  const world = await startCliWorld(demoModelScript());
  try {
    // The person's repository gets a dev container configuration on main (pushed, so the pull request's base has it).
    const { workdir } = world.sample;
    const git = (cwd: string, ...args: string[]) =>
      execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.invalid', ...args], {
        cwd,
        encoding: 'utf8',
      }).trim();
    mkdirSync(join(workdir, '.devcontainer'));
    writeFileSync(join(workdir, '.devcontainer', 'devcontainer.json'), DEFAULT_DEVCONTAINER);
    git(workdir, 'add', '.devcontainer');
    git(workdir, 'commit', '-qm', 'dev container');
    git(workdir, 'push', '-q', 'origin', 'main');

    const env = { ANTHROPIC_API_KEY: 'x', DOCKER_HOST: engine.dockerHost };
    const run = await world.cli(
      ['run', '--issue', world.issueRef, '--approve', '--sandbox', 'devcontainer', ...world.flags],
      env,
    );
    assert.equal(run.code, 0, show(run));
    const id = sessionIdIn(run.stdout);
    const configured = (await new FileSessionStore(world.storeDir).read(id)).find(
      (e) => e.type === 'agent_os.session_configured',
    );
    assert.equal(configured?.type === 'agent_os.session_configured' && configured.sandbox.kind, 'devcontainer');
    const branch = `agent-os/${id}`;
    const delivered = git(workdir, 'rev-parse', '--verify', `refs/heads/${branch}`);
    assert.equal(world.github.pullRequests().length, 1);

    // This store's containers only: the engine is shared with other stores' tests.
    const store = `label=${STORE_LABEL}=${storeId(devcontainerStateDir(join(world.storeDir, '.worktrees')))}`;
    const containers = () =>
      execFileSync('docker', ['ps', '-a', '--filter', store, '--format', `{{.Label "${SESSION_LABEL}"}}`], {
        env: { ...process.env, DOCKER_HOST: engine.dockerHost },
        encoding: 'utf8',
      })
        .split('\n')
        .filter(Boolean);
    const before = containers();
    assert.ok(before.includes(id), `the session's container is there: ${JSON.stringify(before)}`);

    const deleted = await world.cli(['sessions', 'delete', id, '--store', world.storeDir], env);
    assert.equal(deleted.code, 0, show(deleted));
    assert.equal(deleted.stdout, `deleted session ${id} (its branch ${branch} is kept in ${workdir})\n`);
    assert.deepEqual(containers(), [], 'every container of the session is gone (its clean rooms’ too)');
    await assert.rejects(new FileSessionStore(world.storeDir).get(id), /not found|no session|unknown/i);
    assert.deepEqual(
      readdirSync(join(world.storeDir, '.worktrees', 'repos')).filter((n) => n.startsWith(id)),
      [],
      'its repositories are gone',
    );
    assert.equal(git(workdir, 'rev-parse', '--verify', `refs/heads/${branch}`), delivered, 'the branch stays');
  } finally {
    await world.close();
    await engine.release();
  }
});
