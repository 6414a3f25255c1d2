// Detection of a repository's set-up when it has no environment file: the package manager from lockfiles
// and `packageManager` (npm ci; pnpm and yarn through corepack; bun), Python (requirements*.txt, uv,
// poetry, pyproject.toml), Go and Cargo — and the test command from package.json scripts, pytest,
// `go test` or `cargo test`. A detected set-up is shown to the person and confirmed before it runs.
import { readdir, readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { pathExists } from '../pathExists.ts';

export type Ecosystem = 'node' | 'python' | 'go' | 'rust';
export type NodePackageManager = 'npm' | 'pnpm' | 'yarn' | 'bun';

export interface DetectedEnvironment {
  ecosystems: Ecosystem[];
  packageManager?: NodePackageManager;
  setup: string[];
  test?: string;
  /** Files whose contents decide what the set-up installs (the cache key is made of them). */
  lockfiles: string[];
  /** Folders the set-up makes inside the repository, cached and given to every sandbox. */
  cacheDirectories: string[];
  /** One line per finding, for the person confirming the set-up. */
  reasons: string[];
}

/** Where corepack keeps the pnpm or yarn it downloads: inside node_modules, so that the cache and every
 * sandbox have it and agents, which run offline, never need to download it again. `.cache` is the folder
 * package managers leave alone. The registry's signature keys are not required (COREPACK_INTEGRITY_KEYS=0):
 * mirrors do not serve them and older corepack releases know only retired keys; the tarball's hash from the
 * registry's metadata is still checked, as for every other package the set-up installs. */
const COREPACK =
  'COREPACK_HOME="$PWD/node_modules/.cache/corepack" COREPACK_ENABLE_DOWNLOAD_PROMPT=0 COREPACK_INTEGRITY_KEYS=0 corepack';

const NODE_LOCKFILES: ReadonlyArray<readonly [string, NodePackageManager]> = [
  ['pnpm-lock.yaml', 'pnpm'],
  ['yarn.lock', 'yarn'],
  ['bun.lock', 'bun'],
  ['bun.lockb', 'bun'],
  ['package-lock.json', 'npm'],
  ['npm-shrinkwrap.json', 'npm'],
];

async function readText(file: string): Promise<string | undefined> {
  return readFile(file, 'utf8').catch(() => undefined);
}

export async function detectEnvironment(root: string): Promise<DetectedEnvironment> {
  const found: DetectedEnvironment = { ecosystems: [], setup: [], lockfiles: [], cacheDirectories: [], reasons: [] };
  await detectNode(root, found);
  await detectPython(root, found);
  if (await pathExists(path.join(root, 'go.mod'))) {
    found.ecosystems.push('go');
    found.lockfiles.push('go.mod', ...((await pathExists(path.join(root, 'go.sum'))) ? ['go.sum'] : []));
    found.setup.push('go mod download');
    found.test ??= 'go test ./...';
    found.reasons.push('go.mod: Go modules');
  }
  if (await pathExists(path.join(root, 'Cargo.toml'))) {
    found.ecosystems.push('rust');
    found.lockfiles.push('Cargo.toml', ...((await pathExists(path.join(root, 'Cargo.lock'))) ? ['Cargo.lock'] : []));
    found.setup.push('cargo fetch');
    found.test ??= 'cargo test';
    found.reasons.push('Cargo.toml: a Rust crate');
  }
  return found;
}

async function detectNode(root: string, found: DetectedEnvironment): Promise<void> {
  const text = await readText(path.join(root, 'package.json'));
  if (text === undefined) return;
  let pkg: {
    packageManager?: unknown;
    scripts?: Record<string, unknown>;
    dependencies?: object;
    devDependencies?: object;
    optionalDependencies?: object;
  };
  try {
    pkg = JSON.parse(text) as typeof pkg;
  } catch {
    found.reasons.push('package.json does not parse as JSON: no Node set-up detected');
    return;
  }
  found.ecosystems.push('node');
  const lockfiles: string[] = [];
  let fromLock: NodePackageManager | undefined;
  for (const [name, manager] of NODE_LOCKFILES) {
    if (await pathExists(path.join(root, name))) {
      lockfiles.push(name);
      fromLock ??= manager;
    }
  }
  const declared =
    typeof pkg.packageManager === 'string'
      ? (/^(npm|pnpm|yarn|bun)@/.exec(pkg.packageManager)?.[1] as NodePackageManager | undefined)
      : undefined;
  const manager = declared ?? fromLock ?? 'npm';
  found.packageManager = manager;
  found.lockfiles.push('package.json', ...lockfiles);
  found.reasons.push(
    declared
      ? `package.json: packageManager ${String(pkg.packageManager)}`
      : fromLock
        ? `${lockfiles[0]}: ${manager}`
        : 'package.json without a lockfile: npm',
  );
  const hasDependencies = [pkg.dependencies, pkg.devDependencies, pkg.optionalDependencies].some(
    (d) => d && Object.keys(d).length > 0,
  );
  const locked = lockfiles.length > 0;
  const yarnBerry =
    manager === 'yarn' &&
    (/^yarn@[2-9]/.test(String(pkg.packageManager ?? '')) ||
      /__metadata:/.test((await readText(path.join(root, 'yarn.lock'))) ?? ''));
  if (locked || hasDependencies) {
    const install: Record<NodePackageManager, string> = {
      npm: locked ? 'npm ci --no-audit --no-fund' : 'npm install --no-audit --no-fund',
      pnpm: `${COREPACK} pnpm install${locked ? ' --frozen-lockfile' : ''}`,
      // Yarn 2+ keeps its cache in the project (not in the throw-away HOME) so the cache and sandboxes have it.
      yarn: yarnBerry
        ? `YARN_ENABLE_GLOBAL_CACHE=false ${COREPACK} yarn install${locked ? ' --immutable' : ''}`
        : `${COREPACK} yarn install${locked ? ' --frozen-lockfile' : ''}`,
      bun: `bun install${locked ? ' --frozen-lockfile' : ''}`,
    };
    found.setup.push(install[manager]);
    found.cacheDirectories.push('node_modules');
    if (yarnBerry)
      found.cacheDirectories.push(
        '.yarn/cache',
        '.yarn/unplugged',
        '.yarn/install-state.gz',
        '.pnp.cjs',
        '.pnp.loader.mjs',
      );
  }
  if (typeof pkg.scripts?.test === 'string' && !/no test specified/.test(pkg.scripts.test)) {
    const run: Record<NodePackageManager, string> = {
      npm: 'npm test',
      pnpm: `${COREPACK} pnpm test`,
      yarn: `${COREPACK} yarn test`,
      bun: 'bun run test',
    };
    found.test = run[manager];
  }
}

async function detectPython(root: string, found: DetectedEnvironment): Promise<void> {
  const names = await readdir(root).catch(() => [] as string[]);
  const requirements = names.filter((n) => /^requirements.*\.txt$/.test(n)).sort();
  const pyproject = await readText(path.join(root, 'pyproject.toml'));
  const uv = names.includes('uv.lock');
  const poetry = names.includes('poetry.lock');
  if (
    requirements.length === 0 &&
    pyproject === undefined &&
    !names.includes('setup.py') &&
    !names.includes('pytest.ini')
  )
    return;
  found.ecosystems.push('python');
  found.cacheDirectories.push('.venv');
  let python = 'python3';
  if (uv) {
    found.lockfiles.push('pyproject.toml', 'uv.lock');
    found.setup.push('uv sync --frozen');
    found.reasons.push('uv.lock: uv');
    python = '.venv/bin/python';
  } else if (poetry) {
    found.lockfiles.push('pyproject.toml', 'poetry.lock');
    found.setup.push('POETRY_VIRTUALENVS_IN_PROJECT=true poetry install --no-root');
    found.reasons.push('poetry.lock: poetry');
    python = '.venv/bin/python';
  } else if (requirements.length > 0) {
    found.lockfiles.push(...requirements);
    // The system's packages stay visible (Debian's python3-pytest, for example): only what is missing is installed.
    found.setup.push(
      'python3 -m venv --system-site-packages .venv',
      ...requirements.map((r) => `.venv/bin/python -m pip install --disable-pip-version-check -r ${r}`),
    );
    found.reasons.push(`${requirements.join(', ')}: pip in a virtual environment`);
    python = '.venv/bin/python';
  } else {
    found.reasons.push('pyproject.toml without a lockfile or requirements: nothing to install');
  }
  const usesPytest =
    names.includes('pytest.ini') ||
    names.includes('conftest.py') ||
    /\[tool\.pytest/.test(pyproject ?? '') ||
    names.includes('tests') ||
    names.includes('test');
  if (usesPytest) found.test ??= `${python} -m pytest`;
}
