// The file tools of a dev container sandbox, run inside the host's OS sandbox. The container's folder is a
// host folder its shell can change at any moment: file tools opening it from the host as the person could be
// sent anywhere by a symlink swapped in between their check and their use. In the tool server, confined to
// that folder (the person's home, checkout and the store are not there at all), the same race reaches
// nothing the container could not reach already.
import type { FileTools } from '../../tools/fileTools.ts';
import { ToolServerClient } from '../../tools/toolServerClient.ts';
import { toolServerCommand } from '../../tools/toolServerScript.ts';
import type { ToolServerOptions } from '../../tools/toolServerProtocol.ts';
import { shellQuote, spawnConfined, type Confinement, type ConfinementScope } from '../confinement.ts';

/** What the provider asks for: one sandbox's file tools on `worktree`, shown to the agent under `displayRoot`. */
export interface FileToolsRequest {
  /** The container's session name (the session's id, or a clean room's or a child's). */
  sessionId: string;
  threadId: string;
  worktree: string;
  readOnly: boolean;
  /** Where the container's shell sees the folder. */
  displayRoot: string;
}

/** File tools that must be disposed with their sandbox (a tool server process). */
export type DisposableFileTools = FileTools & { dispose?(): Promise<void> };

/** A tool server started through `confinement` in `scope` (its workdir is the folder), paths shown as the container's. */
export function toolServerFileTools(
  confinement: Confinement,
  scope: ConfinementScope,
  request: Pick<FileToolsRequest, 'readOnly' | 'displayRoot'>,
): DisposableFileTools {
  const options: ToolServerOptions = { readOnly: request.readOnly, displayRoot: request.displayRoot };
  return new ToolServerClient({
    root: scope.workdir,
    start: async () => {
      const node = toolServerCommand();
      const line = ['exec', ...[node.program, ...node.args, JSON.stringify(options)].map(shellQuote)].join(' ');
      return spawnConfined(await confinement.command(line, { ...scope, env: { ...scope.env, ...node.env } }));
    },
  });
}
