// A tool call that waits for confirmation (always_ask) can be answered with the CLI's flags:
// without an answer the CLI stops with exit 3 and the hint; --allow-tools runs it; --deny-tools sends the
// reason to the agent.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parseModelScript } from '../../src/testkit/model/modelScript.ts';
import { ScriptedModelServer } from '../../src/testkit/model/scriptedModelServer.ts';
import { FileSessionStore } from '../../src/node/session/fileSessionStore.ts';
import { cliEnv, startCli } from '../support/cliProcess.ts';
import { askerAgent } from '../harness/harnessWorld.ts';
import { makeTempRepo, type TempRepo } from '../support/gitRepo.ts';

// A writer: unconfined, a reader would get no bash at all, and nothing would ask.
const ASKER = askerAgent(['bash', 'read', 'write']);

let server: ScriptedModelServer;
let repo: TempRepo;

before(async () => {
  server = await ScriptedModelServer.start({
    script: parseModelScript({
      agents: {
        asker: [
          { content: [{ type: 'tool_use', name: 'bash', input: { command: 'echo ran > ran.txt' } }] },
          { content: [{ type: 'tool_use', name: 'bash', input: { command: 'echo again >> ran.txt' } }] },
          { content: [{ type: 'text', text: 'Done.' }] },
        ],
        denier: [
          { content: [{ type: 'tool_use', name: 'bash', input: { command: 'echo no > no.txt' } }] },
          { content: [{ type: 'text', text: 'Understood.' }], expect: { last_user_text_includes: 'not today' } },
        ],
      },
    }),
  });
  repo = makeTempRepo({
    'README.md': '# x\n',
    '.agents/asker.md': ASKER,
    '.agents/denier.md': ASKER.replace('name: asker', 'name: denier'),
  });
});
after(async () => {
  await server.close();
  repo.cleanup();
});

test('always_ask through the CLI: exit 3 with the hint, then --allow-tools answers every call that asks', async () => {
  const store = join(repo.root, 'store');
  const env = cliEnv({ ANTHROPIC_API_KEY: 'x' });
  const common = ['--repo', repo.repo, '--store', store, '--base-url', server.url];
  const first = await startCli(['run', '--agent', 'asker', '--prompt', 'run it', ...common], env).done;
  assert.equal(first.code, 3, first.stderr);
  assert.match(first.stdout, /--allow-tools \| --deny-tools/);
  const [session] = await new FileSessionStore(store).list();
  assert.ok(session);

  const second = await startCli(['resume', session.id, '--allow-tools', ...common], env).done;
  // The second call asks too: --allow-tools answers every call that asks during this command.
  assert.equal(second.code, 0, second.stdout + second.stderr);
  assert.match(second.stdout, /allowing: bash/);
  const events = await new FileSessionStore(store).read(session.id);
  assert.equal(events.filter((e) => e.type === 'user.tool_confirmation').length, 2);
  const results = events.filter((e) => e.type === 'agent.tool_result');
  assert.equal(results.length, 2);
  assert.ok(
    results.every((r) => r.type === 'agent.tool_result' && !r.is_error),
    'both calls ran',
  );
});

test('--deny-tools sends the reason to the agent and the call never runs', async () => {
  const env = cliEnv({ ANTHROPIC_API_KEY: 'x' });
  const store3 = join(repo.root, 'store3');
  const common3 = ['--repo', repo.repo, '--store', store3, '--base-url', server.url];
  const denied = await startCli(
    ['run', '--agent', 'denier', '--prompt', 'run it', '--deny-tools', 'not today', ...common3],
    env,
  ).done;
  assert.equal(denied.code, 0, denied.stdout + denied.stderr);
  assert.match(denied.stdout, /denying: bash/);
  const [session] = await new FileSessionStore(store3).list();
  const results = (await new FileSessionStore(store3).read(session!.id)).filter((e) => e.type === 'agent.tool_result');
  assert.equal(results.length, 1);
  const [result] = results;
  assert.ok(result?.type === 'agent.tool_result' && result.is_error && /not today/.test(result.content[0]?.text ?? ''));
});
