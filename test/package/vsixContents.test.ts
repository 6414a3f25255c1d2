// `npm run package` makes a .vsix that an editor can install and run: every file the manifest names and
// every file the extension reads at run time is in the archive (a .vsix is a zip: its file list is read
// here), and nothing of the sources, tests or node_modules. The archive is made from the current dist/
// with the script's own vsce flags (test/support/vscePackage.ts).
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import yauzl from 'yauzl';
import { vscePackage } from '../support/vscePackage.ts';

const ROOT = resolve(__dirname, '..', '..');

interface Manifest {
  main: string;
  icon: string;
  license: string;
  contributes: {
    viewsContainers: Record<string, Array<{ icon: string }>>;
    views: Record<string, Array<{ icon?: string }>>;
    walkthroughs: Array<{ steps: Array<{ media: { markdown?: string; image?: string; svg?: string } }> }>;
  };
}
const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Manifest;

/** Files the manifest names. */
function namedByManifest(): string[] {
  const c = manifest.contributes;
  return [
    manifest.main,
    manifest.icon,
    ...Object.values(c.viewsContainers).flatMap((list) => list.map((v) => v.icon)),
    ...Object.values(c.views).flatMap((list) => list.flatMap((v) => (v.icon ? [v.icon] : []))),
    ...c.walkthroughs.flatMap((w) =>
      w.steps.flatMap((s) => [s.media.markdown, s.media.image, s.media.svg].filter((m): m is string => !!m)),
    ),
  ].map((p) => p.replace(/^\.\//, ''));
}

/** Files the extension opens at run time (agentLanguageClient.ts, osSandbox.ts, the webview panels) and what they load. */
const READ_AT_RUN_TIME = [
  'dist/lspServer.js',
  'dist/toolServer.js',
  'dist/sandboxHost.js',
  ...webviewPages(),
  'media/codicons/codicon.css',
  // The OS sandbox: loaded by the bundle at run time with its vendored seccomp helper and its dependencies.
  'dist/node_modules/@anthropic-ai/sandbox-runtime/package.json',
  'dist/node_modules/@anthropic-ai/sandbox-runtime/dist/index.js',
  'dist/node_modules/@anthropic-ai/sandbox-runtime/vendor/seccomp/x64/apply-seccomp',
  'dist/node_modules/commander/package.json',
  'dist/node_modules/node-forge/package.json',
];
/** The script and style of every webview panel, as its webviewPageHtml call names them (webviewPage.ts
 * serves them from dist/webview/ and media/): a panel added later cannot be left out of this list. */
function webviewPages(): string[] {
  const dir = join(ROOT, 'src', 'vscode');
  const files: string[] = [];
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.ts'))) {
    const source = readFileSync(join(dir, name), 'utf8');
    for (const call of source.matchAll(/= webviewPageHtml\([^{]*\{([^}]*)\}/g)) {
      const script = /script: '([^']+)'/.exec(call[1]!)?.[1];
      const style = /style: '([^']+)'/.exec(call[1]!)?.[1];
      if (!script || !style) throw new Error(`${name}: a webviewPageHtml call without a literal script and style`);
      files.push(`dist/webview/${script}`, `media/${style}`);
    }
  }
  return files;
}

function loadedByCodiconCss(): string[] {
  const css = readFileSync(join(ROOT, 'media', 'codicons', 'codicon.css'), 'utf8');
  return [...css.matchAll(/url\("?([^")?#]+)/g)].map((m) => `media/codicons/${m[1]!.replace(/^\.\//, '')}`);
}

function zipEntries(file: string): Promise<string[]> {
  return new Promise((done, fail) => {
    yauzl.open(file, { lazyEntries: true }, (error, zip) => {
      if (error) return fail(error);
      const names: string[] = [];
      zip.on('entry', (entry: yauzl.Entry) => {
        names.push(entry.fileName);
        zip.readEntry();
      });
      zip.on('end', () => done(names));
      zip.on('error', fail);
      zip.readEntry();
    });
  });
}

test(
  'the .vsix holds every file the manifest names and the extension reads, and no sources',
  { skip: !existsSync(join(ROOT, manifest.main)) && 'run npm run build first' },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agent-os-vsix-'));
    try {
      const vsix = join(dir, 'agent-os.vsix');
      vscePackage(vsix);

      const files = (await zipEntries(vsix))
        .filter((n) => n.startsWith('extension/'))
        .map((n) => n.slice('extension/'.length));
      const expected = [
        ...new Set([...namedByManifest(), ...READ_AT_RUN_TIME, ...loadedByCodiconCss(), 'package.json']),
      ];
      assert.deepEqual(
        webviewPages().sort(),
        [
          'dist/webview/eventLog.js',
          'dist/webview/overview.js',
          'media/eventLog/eventLog.css',
          'media/overview/overview.css',
        ],
        'both panels are found through their webviewPageHtml calls',
      );
      assert.ok(
        loadedByCodiconCss().some((f) => f.endsWith('.ttf')),
        'the codicon font is found through its stylesheet',
      );
      assert.deepEqual(
        expected.filter((f) => !files.includes(f)),
        [],
        'missing from the .vsix',
      );
      // vsce stores the license as LICENSE.txt; it must be the MIT text package.json declares.
      assert.ok(files.includes('LICENSE.txt'), 'the LICENSE is packaged');
      assert.equal(manifest.license, 'MIT');
      assert.match(readFileSync(join(ROOT, 'LICENSE'), 'utf8'), /^MIT License\n/);
      const stray = files.filter(
        (f) => /^(src|test|scripts|bench|node_modules|docs)\//.test(f) || f.endsWith('.map') || f.endsWith('.ts'),
      );
      assert.deepEqual(stray, [], 'sources, maps or dependencies in the .vsix');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
