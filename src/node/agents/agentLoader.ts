// Reads a workspace's agent files (`.agents/**/*.md`, `.claude/agents/**/*.md`) and builds the agent set
// with the same code the language server uses. A broken file is a problem in the result, never an exception.
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import type { Dirent } from 'node:fs';
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

/** Folders below an agent folder that are read: deep enough for any collection's categories, and a
 * bound on a symlink loop the real-path check below does not catch. */
const MAX_FOLDER_DEPTH = 8;

export async function readAgentFiles(
  workspaceRoot: string,
): Promise<{ files: AgentFileInput[]; problems: AgentProblem[] }> {
  const files: AgentFileInput[] = [];
  const problems: AgentProblem[] = [];
  const unreadable = (path: string, what: string, error: unknown) =>
    problems.push({
      file: path,
      field: 'file',
      message: `cannot read ${what}: ${(error as Error).message}`,
      severity: 'error',
    });
  for (const { relative, folder } of AGENT_FOLDERS) {
    // Subfolders are read as Claude Code reads them (collections sort agents into categories); hidden
    // ones (`.git` of a cloned collection) are not agent folders. A symlink counts as what it points at.
    const visited = new Set<string>();
    const walk = async (dir: string, depth: number, top: boolean): Promise<void> => {
      let entries: Dirent[];
      try {
        const real = await realpath(dir);
        if (visited.has(real)) return;
        visited.add(real);
        entries = await readdir(dir, { withFileTypes: true });
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (top && (code === 'ENOENT' || code === 'ENOTDIR')) return;
        unreadable(dir, 'folder', error);
        return;
      }
      for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
        const path = join(dir, entry.name);
        let kind: 'file' | 'folder' | undefined = entry.isFile() ? 'file' : entry.isDirectory() ? 'folder' : undefined;
        if (entry.isSymbolicLink()) {
          try {
            const target = await stat(path);
            kind = target.isFile() ? 'file' : target.isDirectory() ? 'folder' : undefined;
          } catch (error) {
            if (entry.name.endsWith('.md')) unreadable(path, 'file', error);
            continue;
          }
        }
        if (kind === 'folder' && !entry.name.startsWith('.')) {
          if (depth < MAX_FOLDER_DEPTH) await walk(path, depth + 1, false);
          else
            problems.push({
              file: path,
              field: 'file',
              message: `folder is more than ${MAX_FOLDER_DEPTH} levels deep; its agent files are not read`,
              severity: 'warning',
            });
        } else if (kind === 'file' && entry.name.endsWith('.md')) {
          try {
            files.push({ path, folder, text: await readFile(path, 'utf8') });
          } catch (error) {
            unreadable(path, 'file', error);
          }
        }
      }
    };
    await walk(join(workspaceRoot, relative), 0, true);
  }
  return { files, problems };
}

export async function loadAgents(workspaceRoot: string, options: AgentSetOptions = {}): Promise<LoadedAgents> {
  const { files, problems } = await readAgentFiles(workspaceRoot);
  const set = buildAgentSet(files, options);
  return { agents: set.agents, problems: [...problems, ...set.problems] };
}
