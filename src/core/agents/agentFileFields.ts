// The vocabulary of agent files: which front-matter fields exist, what they mean (hover and completion
// read the same text), and how Claude Code's tool names map to ours.
import { BUILTIN_TOOL_NAMES } from '../tools/toolConfig.ts';
import type { BuiltinToolName } from '../tools/toolConfig.ts';
import { DEFAULT_AGENT_MODEL, MODEL_ALIASES } from './agentModels.ts';
import { DEFAULT_DELEGATION_DEPTH } from './agentDefinition.ts';
import { DELEGATION_TOOL_NAME } from '../harness/delegationTool.ts';

export interface FieldDoc {
  /** One line, shown in completion lists. */
  summary: string;
  /** Markdown, shown on hover. */
  detail: string;
}

export const AGENT_FIELDS: Readonly<Record<string, FieldDoc>> = {
  name: {
    summary: 'Unique name of the agent (required).',
    detail:
      'Unique name of the agent (required). Letters, digits, `-`, `_`, `.`.\n\n' +
      'A file that uses the name of a built-in agent (`Planner`, `Coder`, `Reviewer`, `Coordinator`, any case) replaces it.',
  },
  description: {
    summary: 'When to use this agent (required).',
    detail: 'What the agent does and when to delegate to it (required). A coordinator reads it to choose an agent.',
  },
  model: {
    summary: 'Model id, or sonnet / opus / haiku / inherit.',
    detail:
      'The model the agent runs on: a model id such as `claude-sonnet-4-6`, or an alias: ' +
      Object.entries(MODEL_ALIASES)
        .map(([alias, id]) => `\`${alias}\` → \`${id}\``)
        .join(', ') +
      `, \`inherit\` → the default (\`${DEFAULT_AGENT_MODEL}\`). Any id of the Claude families (\`claude-sonnet-4-20250514\`) is accepted; another id is a warning, not an error.`,
  },
  tools: {
    summary: 'Tools the agent may use (all when omitted).',
    detail:
      `Allow-list of tools: a comma-separated string (\`Read, Grep, Glob, Bash\`) or a YAML list. Tools: ${BUILTIN_TOOL_NAMES.map((t) => `\`${t}\``).join(', ')}. ` +
      'Claude Code names (`Read`, `Write`, `Edit`, `MultiEdit`, `Glob`, `Grep`, `Bash`) are accepted in any case; ' +
      '`Agent(worker, researcher)` lets the agent delegate to those agents, as `callable_agents` does. ' +
      'Omitted: every tool. `[]`: no tools. An agent without `write` and `edit` gets a read-only sandbox.',
  },
  disallowedTools: {
    summary: 'Tools taken away from the allow-list.',
    detail: 'Tools removed from `tools` (or from all tools when `tools` is omitted). Same names as `tools`.',
  },
  ask: {
    summary: 'Tools that need a person’s approval for each call.',
    detail: 'Tools whose calls wait for your approval (`always_ask`). The others run without asking (`always_allow`).',
  },
  callable_agents: {
    summary: 'Agents this agent may delegate to.',
    detail:
      'Names of agents (workspace or built-in) this agent may delegate to, each in its own thread. ' +
      `Cycles are refused; delegation may be at most \`agentOs.delegationDepth\` levels deep (default ${DEFAULT_DELEGATION_DEPTH}, as on the hosted platform).`,
  },
  network: {
    summary: 'Whether its bash may use the network (default false).',
    detail: '`true` lets the agent’s `bash` reach the network. Default `false`: commands run without network access.',
  },
  toolset: {
    summary: 'Full tool configuration in the platform’s shape.',
    detail:
      'The platform’s toolset object, instead of `tools` / `ask` / `disallowedTools`:\n\n' +
      '```yaml\ntoolset:\n  type: agent_toolset_20260401\n  default_config: { enabled: false }\n  configs:\n    - name: read\n      enabled: true\n      permission_policy: { type: always_allow }\n```',
  },
};

/** How an agent file's fields are judged, in the words the README, docs/agents.md and the language
 * server's hover all use (a test holds the two documents to this text). */
export const UNKNOWN_FIELD_RULE =
  'A field Agent OS does not know is ignored with a warning, as Claude Code ignores it; a misspelling of a ' +
  'field that limits the agent (`tools`, `disallowedTools`, `ask`, `toolset`) is an error instead, because ' +
  'ignoring it would give the agent more than the file asks for.';

export interface ClaudeCodeField {
  meaning: string;
  /** `recorded`: kept on the agent definition; `not_supported`: read, warned about and ignored. */
  support: 'recorded' | 'not_supported';
  hint?: string;
}

/** Claude Code's documented subagent fields: each is read and none is an error. */
export const CLAUDE_CODE_FIELDS: Readonly<Record<string, ClaudeCodeField>> = {
  maxTurns: { meaning: 'the most model turns the agent may take', support: 'recorded' },
  permissionMode: {
    meaning: 'Claude Code permission mode',
    support: 'not_supported',
    hint: 'use `ask` or `toolset` for permissions',
  },
  skills: { meaning: 'Claude Code skills', support: 'not_supported' },
  mcpServers: { meaning: 'MCP servers', support: 'not_supported' },
  hooks: { meaning: 'Claude Code hooks', support: 'not_supported' },
  memory: { meaning: 'Claude Code memory', support: 'not_supported' },
  background: { meaning: 'Claude Code background mode', support: 'not_supported' },
  effort: { meaning: 'Claude Code effort setting', support: 'not_supported' },
  isolation: {
    meaning: 'Claude Code isolation mode',
    support: 'not_supported',
    hint: 'every Agent OS agent runs in a sandbox already',
  },
  color: { meaning: 'display colour in Claude Code', support: 'not_supported' },
  initialPrompt: { meaning: 'Claude Code initial prompt', support: 'not_supported' },
  disabled: { meaning: 'Claude Code disable switch', support: 'not_supported' },
};

export function claudeCodeFieldMessage(key: string, field: ClaudeCodeField): string {
  if (field.support === 'recorded')
    return `'${key}' (${field.meaning}) is honoured: Agent OS stops a thread that reaches it on one task (agent_os.loop_detected) and its caller decides`;
  return `'${key}' (${field.meaning}) is not supported yet; ignored${field.hint ? ` (${field.hint})` : ''}`;
}

/** Fields that take tools away or make them ask: a misspelt one ignored would grant more, so it is an error. */
const LIMITING_FIELDS = ['tools', 'disallowedTools', 'ask', 'toolset'] as const;
/** Spellings from other Claude Code files (slash commands, skills) that mean `tools`. */
const LIMITING_ALIASES: Readonly<Record<string, string>> = {
  'allowed-tools': 'tools',
  allowedtools: 'tools',
  allowed_tools: 'tools',
};

export interface UnknownFieldVerdict {
  severity: 'error' | 'warning';
  message: string;
  suggestion?: string;
}

export function judgeUnknownField(key: string): UnknownFieldVerdict {
  const lower = key.toLowerCase();
  const limiting =
    LIMITING_ALIASES[lower] ??
    LIMITING_FIELDS.find((field) =>
      // A short field is close only to its own letters swapped or changed (`aks`), not to `task`.
      field.length > 3
        ? editDistance(lower, field.toLowerCase()) <= 2
        : lower.length === field.length && editDistance(lower, field) <= 1,
    );
  if (limiting) {
    return {
      severity: 'error',
      suggestion: limiting,
      message: `unknown field '${key}' (did you mean '${limiting}'?): a misspelt '${limiting}' is an error, not ignored, because ignoring it would give the agent more than the file asks for`,
    };
  }
  const suggestion = closest(key, [...Object.keys(AGENT_FIELDS), ...Object.keys(CLAUDE_CODE_FIELDS)]);
  return {
    severity: 'warning',
    ...(suggestion ? { suggestion } : {}),
    message: `unknown field '${key}' is ignored, as Claude Code ignores it${suggestion ? ` (did you mean '${suggestion}'?)` : ''}`,
  };
}

/** Tool sub-fields inside `toolset`, for completion and hover. */
export const TOOLSET_FIELDS: Readonly<Record<string, string>> = {
  type: 'Always `agent_toolset_20260401` (the built-in toolset).',
  default_config: 'Applies to every tool unless a `configs` entry says otherwise: `enabled`, `permission_policy`.',
  configs: 'Per-tool settings: `name`, `enabled`, `permission_policy`.',
  enabled: 'Whether the tool is offered to the model. A disabled tool is refused even if called.',
  permission_policy: '`{ type: always_allow }` runs calls; `{ type: always_ask }` waits for your approval.',
};

export const PERMISSION_POLICIES = ['always_allow', 'always_ask'] as const;

export const TOOL_DOCS: Readonly<Record<BuiltinToolName, string>> = {
  bash: 'Runs shell commands in the agent’s sandbox.',
  read: 'Reads a file.',
  write: 'Creates or overwrites a file.',
  edit: 'Replaces text in a file.',
  glob: 'Finds files by pattern.',
  grep: 'Searches file contents.',
};

/** Claude Code tools that have no Agent OS counterpart: listed in a file they are ignored with a warning. */
const CLAUDE_ONLY_TOOLS = new Set(
  [
    'WebFetch',
    'WebSearch',
    'TodoWrite',
    'TodoRead',
    'NotebookEdit',
    'NotebookRead',
    'LS',
    'BashOutput',
    'KillShell',
    'KillBash',
    'SlashCommand',
    'Skill',
    'ExitPlanMode',
    'AskUserQuestion',
    'ListMcpResources',
    'ReadMcpResource',
  ].map((t) => t.toLowerCase()),
);

/** Claude Code's agent-team tools without an Agent OS counterpart yet, and what stands in for them. */
const TEAM_TOOLS: Readonly<Record<string, string>> = {
  taskcreate: 'Agent OS has no shared task list',
  taskget: 'Agent OS has no shared task list',
  tasklist: 'Agent OS has no shared task list',
  taskupdate: 'Agent OS has no shared task list',
  teamcreate: 'an Agent OS team is the agents in callable_agents',
  teamdelete: 'an Agent OS team is the agents in callable_agents',
};

/** Tools that are delegation in Claude Code: in Agent OS, `send_to_agent` to the agents the file names. */
const DELEGATION_TOOLS = new Set(['task', 'agent', 'sendmessage']);

export interface NamedSpan {
  name: string;
  /** Offsets within the looked-up text. */
  start: number;
  end: number;
}

export type ToolNameLookup =
  | { kind: 'tool'; tool: BuiltinToolName }
  /** `Agent(worker, researcher)` (or the older `Task(…)`): these agents may be called. */
  | { kind: 'agents'; agents: NamedSpan[] }
  /** `Agent`, `Task`, `SendMessage`: delegation, which needs agents to delegate to. */
  | { kind: 'delegation'; tool: string }
  | { kind: 'claude_only'; message: string }
  | { kind: 'unknown'; message: string; suggestion?: string };

export function lookupToolName(raw: string): ToolNameLookup {
  const name = raw.trim();
  const lower = name.toLowerCase();
  if ((BUILTIN_TOOL_NAMES as readonly string[]).includes(lower))
    return { kind: 'tool', tool: lower as BuiltinToolName };
  if (lower === 'multiedit') return { kind: 'tool', tool: 'edit' };
  const call = /^(task|agent)\s*\(([^()]*)\)$/.exec(lower);
  if (call) {
    const offset = raw.indexOf('(') + 1;
    return {
      kind: 'agents',
      agents: splitTopLevel(raw.slice(offset, raw.lastIndexOf(')'))).map((p) => ({
        name: p.value,
        start: offset + p.start,
        end: offset + p.end,
      })),
    };
  }
  if (DELEGATION_TOOLS.has(lower)) return { kind: 'delegation', tool: name };
  const pattern = /^([a-z]+)\s*\(/.exec(lower);
  if (pattern && ((BUILTIN_TOOL_NAMES as readonly string[]).includes(pattern[1]!) || pattern[1] === 'multiedit')) {
    // Granting the whole tool would give more than the file asked for; leaving it out gives less. Less is safe.
    return {
      kind: 'claude_only',
      message: `command patterns like '${name}' are not supported; the tool stays off (list '${pattern[1]}' to allow all of it)`,
    };
  }
  if (lower.startsWith('mcp__'))
    return { kind: 'claude_only', message: `MCP tool '${name}' is not available in Agent OS; ignored` };
  const team = TEAM_TOOLS[lower];
  if (team)
    return {
      kind: 'claude_only',
      message: `Claude Code agent-team tool '${name}' is not supported yet (${team}); ignored`,
    };
  if (CLAUDE_ONLY_TOOLS.has(lower)) {
    return { kind: 'claude_only', message: `Claude Code tool '${name}' is not available in Agent OS; ignored` };
  }
  const suggestion = closest(lower, BUILTIN_TOOL_NAMES);
  return {
    kind: 'unknown',
    ...(suggestion ? { suggestion } : {}),
    message:
      `unknown tool '${name}'` +
      (suggestion ? ` (did you mean '${suggestion}'?)` : '') +
      `; tools are: ${BUILTIN_TOOL_NAMES.join(', ')}`,
  };
}

/** Claude Code's `Agent` / `Task` / `SendMessage` as Agent OS understands them. */
export const DELEGATION_RULE = `an agent delegates (with ${DELEGATION_TOOL_NAME}) only to the agents named in callable_agents or as Agent(name, …) in tools`;

/** Why a delegation tool in `tools` does nothing: the agent names no agent to delegate to. */
export function delegationWithoutAgentsMessage(tool: string): string {
  return `'${tool}' is delegation in Claude Code; in Agent OS ${DELEGATION_RULE}, and this file names none; ignored`;
}

export interface ListPart {
  value: string;
  /** Offsets of the trimmed value within the split text. */
  start: number;
  end: number;
}

/** Splits `Agent(worker, researcher), Read` at the commas outside parentheses, trimming each part. */
export function splitTopLevel(text: string): ListPart[] {
  const parts: ListPart[] = [];
  let depth = 0;
  let from = 0;
  const push = (to: number) => {
    const slice = text.slice(from, to);
    const value = slice.trim();
    if (value) {
      const start = from + slice.indexOf(value);
      parts.push({ value, start, end: start + value.length });
    }
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')') depth = Math.max(0, depth - 1);
    else if (c === ',' && depth === 0) {
      push(i);
      from = i + 1;
    }
  }
  push(text.length);
  return parts;
}

/** How many more `(` than `)` a text has: a YAML flow list splits `[Agent(a, b)]` inside the parentheses. */
export function openParentheses(text: string): number {
  let depth = 0;
  for (const c of text) {
    if (c === '(') depth++;
    else if (c === ')') depth--;
  }
  return depth;
}

/** The candidate within edit distance 2, if any. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of candidates) {
    const d = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/** Optimal string alignment distance: Levenshtein plus a swap of two neighbours as one edit (`aks` → `ask`). */
function editDistance(a: string, b: string): number {
  let before: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min((previous[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, (before[j - 2] ?? 0) + 1);
      row.push(d);
    }
    before = previous;
    previous = row;
  }
  return previous[b.length] ?? 0;
}
