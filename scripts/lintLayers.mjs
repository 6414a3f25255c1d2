// Enforces the layer rule of docs/design.md: dependencies point down only (table in docs/architecture.md).
// src/core imports neither `vscode` nor node I/O; only src/vscode imports `vscode`; the test kit
// (src/testkit: scripted model server, GitHub stand-in, demo) is imported by no product code but the
// CLI's demo and scripted-model commands.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';

const root = resolve(process.argv[2] ?? join(import.meta.dirname, '..'));
// Which layers each layer may import from (beside itself).
const allowed = {
  shared: [],
  core: ['shared'],
  views: ['core', 'shared'],
  node: ['core', 'shared'],
  testkit: ['node', 'core', 'shared'],
  lsp: ['node', 'core', 'shared'],
  cli: ['views', 'node', 'core', 'shared'],
  vscode: ['views', 'node', 'core', 'shared'],
  webview: ['shared'],
};
// The only product files that may import the test kit: the CLI commands that exist to run it.
const testkitUsers = new Set(['src/cli/demoRun.ts', 'src/cli/commands/scriptedModelCommand.ts']);
// Node built-ins that do I/O or touch the process; core, views and the webview may not use them.
const ioModules = /^(node:)?(fs|fs\/promises|child_process|net|http|https|http2|dgram|dns|tls|os|process|worker_threads|cluster|readline|readline\/promises|path)$/;
const pure = new Set(['core', 'views', 'webview', 'shared']);

function walk(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) walk(full, out);
    else if (/\.tsx?$/.test(name) && !/\.test\.ts$/.test(name)) out.push(full);
  }
  return out;
}

const problems = [];
// Static imports and re-exports (side-effect imports too), dynamic imports, require.
const importRe = /(?:^|\n)\s*(?:import|export)\s*(?:[^'";]*?from\s*)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|require\(\s*['"]([^'"]+)['"]\s*\)/g;
for (const layer of Object.keys(allowed)) {
  const dir = join(root, 'src', layer);
  let files = [];
  try { files = walk(dir); } catch { continue; }
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    const where = relative(root, file).split('\\').join('/');
    for (const m of text.matchAll(importRe)) {
      const spec = m[1] ?? m[2] ?? m[3];
      if (spec === 'vscode' && layer !== 'vscode') problems.push(`${where}: only src/vscode may import 'vscode'`);
      if (pure.has(layer) && ioModules.test(spec)) problems.push(`${where}: src/${layer} may not import I/O module '${spec}'`);
      if (spec.startsWith('.')) {
        const target = relative(join(root, 'src'), resolve(dirname(file), spec)).split(/[\\/]/)[0];
        if (target === 'testkit' && layer !== 'testkit') {
          if (!testkitUsers.has(where)) problems.push(`${where}: product code may not import the test kit ('${spec}'); only ${[...testkitUsers].join(', ')} do`);
        } else if (target && target !== layer && target in allowed && !allowed[layer].includes(target)) {
          problems.push(`${where}: layer '${layer}' may not import from '${target}' ('${spec}')`);
        }
      }
    }
  }
}
if (problems.length) {
  console.error(`Layer rule broken in ${problems.length} place(s):\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log('layers: ok');
