// Enforces the layer rule of docs/design.md: dependencies point down only.
// src/core imports neither `vscode` nor node I/O; only src/vscode imports `vscode`.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const layerOrder = ['shared', 'core', 'node', 'lsp', 'cli', 'vscode'];
// Which layers each layer may import from (beside itself).
const allowed = {
  shared: [],
  core: ['shared'],
  node: ['core', 'shared'],
  lsp: ['node', 'core', 'shared'],
  cli: ['node', 'core', 'shared'],
  vscode: ['node', 'core', 'shared'],
};
// Node built-ins that do I/O or touch the process; core may not use them.
const ioModules = /^(node:)?(fs|fs\/promises|child_process|net|http|https|http2|dgram|dns|tls|os|process|worker_threads|cluster|readline|path)$/;

function walk(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) walk(full, out);
    else if (/\.tsx?$/.test(name) && !/\.test\.ts$/.test(name)) out.push(full);
  }
  return out;
}

const problems = [];
const importRe = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|require\(\s*['"]([^'"]+)['"]\s*\)/g;
for (const layer of layerOrder) {
  const dir = join(root, 'src', layer);
  let files = [];
  try { files = walk(dir); } catch { continue; }
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(importRe)) {
      const spec = m[1] ?? m[2] ?? m[3];
      const where = relative(root, file);
      if (spec === 'vscode' && layer !== 'vscode') problems.push(`${where}: only src/vscode may import 'vscode'`);
      if (layer === 'core' && ioModules.test(spec)) problems.push(`${where}: src/core may not import I/O module '${spec}'`);
      if (spec.startsWith('.')) {
        const target = relative(join(root, 'src'), resolve(dirname(file), spec)).split(/[\\/]/)[0];
        if (target && target !== layer && layerOrder.includes(target) && !allowed[layer].includes(target)) {
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
