// Hover in agent files: what each field means, what a tool does, which model an alias is, and what a
// callable agent is for.
import { MarkupKind } from 'vscode-languageserver';
import type { Hover } from 'vscode-languageserver';
import {
  AGENT_FIELDS,
  CLAUDE_CODE_FIELDS,
  claudeCodeFieldMessage,
  DELEGATION_RULE,
  lookupToolName,
  TOOL_DOCS,
  TOOLSET_FIELDS,
  UNKNOWN_FIELD_RULE,
} from '../core/agents/agentFileFields.ts';
import { resolveModelName } from '../core/agents/agentModels.ts';
import { frontMatterLines, keyAt, parentKeys } from './frontMatterContext.ts';
import type { CompletionAgents } from './agentCompletion.ts';

export function hoverAgentFile(text: string, line: number, character: number, known: CompletionAgents): Hover | null {
  const key = keyAt(text, line, character);
  if (key) {
    const name = key.keyPath[key.keyPath.length - 1]!;
    const claude = CLAUDE_CODE_FIELDS[name];
    const doc =
      key.keyPath.length === 1
        ? (AGENT_FIELDS[name]?.detail ??
          (claude ? `Claude Code field: ${claudeCodeFieldMessage(name, claude)}.` : UNKNOWN_FIELD_RULE))
        : key.keyPath[0] === 'toolset'
          ? TOOLSET_FIELDS[name]
          : undefined;
    if (!doc) return null;
    return {
      contents: { kind: MarkupKind.Markdown, value: `**${key.keyPath.join('.')}**\n\n${doc}` },
      range: { start: { line, character: key.start }, end: { line, character: key.end } },
    };
  }
  return hoverValue(text, line, character, known);
}

function hoverValue(text: string, line: number, character: number, known: CompletionAgents): Hover | null {
  const fm = frontMatterLines(text);
  if (!fm || line <= 0 || line >= fm.close) return null;
  const lineText = fm.lines[line] ?? '';
  let start = character;
  while (start > 0 && /[\w.-]/.test(lineText[start - 1] ?? '')) start--;
  let end = character;
  while (end < lineText.length && /[\w.-]/.test(lineText[end] ?? '')) end++;
  const word = lineText.slice(start, end);
  if (!word) return null;
  const keyed = /^(\s*)(-\s+)?([A-Za-z_][\w-]*)\s*:/.exec(lineText);
  const field = keyed
    ? [...parentKeys(fm.lines, line, keyed[2] ? keyed[1]!.length + 1 : keyed[1]!.length), keyed[3]!]
    : parentKeys(fm.lines, line, (/^\s*/.exec(lineText)?.[0].length ?? 0) + 1);
  const last = field[field.length - 1];
  const range = { start: { line, character: start }, end: { line, character: end } };
  let value: string | undefined;
  const insideAgentList = /(?:agent|task)\s*\([^()]*$/i.test(lineText.slice(0, start));
  const callableHover = () => {
    const agent = known.agents.find((a) => a.name.toLowerCase() === word.toLowerCase());
    return agent
      ? `Agent **${agent.name}** — ${agent.description}`
      : `No agent named '${word}' in this workspace or the built-ins.`;
  };
  if (field.length === 1 && last === 'tools' && insideAgentList) {
    value = callableHover();
  } else if (
    (field.length === 1 && (last === 'tools' || last === 'disallowedTools' || last === 'ask')) ||
    (last === 'name' && field.includes('configs'))
  ) {
    const lookup = lookupToolName(word);
    value =
      lookup.kind === 'tool'
        ? `**${lookup.tool}** — ${TOOL_DOCS[lookup.tool]}`
        : lookup.kind === 'agents' || lookup.kind === 'delegation'
          ? `**${word}** is delegation: in Agent OS ${DELEGATION_RULE}.`
          : lookup.message;
  } else if (field.length === 1 && last === 'model') {
    const resolved = resolveModelName(word);
    value = `Model **${resolved.id}**${resolved.known ? '' : ' (not a known model id)'}`;
  } else if (field.length === 1 && last === 'callable_agents') {
    value = callableHover();
  }
  return value ? { contents: { kind: MarkupKind.Markdown, value }, range } : null;
}
