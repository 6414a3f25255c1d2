// Bundles every entry point. Type-checking is separate (`npm run typecheck`): esbuild only strips types.
const esbuild = require('esbuild');

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

/** @type {import('esbuild').BuildOptions} */
const common = {
  bundle: true,
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
};

// Loaded at run time, not bundled: sandbox-runtime finds its vendored helpers (the seccomp filter, the
// Windows helper) next to its own files, so it ships as a package, copied with its dependencies into
// dist/node_modules where the bundles' `import()` finds it (vendorPackages below; the .vsix holds it).
// The extension host cannot import an ES module's `import.meta.url` (it comes out undefined there), so the
// sandbox host's bundle (the worker thread that runs sandbox-runtime for the extension and the CLI) holds
// sandbox-runtime's code and points `import.meta.url` at the vendored copy's dist/sandbox folder, where that
// code looks for its helpers (every use is in that folder).
const outside = ['@anthropic-ai/sandbox-runtime'];
/** Replaces `import.meta.url` in sandbox-runtime's files (esbuild turns it into `{}.url` in a CommonJS bundle). */
const sandboxRuntimeUrl = {
  name: 'sandbox-runtime-url',
  setup(build) {
    build.onLoad({ filter: /sandbox-runtime[\\/]dist[\\/].*\.js$/ }, async (args) => ({
      contents: (await require('node:fs/promises').readFile(args.path, 'utf8')).replace(
        /import\.meta\.url/g,
        '__sandboxRuntimeUrl',
      ),
      loader: 'js',
    }));
  },
};
const SANDBOX_RUNTIME_URL =
  'var __sandboxRuntimeUrl = require("node:url").pathToFileURL(require("node:path").join(__dirname, "node_modules", "@anthropic-ai", "sandbox-runtime", "dist", "sandbox", "bundled.js")).href;';

/** @type {import('esbuild').BuildOptions[]} */
const builds = [
  // The extension host runs Node; `vscode` is provided by the host at run time.
  // Octokit probes `navigator` when it loads, which the extension host reports as an error: the bundle
  // sees none (a define value is a JS expression; `undefined` makes `typeof navigator` "undefined").
  {
    ...common,
    entryPoints: ['src/vscode/extension.ts'],
    outfile: 'dist/extension.js',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode'],
    define: { navigator: 'undefined', 'globalThis.navigator': 'undefined' },
  },
  // sandbox-runtime's manager in a worker thread of the extension host or the CLI (src/node/sandbox/osSandbox.ts
  // starts it from beside its own bundle). Bundled with it, as explained above.
  {
    ...common,
    entryPoints: ['src/node/sandbox/sandboxRuntimeHost.ts'],
    outfile: 'dist/sandboxHost.js',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    banner: { js: SANDBOX_RUNTIME_URL },
    plugins: [sandboxRuntimeUrl],
  },
  // The headless CLI; the shebang makes `bin: agent-os` executable.
  {
    ...common,
    entryPoints: ['src/cli/main.ts'],
    outfile: 'dist/cli.js',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: outside,
    banner: { js: '#!/usr/bin/env node' },
  },
  // The file tools' server, started inside the sandbox (src/node/tools/toolServerMain.ts).
  {
    ...common,
    entryPoints: ['src/node/tools/toolServerMain.ts'],
    outfile: 'dist/toolServer.js',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
  },
  // The language server runs as its own process, started by the extension.
  {
    ...common,
    entryPoints: ['src/lsp/server.ts'],
    outfile: 'dist/lspServer.js',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
  },
  // The Event Log webview runs in the browser sandbox of a VS Code webview.
  {
    ...common,
    entryPoints: ['src/webview/eventLog/main.ts'],
    outfile: 'dist/webview/eventLog.js',
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
  },
  // The Session Overview webview, likewise (its charts are SVG of our own: no chart library).
  {
    ...common,
    entryPoints: ['src/webview/overview/main.ts'],
    outfile: 'dist/webview/overview.js',
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
  },
];

const fs = require('node:fs');

async function main() {
  // Entry points that do not exist yet are skipped so the build works while the layers grow.
  const present = builds.filter((b) => b.entryPoints.every((e) => fs.existsSync(e)));
  if (watch) {
    const contexts = await Promise.all(present.map((b) => esbuild.context(b)));
    await Promise.all(contexts.map((c) => c.watch()));
    return;
  }
  await Promise.all(present.map((b) => esbuild.build(b)));
  if (fs.existsSync('dist/cli.js')) fs.chmodSync('dist/cli.js', 0o755);
  vendorPackages(outside);
}

/** Copies packages and their dependencies (found as Node finds them) into dist/node_modules; no sources, type
 * declarations or source maps. */
function vendorPackages(names) {
  const path = require('node:path');
  const done = new Set();
  const copy = (name, from) => {
    // Where Node would find it from `from`: the nearest node_modules above (package exports may hide package.json).
    let dir;
    for (let at = from; !dir; at = path.dirname(at)) {
      const candidate = path.join(at, 'node_modules', name);
      if (fs.existsSync(path.join(candidate, 'package.json'))) dir = candidate;
      else if (path.dirname(at) === at) throw new Error(`${name} is not installed (needed from ${from})`);
    }
    const manifest = path.join(dir, 'package.json');
    if (done.has(dir)) return;
    done.add(dir);
    const rel = path.relative(path.resolve('node_modules'), dir);
    if (rel.startsWith('..')) throw new Error(`${name} is not under node_modules (${dir})`);
    fs.cpSync(dir, path.join('dist', 'node_modules', rel), {
      recursive: true,
      filter: (src) => !/\.(ts|mts|cts|map)$/.test(src) && path.basename(src) !== '.github',
    });
    const deps = Object.keys(JSON.parse(fs.readFileSync(manifest, 'utf8')).dependencies ?? {});
    for (const dep of deps) copy(dep, dir);
  };
  fs.rmSync(path.join('dist', 'node_modules'), { recursive: true, force: true });
  for (const name of names) copy(name, path.resolve('.'));
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
