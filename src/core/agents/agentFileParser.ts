// Parses one agent file (Markdown with YAML front matter) into a definition and the problems found in
// that file alone. Problems that need the other agents (unknown callable agents, cycles, depth, duplicate
// names) are found by `buildAgentSet`, which calls this.
import { isMap, isScalar, isSeq, parseDocument } from 'yaml';
import type { Document, Node as YamlNode, YAMLMap } from 'yaml';
import { AgentToolset, allowListToolset, BUILTIN_TOOL_NAMES, BUILTIN_TOOLSET_TYPE } from '../tools/toolConfig.ts';
import type { BuiltinToolName } from '../tools/toolConfig.ts';
import { AGENT_NAME_PATTERN } from './agentDefinition.ts';
import type { AgentDefinition, AgentProblem } from './agentDefinition.ts';
import {
  AGENT_FIELDS,
  CLAUDE_CODE_FIELDS,
  claudeCodeFieldMessage,
  closest,
  delegationWithoutAgentsMessage,
  judgeUnknownField,
  lookupToolName,
  openParentheses,
  PERMISSION_POLICIES,
  splitTopLevel,
} from './agentFileFields.ts';
import { DEFAULT_AGENT_MODEL, KNOWN_MODEL_IDS, MODEL_ALIASES, resolveModelName } from './agentModels.ts';
import { LineIndex } from './textRange.ts';
import type { TextRange } from './textRange.ts';

export type AgentFolder = 'agents' | 'claude';

// The hosted platform's limits (docs/reference/managedAgents.md). The prompt's is enforced, so a file that
// loads here loads there too; a longer description is only a warning, since Claude Code takes long ones
// (examples of when to delegate) and a coordinator reads them in full.
const PLATFORM_MAX_DESCRIPTION = 2048;
const MAX_SYSTEM_PROMPT = 100_000;
const MAX_DESCRIPTION = MAX_SYSTEM_PROMPT;

export interface AgentFileInput {
  /** Path as it should appear in messages (absolute for the loader; the language server passes fs paths). */
  path: string;
  text: string;
  folder: AgentFolder;
}

export interface CallableEntry {
  name: string;
  range?: TextRange;
  /** Where it is listed: `callable_agents`, or `Agent(…)` in `tools`. */
  field: 'callable_agents' | 'tools';
}

export interface ParsedAgentFile {
  file: string;
  folder: AgentFolder;
  /** The name as written, whenever the front matter has a usable one (even if other fields are wrong). */
  name?: string;
  nameRange?: TextRange;
  /** Present only when the file itself has no errors (warnings allowed). */
  definition?: AgentDefinition;
  problems: AgentProblem[];
  callables: CallableEntry[];
  callableFieldRange?: TextRange;
  /** Where the file's problems point when no field is to blame: the opening `---` line. */
  headRange: TextRange;
}

interface FrontMatter {
  yaml: string;
  yamlStart: number;
  bodyStart: number;
}

type Item = { value: string; start: number; end: number };

export function parseAgentFile(input: AgentFileInput): ParsedAgentFile {
  const index = new LineIndex(input.text);
  const headRange = index.rangeOf(0, index.lineText(0).length);
  const result: ParsedAgentFile = { file: input.path, folder: input.folder, problems: [], callables: [], headRange };
  const problem = (field: string, message: string, severity: 'error' | 'warning', range: TextRange = headRange, replacement?: string) => {
    result.problems.push({ file: input.path, field, message, severity, range, ...(replacement !== undefined ? { replacement } : {}) });
  };

  const split = splitFrontMatter(input.text);
  if (split === 'missing') {
    problem('front matter', 'no front matter: the file must start with a line `---`, then the YAML fields, then a line `---`', 'error');
    return result;
  }
  if (split === 'unclosed') {
    problem('front matter', 'front matter is not closed: add a line `---` after the fields', 'error');
    return result;
  }
  const { yaml, yamlStart, bodyStart } = split;
  const at = (start: number, end: number): TextRange => index.rangeOf(yamlStart + start, yamlStart + end);
  const nodeRange = (node: YamlNode | null | undefined): TextRange | undefined =>
    node?.range ? at(node.range[0], Math.max(node.range[1], node.range[0])) : undefined;

  const doc = parseDocument(yaml, { prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    for (const error of doc.errors) {
      const message = error.message.split('\n')[0] ?? error.message;
      problem('front matter', `front matter is not valid YAML: ${message}`, 'error', at(error.pos[0], Math.max(error.pos[1], error.pos[0] + 1)));
    }
    return result;
  }
  const root = doc.contents;
  if (root !== null && !isMap(root)) {
    problem('front matter', 'front matter must be a set of `field: value` lines', 'error', nodeRange(root));
    return result;
  }

  const values = new Map<string, { node: YamlNode | null; keyRange: TextRange | undefined }>();
  for (const pair of (root as YAMLMap | null)?.items ?? []) {
    const keyNode = isScalar(pair.key) ? pair.key : undefined;
    const key = keyNode ? String(keyNode.value) : undefined;
    const keyRange = nodeRange(keyNode);
    if (key === undefined) {
      problem('front matter', 'field names must be plain words', 'error', nodeRange(pair.key as YamlNode));
      continue;
    }
    const claude = CLAUDE_CODE_FIELDS[key];
    if (key in AGENT_FIELDS) {
      values.set(key, { node: (pair.value as YamlNode | null) ?? null, keyRange });
    } else if (claude?.support === 'recorded') {
      values.set(key, { node: (pair.value as YamlNode | null) ?? null, keyRange });
    } else if (claude) {
      problem(key, claudeCodeFieldMessage(key, claude), 'warning', keyRange);
    } else {
      const verdict = judgeUnknownField(key);
      problem(key, verdict.message, verdict.severity, keyRange, verdict.suggestion);
    }
  }

  const text = (field: string): { value: string; range: TextRange | undefined } | undefined => {
    const entry = values.get(field);
    if (!entry) return undefined;
    const range = nodeRange(entry.node) ?? entry.keyRange;
    if (!isScalar(entry.node) || typeof entry.node.value !== 'string' || entry.node.value.trim() === '') {
      problem(field, `'${field}' must be a non-empty text`, 'error', range);
      return undefined;
    }
    return { value: entry.node.value.trim(), range };
  };

  const items = (field: string): Item[] | undefined => {
    const entry = values.get(field);
    if (!entry) return undefined;
    const node = entry.node;
    if (node === null || (isScalar(node) && node.value === null)) return [];
    if (isSeq(node)) {
      const out: Item[] = [];
      let open: Item | undefined;
      for (const item of node.items) {
        const itemNode = item as YamlNode;
        if (isScalar(itemNode) && (typeof itemNode.value === 'string' || typeof itemNode.value === 'number') && itemNode.range) {
          const value = String(itemNode.value).trim();
          // `[Agent(worker, researcher), Read]` is split by YAML inside the parentheses: join it again.
          if (open) {
            open.value = `${open.value}, ${value}`;
            open.end = itemNode.range[1];
          } else {
            open = { value, start: itemNode.range[0], end: itemNode.range[1] };
          }
          if (openParentheses(open.value) <= 0) {
            out.push(open);
            open = undefined;
          }
        } else {
          problem(field, `each entry of '${field}' must be a name`, 'error', nodeRange(itemNode) ?? entry.keyRange);
        }
      }
      if (open) out.push(open);
      return out;
    }
    if (isScalar(node) && typeof node.value === 'string' && node.range) {
      const source = yaml.slice(node.range[0], node.range[1]);
      const out: Item[] = [];
      let cursor = 0;
      for (const { value } of splitTopLevel(node.value)) {
        const found = source.indexOf(value, cursor);
        if (found >= 0) {
          out.push({ value, start: node.range[0] + found, end: node.range[0] + found + value.length });
          cursor = found + value.length;
        } else {
          out.push({ value, start: node.range[0], end: node.range[1] });
        }
      }
      return out;
    }
    problem(field, `'${field}' must be a comma-separated text or a YAML list`, 'error', nodeRange(node) ?? entry.keyRange);
    return undefined;
  };

  // name
  const name = text('name');
  if (!values.has('name')) problem('name', "missing required field 'name'", 'error');
  if (name) {
    if (AGENT_NAME_PATTERN.test(name.value)) {
      result.name = name.value;
      result.nameRange = name.range;
    } else {
      problem('name', `name '${name.value}' must start with a letter and use only letters, digits, '-', '_', '.' (at most 64)`, 'error', name.range);
    }
  }
  // description
  const description = text('description');
  if (!values.has('description')) problem('description', "missing required field 'description'", 'error');
  if (description && description.value.length > MAX_DESCRIPTION) {
    problem('description', `description is ${description.value.length} characters; at most ${MAX_DESCRIPTION}`, 'error', description.range);
  } else if (description && description.value.length > PLATFORM_MAX_DESCRIPTION) {
    problem(
      'description',
      `description is ${description.value.length} characters: used in full here, but the hosted platform takes at most ${PLATFORM_MAX_DESCRIPTION}`,
      'warning',
      description.range,
    );
  }
  // model
  let model = DEFAULT_AGENT_MODEL;
  const modelText = text('model');
  if (modelText) {
    const resolved = resolveModelName(modelText.value);
    model = resolved.id;
    if (!resolved.known) {
      const suggestion = closest(modelText.value, [...KNOWN_MODEL_IDS, ...Object.keys(MODEL_ALIASES), 'inherit']);
      problem(
        'model',
        `unknown model '${modelText.value}'${suggestion ? ` (did you mean '${suggestion}'?)` : ''}; it is used as given`,
        'warning',
        modelText.range,
        suggestion,
      );
    }
  }
  // tools, disallowedTools, ask → an allow-list toolset
  // Claude Code's delegation tools: `Agent(a, b)` in tools grants calls to a and b, in disallowedTools it
  // takes them away; a bare `Agent` / `Task` / `SendMessage` is delegation to whatever the file names.
  const grantedAgents: CallableEntry[] = [];
  const deniedAgents = new Set<string>();
  let delegationDenied: TextRange | undefined;
  const delegationTools: { tool: string; range: TextRange }[] = [];
  const toolNames = (field: string): BuiltinToolName[] | undefined => {
    const list = items(field);
    if (list === undefined) return undefined;
    const out: BuiltinToolName[] = [];
    for (const item of list) {
      const lookup = lookupToolName(item.value);
      const range = at(item.start, item.end);
      if (lookup.kind === 'tool') {
        if (!out.includes(lookup.tool)) out.push(lookup.tool);
      } else if (lookup.kind === 'agents' && field === 'tools') {
        for (const agent of locateNames(yaml, item, lookup.agents)) grantedAgents.push({ name: agent.name, range: at(agent.start, agent.end), field: 'tools' });
      } else if (lookup.kind === 'agents' && field === 'disallowedTools') {
        for (const agent of lookup.agents) deniedAgents.add(agent.name.toLowerCase());
      } else if (lookup.kind === 'delegation' && field === 'tools') {
        delegationTools.push({ tool: lookup.tool, range });
      } else if (lookup.kind === 'delegation' && field === 'disallowedTools') {
        delegationDenied = range;
      } else if (lookup.kind === 'agents' || lookup.kind === 'delegation') {
        problem(field, `'${item.value}' in '${field}' is not supported: a call to another agent never waits for approval; ignored`, 'warning', range);
      } else {
        // An unknown name left out of the allow-list grants less, as in Claude Code; left out of
        // disallowedTools or ask it would grant more.
        const refused = lookup.kind === 'unknown' && field !== 'tools';
        const message = lookup.kind === 'unknown' && !refused ? `${lookup.message}; ignored, so the agent does not get it` : lookup.message;
        problem(field, message, refused ? 'error' : 'warning', range, lookup.kind === 'unknown' ? lookup.suggestion : undefined);
      }
    }
    return out;
  };
  const tools = toolNames('tools');
  const disallowed = toolNames('disallowedTools');
  const ask = toolNames('ask');
  let toolset: AgentToolset | undefined;
  const toolsetEntry = values.get('toolset');
  if (toolsetEntry) {
    for (const other of ['tools', 'disallowedTools', 'ask']) {
      if (values.has(other)) problem('toolset', `use either 'toolset' or '${other}', not both`, 'error', toolsetEntry.keyRange);
    }
    toolset = parseToolset(doc, toolsetEntry.node, toolsetEntry.keyRange, nodeRange, problem);
  } else {
    const enabled = new Set<BuiltinToolName>(tools ?? BUILTIN_TOOL_NAMES);
    for (const name of disallowed ?? []) enabled.delete(name);
    for (const name of ask ?? []) {
      if (!enabled.has(name)) problem('ask', `'${name}' is listed in 'ask' but the agent may not use it`, 'warning', values.get('ask')?.keyRange);
    }
    toolset = allowListToolset(
      BUILTIN_TOOL_NAMES.filter((t) => enabled.has(t)),
      ask ?? [],
    );
  }
  // callable_agents
  const callables = items('callable_agents');
  const seen = new Set<string>();
  if (callables) {
    result.callableFieldRange = values.get('callable_agents')?.keyRange;
    for (const item of callables) {
      const range = at(item.start, item.end);
      if (seen.has(item.value.toLowerCase())) {
        problem('callable_agents', `'${item.value}' is listed twice`, 'warning', range);
        continue;
      }
      seen.add(item.value.toLowerCase());
      result.callables.push({ name: item.value, range, field: 'callable_agents' });
    }
  }
  // Agent(…) in tools adds to callable_agents; a name in both is the same permission, said twice.
  for (const entry of grantedAgents) {
    if (seen.has(entry.name.toLowerCase())) continue;
    seen.add(entry.name.toLowerCase());
    result.callables.push(entry);
    result.callableFieldRange ??= values.get('tools')?.keyRange;
  }
  if (delegationDenied && result.callables.length > 0) {
    problem('disallowedTools', 'delegation is disallowed, so this agent calls no other agent (its callable agents are dropped)', 'warning', delegationDenied);
    result.callables = [];
  }
  result.callables = result.callables.filter((c) => !deniedAgents.has(c.name.toLowerCase()));
  if (result.callables.length === 0) {
    for (const { tool, range } of delegationTools) problem('tools', delegationWithoutAgentsMessage(tool), 'warning', range);
  }
  // maxTurns: Claude Code's turn limit, kept on the definition for the harness to enforce.
  let maxTurns: number | undefined;
  const maxTurnsEntry = values.get('maxTurns');
  if (maxTurnsEntry) {
    const value = isScalar(maxTurnsEntry.node) ? maxTurnsEntry.node.value : undefined;
    if (typeof value === 'number' && Number.isInteger(value) && value > 0) {
      maxTurns = value;
      problem('maxTurns', claudeCodeFieldMessage('maxTurns', CLAUDE_CODE_FIELDS.maxTurns!), 'warning', maxTurnsEntry.keyRange);
    } else {
      problem('maxTurns', "'maxTurns' must be a whole number above 0; ignored", 'warning', nodeRange(maxTurnsEntry.node) ?? maxTurnsEntry.keyRange);
    }
  }
  // network
  let network = false;
  const networkEntry = values.get('network');
  if (networkEntry) {
    if (isScalar(networkEntry.node) && typeof networkEntry.node.value === 'boolean') network = networkEntry.node.value;
    else problem('network', "'network' must be true or false", 'error', nodeRange(networkEntry.node) ?? networkEntry.keyRange);
  }
  // body
  const system = input.text.slice(bodyStart).trim();
  if (system.length > MAX_SYSTEM_PROMPT) {
    problem('body', `system prompt is ${system.length} characters; at most ${MAX_SYSTEM_PROMPT}`, 'error', index.rangeOf(bodyStart, bodyStart));
  }
  if (!system) {
    problem('body', 'no system prompt: write the instructions below the front matter', 'warning', index.rangeOf(bodyStart, input.text.length));
  }

  // In the order of the file, as a person reads them (checks run field by field, not line by line).
  result.problems.sort((a, b) => (a.range && b.range ? a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character : 0));
  if (result.problems.some((p) => p.severity === 'error') || !result.name || !description || !toolset) return result;
  result.definition = {
    name: result.name,
    description: description.value,
    model,
    system,
    toolset,
    callable_agents: result.callables.map((c) => c.name),
    network,
    ...(maxTurns !== undefined ? { max_turns: maxTurns } : {}),
    source: { kind: 'file', path: input.path, folder: input.folder },
  };
  return result;
}

function parseToolset(
  doc: Document,
  node: YamlNode | null,
  keyRange: TextRange | undefined,
  nodeRange: (node: YamlNode | null | undefined) => TextRange | undefined,
  problem: (field: string, message: string, severity: 'error' | 'warning', range?: TextRange, replacement?: string) => void,
): AgentToolset | undefined {
  if (!isMap(node)) {
    problem('toolset', "'toolset' must be a mapping with type, default_config and configs", 'error', nodeRange(node) ?? keyRange);
    return undefined;
  }
  const raw = node.toJSON() as Record<string, unknown>;
  // `type` has one possible value; a file may leave it out.
  const value = { type: BUILTIN_TOOLSET_TYPE, ...raw };
  const parsed = AgentToolset.safeParse(value);
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues) {
    const path = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
    const field = ['toolset', ...path].join('.');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const parent = doc.getIn(['toolset', ...path], true) as YamlNode | undefined;
        const keyNode = isMap(parent) ? parent.items.find((p) => isScalar(p.key) && p.key.value === key)?.key : undefined;
        problem(`${field}.${key}`, `unknown field '${key}' in ${field}`, 'error', nodeRange(keyNode as YamlNode) ?? nodeRange(parent) ?? keyRange);
      }
      continue;
    }
    const target = doc.getIn(['toolset', ...path], true) as YamlNode | undefined;
    const range = nodeRange(target) ?? nodeRange(node);
    const actual = valueAt(value, path);
    const last = path[path.length - 1];
    if (last === 'name' && path[0] === 'configs') {
      const lookup = typeof actual === 'string' ? lookupToolName(actual) : undefined;
      const message =
        lookup === undefined
          ? `${field} must be a tool name`
          : lookup.kind === 'tool'
            ? `write the tool name in lower case: '${lookup.tool}'`
            : lookup.kind === 'agents' || lookup.kind === 'delegation'
              ? `'${String(actual)}' is not a tool of the toolset: list the agents this one may call in callable_agents`
              : lookup.message;
      const replacement = lookup?.kind === 'tool' ? lookup.tool : lookup?.kind === 'unknown' ? lookup.suggestion : undefined;
      problem(field, message, 'error', range, replacement);
    } else if (last === 'type' && path.includes('permission_policy')) {
      problem(field, `unknown permission policy '${String(actual)}'; policies are: ${PERMISSION_POLICIES.join(', ')}`, 'error', range);
    } else if (last === 'type' && path.length === 1) {
      problem(field, `toolset type must be '${BUILTIN_TOOLSET_TYPE}'`, 'error', range);
    } else {
      problem(field, `${field}: ${issue.message}`, 'error', range);
    }
  }
  return undefined;
}

/** Where each agent of `Agent(a, b)` sits in the YAML source, searched within the item's own text. */
function locateNames(yaml: string, item: Item, agents: readonly { name: string; start: number; end: number }[]): { name: string; start: number; end: number }[] {
  const source = yaml.slice(item.start, item.end);
  const open = source.indexOf('(');
  let cursor = open >= 0 ? open + 1 : 0;
  return agents.map((agent) => {
    const found = source.indexOf(agent.name, cursor);
    if (found < 0) return { name: agent.name, start: item.start, end: item.end };
    cursor = found + agent.name.length;
    return { name: agent.name, start: item.start + found, end: item.start + cursor };
  });
}

function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  let current = value;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

function splitFrontMatter(text: string): FrontMatter | 'missing' | 'unclosed' {
  const start = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const firstEnd = text.indexOf('\n', start);
  const firstLine = text.slice(start, firstEnd === -1 ? text.length : firstEnd);
  if (firstLine.trimEnd() !== '---') return 'missing';
  if (firstEnd === -1) return 'unclosed';
  const yamlStart = firstEnd + 1;
  let position = yamlStart;
  while (position <= text.length) {
    const end = text.indexOf('\n', position);
    const line = text.slice(position, end === -1 ? text.length : end).trimEnd();
    if (line === '---' || line === '...') {
      return { yaml: text.slice(yamlStart, position), yamlStart, bodyStart: end === -1 ? text.length : end + 1 };
    }
    if (end === -1) break;
    position = end + 1;
  }
  return 'unclosed';
}
