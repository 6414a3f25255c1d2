// The CLI says, as a session's writer opens, that its log nears the size a session may hold — long before
// appends are refused with LOG_FULL — on stderr, once per opening, and where the limit is set
// (AGENT_OS_MAX_LOG_BYTES, lowered here to a little above the log a short run leaves).
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { sessionIdIn, show, startCliWorld } from './cliWorld.ts';

test('resume of a session near its log limit warns on stderr once; a bad AGENT_OS_MAX_LOG_BYTES is one line', async () => {
  const world = await startCliWorld({ agents: { Coder: [{ content: [{ type: 'text', text: 'Nothing to do.' }] }] } });
  try {
    // A long prompt, so that the resume has room to append below the lowered limit.
    const prompt = `Look around. ${'Take your time. '.repeat(3000)}`;
    const first = await world.cli(['run', '--agent', 'Coder', '--prompt', prompt, ...world.flags]);
    assert.equal(first.code, 0, show(first));
    assert.doesNotMatch(first.stderr, /a session may hold/, 'far below the default limit, nothing is said');
    const id = sessionIdIn(first.stdout);
    const logBytes = statSync(join(world.storeDir, id, 'events.jsonl')).size;
    const limit = Math.ceil(logBytes / 0.8);

    const resumed = await world.cli(['resume', id, ...world.flags], {
      ANTHROPIC_API_KEY: 'x',
      AGENT_OS_MAX_LOG_BYTES: String(limit),
    });
    assert.equal(resumed.code, 0, show(resumed));
    const warnings = resumed.stderr.split('\n').filter((line) => line.includes('a session may hold'));
    assert.equal(warnings.length, 1, show(resumed));
    assert.match(
      warnings[0] ?? '',
      new RegExp(
        `^warning: session ${id}: its log is [0-9.]+ KiB of the [0-9.]+ KiB a session may hold; at the limit appends are refused\\. ` +
          'Start a new session for further work soon \\(AGENT_OS_MAX_LOG_BYTES sets the limit\\)$',
      ),
    );

    const bad = await world.cli(['resume', id, ...world.flags], {
      ANTHROPIC_API_KEY: 'x',
      AGENT_OS_MAX_LOG_BYTES: '1e',
    });
    assert.equal(bad.code, 1, show(bad));
    assert.equal(bad.stderr.trim(), "agent-os: AGENT_OS_MAX_LOG_BYTES must be a whole number of bytes, got '1e'");
  } finally {
    await world.close();
  }
});
