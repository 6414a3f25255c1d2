// Reads a workspace's agent files (`.agents/*.md`, `.claude/agents/*.md`) and builds the agent set with
// the same code the language server uses. A broken file is a problem in the result, never an exception.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AgentDefinition, AgentProblem } from '../../core/agents/agentDefinition.ts';
import type { AgentFileInput, AgentFolder } from '../../core/agents/agentFileParser.ts';
import { buildAgentSet } from '../../core/agents/agentSet.ts';
import type { AgentSetOptions } from '../../core/agents/agentSet.ts';

/** Where agent files live, relative to the workspace root; earlier folders win a name both use. */
export const AGENT_FOLDERS: readonly { relative: string; folder: AgentFolder }[] = [
  { relative: '.agents', folder: 'agents' },
  { relative: join('.claude', 'agents'), folder: 'claude' },
];

export interface LoadedAgents {
  agents: Map<string, AgentDefinition>;
  problems: AgentProblem[];
}

export async function readAgentFiles(workspaceRoot: string): Promise<{ files: AgentFileInput[]; problems: AgentProblem[] }> {
  const files: AgentFileInput[] = [];
  const problems: AgentProblem[] = [];
  for (const { relative, folder } of AGENT_FOLDERS) {
    const dir = join(workspaceRoot, relative);
    let names: string[];
    try {
      names = (await readdir(dir, { withFileTypes: true })).filter((e) => e.isFile() && e.name.endsWith('.md')).map((e) => e.name);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') continue;
      problems.push({ file: dir, field: 'file', message: `cannot read folder: ${(error as Error).message}`, severity: 'error' });
      continue;
    }
    for (const name of names.sort()) {
      const path = join(dir, name);
      try {
        files.push({ path, folder, text: await readFile(path, 'utf8') });
      } catch (error) {
        problems.push({ file: path, field: 'file', message: `cannot read file: ${(error as Error).message}`, severity: 'error' });
      }
    }
  }
  return { files, problems };
}

export async function loadAgents(workspaceRoot: string, options: AgentSetOptions = {}): Promise<LoadedAgents> {
  const { files, problems } = await readAgentFiles(workspaceRoot);
  const set = buildAgentSet(files, options);
  return { agents: set.agents, problems: [...problems, ...set.problems] };
}
