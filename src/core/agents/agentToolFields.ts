// What an agent may use and whom it may call, from its file: `tools`, `disallowedTools` and `ask` (or a
// whole `toolset`) become an allow-list toolset; `callable_agents` and Claude Code's `Agent(a, b)` in
// `tools` become the agents it may delegate to. `Agent(a, b)` in disallowedTools takes agents away; a bare
// `Agent` / `Task` / `SendMessage` is delegation to whatever the file names.
import { allowListToolset, BUILTIN_TOOL_NAMES } from '../tools/toolConfig.ts';
import type { AgentToolset, BuiltinToolName } from '../tools/toolConfig.ts';
import { delegationWithoutAgentsMessage, lookupToolName } from './agentFileFields.ts';
import { parseToolset } from './agentToolsetField.ts';
import type { FrontMatterReader, Item, ReportProblem } from './frontMatterReader.ts';
import type { TextRange } from './textRange.ts';

export interface CallableEntry {
  name: string;
  range?: TextRange;
  /** Where it is listed: `callable_agents`, or `Agent(…)` in `tools`. */
  field: 'callable_agents' | 'tools';
}

export interface ToolFields {
  /** Undefined when the fields are wrong (reported). */
  toolset?: AgentToolset;
  callables: CallableEntry[];
  callableFieldRange?: TextRange;
}

export function readToolFields(fm: FrontMatterReader, problem: ReportProblem): ToolFields {
  const grantedAgents: CallableEntry[] = [];
  const deniedAgents = new Set<string>();
  let delegationDenied: TextRange | undefined;
  const delegationTools: { tool: string; range: TextRange }[] = [];
  const toolNames = (field: string): BuiltinToolName[] | undefined => {
    const list = fm.items(field);
    if (list === undefined) return undefined;
    const out: BuiltinToolName[] = [];
    for (const item of list) {
      const lookup = lookupToolName(item.value);
      const range = fm.at(item.start, item.end);
      if (lookup.kind === 'tool') {
        if (!out.includes(lookup.tool)) out.push(lookup.tool);
      } else if (lookup.kind === 'agents' && field === 'tools') {
        for (const agent of locateNames(fm.yaml, item, lookup.agents))
          grantedAgents.push({ name: agent.name, range: fm.at(agent.start, agent.end), field: 'tools' });
      } else if (lookup.kind === 'agents' && field === 'disallowedTools') {
        for (const agent of lookup.agents) deniedAgents.add(agent.name.toLowerCase());
      } else if (lookup.kind === 'delegation' && field === 'tools') {
        delegationTools.push({ tool: lookup.tool, range });
      } else if (lookup.kind === 'delegation' && field === 'disallowedTools') {
        delegationDenied = range;
      } else if (lookup.kind === 'agents' || lookup.kind === 'delegation') {
        problem(
          field,
          `'${item.value}' in '${field}' is not supported: a call to another agent never waits for approval; ignored`,
          'warning',
          range,
        );
      } else {
        // An unknown name left out of the allow-list grants less, as in Claude Code; left out of
        // disallowedTools or ask it would grant more.
        const refused = lookup.kind === 'unknown' && field !== 'tools';
        const message =
          lookup.kind === 'unknown' && !refused
            ? `${lookup.message}; ignored, so the agent does not get it`
            : lookup.message;
        problem(
          field,
          message,
          refused ? 'error' : 'warning',
          range,
          lookup.kind === 'unknown' ? lookup.suggestion : undefined,
        );
      }
    }
    return out;
  };
  const tools = toolNames('tools');
  const disallowed = toolNames('disallowedTools');
  const ask = toolNames('ask');
  const out: ToolFields = { callables: [] };
  const toolsetEntry = fm.entry('toolset');
  if (toolsetEntry) {
    for (const other of ['tools', 'disallowedTools', 'ask']) {
      if (fm.has(other))
        problem('toolset', `use either 'toolset' or '${other}', not both`, 'error', toolsetEntry.keyRange);
    }
    out.toolset = parseToolset(fm.doc, toolsetEntry.node, toolsetEntry.keyRange, fm.nodeRange, problem);
  } else {
    const enabled = new Set<BuiltinToolName>(tools ?? BUILTIN_TOOL_NAMES);
    for (const name of disallowed ?? []) enabled.delete(name);
    for (const name of ask ?? []) {
      if (!enabled.has(name))
        problem(
          'ask',
          `'${name}' is listed in 'ask' but the agent may not use it`,
          'warning',
          fm.entry('ask')?.keyRange,
        );
    }
    out.toolset = allowListToolset(
      BUILTIN_TOOL_NAMES.filter((t) => enabled.has(t)),
      ask ?? [],
    );
  }
  // callable_agents
  const callables = fm.items('callable_agents');
  const seen = new Set<string>();
  if (callables) {
    out.callableFieldRange = fm.entry('callable_agents')?.keyRange;
    for (const item of callables) {
      const itemRange = fm.at(item.start, item.end);
      if (seen.has(item.value.toLowerCase())) {
        problem('callable_agents', `'${item.value}' is listed twice`, 'warning', itemRange);
        continue;
      }
      seen.add(item.value.toLowerCase());
      out.callables.push({ name: item.value, range: itemRange, field: 'callable_agents' });
    }
  }
  // Agent(…) in tools adds to callable_agents; a name in both is the same permission, said twice.
  for (const entry of grantedAgents) {
    if (seen.has(entry.name.toLowerCase())) continue;
    seen.add(entry.name.toLowerCase());
    out.callables.push(entry);
    out.callableFieldRange ??= fm.entry('tools')?.keyRange;
  }
  if (delegationDenied && out.callables.length > 0) {
    problem(
      'disallowedTools',
      'delegation is disallowed, so this agent calls no other agent (its callable agents are dropped)',
      'warning',
      delegationDenied,
    );
    out.callables = [];
  }
  out.callables = out.callables.filter((c) => !deniedAgents.has(c.name.toLowerCase()));
  if (out.callables.length === 0) {
    for (const { tool, range } of delegationTools)
      problem('tools', delegationWithoutAgentsMessage(tool), 'warning', range);
  }
  return out;
}

/** Where each agent of `Agent(a, b)` sits in the YAML source, searched within the item's own text. */
function locateNames(
  yaml: string,
  item: Item,
  agents: readonly { name: string; start: number; end: number }[],
): { name: string; start: number; end: number }[] {
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
