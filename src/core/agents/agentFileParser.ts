// Parses one agent file (Markdown with YAML front matter) into a definition and the problems found in
// that file alone: the front matter's fields (frontMatterReader.ts), its tools and callable agents
// (agentToolFields.ts), and here the rest — name, description, model, limits, the system prompt. Problems that need the other agents (unknown callable agents, cycles, depth, duplicate
// names) are found by `buildAgentSet`, which calls this.
import { isScalar } from 'yaml';
import { AGENT_NAME_PATTERN } from './agentDefinition.ts';
import type { AgentDefinition, AgentProblem } from './agentDefinition.ts';
import { closest } from './agentFileFields.ts';
import { DEFAULT_AGENT_MODEL, KNOWN_MODEL_IDS, MODEL_ALIASES, resolveModelName } from './agentModels.ts';
import { readToolFields, type CallableEntry } from './agentToolFields.ts';
import { readFrontMatter } from './frontMatterReader.ts';
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

export function parseAgentFile(input: AgentFileInput): ParsedAgentFile {
  const index = new LineIndex(input.text);
  const headRange = index.rangeOf(0, index.lineText(0).length);
  const result: ParsedAgentFile = { file: input.path, folder: input.folder, problems: [], callables: [], headRange };
  const problem = (
    field: string,
    message: string,
    severity: 'error' | 'warning',
    range: TextRange = headRange,
    replacement?: string,
  ) => {
    result.problems.push({
      file: input.path,
      field,
      message,
      severity,
      range,
      ...(replacement !== undefined ? { replacement } : {}),
    });
  };

  const fm = readFrontMatter(input.text, index, problem);
  if (!fm) return result;

  // name
  const name = fm.text('name');
  if (!fm.has('name')) problem('name', "missing required field 'name'", 'error');
  if (name) {
    if (AGENT_NAME_PATTERN.test(name.value)) {
      result.name = name.value;
      result.nameRange = name.range;
    } else {
      problem(
        'name',
        `name '${name.value}' must start with a letter and use only letters, digits, '-', '_', '.' (at most 64)`,
        'error',
        name.range,
      );
    }
  }
  // description
  const description = fm.text('description');
  if (!fm.has('description')) problem('description', "missing required field 'description'", 'error');
  if (description && description.value.length > MAX_DESCRIPTION) {
    problem(
      'description',
      `description is ${description.value.length} characters; at most ${MAX_DESCRIPTION}`,
      'error',
      description.range,
    );
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
  const modelText = fm.text('model');
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
  // tools, disallowedTools, ask (or toolset), callable_agents
  const toolFields = readToolFields(fm, problem);
  const toolset = toolFields.toolset;
  result.callables = toolFields.callables;
  if ('callableFieldRange' in toolFields) result.callableFieldRange = toolFields.callableFieldRange;

  // maxTurns: Claude Code's turn limit, kept on the definition for the harness to enforce.
  let maxTurns: number | undefined;
  const maxTurnsEntry = fm.entry('maxTurns');
  if (maxTurnsEntry) {
    const value = isScalar(maxTurnsEntry.node) ? maxTurnsEntry.node.value : undefined;
    if (typeof value === 'number' && Number.isInteger(value) && value > 0) {
      maxTurns = value;
    } else {
      problem(
        'maxTurns',
        "'maxTurns' must be a whole number above 0; ignored",
        'warning',
        fm.nodeRange(maxTurnsEntry.node) ?? maxTurnsEntry.keyRange,
      );
    }
  }
  // network
  let network = false;
  const networkEntry = fm.entry('network');
  if (networkEntry) {
    if (isScalar(networkEntry.node) && typeof networkEntry.node.value === 'boolean') network = networkEntry.node.value;
    else
      problem(
        'network',
        "'network' must be true or false",
        'error',
        fm.nodeRange(networkEntry.node) ?? networkEntry.keyRange,
      );
  }
  // body
  const system = input.text.slice(fm.bodyStart).trim();
  if (system.length > MAX_SYSTEM_PROMPT) {
    problem(
      'body',
      `system prompt is ${system.length} characters; at most ${MAX_SYSTEM_PROMPT}`,
      'error',
      index.rangeOf(fm.bodyStart, fm.bodyStart),
    );
  }
  if (!system) {
    problem(
      'body',
      'no system prompt: write the instructions below the front matter',
      'warning',
      index.rangeOf(fm.bodyStart, input.text.length),
    );
  }

  // In the order of the file, as a person reads them (checks run field by field, not line by line).
  result.problems.sort((a, b) =>
    a.range && b.range
      ? a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character
      : 0,
  );
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
