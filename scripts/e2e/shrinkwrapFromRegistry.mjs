// code-server's VS Code pins some dependencies to a git commit in its npm-shrinkwrap.json ("resolved":
// "git+ssh://…"), which cannot be fetched here: only the npm registry is reachable. Where the registry's
// release of that version is the very same archive (the same integrity hash), the entry is pointed at the
// registry's tarball; where it is not, this stops and names the entry rather than install something else.
// Usage: node shrinkwrapFromRegistry.mjs <npm-shrinkwrap.json>...
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

const pinnedToGit = (resolved) => /^git[+:]|^github:|^https:\/\/codeload\./.test(resolved);

for (const file of process.argv.slice(2)) {
  if (!existsSync(file)) continue;
  const lock = JSON.parse(readFileSync(file, 'utf8'));
  let changed = 0;
  for (const [path, entry] of Object.entries(lock.packages ?? {})) {
    if (!entry.resolved || !pinnedToGit(entry.resolved)) continue;
    const name = entry.name ?? path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
    const dist = JSON.parse(
      execFileSync('npm', ['view', `${name}@${entry.version}`, 'dist', '--json'], { encoding: 'utf8' }),
    );
    if (dist.integrity !== entry.integrity) {
      console.error(
        `${file}: ${name}@${entry.version} is pinned to ${entry.resolved}, and the registry's release differs (${dist.integrity} ≠ ${entry.integrity})`,
      );
      process.exit(1);
    }
    console.log(
      `${name}@${entry.version}: the registry's release is the pinned commit's archive; installing it from there`,
    );
    entry.resolved = dist.tarball;
    changed++;
  }
  if (changed) writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
}
