// `agent-os scripted-model --script <file> [--port <n>]`: serves the Messages API from a script of turns,
// so an agent set-up can be run deterministically (point the client's base URL at the printed address).
import { parseArgs } from 'node:util';
import { AgentOsError } from '../../core/errors.ts';
import { loadModelScript } from '../../testkit/model/modelScript.ts';
import { ScriptedModelServer } from '../../testkit/model/scriptedModelServer.ts';
import type { CliCommand } from '../cliCommand.ts';
import { printOut } from '../terminalOutput.ts';

const usage = 'Usage: agent-os scripted-model --script <file.json> [--port <n>] [--host <address>]';

export const scriptedModelCommand: CliCommand = {
  name: 'scripted-model',
  summary: 'serve the Messages API from a script of turns (for tests and demos)',
  async run(args) {
    let values: { script?: string; port?: string; host?: string; help?: boolean };
    try {
      ({ values } = parseArgs({
        args,
        options: {
          script: { type: 'string', short: 's' },
          port: { type: 'string', short: 'p' },
          host: { type: 'string' },
          help: { type: 'boolean', short: 'h' },
        },
        strict: true,
      }));
    } catch (error) {
      throw new AgentOsError('INVALID_ARGUMENT', `${(error as Error).message}\n${usage}`);
    }
    if (values.help) {
      printOut(`${usage}\n`);
      return 0;
    }
    if (!values.script) throw new AgentOsError('INVALID_ARGUMENT', `--script is required. ${usage}`);
    const port = values.port === undefined ? 0 : Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new AgentOsError('INVALID_ARGUMENT', `--port must be a port number, not '${values.port}'`);
    }
    const script = loadModelScript(values.script);
    const server = await ScriptedModelServer.start({ script, port, ...(values.host ? { host: values.host } : {}) });
    printOut(`listening on ${server.url}\n`);
    await new Promise<void>((resolve) => {
      const stop = (): void => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        resolve();
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    await server.close();
    printOut(`served ${server.requests.length} request(s)\n`);
    return 0;
  },
};
