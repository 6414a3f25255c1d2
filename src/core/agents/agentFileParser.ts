// Parses one agent file (Markdown with YAML front matter) into a definition and the problems found in
// that file alone. Problems that need the other agents (unknown callable agents, cycles, depth, duplicate
// names) are found by `buildAgentSet`, which calls this.
import { isMap, isScalar, isSeq, parseDocument } from 'yaml';
import type { Document, Node as YamlNode, YAMLMap } from 'yaml';
import { AgentToolset, allowListToolset, BUILTIN_TOOL_NAMES, BUILTIN_TOOLSET_TYPE } from '../tools/toolConfig.ts';
import type { BuiltinToolName } from '../tools/toolConfig.ts';
import { AGENT_NAME_PATTERN } from './agentDefinition.ts';
import type { AgentDefinition, AgentProblem } from './agentDefinition.ts';
import { AGENT_FIELDS, closest, IGNORED_CLAUDE_FIELDS, lookupToolName, PERMISSION_POLICIES } from './agentFileFields.ts';
import { DEFAULT_AGENT_MODEL, KNOWN_MODEL_IDS, MODEL_ALIASES, resolveModelName } from './agentModels.ts';
import { LineIndex } from './textRange.ts';
import type { TextRange } from './textRange.ts';

export type AgentFolder = 'agents' | 'claude';

// The hosted platform's limits (managed-agents.md §2.1), so a file that loads here loads there too.
const MAX_DESCRIPTION = 2048;
const MAX_SYSTEM_PROMPT = 100_000;

export interface AgentFileInput {
  /** Path as it should appear in messages (absolute for the loader; the language server passes fs paths). */
  path: string;
  text: string;
  folder: AgentFolder;
}

export interface CallableEntry {
  name: string;
  range?: TextRange;
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
    if (key in AGENT_FIELDS) {
      values.set(key, { node: (pair.value as YamlNode | null) ?? null, keyRange });
    } else if (key in IGNORED_CLAUDE_FIELDS) {
      problem(key, `field '${key}' (${IGNORED_CLAUDE_FIELDS[key]}) is not used by Agent OS; ignored`, 'warning', keyRange);
    } else {
      const suggestion = closest(key, [...Object.keys(AGENT_FIELDS)]);
      problem(
        key,
        `unknown field '${key}'${suggestion ? ` (did you mean '${suggestion}'?)` : ''}; fields are: ${Object.keys(AGENT_FIELDS).join(', ')}`,
        'error',
        keyRange,
        suggestion,
      );
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
      for (const item of node.items) {
        const itemNode = item as YamlNode;
        if (isScalar(itemNode) && (typeof itemNode.value === 'string' || typeof itemNode.value === 'number') && itemNode.range) {
          out.push({ value: String(itemNode.value).trim(), start: itemNode.range[0], end: itemNode.range[1] });
        } else {
          problem(field, `each entry of '${field}' must be a name`, 'error', nodeRange(itemNode) ?? entry.keyRange);
        }
      }
      return out;
    }
    if (isScalar(node) && typeof node.value === 'string' && node.range) {
      const source = yaml.slice(node.range[0], node.range[1]);
      const out: Item[] = [];
      let cursor = 0;
      for (const part of node.value.split(',')) {
        const value = part.trim();
        if (!value) continue;
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
  const toolNames = (field: string): BuiltinToolName[] | undefined => {
    const list = items(field);
    if (list === undefined) return undefined;
    const out: BuiltinToolName[] = [];
    for (const item of list) {
      const lookup = lookupToolName(item.value);
      if (lookup.kind === 'tool') {
        if (!out.includes(lookup.tool)) out.push(lookup.tool);
      } else {
        problem(field, lookup.message, lookup.kind === 'unknown' ? 'error' : 'warning', at(item.start, item.end), lookup.kind === 'unknown' ? lookup.suggestion : undefined);
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
  if (callables) {
    result.callableFieldRange = values.get('callable_agents')?.keyRange;
    const seen = new Set<string>();
    for (const item of callables) {
      const range = at(item.start, item.end);
      if (seen.has(item.value.toLowerCase())) {
        problem('callable_agents', `'${item.value}' is listed twice`, 'warning', range);
        continue;
      }
      seen.add(item.value.toLowerCase());
      result.callables.push({ name: item.value, range });
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

  if (result.problems.some((p) => p.severity === 'error') || !result.name || !description || !toolset) return result;
  result.definition = {
    name: result.name,
    description: description.value,
    model,
    system,
    toolset,
    callable_agents: result.callables.map((c) => c.name),
    network,
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
