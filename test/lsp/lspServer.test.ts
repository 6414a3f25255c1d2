// Starts the real language server over stdio and checks what an editor would see.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, test } from 'node:test';
import type { Diagnostic, MarkupContent } from 'vscode-languageserver-protocol';
import { loadAgents } from '../../src/node/agents/agentLoader.ts';
import { LspTestClient } from './lspClient.ts';

const fixtures = join(__dirname, '..', 'fixtures', 'agents');
const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function workspace(fixture?: string): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'agent-lsp-'));
  cleanups.push(() => rm(root, { recursive: true, force: true }));
  if (fixture) await cp(join(fixtures, fixture), root, { recursive: true });
  await mkdir(join(root, '.agents'), { recursive: true });
  return root;
}

async function start(
  root: string,
  options: Partial<Parameters<typeof LspTestClient.start>[0]> = {},
): Promise<LspTestClient> {
  const client = await LspTestClient.start({ rootPath: root, rootUri: pathToFileURL(root).href, ...options });
  cleanups.push(() => client.stop());
  return client;
}

const uriOf = (path: string) => pathToFileURL(path).href;
const messageOf = (d: Diagnostic) => (typeof d.message === 'string' ? d.message : d.message.value);
const has = (pattern: RegExp) => (d: Diagnostic[]) => d.some((x) => pattern.test(messageOf(x)));

test('diagnostics for every agent file equal the runtime loader problems, open or not', async () => {
  const root = await workspace('malformed');
  const client = await start(root);
  const tool = join(root, '.agents', 'unknown-tool.md');
  await client.open(uriOf(tool), await readFile(tool, 'utf8'));

  const diagnostics = await client.waitForDiagnostics(uriOf(tool), has(/Frobnicate/));
  const frob = diagnostics.find((d) => /Frobnicate/.test(messageOf(d)))!;
  assert.equal(frob.severity, 2, 'an unknown tool in the allow-list grants nothing: a warning');
  assert.equal(
    diagnostics.find((d) => /Bahs/.test(messageOf(d)))?.severity,
    1,
    'in disallowedTools it would grant more: an error',
  );
  assert.equal(frob.code, 'tools');
  assert.deepEqual(frob.range, { start: { line: 3, character: 13 }, end: { line: 3, character: 23 } });
  assert.ok(
    diagnostics.some((d) => d.severity === 2 && /WebFetch/.test(messageOf(d))),
    'a Claude-only tool is a warning',
  );

  // Files that are not open are validated from disk too, with the loader's exact messages and ranges.
  const { problems } = await loadAgents(root);
  const files = [...new Set(problems.map((p) => p.file!))];
  assert.ok(files.length >= 10);
  for (const file of files) {
    const expected = problems
      .filter((p) => p.file === file)
      .map((p) => ({ message: p.message, range: p.range, severity: p.severity === 'error' ? 1 : 2 }));
    const got = await client.waitForDiagnostics(
      uriOf(file),
      (d) => d.length === expected.length,
      `${expected.length} diagnostics`,
    );
    assert.deepEqual(
      got.map((d) => ({ message: messageOf(d), range: d.range, severity: d.severity })),
      expected,
      file,
    );
  }
  assert.deepEqual(await client.waitForDiagnostics(uriOf(join(root, '.agents', 'good.md')), () => true), []);
});

test('diagnostics follow typing: a fixed field clears, a broken one appears', async () => {
  const root = await workspace();
  const client = await start(root);
  const uri = uriOf(join(root, '.agents', 'writer.md'));
  await client.open(uri, '---\nname: writer\ndescription: writes\ntools: read, wirte\n---\nWrite.\n');
  const first = await client.waitForDiagnostics(uri, has(/unknown tool 'wirte' \(did you mean 'write'\?\)/));
  assert.equal(first.length, 1);
  await client.change(uri, '---\nname: writer\ndescription: writes\ntools: read, write\n---\nWrite.\n');
  await client.waitForDiagnostics(uri, (d) => d.length === 0, 'no diagnostics');
  await client.change(uri, '---\nname: writer\ndescription: [writes\n---\nWrite.\n');
  const yaml = await client.waitForDiagnostics(uri, has(/not valid YAML/));
  assert.equal(yaml[0]!.code, 'front matter');
  await client.change(uri, '---\nname: writer\nmodel: gpt-9\n---\nWrite.\n');
  const missing = await client.waitForDiagnostics(uri, has(/missing required field 'description'/));
  assert.ok(missing.some((d) => d.severity === 2 && /unknown model 'gpt-9'/.test(messageOf(d))));
});

test('a cycle across files appears and disappears when the other file changes', async () => {
  const root = await workspace();
  const alpha = join(root, '.agents', 'alpha.md');
  const beta = join(root, '.agents', 'beta.md');
  await writeFile(alpha, '---\nname: alpha\ndescription: calls beta\ncallable_agents: [beta]\n---\nAlpha.\n');
  const client = await start(root);
  await client.open(uriOf(alpha), await readFile(alpha, 'utf8'));
  await client.waitForDiagnostics(uriOf(alpha), has(/unknown agent 'beta'/));

  // beta appears on disk, calling alpha back: the watcher's event re-validates alpha.
  await writeFile(beta, '---\nname: beta\ndescription: calls alpha\ncallable_agents:\n  - alpha\n---\nBeta.\n');
  await client.filesChanged([{ uri: uriOf(beta), type: 1 }]);
  const cycle = await client.waitForDiagnostics(uriOf(alpha), has(/delegation cycle: alpha → beta → alpha/));
  assert.deepEqual(cycle.find((d) => /cycle/.test(messageOf(d)))!.range, {
    start: { line: 3, character: 18 },
    end: { line: 3, character: 22 },
  });
  await client.waitForDiagnostics(uriOf(beta), has(/delegation cycle: beta → alpha → beta/));

  // Editing beta in the editor (unsaved) breaks the cycle: alpha is clean again.
  await client.open(uriOf(beta), await readFile(beta, 'utf8'));
  await client.change(uriOf(beta), '---\nname: beta\ndescription: calls nobody\n---\nBeta.\n');
  await client.waitForDiagnostics(uriOf(alpha), (d) => d.length === 0, 'alpha without diagnostics');
  await client.waitForDiagnostics(uriOf(beta), (d) => d.length === 0, 'beta without diagnostics');

  // Closing beta unsaved: the file on disk counts again, and so does the cycle.
  await client.close(uriOf(beta));
  await client.waitForDiagnostics(uriOf(alpha), has(/delegation cycle/));

  // Deleting beta: alpha calls an unknown agent again.
  await rm(beta);
  await client.filesChanged([{ uri: uriOf(beta), type: 3 }]);
  await client.waitForDiagnostics(uriOf(alpha), has(/unknown agent 'beta'/));
});

test('delegation depth follows the setting (workspace/configuration and didChangeConfiguration)', async () => {
  const root = await workspace('depth');
  let depth = 1;
  const client = await start(root, { configuration: () => ({ delegationDepth: depth }) });
  const boss = uriOf(join(root, '.agents', 'boss.md'));
  await client.waitForDiagnostics(
    boss,
    has(/delegation too deep: boss → Coordinator → Planner → helper is 3 levels; the limit is 1/),
  );
  depth = 3;
  await client.configurationChanged({});
  await client.waitForDiagnostics(boss, (d) => d.length === 0, 'no depth error at depth 3');
  await client.configurationChanged({ agentOs: { delegationDepth: 2 } });
  await client.waitForDiagnostics(boss, has(/the limit is 2/));
});

test('initializationOptions.delegationDepth is honoured without a configuration capability', async () => {
  const root = await workspace('depth');
  const client = await start(root, { initializationOptions: { delegationDepth: 3 } });
  const boss = uriOf(join(root, '.agents', 'boss.md'));
  const planner = uriOf(join(root, '.agents', 'planner.md'));
  await client.waitForDiagnostics(planner, (d) => d.length === 0, 'planner clean');
  assert.deepEqual(await client.waitForDiagnostics(boss, () => true), []);
});

test('completion: fields, tools, models, agents and policies', async () => {
  const root = await workspace('valid');
  const client = await start(root);
  const uri = uriOf(join(root, '.agents', 'new.md'));
  const text = [
    '---', // 0
    'name: new-agent', // 1
    'description: a new one', // 2
    'tools: read, ', // 3
    'model: ', // 4
    'callable_agents:', // 5
    '  - ', // 6
    'toolset:', // 7
    '  configs:', // 8
    '    - name: ', // 9
    '      permission_policy:', // 10
    '        type: ', // 11
    '', // 12
    '---', // 13
    'Body', // 14
  ].join('\n');
  await client.open(uri, text);
  await client.waitForDiagnostics(uri, () => true);
  const labels = async (line: number, character: number) =>
    (await client.completion(uri, line, character)).map((i) => i.label);

  const fields = await labels(12, 0);
  assert.ok(
    fields.includes('model') === false &&
      fields.includes('network') &&
      fields.includes('ask') &&
      fields.includes('disallowedTools'),
    fields.join(),
  );
  assert.ok(!fields.includes('name') && !fields.includes('tools'), 'fields already present are not offered');
  assert.deepEqual((await labels(3, 13)).sort(), ['Agent(…)', 'bash', 'edit', 'glob', 'grep', 'write']);
  assert.ok(fields.includes('maxTurns'), 'Claude Code’s maxTurns, which is recorded, is offered');
  const models = await labels(4, 7);
  assert.ok(models.includes('sonnet') && models.includes('inherit') && models.includes('claude-opus-4-8'));
  const agents = await labels(6, 4);
  for (const name of ['Coordinator', 'Planner', 'Coder', 'Reviewer', 'docs-writer', 'code-reviewer', 'lead'])
    assert.ok(agents.includes(name), `${name} in ${agents.join()}`);
  assert.ok(!agents.includes('new-agent'), 'an agent does not call itself');
  assert.deepEqual((await labels(9, 12)).sort(), ['bash', 'edit', 'glob', 'grep', 'read', 'write']);
  assert.deepEqual((await labels(11, 14)).sort(), ['always_allow', 'always_ask']);
  const nested = await labels(10, 4);
  assert.ok(nested.includes('enabled') && nested.includes('permission_policy'), nested.join());
});

test('hover: field docs, tool names and callable agents', async () => {
  const root = await workspace('valid');
  const client = await start(root);
  const lead = join(root, '.agents', 'lead.md');
  const uri = uriOf(lead);
  await client.open(uri, await readFile(lead, 'utf8'));
  await client.waitForDiagnostics(uri, () => true);
  const value = async (line: number, character: number) =>
    ((await client.hover(uri, line, character))?.contents as MarkupContent | undefined)?.value ?? '';
  assert.match(await value(3, 2), /Allow-list of tools/);
  assert.match(await value(4, 3), /delegate/);
  assert.match(await value(3, 8), /\*\*read\*\* — Reads a file/);
  assert.match(await value(5, 6), /Agent \*\*docs-writer\*\* — Writes and updates the README/);
  assert.match(await value(1, 1), /Unique name of the agent/);
  assert.equal(await client.hover(uri, 8, 3), null, 'nothing in the body');
});

const bundle = join(__dirname, '..', '..', 'dist', 'lspServer.js');
test(
  'the built bundle (dist/lspServer.js) serves the same diagnostics',
  { skip: !existsSync(bundle) && 'run npm run build first' },
  async () => {
    const root = await workspace('cycle');
    const client = await start(root, { bundle });
    await client.waitForDiagnostics(
      uriOf(join(root, '.agents', 'alpha.md')),
      has(/delegation cycle: alpha → beta → alpha/),
    );
    await client.waitForDiagnostics(
      uriOf(join(root, '.agents', 'gamma.md')),
      has(/'alpha' cannot be called: it failed to load/),
    );
  },
);

test('Markdown outside agent folders gets no agent features', async () => {
  const root = await workspace();
  const client = await start(root);
  const uri = uriOf(join(root, 'README.md'));
  await client.open(uri, '---\ntitle: x\n\n---\n# Readme\n');
  assert.deepEqual(await client.completion(uri, 2, 0), []);
  assert.equal(await client.hover(uri, 1, 1), null);
  assert.equal(client.diagnostics.has(uri), false);
});

test('quick fixes replace a misspelt field, tool and agent; applying them clears the diagnostics', async () => {
  const root = await workspace('valid');
  const client = await start(root);
  const uri = uriOf(join(root, '.agents', 'typos.md'));
  const text = '---\nname: typos\ndescripton: d\ntools: red, grep\ncallable_agents: [docs-writr]\n---\nBody\n';
  await client.open(uri, text);
  const diagnostics = await client.waitForDiagnostics(uri, (d) => d.length === 4, '4 diagnostics');
  const fixes = await client.codeActions(uri, diagnostics);
  const titles = fixes.map((f) => f.title).sort();
  assert.deepEqual(titles, ["Change to 'description'", "Change to 'docs-writer'", "Change to 'read'"]);
  // Apply the edits as an editor would (end to start so earlier ranges stay valid).
  const edits = fixes
    .flatMap((f) => f.edit!.changes![uri]!)
    .sort((a, b) => b.range.start.line - a.range.start.line || b.range.start.character - a.range.start.character);
  const lines = text.split('\n');
  for (const e of edits) {
    const line = lines[e.range.start.line]!;
    lines[e.range.start.line] = line.slice(0, e.range.start.character) + e.newText + line.slice(e.range.end.character);
  }
  await client.change(uri, lines.join('\n'));
  await client.waitForDiagnostics(uri, (d) => d.length === 0, 'no diagnostics after the fixes');
});

test('Claude Code files in nested folders: diagnostics equal the loader, hover explains Agent(…) and unknown fields', async () => {
  const root = await workspace('claudeCode');
  const client = await start(root);
  const { problems } = await loadAgents(root);
  const files = [...new Set(problems.map((p) => p.file!))];
  assert.ok(
    files.some((f) => f.includes(join('.claude', 'agents', 'engineering', ''))),
    'nested files have problems to show',
  );
  for (const file of files) {
    const expected = problems
      .filter((p) => p.file === file)
      .map((p) => ({ message: p.message, range: p.range, severity: p.severity === 'error' ? 1 : 2 }));
    const got = await client.waitForDiagnostics(
      uriOf(file),
      (d) => d.length === expected.length,
      `${expected.length} diagnostics`,
    );
    assert.deepEqual(
      got.map((d) => ({ message: messageOf(d), range: d.range, severity: d.severity })),
      expected,
      file,
    );
  }

  const orchestrator = join(root, '.claude', 'agents', 'orchestration', 'orchestrator.md');
  const uri = uriOf(orchestrator);
  await client.open(uri, await readFile(orchestrator, 'utf8'));
  await client.waitForDiagnostics(uri, (d) => d.length === 0, 'orchestrator clean');
  const value = async (line: number, character: number) =>
    ((await client.hover(uri, line, character))?.contents as MarkupContent | undefined)?.value ?? '';
  assert.match(await value(3, 15), /Agent \*\*researcher\*\* — Use this agent when a question needs evidence/);
  assert.match(
    await value(3, 9),
    /\*\*Agent\*\* is delegation: in Agent OS an agent delegates \(with send_to_agent\) only to the agents named in callable_agents/,
  );

  // Inside Agent( the workspace's agents are offered, itself left out.
  await client.change(
    uri,
    (await readFile(orchestrator, 'utf8')).replace(
      'tools: Agent(researcher, test-runner), Read',
      'tools: Read, Agent(researcher, ',
    ),
  );
  const inside = (await client.completion(uri, 3, 'tools: Read, Agent(researcher, '.length)).map((i) => i.label);
  assert.ok(inside.includes('test-runner') && inside.includes('Coder'), inside.join());
  assert.ok(
    !inside.includes('researcher') && !inside.includes('orchestrator') && !inside.includes('bash'),
    inside.join(),
  );

  // Typing an unknown key: a warning, and hover on it states the rule.
  await client.change(uri, (await readFile(orchestrator, 'utf8')).replace('model:', 'category: orchestration\nmodel:'));
  const warned = await client.waitForDiagnostics(
    uri,
    has(/unknown field 'category' is ignored, as Claude Code ignores it/),
  );
  assert.equal(warned[0]!.severity, 2);
  assert.match(
    await value(4, 2),
    /A field Agent OS does not know is ignored with a warning, as Claude Code ignores it/,
  );
  // A misspelt `tools` is an error with its quick fix.
  await client.change(uri, (await readFile(orchestrator, 'utf8')).replace('tools:', 'tols:'));
  const error = await client.waitForDiagnostics(uri, has(/unknown field 'tols' \(did you mean 'tools'\?\)/));
  assert.equal(error.find((d) => d.code === 'tols')!.severity, 1);
  assert.deepEqual(
    (await client.codeActions(uri, error)).map((f) => f.title),
    ["Change to 'tools'"],
  );
});
