import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cursorContext, keyAt } from '../../src/lsp/frontMatterContext.ts';

const doc = [
  '---', // 0
  'name: x', // 1
  'tools:', // 2
  '  - Read', // 3
  '  - ', // 4
  'toolset:', // 5
  '  default_config:', // 6
  '    enabled: ', // 7
  '  configs:', // 8
  '    - name: bash', // 9
  '      permission_policy:', // 10
  '        type: al', // 11
  '    - ', // 12
  'netw', // 13
  '---', // 14
  'body: not front matter', // 15
].join('\n');

test('cursor context: list items, nested toolset keys and values, top-level keys', () => {
  assert.deepEqual(cursorContext(doc, 4, 4)?.keyPath, ['tools']);
  assert.equal(cursorContext(doc, 4, 4)?.kind, 'value');
  assert.deepEqual(cursorContext(doc, 7, 13)?.keyPath, ['toolset', 'default_config', 'enabled']);
  assert.deepEqual(cursorContext(doc, 9, 12)?.keyPath, ['toolset', 'configs', 'name']);
  assert.deepEqual(cursorContext(doc, 11, 16)?.keyPath, ['toolset', 'configs', 'permission_policy', 'type']);
  const item = cursorContext(doc, 12, 6)!;
  assert.equal(item.kind, 'key');
  assert.deepEqual(item.keyPath, ['toolset', 'configs']);
  const top = cursorContext(doc, 13, 4)!;
  assert.equal(top.kind, 'key');
  assert.deepEqual(top.keyPath, []);
  assert.deepEqual(top.existingFields, ['name', 'tools', 'toolset']);
  assert.equal(cursorContext(doc, 15, 3), undefined, 'the body is not front matter');
  assert.equal(cursorContext(doc, 0, 1), undefined);
});

test('keyAt finds the key under the cursor with its parents', () => {
  assert.deepEqual(keyAt(doc, 10, 8), { keyPath: ['toolset', 'configs', 'permission_policy'], start: 6, end: 23 });
  assert.deepEqual(keyAt(doc, 9, 7)?.keyPath, ['toolset', 'configs', 'name']);
  assert.equal(keyAt(doc, 9, 14), undefined, 'on the value, not the key');
});
