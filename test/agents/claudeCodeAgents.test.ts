// Claude Code subagent files as public collections write them (fixtures/agents/claudeCode): nested
// category folders, unknown keys, Claude Code's own fields, team tools, Agent(...), long descriptions and
// current model ids. Each must load, with warnings for what Agent OS does not do, and never an error.
import assert from 'node:assert/strict';
import { cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import {
  canonicalAgentContent,
  canonicalJson,
  formatProblem,
  resolvedTools,
} from '../../src/core/agents/agentDefinition.ts';
import type { AgentProblem } from '../../src/core/agents/agentDefinition.ts';
import { CLAUDE_CODE_FIELDS, UNKNOWN_FIELD_RULE } from '../../src/core/agents/agentFileFields.ts';
import { resolveModelName } from '../../src/core/agents/agentModels.ts';
import { buildAgentSet } from '../../src/core/agents/agentSet.ts';
import { enabledToolNames } from '../../src/core/tools/toolConfig.ts';
import { loadAgents } from '../../src/node/agents/agentLoader.ts';

const fixture = join(__dirname, '..', 'fixtures', 'agents', 'claudeCode');
const repoRoot = join(__dirname, '..', '..');
const cleanups: string[] = [];
after(async () => {
  for (const dir of cleanups) await rm(dir, { recursive: true, force: true });
});

const loaded = loadAgents(fixture);
const of = (problems: AgentProblem[], file: string) => problems.filter((p) => p.file?.endsWith(`/${file}.md`));
const tools = (name: string, agents: Awaited<typeof loaded>['agents']) =>
  enabledToolNames(resolvedTools(agents.get(name)!)).sort();
const one = (text: string, path = '/w/.claude/agents/x.md') => buildAgentSet([{ path, folder: 'claude', text }]);

test('every Claude Code fixture loads, from nested folders of both agent folders, with warnings only', async () => {
  const { agents, problems } = await loaded;
  assert.deepEqual(
    problems.filter((p) => p.severity === 'error'),
    [],
    problems.map(formatProblem).join('\n'),
  );
  const files = [
    'security-auditor',
    'backend-architect',
    'ui-polisher',
    'test-runner',
    'researcher',
    'orchestrator',
    'team-lead',
    'pair-reviewer',
    'release-manager',
    'docs-scribe',
  ];
  for (const name of files) assert.ok(agents.has(name), `${name} loads`);
  assert.equal(agents.size, files.length + 4, 'the fixtures and the four built-ins');
  const source = (name: string) => agents.get(name)!.source;
  assert.deepEqual(source('ui-polisher'), {
    kind: 'file',
    folder: 'claude',
    path: join(fixture, '.claude', 'agents', 'engineering', 'frontend', 'ui-polisher.md'),
  });
  assert.deepEqual(source('security-auditor'), {
    kind: 'file',
    folder: 'agents',
    path: join(fixture, '.agents', 'security', 'security-auditor.md'),
  });
});

test('unknown keys (category, tags, version, author, …) are warnings that state the rule', async () => {
  const { problems } = await loaded;
  const unknown = of(problems, 'backend-architect').filter((p) => /unknown field/.test(p.message));
  assert.deepEqual(
    unknown.map((p) => [p.field, p.severity]),
    [
      ['category', 'warning'],
      ['tags', 'warning'],
      ['version', 'warning'],
      ['author', 'warning'],
    ],
  );
  for (const p of unknown) assert.match(p.message, /is ignored, as Claude Code ignores it/);
  assert.deepEqual(unknown[0]!.range, { start: { line: 3, character: 0 }, end: { line: 3, character: 8 } });
  assert.deepEqual(
    of(problems, 'security-auditor').map((p) => p.field),
    ['owner', 'review-cadence'],
  );
});

test('a misspelling of a field that limits the agent is an error; other misspellings are warnings with a fix', () => {
  for (const [key, meant] of [
    ['tols', 'tools'],
    ['Tools', 'tools'],
    ['allowed-tools', 'tools'],
    ['disallowed_tools', 'disallowedTools'],
    ['toolsets', 'toolset'],
    ['aks', 'ask'],
  ] as const) {
    const set = one(`---\nname: x\ndescription: d\n${key}: Read\n---\nBody`);
    const p = set.problems.find((q) => q.field === key)!;
    assert.equal(p.severity, 'error', key);
    assert.equal(p.replacement, meant, key);
    assert.match(p.message, new RegExp(`did you mean '${meant}'.*would give the agent more than the file asks for`));
    assert.equal(set.agents.has('x'), false, `${key}: not loaded with every tool`);
  }
  // The same for tool names: one the allow-list does not know grants nothing (a warning); one that
  // disallowedTools or ask does not know would leave the tool on or unasked (an error).
  const tool = one('---\nname: x\ndescription: d\ntools: Read, Grpe\n---\nBody');
  assert.deepEqual(
    tool.problems.map((p) => [p.severity, p.replacement]),
    [['warning', 'grep']],
  );
  assert.deepEqual(enabledToolNames(resolvedTools(tool.agents.get('x')!)), ['read']);
  for (const field of ['disallowedTools', 'ask']) {
    const refused = one(`---\nname: x\ndescription: d\n${field}: Bsah\n---\nBody`);
    assert.deepEqual(
      refused.problems.map((p) => [p.severity, p.replacement]),
      [['error', 'bash']],
      field,
    );
    assert.equal(refused.agents.has('x'), false, field);
  }
  const typo = one('---\nname: x\ndescription: d\nmodle: haiku\ntools: Read\n---\nBody');
  assert.deepEqual(
    typo.problems.map((p) => [p.severity, p.replacement]),
    [['warning', 'model']],
  );
  assert.deepEqual(enabledToolNames(resolvedTools(typo.agents.get('x')!)), ['read']);
});

test('Claude Code’s documented fields are each read: maxTurns honoured (no warning), the rest warned as not supported yet', async () => {
  const { agents, problems } = await loaded;
  const release = of(problems, 'release-manager');
  const documented = [
    'permissionMode',
    'maxTurns',
    'skills',
    'mcpServers',
    'hooks',
    'memory',
    'background',
    'effort',
    'isolation',
    'color',
    'initialPrompt',
  ];
  for (const field of documented) {
    assert.ok(field in CLAUDE_CODE_FIELDS, field);
    const p = release.find((q) => q.field === field);
    if (field === 'maxTurns') {
      assert.equal(p, undefined, 'maxTurns is supported: nothing to warn about');
      continue;
    }
    assert.ok(p, `${field} is reported`);
    assert.equal(p.severity, 'warning');
    assert.match(p.message, /is not supported yet; ignored/);
  }
  assert.equal(agents.get('release-manager')!.max_turns, 40);
  assert.equal(agents.get('test-runner')!.max_turns, 25);
  assert.equal(agents.get('researcher')!.max_turns, undefined);
  // A file without maxTurns has the content (and so the version hash) it had before the field existed.
  assert.doesNotMatch(canonicalJson(canonicalAgentContent(agents.get('researcher')!)), /max_turns/);
  assert.match(canonicalJson(canonicalAgentContent(agents.get('test-runner')!)), /"max_turns":25/);

  const bad = one('---\nname: x\ndescription: d\nmaxTurns: lots\n---\nBody');
  assert.deepEqual(
    bad.problems.map((p) => [p.field, p.severity, p.message]),
    [['maxTurns', 'warning', "'maxTurns' must be a whole number above 0; ignored"]],
  );
  assert.equal(bad.agents.get('x')!.max_turns, undefined);
});

test('agent-team tools are warned as not supported yet, never unknown; SendMessage is delegation', async () => {
  const { agents, problems } = await loaded;
  const lead = of(problems, 'team-lead').filter((p) => p.field === 'tools');
  for (const tool of ['TaskCreate', 'TaskGet', 'TaskList', 'TaskUpdate', 'TeamCreate', 'TeamDelete']) {
    assert.ok(
      lead.some(
        (p) =>
          p.message ===
          `Claude Code agent-team tool '${tool}' is not supported yet (${tool.startsWith('Team') ? 'an Agent OS team is the agents in callable_agents' : 'Agent OS has no shared task list'}); ignored`,
      ),
      tool,
    );
  }
  // team-lead names no agent to message, so SendMessage does nothing — said so, with the way to do it.
  assert.ok(
    lead.some((p) =>
      /'SendMessage' is delegation in Claude Code; .*callable_agents or as Agent\(name, …\)/.test(p.message),
    ),
  );
  assert.ok(lead.every((p) => p.severity === 'warning'));
  assert.deepEqual(tools('team-lead', agents), ['glob', 'grep', 'read']);
  assert.deepEqual(agents.get('team-lead')!.callable_agents, []);
  // pair-reviewer names agents, so its SendMessage is delegation to them and needs no warning.
  assert.deepEqual(of(problems, 'pair-reviewer'), []);
});

test('tools: Agent(researcher, test-runner), Read — parentheses respected, the agents become callable', async () => {
  const { agents, problems } = await loaded;
  assert.deepEqual(of(problems, 'orchestrator'), []);
  assert.deepEqual(agents.get('orchestrator')!.callable_agents, ['researcher', 'test-runner']);
  assert.deepEqual(tools('orchestrator', agents), ['glob', 'grep', 'read']);
  // In a YAML flow list, YAML splits inside the parentheses; the parser joins the pieces again.
  assert.deepEqual(agents.get('pair-reviewer')!.callable_agents, ['test-runner', 'researcher']);
  assert.deepEqual(tools('pair-reviewer', agents), ['bash', 'glob', 'grep', 'read']);

  const unknown = one(
    '---\nname: boss\ndescription: d\ntools: Read, Agent(worker, ghost)\ncallable_agents: [worker]\n---\nB',
  );
  const ghost = unknown.problems.find((p) => /ghost/.test(p.message))!;
  assert.equal(ghost.field, 'tools');
  assert.match(ghost.message, /unknown agent 'ghost' in Agent\(…\) of tools/);
  assert.deepEqual(ghost.range, { start: { line: 3, character: 27 }, end: { line: 3, character: 32 } });
  assert.ok(
    unknown.problems.some((p) => /unknown agent 'worker' in callable_agents/.test(p.message)),
    'a name in both is checked once, where callable_agents lists it',
  );

  const cycle = buildAgentSet([
    { path: '/w/.claude/agents/a.md', folder: 'claude', text: '---\nname: a\ndescription: d\ntools: Agent(b)\n---\nA' },
    {
      path: '/w/.claude/agents/b.md',
      folder: 'claude',
      text: '---\nname: b\ndescription: d\ntools: [Task(a)]\n---\nB',
    },
  ]);
  assert.match(cycle.problems.find((p) => p.file === '/w/.claude/agents/a.md')!.message, /delegation cycle: a → b → a/);
});

test('disallowedTools takes delegation away: Agent(name) one agent, Agent all of them', () => {
  const agents = [
    { path: '/w/.agents/w1.md', folder: 'agents' as const, text: '---\nname: w1\ndescription: d\n---\nW' },
    { path: '/w/.agents/w2.md', folder: 'agents' as const, text: '---\nname: w2\ndescription: d\n---\nW' },
  ];
  const some = buildAgentSet([
    ...agents,
    {
      path: '/w/.agents/b.md',
      folder: 'agents',
      text: '---\nname: b\ndescription: d\ncallable_agents: [w1, w2]\ndisallowedTools: Agent(w2)\n---\nB',
    },
  ]);
  assert.deepEqual(some.problems, []);
  assert.deepEqual(some.agents.get('b')!.callable_agents, ['w1']);
  const none = buildAgentSet([
    ...agents,
    {
      path: '/w/.agents/b.md',
      folder: 'agents',
      text: '---\nname: b\ndescription: d\ncallable_agents: [w1, w2]\ndisallowedTools: Agent\n---\nB',
    },
  ]);
  assert.deepEqual(none.agents.get('b')!.callable_agents, []);
  assert.match(none.problems[0]!.message, /delegation is disallowed/);
  const bare = one('---\nname: x\ndescription: d\ntools: Read, Agent\n---\nB');
  assert.deepEqual(
    bare.problems.map((p) => p.severity),
    ['warning'],
  );
  assert.match(bare.problems[0]!.message, /'Agent' is delegation in Claude Code/);
});

test('a long description with examples is used in full; past the platform’s 2,048 it is a warning', async () => {
  const { agents, problems } = await loaded;
  const researcher = agents.get('researcher')!;
  assert.ok(researcher.description.length > 2048, `${researcher.description.length} characters`);
  assert.match(researcher.description, /<example>[\s\S]*Is lodash still used anywhere[\s\S]*<\/example>$/);
  const long = of(problems, 'researcher').find((p) => p.field === 'description')!;
  assert.equal(long.severity, 'warning');
  assert.match(long.message, /used in full here, but the hosted platform takes at most 2048/);
  assert.match(
    agents.get('docs-scribe')!.description,
    /^Use this agent after a user-facing change[\s\S]*<example>\nContext: a new CLI flag was added\./,
  );
});

test('current model ids of every family are accepted without a warning; others are warned and used as given', async () => {
  const { agents, problems } = await loaded;
  assert.deepEqual(
    problems.filter((p) => p.field === 'model'),
    [],
  );
  assert.equal(agents.get('backend-architect')!.model, 'claude-sonnet-4-20250514');
  assert.equal(agents.get('ui-polisher')!.model, 'claude-opus-4-1-20250805');
  assert.equal(agents.get('test-runner')!.model, 'claude-haiku-4-5-20251001');
  assert.equal(agents.get('pair-reviewer')!.model, 'claude-3-7-sonnet-latest');
  for (const id of [
    'claude-opus-4-1',
    'claude-opus-4-0',
    'claude-sonnet-4-5-20250929',
    'claude-3-5-haiku-20241022',
    'claude-3-opus-20240229',
    'claude-haiku-4-5',
    'claude-opus-5-2',
    'claude-sonnet-6',
  ]) {
    assert.equal(resolveModelName(id).known, true, id);
  }
  for (const id of [
    'gpt-4o',
    'claude-sonnet',
    'claude-poem-4',
    'claude-sonnet-4-2025',
    'Claude-Sonnet-4',
    'claude-sonnet-4-20250514-extra',
  ]) {
    assert.equal(resolveModelName(id).known, false, id);
  }
  const warned = one('---\nname: x\ndescription: d\nmodel: claude-sonet-4-5\n---\nB');
  assert.deepEqual(
    warned.problems.map((p) => [p.severity, p.field]),
    [['warning', 'model']],
  );
  assert.equal(warned.agents.get('x')!.model, 'claude-sonet-4-5');
});

test('nested folders: subfolders and symlinks are read, hidden folders are not, unreadable things are reported', async () => {
  const root = await mkdtemp(join(tmpdir(), 'agents-nested-'));
  cleanups.push(root);
  await cp(fixture, root, { recursive: true });
  const agentsDir = join(root, '.claude', 'agents');
  await mkdir(join(agentsDir, '.git'), { recursive: true });
  await writeFile(join(agentsDir, '.git', 'notes.md'), 'not an agent');
  await writeFile(join(agentsDir, 'README.md'), '# A collection of agents\n\nCopy the folders you want.\n');
  await mkdir(join(root, 'shared'), { recursive: true });
  await writeFile(join(root, 'shared', 'linked.md'), '---\nname: linked\ndescription: lives elsewhere\n---\nL');
  await symlink(join(root, 'shared', 'linked.md'), join(agentsDir, 'linked.md'));
  await symlink(agentsDir, join(agentsDir, 'engineering', 'loop'));
  await symlink(join(root, 'missing.md'), join(agentsDir, 'dangling.md'));
  const { agents, problems } = await loadAgents(root);
  assert.ok(agents.has('linked'), 'a symlinked file is read');
  assert.ok(agents.has('ui-polisher'));
  assert.equal(
    problems.some((p) => p.file?.includes('.git')),
    false,
    'hidden folders are not agent folders',
  );
  assert.match(problems.find((p) => p.file?.endsWith('README.md'))!.message, /no front matter/);
  assert.match(problems.find((p) => p.file?.endsWith('dangling.md'))!.message, /cannot read file/);
  assert.equal(
    problems.filter((p) => p.message.includes('already defined')).length,
    0,
    'the symlink loop is read once',
  );
});

test('README.md and docs/agents.md state the rule in the words of the diagnostics', async () => {
  for (const doc of ['README.md', join('docs', 'agents.md')]) {
    const text = (await readFile(join(repoRoot, doc), 'utf8')).replace(/\s*\n\s*/g, ' ');
    assert.ok(text.includes(UNKNOWN_FIELD_RULE), `${doc} contains: ${UNKNOWN_FIELD_RULE}`);
  }
});
