// How to start the tool server: the bundled script next to the running bundle (dist/toolServer.js), or,
// when running from source (tests, `npm run demo` through tsx), the TypeScript entry through tsx's loader.
// Both run on the Node.js that runs us; inside VS Code that is Electron, told to act as Node.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';

export interface NodeCommand {
  program: string;
  args: string[];
  /** Variables the program needs to run as Node.js. */
  env: Record<string, string>;
}

export function toolServerCommand(): NodeCommand {
  const env = { ELECTRON_RUN_AS_NODE: '1' };
  const bundled = path.join(__dirname, 'toolServer.js');
  if (existsSync(bundled)) return { program: process.execPath, args: [bundled], env };
  // Through createRequire: only source runs need tsx, and the bundler is not to look for it.
  const loader = pathToFileURL(createRequire(__filename).resolve('tsx/esm')).href;
  return { program: process.execPath, args: ['--import', loader, path.join(__dirname, 'toolServerMain.ts')], env };
}

/** Folders the server's program and scripts are read from (kept readable inside the sandbox). */
export function toolServerFolders(): string[] {
  const command = toolServerCommand();
  const folders = [path.dirname(path.dirname(process.execPath))];
  const script = command.args[command.args.length - 1] as string;
  folders.push(path.dirname(script));
  if (!existsSync(path.join(__dirname, 'toolServer.js'))) {
    // From source: the project's sources and node_modules (tsx, the SDK).
    folders.push(path.resolve(__dirname, '..', '..', '..'));
  }
  return folders;
}
