// The subcommands of `agent-os`. Each module exports a `run(args): Promise<number>` (exit code).
import type { CliCommand } from './cliCommand.ts';
import { sessionsCommand } from './commands/sessionsCommand.ts';
import { scriptedModelCommand } from './commands/scriptedModelCommand.ts';
import { runCommand } from './commands/runCommand.ts';
import { resumeCommand } from './commands/resumeCommand.ts';
import { forkCommand } from './commands/forkCommand.ts';
import { demoCommand } from './commands/demoCommand.ts';
import { workerCommand } from './commands/workerCommand.ts';
import { envCommand } from './commands/envCommand.ts';

export const commands: readonly CliCommand[] = [
  sessionsCommand,
  runCommand,
  resumeCommand,
  forkCommand,
  scriptedModelCommand,
  demoCommand,
  workerCommand,
  envCommand,
];
