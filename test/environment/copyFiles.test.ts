// Git-ignored files the environment file names are copied, never a secret.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { copyNamedFiles } from '../../src/node/environment/copyFiles.ts';
import type { ConfinedCopyRequest } from '../../src/core/sandbox/sessionChanges.ts';
import { confinedCopy } from '../../src/node/sandbox/confinedCopy.ts';
import { hostConfinement } from '../../src/node/sandbox/confinement.ts';

test('named files are copied without the lines that hold secrets; credential files and links are refused', async () => {
  const root = mkdtempSync(join(tmpdir(), 'agent-os-copy-'));
  const from = join(root, 'repo');
  const to = join(root, 'sandbox');
  mkdirSync(from);
  mkdirSync(to);
  try {
    writeFileSync(
      join(from, '.env.test'),
      'PORT=3000\nAPI_TOKEN=abc123\nDATABASE_URL=postgres://user:hunter2@localhost/db\nGREETING=hello\nexport STRIPE_KEY=sk-live_0123456789abcdefghij\n',
    );
    writeFileSync(join(from, '.npmrc'), '//registry/:_authToken=npm_x\n');
    writeFileSync(join(from, 'server.pem'), '-----BEGIN PRIVATE KEY-----\n');
    symlinkSync('/etc/passwd', join(from, '.env.link'));
    mkdirSync(join(root, 'home'));
    const copy = (r: ConfinedCopyRequest) =>
      confinedCopy(
        hostConfinement(),
        {
          workdir: r.to,
          writable: true,
          allowedDomains: [],
          scratchHome: join(root, 'home'),
          vault: join(root, 'vault'),
        },
        r,
      );
    const files = ['.env.test', '.npmrc', 'server.pem', '.env.link', '.env.missing'];
    const report = await copyNamedFiles({ from, to, files, stagingDir: join(root, 'staging'), copy });
    assert.deepEqual(report.copied, ['.env.test']);
    assert.equal(readFileSync(join(to, '.env.test'), 'utf8'), 'PORT=3000\nGREETING=hello\n');
    assert.equal(report.redactedLines, 3);
    assert.deepEqual(
      report.skipped.map((s) => s.path),
      ['.npmrc', 'server.pem', '.env.link', '.env.missing'],
    );
    assert.ok(
      !existsSync(join(to, '.npmrc')) && !existsSync(join(to, 'server.pem')) && !existsSync(join(to, '.env.link')),
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
