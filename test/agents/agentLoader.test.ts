import assert from 'node:assert/strict';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { formatProblem, sandboxAccessFor, resolvedTools } from '../../src/core/agents/agentDefinition.ts';
import type { AgentProblem } from '../../src/core/agents/agentDefinition.ts';
import { buildAgentSet } from '../../src/core/agents/agentSet.ts';
import { loadAgents } from '../../src/node/agents/agentLoader.ts';
import { evaluatePermission, enabledToolNames } from '../../src/core/tools/toolConfig.ts';

const fixtures = join(__dirname, '..', 'fixtures', 'agents');

function problemsOf(problems: AgentProblem[], fileEnd: string): AgentProblem[] {
  return problems.filter((p) => p.file?.endsWith(fileEnd));
}

test('built-ins load with least-privilege tools and no problems', async () => {
  const empty = await mkdtemp(join(tmpdir(), 'agents-empty-'));
  try {
    const { agents, problems } = await loadAgents(empty);
    assert.deepEqual(problems, []);
    assert.deepEqual([...agents.keys()].sort(), ['Coder', 'Coordinator', 'Planner', 'Reviewer']);
    const tools = (name: string) => enabledToolNames(resolvedTools(agents.get(name)!)).sort();
    assert.deepEqual(tools('Planner'), ['bash', 'glob', 'grep', 'read']);
    assert.deepEqual(tools('Reviewer'), ['bash', 'glob', 'grep', 'read']);
    assert.deepEqual(tools('Coder'), ['bash', 'edit', 'glob', 'grep', 'read', 'write']);
    assert.deepEqual(tools('Coordinator'), ['glob', 'grep', 'read']);
    assert.equal(sandboxAccessFor(agents.get('Planner')!), 'read_only');
    assert.equal(sandboxAccessFor(agents.get('Reviewer')!), 'read_only');
    assert.equal(sandboxAccessFor(agents.get('Coder')!), 'read_write');
    assert.deepEqual(agents.get('Coordinator')!.callable_agents, ['Planner', 'Coder', 'Reviewer']);
    for (const a of agents.values()) {
      assert.equal(a.network, false);
      assert.ok(a.system.length > 400, `${a.name} has a real prompt`);
    }
    assert.match(agents.get('Planner')!.system, /"validation"/);
    assert.match(agents.get('Reviewer')!.system, /"decision": "REJECT"/);
    assert.match(agents.get('Coder')!.system, /at most 3/);
  } finally {
    await rm(empty, { recursive: true, force: true });
  }
});

test('valid files: ours, a Claude Code subagent, and an override of a built-in', async () => {
  const { agents, problems } = await loadAgents(join(fixtures, 'valid'));
  assert.deepEqual(
    problems.map((p) => [p.severity, p.field]),
    [['warning', 'color']],
    problems.map(formatProblem).join('\n'),
  );
  const docs = agents.get('docs-writer')!;
  assert.equal(docs.model, 'claude-opus-4-8');
  assert.equal(evaluatePermission(resolvedTools(docs), 'write'), 'ask');
  assert.equal(evaluatePermission(resolvedTools(docs), 'read'), 'allow');
  assert.equal(evaluatePermission(resolvedTools(docs), 'bash'), 'deny');
  assert.equal(docs.system, 'You write documentation. Keep it short and exact.');

  const reviewer = agents.get('code-reviewer')!;
  assert.equal(reviewer.model, 'claude-sonnet-4-6');
  assert.deepEqual(enabledToolNames(resolvedTools(reviewer)).sort(), ['bash', 'glob', 'grep', 'read']);
  assert.equal(sandboxAccessFor(reviewer), 'read_only');
  assert.deepEqual(reviewer.source, {
    kind: 'file',
    path: join(fixtures, 'valid', '.claude', 'agents', 'code-reviewer.md'),
    folder: 'claude',
  });

  // `name: coder` replaces the built-in, keeping its spelling so the pipeline still finds "Coder".
  const coder = agents.get('Coder')!;
  assert.equal(coder.source.kind, 'file');
  assert.equal(coder.network, true);
  assert.equal(evaluatePermission(resolvedTools(coder), 'bash'), 'ask');
  assert.equal(evaluatePermission(resolvedTools(coder), 'edit'), 'allow');
  assert.equal(agents.has('coder'), false);

  assert.deepEqual(agents.get('lead')!.callable_agents, ['docs-writer', 'code-reviewer']);
  assert.equal(agents.size, 7);
});

test('each malformed file is a clear error naming file and field; the others still load', async () => {
  const { agents, problems } = await loadAgents(join(fixtures, 'malformed'));
  const expect = (file: string, field: string, message: RegExp, severity: 'error' | 'warning' = 'error') => {
    const found = problemsOf(problems, `${file}.md`);
    assert.ok(
      found.some((p) => p.field === field && p.severity === severity && message.test(p.message)),
      `${file}: expected ${severity} on ${field} matching ${message}; got\n${found.map(formatProblem).join('\n')}`,
    );
  };
  expect('no-front-matter', 'front matter', /no front matter/);
  expect('unclosed', 'front matter', /not closed/);
  expect('bad-yaml', 'front matter', /not valid YAML/);
  expect('missing-fields', 'name', /missing required field 'name'/);
  expect('missing-fields', 'description', /missing required field 'description'/);
  expect('unknown-field', 'tols', /unknown field 'tols' \(did you mean 'tools'\?\)/);
  expect('unknown-tool', 'tools', /unknown tool 'Frobnicate'.*; ignored, so the agent does not get it/, 'warning');
  expect('unknown-tool', 'disallowedTools', /unknown tool 'Bahs' \(did you mean 'bash'\?\)/);
  expect('unknown-tool', 'tools', /WebFetch.*ignored/, 'warning');
  expect('bad-policy', 'toolset.configs.0.permission_policy.type', /unknown permission policy 'sometimes'/);
  expect('unknown-model', 'model', /unknown model 'gpt-7'/, 'warning');
  expect('unknown-callable', 'callable_agents', /unknown agent 'ghost'/);
  expect('bad-network', 'network', /true or false/);

  // Ranges point at the offending text (0-based line/character).
  const tool = problemsOf(problems, 'unknown-tool.md').find((p) => /Frobnicate/.test(p.message))!;
  assert.deepEqual(tool.range, { start: { line: 3, character: 13 }, end: { line: 3, character: 23 } });
  assert.match(formatProblem(tool), /unknown-tool\.md:4:14: warning: unknown tool 'Frobnicate'/);
  const field = problemsOf(problems, 'unknown-field.md').find((p) => p.field === 'tols')!;
  assert.deepEqual(field.range, { start: { line: 3, character: 0 }, end: { line: 3, character: 4 } });

  assert.deepEqual(
    [...agents.keys()].sort(),
    ['Coder', 'Coordinator', 'Planner', 'Reviewer', 'good', 'unknown-model'].sort(),
  );
  assert.equal(agents.get('unknown-model')!.model, 'gpt-7');
});

test('a delegation cycle across files is an error on each file of the cycle; a caller of it fails too', async () => {
  const { agents, problems } = await loadAgents(join(fixtures, 'cycle'));
  const alpha = problemsOf(problems, 'alpha.md');
  const beta = problemsOf(problems, 'beta.md');
  assert.match(alpha[0]!.message, /delegation cycle: alpha → beta → alpha/);
  assert.match(beta[0]!.message, /delegation cycle: beta → alpha → beta/);
  assert.deepEqual(alpha[0]!.range, { start: { line: 3, character: 18 }, end: { line: 3, character: 22 } });
  assert.match(problemsOf(problems, 'gamma.md')[0]!.message, /'alpha' cannot be called: it failed to load/);
  assert.deepEqual([...agents.keys()].sort(), ['Coder', 'Coordinator', 'Planner', 'Reviewer']);
});

test('self-delegation is a cycle', () => {
  const set = buildAgentSet([
    { path: '/w/.agents/me.md', folder: 'agents', text: '---\nname: me\ndescription: d\ncallable_agents: me\n---\nx' },
  ]);
  assert.match(set.problems[0]!.message, /delegation cycle: me → me/);
});

test('delegation depth beyond the setting is an error; a larger setting allows it', async () => {
  const { agents, problems } = await loadAgents(join(fixtures, 'depth'));
  const boss = problemsOf(problems, 'boss.md');
  assert.match(
    boss[0]!.message,
    /delegation too deep: boss → Coordinator → Planner → helper is 3 levels; the limit is 1/,
  );
  // The Coordinator is built in (no file): the overriding Planner that adds a level is blamed.
  const planner = problemsOf(problems, 'planner.md');
  assert.match(
    planner[0]!.message,
    /Planner is called by Coordinator, so its callable_agents make delegation 2 levels deep/,
  );
  assert.equal(agents.get('Planner')!.source.kind, 'builtin', 'a failed override leaves the built-in in place');
  assert.ok(agents.has('helper'));
  assert.ok(!agents.has('boss'));

  const deeper = await loadAgents(join(fixtures, 'depth'), { maxDelegationDepth: 3 });
  assert.deepEqual(deeper.problems, []);
  assert.equal(deeper.agents.get('Planner')!.source.kind, 'file');
  assert.ok(deeper.agents.has('boss'));
});

test('the same name in two files: .agents wins and the other file is named in the error', async () => {
  const root = await mkdtemp(join(tmpdir(), 'agents-dup-'));
  try {
    await cp(join(fixtures, 'valid'), root, { recursive: true });
    await writeFile(join(root, '.claude', 'agents', 'docs.md'), '---\nname: Docs-Writer\ndescription: again\n---\nx\n');
    const { agents, problems } = await loadAgents(root);
    const dup = problems.find((p) => p.file?.endsWith('docs.md'))!;
    assert.equal(dup.field, 'name');
    assert.match(dup.message, /already defined in .*\.agents\/docs-writer\.md/);
    assert.equal(agents.get('docs-writer')!.description, 'Writes and updates the README and the docs folder.');
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('Claude Code tool names map case-insensitively; MultiEdit is edit; disallowedTools removes', () => {
  const set = buildAgentSet([
    {
      path: '/w/.claude/agents/x.md',
      folder: 'claude',
      text: '---\nname: x\ndescription: d\ntools:\n  - READ\n  - MultiEdit\n  - bash\ndisallowedTools: Bash\nmodel: inherit\n---\nx',
    },
  ]);
  assert.deepEqual(set.problems, []);
  const x = set.agents.get('x')!;
  assert.deepEqual(enabledToolNames(resolvedTools(x)).sort(), ['edit', 'read']);
  assert.equal(x.model, 'claude-sonnet-4-6');
});

test('a Claude Code permission pattern like Bash(git:*) leaves the tool off, with a warning', () => {
  const set = buildAgentSet([
    {
      path: '/w/.claude/agents/git.md',
      folder: 'claude',
      text: '---\nname: git-helper\ndescription: d\ntools: Read, Bash(git status)\n---\nx',
    },
  ]);
  assert.deepEqual(
    set.problems.map((p) => [p.severity, p.field]),
    [['warning', 'tools']],
  );
  assert.match(set.problems[0]!.message, /the tool stays off/);
  assert.deepEqual(enabledToolNames(resolvedTools(set.agents.get('git-helper')!)), ['read']);
});

test('the platform limits apply: the system prompt is refused past 100,000; a description past 2,048 is a warning', () => {
  const set = buildAgentSet([
    {
      path: '/w/.agents/long.md',
      folder: 'agents',
      text: `---\nname: long\ndescription: ${'d'.repeat(2049)}\n---\n${'p'.repeat(100_001)}`,
    },
  ]);
  assert.deepEqual(
    set.problems.map((p) => [p.field, p.severity]),
    [
      ['description', 'warning'],
      ['body', 'error'],
    ],
  );
  assert.equal(set.agents.has('long'), false);
  const huge = buildAgentSet([
    {
      path: '/w/.agents/huge.md',
      folder: 'agents',
      text: `---\nname: huge\ndescription: ${'d'.repeat(100_001)}\n---\nP`,
    },
  ]);
  assert.deepEqual(
    huge.problems.map((p) => [p.field, p.severity]),
    [['description', 'error']],
  );
});
