// Completion in agent files: field names, tool names, permission policies, models and agent names.
import { CompletionItemKind, InsertTextFormat, MarkupKind } from 'vscode-languageserver';
import type { CompletionItem } from 'vscode-languageserver';
import {
  AGENT_FIELDS,
  CLAUDE_CODE_FIELDS,
  claudeCodeFieldMessage,
  openParentheses,
  PERMISSION_POLICIES,
  TOOL_DOCS,
  TOOLSET_FIELDS,
} from '../core/agents/agentFileFields.ts';
import { KNOWN_MODEL_IDS, MODEL_ALIASES, DEFAULT_AGENT_MODEL } from '../core/agents/agentModels.ts';
import { BUILTIN_TOOL_NAMES, BUILTIN_TOOLSET_TYPE } from '../core/tools/toolConfig.ts';
import { cursorContext, frontMatterLines } from './frontMatterContext.ts';

export interface CompletionAgents {
  /** Every agent that may be called from this file: built-ins and the workspace's, with descriptions. */
  agents: readonly { name: string; description: string }[];
  /** The name of the agent this file defines, left out of callable_agents suggestions. */
  selfName?: string;
}

const NEW_AGENT_SNIPPET =
  '---\nname: ${1:my-agent}\ndescription: ${2:When to use this agent}\ntools: ${3:read, glob, grep, bash}\nmodel: ${4|sonnet,opus,haiku,inherit|}\n---\n${0:You are ...}\n';

const nestedKeys: Record<string, readonly string[]> = {
  toolset: ['type', 'default_config', 'configs'],
  default_config: ['enabled', 'permission_policy'],
  configs: ['name', 'enabled', 'permission_policy'],
  permission_policy: ['type'],
};

export function completeAgentFile(
  text: string,
  line: number,
  character: number,
  known: CompletionAgents,
): CompletionItem[] {
  if (!frontMatterLines(text)) {
    return line === 0
      ? [
          {
            label: 'agent file',
            kind: CompletionItemKind.Snippet,
            insertText: NEW_AGENT_SNIPPET,
            insertTextFormat: InsertTextFormat.Snippet,
            detail: 'Front matter of a new agent',
          },
        ]
      : [];
  }
  const context = cursorContext(text, line, character);
  if (!context) return [];
  const { keyPath } = context;

  if (context.kind === 'key') {
    if (keyPath.length === 0) {
      // Claude Code's fields that do something here are offered too; the ignored ones are not.
      const recorded = Object.entries(CLAUDE_CODE_FIELDS)
        .filter(([, field]) => field.support === 'recorded')
        .map(
          ([name, field]) =>
            [
              name,
              { summary: `${field.meaning} (Claude Code).`, detail: claudeCodeFieldMessage(name, field) },
            ] as const,
        );
      return [...Object.entries(AGENT_FIELDS), ...recorded]
        .filter(([name]) => !context.existingFields.includes(name))
        .map(([name, doc], i) => ({
          label: name,
          kind: CompletionItemKind.Property,
          detail: doc.summary,
          documentation: { kind: MarkupKind.Markdown, value: doc.detail },
          insertText: `${name}: `,
          sortText: String(i).padStart(2, '0'),
        }));
    }
    const parent = keyPath[keyPath.length - 1]!;
    if (keyPath[0] !== 'toolset') return [];
    return (nestedKeys[parent] ?? []).map((name) => ({
      label: name,
      kind: CompletionItemKind.Property,
      documentation: { kind: MarkupKind.Markdown, value: TOOLSET_FIELDS[name] ?? '' },
      insertText: `${name}: `,
    }));
  }

  const key = keyPath[keyPath.length - 1];
  const typed = context.valueText.toLowerCase();
  const notListed = (name: string) =>
    !new RegExp(`(^|[\\s,\\[(-])${escape(name.toLowerCase())}([\\s,\\])]|$)`).test(typed);
  const agentItems = () =>
    known.agents
      .filter((a) => a.name.toLowerCase() !== known.selfName?.toLowerCase() && notListed(a.name))
      .map((a) => ({ label: a.name, kind: CompletionItemKind.Reference, detail: a.description }));
  // Inside `Agent(` of tools: the agents this one may call, as in callable_agents.
  if (keyPath.length === 1 && key === 'tools' && openParentheses(typed) > 0 && /(?:agent|task)\s*\([^()]*$/.test(typed))
    return agentItems();
  if (keyPath.length === 1 && (key === 'tools' || key === 'disallowedTools')) {
    return [
      ...toolItems(notListed),
      {
        label: 'Agent(…)',
        kind: CompletionItemKind.Function,
        detail: 'Agents this one may call (as callable_agents)',
        insertText: 'Agent($1)',
        insertTextFormat: InsertTextFormat.Snippet,
        filterText: 'Agent',
      },
    ];
  }
  if (keyPath.length === 1 && key === 'ask') return toolItems(notListed);
  if (keyPath.length === 1 && key === 'callable_agents') return agentItems();
  if (keyPath.length === 1 && key === 'model') {
    return [
      ...Object.entries(MODEL_ALIASES).map(([alias, id], i) => ({
        label: alias,
        kind: CompletionItemKind.EnumMember,
        detail: `→ ${id}`,
        sortText: `0${i}`,
      })),
      { label: 'inherit', kind: CompletionItemKind.EnumMember, detail: `→ ${DEFAULT_AGENT_MODEL}`, sortText: '09' },
      ...KNOWN_MODEL_IDS.map((id, i) => ({
        label: id,
        kind: CompletionItemKind.EnumMember,
        sortText: `1${String(i).padStart(2, '0')}`,
      })),
    ];
  }
  if ((keyPath.length === 1 && key === 'network') || key === 'enabled') {
    return ['true', 'false'].map((v) => ({ label: v, kind: CompletionItemKind.Value }));
  }
  if (keyPath[0] !== 'toolset') return [];
  if (key === 'type' && keyPath[keyPath.length - 2] === 'permission_policy') return policyItems();
  if (key === 'type' && keyPath.length === 2)
    return [{ label: BUILTIN_TOOLSET_TYPE, kind: CompletionItemKind.EnumMember }];
  if (key === 'name' && keyPath[keyPath.length - 2] === 'configs') return toolItems(() => true);
  if (key === 'permission_policy') {
    return PERMISSION_POLICIES.map((p) => ({ label: `{ type: ${p} }`, filterText: p, kind: CompletionItemKind.Value }));
  }
  return [];
}

function toolItems(include: (name: string) => boolean): CompletionItem[] {
  return BUILTIN_TOOL_NAMES.filter(include).map((name) => ({
    label: name,
    kind: CompletionItemKind.Function,
    detail: TOOL_DOCS[name],
  }));
}

function policyItems(): CompletionItem[] {
  return PERMISSION_POLICIES.map((p) => ({
    label: p,
    kind: CompletionItemKind.EnumMember,
    detail: p === 'always_allow' ? 'Calls run without asking.' : 'Each call waits for your approval.',
  }));
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
