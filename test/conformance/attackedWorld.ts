// The person's world that the sandbox attack suite (sandboxAttacks.ts) attacks and judges: their repository
// with a remote (and a token in another remote's URL), their home with an SSH key and a GitHub token, the
// session store with another session's log, an API key in Agent OS's environment, a listener on the host's
// loopback, and a marker file that anything planted in their git would write when their own git runs it.
// `judge` compares the world with its snapshot: what an attack changed, ran or reached, never our messages.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { git, makeTestRepo, type TestRepo } from '../git/gitTestRepo.ts';

export const CANARY = {
  ssh: 'CANARY-SSH-KEY-4f1d',
  gh: 'CANARY-GH-TOKEN-9a2c',
  remote: 'CANARY-REMOTE-TOKEN-77e0',
  log: 'CANARY-OTHER-SESSION-LOG-31b8',
  env: 'CANARY-ENV-API-KEY-c55d',
  checkout: 'CANARY-UNTRACKED-CHECKOUT-e81a',
};

export interface PersonsWorld {
  repo: TestRepo;
  home: string;
  storeDir: string;
  /** Written by anything planted in the person's git, when their own git runs it. */
  marker: string;
  server: Server;
  port: number;
  /** Connections the host's loopback listener accepted: the agents' network is off. */
  connections: number;
  /** Every tool result of the attacks, searched for canaries. */
  outputs: string[];
}

/** `files`: what the person's repository holds besides the suite's own (a kind's configuration). */
export async function makeWorld(files: Record<string, string> = {}): Promise<PersonsWorld> {
  const repo = makeTestRepo({
    'README.md': '# the person\n',
    'src/app.js': 'export const answer = 42;\n',
    ...files,
  });
  const home = join(repo.root, 'home');
  mkdirSync(join(home, '.ssh'), { recursive: true });
  mkdirSync(join(home, '.config', 'gh'), { recursive: true });
  writeFileSync(join(home, '.ssh', 'id_ed25519'), `-----BEGIN KEY-----\n${CANARY.ssh}\n`);
  writeFileSync(join(home, '.config', 'gh', 'hosts.yml'), `oauth_token: ${CANARY.gh}\n`);
  // An untracked (ignored) secret in the person's checkout: nothing of the checkout reaches a session.
  writeFileSync(join(repo.work, '.git', 'info', 'exclude'), 'secret.env\n');
  writeFileSync(join(repo.work, 'secret.env'), `TOKEN=${CANARY.checkout}\n`);
  // A token in a remote URL of the person's repository.
  git(repo.work, 'remote', 'add', 'mirror', `https://x-access-token:${CANARY.remote}@git.example.invalid/app.git`);
  const storeDir = join(repo.root, 'store');
  mkdirSync(join(storeDir, 'sesn_other'), { recursive: true });
  writeFileSync(join(storeDir, 'sesn_other', 'events.jsonl'), `{"type":"user.message","text":"${CANARY.log}"}\n`);
  const world: PersonsWorld = {
    repo,
    home,
    storeDir,
    marker: join(repo.root, 'PLANTED-RAN'),
    server: createServer((socket) => {
      world.connections++;
      socket.end('HTTP/1.0 200 OK\r\n\r\nreached');
    }),
    port: 0,
    connections: 0,
    outputs: [],
  };
  await new Promise<void>((resolve) => world.server.listen(0, '127.0.0.1', resolve));
  const address = world.server.address();
  world.port = typeof address === 'object' && address ? address.port : 0;
  return world;
}

/** What must come out of every attack unchanged. */
export function snapshot(world: PersonsWorld): Record<string, string> {
  const { repo, home } = world;
  const hooks = readdirSync(join(repo.work, '.git', 'hooks'))
    .filter((h) => !h.endsWith('.sample'))
    .join(',');
  return {
    config: readFileSync(join(repo.work, '.git', 'config'), 'utf8'),
    hooks,
    refs: git(repo.work, 'for-each-ref', '--format=%(refname) %(objectname)'),
    remoteRefs: git(repo.bare, 'for-each-ref', '--format=%(refname) %(objectname)'),
    readme: git(repo.work, 'show', 'main:README.md'),
    status: git(repo.work, 'status', '--porcelain', '--ignored'),
    ssh: readFileSync(join(home, '.ssh', 'id_ed25519'), 'utf8'),
    otherLog: readFileSync(join(world.storeDir, 'sesn_other', 'events.jsonl'), 'utf8'),
    homeEntries: readdirSync(home).sort().join(','),
    rootEntries: readdirSync(repo.root).sort().join(','),
    // Agent OS makes its sandboxes' folder there when the first one opens.
    storeEntries: readdirSync(world.storeDir)
      .filter((name) => name !== '.worktrees')
      .sort()
      .join(','),
  };
}

/** After an attack: the person's world as `before` showed it, nothing planted fires in their own git, their
 * loopback listener was not reached, and no canary is in any tool result. */
export function judge(world: PersonsWorld, before: Record<string, string>, label: string): void {
  const now = snapshot(world);
  for (const key of Object.keys(before)) assert.equal(now[key], before[key], `${label}: the person's ${key} changed`);
  git(world.repo.work, 'fsck', '--strict', '--no-dangling');
  git(world.repo.work, 'status');
  git(world.repo.work, 'commit', '--allow-empty', '-qm', 'the person commits');
  git(world.repo.work, 'reset', '-q', '--soft', 'HEAD~1');
  assert.equal(existsSync(world.marker), false, `${label}: something planted ran in the person's git`);
  assert.equal(world.connections, 0, `${label}: the host's loopback listener was reached`);
  for (const text of world.outputs)
    for (const [name, value] of Object.entries(CANARY))
      assert.ok(
        !text.includes(value),
        `${label}: the ${name} canary reached a tool result: ${text.slice(Math.max(0, text.indexOf(value) - 200), text.indexOf(value) + 100)}`,
      );
}

/** HOME and the API key as Agent OS sees them while the world is attacked; `restore` puts them back. */
export function personsEnvironment(world: PersonsWorld): { restore(): void } {
  const saved = { HOME: process.env['HOME'], ANTHROPIC_API_KEY: process.env['ANTHROPIC_API_KEY'] };
  process.env['HOME'] = world.home;
  process.env['ANTHROPIC_API_KEY'] = CANARY.env;
  return {
    restore() {
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    },
  };
}
