// The formatter (oxfmt, Prettier's style, configured in .oxfmtrc.json: 120 columns, single quotes) over the
// code of the repository: every tracked or new file in scope, or the files named.
// Usage: node scripts/formatCode.mjs [--check] [file ...]
//   --check  report files that are not formatted and exit 1, change nothing (`npm test` runs this)
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

// The repository it runs in (a test runs it in a scratch one), with this checkout's own oxfmt.
const oxfmt = join(import.meta.dirname, '..', 'node_modules', '.bin', 'oxfmt');
const repoRoot = git(['rev-parse', '--show-toplevel'], process.cwd())?.trim() ?? process.cwd();

/** What the formatter owns: code and styles. Markdown, JSON, fixtures and vendored files keep their own shape. */
function inFormatScope(path) {
  if (!/^(src|test|bench|scripts|media)\//.test(path) && path !== 'esbuild.js') return false;
  if (/(^|\/)fixtures\//.test(path) || path.startsWith('media/codicons/')) return false;
  return /\.(ts|mts|cts|js|mjs|cjs|css)$/.test(path);
}

function git(args, cwd = repoRoot) {
  const run = spawnSync('git', args, { cwd, encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
  return run.status === 0 ? run.stdout : undefined;
}

function lines(text) {
  return (text ?? '').split('\n').filter(Boolean);
}

function main(argv) {
  const check = argv.includes('--check');
  const named = argv.filter((a) => !a.startsWith('--')).map((p) => relative(repoRoot, resolve(p)));
  const candidates = named.length > 0 ? named : lines(git(['ls-files', '--cached', '--others', '--exclude-standard']));
  const files = candidates.filter((f) => inFormatScope(f) && existsSync(join(repoRoot, f)));
  if (files.length === 0) {
    console.log(`format: no files to ${check ? 'check' : 'format'}`);
    return 0;
  }
  const run = spawnSync(oxfmt, [check ? '--list-different' : '--write', '--threads=1', ...files], {
    cwd: repoRoot,
    encoding: 'utf8',
  });
  if (run.error) throw run.error;
  if (!check) {
    process.stdout.write(run.stdout);
    process.stderr.write(run.stderr);
    return run.status ?? 1;
  }
  const unformatted = lines(run.stdout);
  if (unformatted.length === 0 && run.status === 0) {
    console.log(`format: ${files.length} file(s) formatted`);
    return 0;
  }
  process.stderr.write(run.stderr);
  console.error(`format: not formatted (run \`npm run format\`):\n${unformatted.map((f) => `  ${f}`).join('\n')}`);
  return 1;
}

process.exitCode = main(process.argv.slice(2));
