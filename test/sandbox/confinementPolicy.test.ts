// The OS sandbox's policy per OS: what a confined process may read, write and reach. Linux runs it for real
// (the conformance suite); macOS (Seatbelt) and Windows (a restricted account) get the same policy from the
// same function, checked here on their paths.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  confinementPolicy,
  isWithin,
  toolFoldersUnder,
  type ConfinementPaths,
} from '../../src/node/sandbox/confinementPolicy.ts';

function paths(root: string, sep: string, home: string): ConfinementPaths {
  const j = (...parts: string[]): string => [root, ...parts].join(sep);
  return {
    home,
    repository: j('work', 'app'),
    repositoryObjects: j('work', 'app', '.git', 'objects'),
    store: j('work', 'app', '.git', 'agent-os'),
    workdir: j('work', 'app', '.git', 'agent-os', '.worktrees', 'repos', 's1'),
    vault: j('work', 'app', '.git', 'agent-os', '.worktrees', 'vault', 's1.git'),
    scratchHome: j('work', 'app', '.git', 'agent-os', '.worktrees', 'homes', 's1', 't1'),
    searchPath: '',
  };
}

describe('confinementPolicy', () => {
  for (const [platform, root, sep, home, delimiter, nodeBin] of [
    ['linux', '', '/', '/home/p', ':', '/home/p/.nvm/versions/node/v22/bin'],
    ['darwin', '', '/', '/Users/p', ':', '/Users/p/.volta/bin'],
    ['win32', 'C:', '\\', 'C:\\Users\\p', ';', 'C:\\Users\\p\\AppData\\Roaming\\nvm\\v22'],
  ] as const) {
    it(`${platform}: hides home, checkout and store; opens only the session's own folders; writes only there`, () => {
      const p = {
        ...paths(root, sep, home),
        searchPath: [nodeBin, platform === 'win32' ? 'C:\\Windows\\System32' : '/usr/bin'].join(delimiter),
      };
      const writer = confinementPolicy({ paths: p, writable: true, allowedDomains: [], platform });
      for (const hidden of [p.home, p.repository, p.store])
        assert.ok(writer.filesystem.denyRead.includes(hidden), hidden);
      for (const open of [p.workdir, p.vault, p.repositoryObjects, p.scratchHome, nodeBin])
        assert.ok(writer.filesystem.allowRead.includes(open), open);
      // Nothing of the person's checkout or home is re-opened beyond those.
      for (const opened of writer.filesystem.allowRead) {
        const inHome = isWithin(p.home, opened, platform);
        const inCheckout = isWithin(p.repository, opened, platform) && !isWithin(p.store, opened, platform);
        if (inCheckout) assert.equal(opened, p.repositoryObjects);
        if (inHome) assert.ok(isWithin(nodeBin, opened, platform) || opened.endsWith(`${sep}lib`), opened);
      }
      assert.deepEqual(writer.filesystem.allowWrite, [p.workdir, p.scratchHome]);
      assert.ok(writer.filesystem.denyWrite.some((d) => d.endsWith(`.git${sep}config`)));
      assert.ok(writer.filesystem.denyWrite.some((d) => d.endsWith(`.git${sep}hooks`)));
      assert.deepEqual(writer.network.allowedDomains, []);
      const reader = confinementPolicy({ paths: p, writable: false, allowedDomains: ['registry.example'], platform });
      assert.deepEqual(reader.filesystem.allowWrite, [p.scratchHome]);
      assert.deepEqual(reader.network.allowedDomains, ['registry.example']);
    });
  }

  it('keeps tool folders on PATH that a hidden folder would take away, but not their parents', () => {
    const kept = toolFoldersUnder(
      ['/home/p', '/tmp'],
      '/home/p/.nvm/versions/node/v22/bin:/usr/bin:/home/p/.local/share/x:/tmp/tool/bin:relative/bin',
      'linux',
    );
    assert.deepEqual(kept, [
      '/home/p/.nvm/versions/node/v22/bin',
      '/home/p/.nvm/versions/node/v22/lib',
      '/home/p/.local/share/x',
      '/tmp/tool/bin',
      '/tmp/tool/lib',
    ]);
  });
});
