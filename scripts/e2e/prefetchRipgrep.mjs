// VS Code builds older than @vscode/ripgrep-universal get ripgrep through @vscode/ripgrep, whose install
// script downloads the binary from GitHub — unreachable here (only the npm registry is). That script looks
// first in a cache folder, <tmpdir>/vscode-ripgrep-cache-<package version>/ripgrep-<rg version>-<target>.tar.gz;
// this puts the machine's ripgrep there (Debian's, the same 13.x series those builds ship), so the install
// script unpacks it instead of downloading. Linux x64 only, the platform the e2e suite runs on.
// Usage: node prefetchRipgrep.mjs <lib/vscode/npm-shrinkwrap.json> <tmpdir>   (does nothing for newer builds)
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const [shrinkwrap, tmpdir] = process.argv.slice(2);
if (!shrinkwrap || !tmpdir) throw new Error('usage: prefetchRipgrep.mjs <npm-shrinkwrap.json> <tmpdir>');
const version = JSON.parse(readFileSync(shrinkwrap, 'utf8')).packages?.['node_modules/@vscode/ripgrep']?.version;
if (!version) process.exit(0);

const rg = execFileSync('sh', ['-c', 'command -v rg'], { encoding: 'utf8' }).trim();
const work = mkdtempSync(join(tmpdir, 'ripgrep-'));
try {
  // The ripgrep release the package's install script asks for is written in that script.
  const tarball = execFileSync('npm', ['pack', `@vscode/ripgrep@${version}`, '--silent', '--pack-destination', work], {
    encoding: 'utf8',
  }).trim();
  execFileSync('tar', ['xzf', join(work, tarball), '-C', work, 'package/lib/postinstall.js']);
  const release = /const VERSION = '([^']+)'/.exec(
    readFileSync(join(work, 'package', 'lib', 'postinstall.js'), 'utf8'),
  )?.[1];
  if (!release) throw new Error(`@vscode/ripgrep@${version}: no ripgrep VERSION in its install script`);
  const cache = join(tmpdir, `vscode-ripgrep-cache-${version}`);
  const asset = join(cache, `ripgrep-${release}-x86_64-unknown-linux-musl.tar.gz`);
  if (existsSync(asset)) process.exit(0);
  mkdirSync(cache, { recursive: true });
  copyFileSync(rg, join(work, 'rg'));
  execFileSync('tar', ['czf', asset, '-C', work, 'rg']);
  console.log(
    `@vscode/ripgrep@${version} will unpack ${rg} (${execFileSync(rg, ['--version'], { encoding: 'utf8' }).split('\n')[0]}) for ripgrep ${release}`,
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}
