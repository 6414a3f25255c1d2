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

// Loaded at run time, not bundled: sandbox-runtime finds its vendored helpers (the seccomp filter) next to
// its own files, so it ships as a package (see scripts/vendorRuntimeDependencies.mjs).
const outside = ['@anthropic-ai/sandbox-runtime'];

/** @type {import('esbuild').BuildOptions[]} */
const builds = [
  // The extension host runs Node; `vscode` is provided by the host at run time.
  // Octokit probes `navigator` when it loads, which the extension host reports as an error: the bundle
  // sees none (a define value is a JS expression; `undefined` makes `typeof navigator` "undefined").
  { ...common, entryPoints: ['src/vscode/extension.ts'], outfile: 'dist/extension.js', platform: 'node', format: 'cjs', target: 'node20', external: ['vscode', ...outside], define: { navigator: 'undefined', 'globalThis.navigator': 'undefined' } },
  // The headless CLI; the shebang makes `bin: agent-os` executable.
  { ...common, entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js', platform: 'node', format: 'cjs', target: 'node20', external: outside, banner: { js: '#!/usr/bin/env node' } },
  // The file tools' server, started inside the sandbox (src/node/tools/toolServerMain.ts).
  { ...common, entryPoints: ['src/node/tools/toolServerMain.ts'], outfile: 'dist/toolServer.js', platform: 'node', format: 'cjs', target: 'node20' },
  // The language server runs as its own process, started by the extension.
  { ...common, entryPoints: ['src/lsp/server.ts'], outfile: 'dist/lspServer.js', platform: 'node', format: 'cjs', target: 'node20' },
  // The Event Log webview runs in the browser sandbox of a VS Code webview.
  { ...common, entryPoints: ['src/webview/eventLog/main.ts'], outfile: 'dist/webview/eventLog.js', platform: 'browser', format: 'iife', target: 'es2022' },
  // The Session Overview webview, likewise (its charts are SVG of our own: no chart library).
  { ...common, entryPoints: ['src/webview/overview/main.ts'], outfile: 'dist/webview/overview.js', platform: 'browser', format: 'iife', target: 'es2022' },
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
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
