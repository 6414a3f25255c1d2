import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BUILTIN_TOOL_SPECS, builtinToolSpecs, parseToolInput } from '../../src/core/tools/builtinTools.ts';
import { BUILTIN_TOOL_NAMES } from '../../src/core/tools/toolConfig.ts';

describe('built-in tool specs and input', () => {
  it('offers every built-in tool with the platform fields', () => {
    const fields = Object.fromEntries(
      BUILTIN_TOOL_NAMES.map((n) => [n, Object.keys(BUILTIN_TOOL_SPECS[n].input_schema.properties ?? {}).sort()]),
    );
    assert.deepEqual(fields, {
      bash: ['command', 'restart', 'timeout_ms'],
      read: ['file_path', 'view_range'],
      write: ['content', 'file_path'],
      edit: ['file_path', 'new_string', 'old_string', 'replace_all'],
      glob: ['path', 'pattern'],
      grep: ['path', 'pattern'],
    });
    assert.deepEqual(BUILTIN_TOOL_SPECS.edit.input_schema.required, ['file_path', 'old_string', 'new_string']);
    assert.deepEqual(
      builtinToolSpecs(['read', 'grep']).map((s) => s.name),
      ['read', 'grep'],
    );
  });

  it('accepts valid input of each tool', () => {
    const valid: [string, unknown][] = [
      ['bash', { command: 'ls', timeout_ms: 0 }],
      ['bash', { restart: true }],
      ['read', { file_path: 'a', view_range: [1, -1] }],
      ['write', { file_path: 'a', content: '' }],
      ['edit', { file_path: 'a', old_string: 'x', new_string: '', replace_all: true }],
      ['glob', { pattern: '**/*.ts', path: 'src' }],
      ['grep', { pattern: 'x' }],
    ];
    for (const [name, input] of valid) {
      const parsed = parseToolInput(name, input);
      assert.equal(parsed.ok, true, `${name} ${JSON.stringify(input)}: ${parsed.ok ? '' : parsed.error}`);
    }
  });

  it('names the bad field in its error', () => {
    const cases: [string, unknown, RegExp][] = [
      ['bash', {}, /command: command is required/],
      ['bash', { command: 'ls', timeout_ms: 1.5 }, /timeout_ms/],
      ['read', {}, /file_path: required field is missing/],
      ['read', { file_path: 'a', view_range: [5, 2] }, /view_range: end_line must be/],
      ['read', { file_path: 'a', view_range: [0, 2] }, /view_range\.0/],
      ['write', { file_path: 'a' }, /content: required field is missing/],
      ['edit', { file_path: 'a', old_string: 'x', new_string: 'y', replace_all: 'yes' }, /replace_all: .*boolean/],
      ['glob', { pattern: 'x', cwd: '/' }, /unknown field\(s\) "cwd"/],
      ['grep', null, /expected object/],
      ['web_fetch', {}, /Unknown tool "web_fetch"/],
    ];
    for (const [name, input, expected] of cases) {
      const parsed = parseToolInput(name, input);
      assert.equal(parsed.ok, false);
      if (!parsed.ok) assert.match(parsed.error, expected);
    }
  });
});
