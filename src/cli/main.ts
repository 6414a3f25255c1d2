// Composition root of the headless `agent-os` command. Each subcommand lives in src/cli/commands.
// Errors reach the user as one readable line and a non-zero exit, never a stack trace.
import { describeError } from '../core/errors.ts';
import { commands } from './commandTable.ts';
import { printErr, printOut } from './terminalOutput.ts';
import { shutdownOsSandbox } from '../node/sandbox/osSandbox.ts';

/** The oldest Node the CLI is tested on (test/cli/nodeVersion.test.ts runs it on the machine's Node 20).
 * Node 22's fs.glob is not required: the glob tool walks with fast-glob where it is missing (globWithoutFsGlob.ts). */
const MINIMUM_NODE_MAJOR = 20;

async function main(argv: string[]): Promise<number> {
  const major = Number(process.versions.node.split('.')[0]);
  if (major < MINIMUM_NODE_MAJOR) {
    printErr(
      `agent-os: needs Node.js ${MINIMUM_NODE_MAJOR} or newer; this is ${process.version} (${process.execPath}). Install a newer Node, or run \`npm run cli -- …\` in the clone, which uses the bundled one\n`,
    );
    return 1;
  }
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    printOut(usage());
    return name ? 0 : 2;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    printErr(`agent-os: unknown command '${name}'\n${usage()}`);
    return 2;
  }
  return command.run(rest);
}

function usage(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return `Usage: agent-os <command> [options]\n\nCommands:\n${commands
    .map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`)
    .join('\n')}\n`;
}

main(process.argv.slice(2))
  .then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      printErr(`agent-os: ${describeError(error)}\n`);
      if (process.env.AGENT_OS_DEBUG) printErr(`${(error as Error)?.stack ?? ''}\n`);
      process.exitCode = 1;
    },
  )
  // The OS sandbox's network proxies live as long as this process unless stopped.
  .then(() => shutdownOsSandbox())
  .catch(() => undefined);
