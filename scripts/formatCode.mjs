// The formatter (oxfmt, Prettier's style, configured in .oxfmtrc.json: 120 columns, single quotes) over the
// code of the repository. Until the whole repository has been formatted once, it is a ratchet over the files
// a branch changes against `main` (committed or not): a new file, or one that was formatted on `main`, must
// be formatted; one that was not yet formatted there is left to the repository-wide pass, so parallel work
// is not buried in rewrites of whole files. `--all` covers every file; named files are covered whatever
// they were.
// Usage: node scripts/formatCode.mjs [--check] [--all] [file ...]
//   --check  report files that are not formatted and exit 1, change nothing (`npm test` runs this)
//   --all    every file in scope
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

/** Whether `text`, read as `path`, is already as the formatter writes it. */
function isFormatted(path, text) {
  const run = spawnSync(oxfmt, [`--stdin-filepath=${path}`], { cwd: repoRoot, input: text, encoding: 'utf8' });
  return run.status === 0 && run.stdout === text;
}

/** The files this branch adds or changes against `main` that the ratchet holds: new ones, and those that
 * were formatted at the merge base. The others are named so the person knows why they were passed over. */
function changedFiles() {
  const base = git(['merge-base', 'HEAD', 'main'])?.trim();
  const changed = new Set([
    ...(base ? lines(git(['diff', '--name-only', '--diff-filter=ACMR', base])) : []),
    ...lines(git(['ls-files', '--others', '--exclude-standard'])),
  ]);
  const held = [];
  const passed = [];
  for (const path of [...changed].filter(inFormatScope)) {
    const before = base ? git(['show', `${base}:${path}`]) : undefined;
    if (before === undefined || isFormatted(path, before)) held.push(path);
    else passed.push(path);
  }
  return { held, passed };
}

function main(argv) {
  const check = argv.includes('--check');
  const all = argv.includes('--all');
  const named = argv.filter((a) => !a.startsWith('--')).map((p) => relative(repoRoot, resolve(p)));
  let candidates = named;
  if (named.length === 0 && all) candidates = lines(git(['ls-files', '--cached', '--others', '--exclude-standard']));
  if (named.length === 0 && !all) {
    const { held, passed } = changedFiles();
    if (passed.length > 0) {
      console.log(
        `format: ${passed.length} changed file(s) not yet formatted on main, left to the repository-wide pass`,
      );
    }
    candidates = held;
  }
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
