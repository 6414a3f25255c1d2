// Script files: what is accepted, and errors that name the bad field.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidScriptError } from '../../src/core/errors.ts';
import { loadModelScript, parseModelScript } from '../../src/testkit/model/modelScript.ts';

function problemsOf(value: unknown): string {
  try {
    parseModelScript(value, 'my.json');
  } catch (error) {
    assert.ok(error instanceof InvalidScriptError);
    assert.equal(error.code, 'INVALID_SCRIPT');
    assert.match(error.message, /^invalid model script my\.json: /);
    return error.problems.join('\n');
  }
  assert.fail('the script was accepted');
}

describe('model scripts', () => {
  it('loads the sample fixture', () => {
    const script = loadModelScript(join(__dirname, '..', 'fixtures', 'scripts', 'readAndFix.json'));
    assert.equal(script.kind, 'agents');
    assert.ok(script.kind === 'agents' && script.agents.coder?.length === 3);
  });

  it('accepts one sequence for every request', () => {
    const script = parseModelScript({ turns: [{ content: [{ type: 'text', text: 'hi' }], stop_reason: 'end_turn' }] });
    assert.equal(script.kind, 'turns');
  });

  it('needs exactly one of turns and agents', () => {
    assert.match(problemsOf({}), /needs "turns" \(one sequence\) or "agents"/);
    assert.match(problemsOf({ turns: [], agents: {} }), /either "turns" or "agents", not both/);
    assert.match(problemsOf([1, 2]), /must be a JSON object/);
  });

  it('names the bad field by its path', () => {
    assert.match(
      problemsOf({ turns: [{ content: [{ type: 'txt', text: 'x' }] }] }),
      /^turns\[0\]\.content\[0\]\.type: /m,
    );
    assert.match(
      problemsOf({ turns: [{ content: [] }] }),
      /^turns\[0\]\.content: a turn needs at least one content block/m,
    );
    assert.match(
      problemsOf({ agents: { coder: [{ content: [{ type: 'text', text: 'x' }], faults: [{ kind: 'meltdown' }] }] } }),
      /^agents\.coder\[0\]\.faults\[0\]\.kind: /m,
    );
    assert.match(
      problemsOf({ agents: { 'code review': [{ content: [{ type: 'tool_use', name: 'bad name', input: {} }] }] } }),
      /^agents\["code review"\]\[0\]\.content\[0\]\.name: a tool name/m,
    );
    assert.match(
      problemsOf({
        turns: [{ content: [{ type: 'text', text: 'x' }], faults: [{ kind: 'stream_cut', after_events: -1 }] }],
      }),
      /^turns\[0\]\.faults\[0\]\.after_events: /m,
    );
    assert.match(
      problemsOf({ turns: [{ content: [{ type: 'text', text: 'x' }], stop_reason: 'done' }] }),
      /^turns\[0\]\.stop_reason: /m,
    );
    assert.match(problemsOf({ turns: [{ content: [{ type: 'text', text: 'x' }], extra: 1 }] }), /extra/);
  });

  it('reports unreadable files and bad JSON with the file name', () => {
    const dir = mkdtempSync(join(tmpdir(), 'agent-os-script-'));
    try {
      const file = join(dir, 'broken.json');
      writeFileSync(file, '{ "turns": [ ');
      assert.throws(
        () => loadModelScript(file),
        (e: unknown) => e instanceof InvalidScriptError && /broken\.json: not valid JSON/.test(e.message),
      );
      assert.throws(() => loadModelScript(join(dir, 'missing.json')), /missing\.json: cannot read it/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
