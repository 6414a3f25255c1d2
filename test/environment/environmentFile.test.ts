// The environment file: valid files in YAML and JSON, and every kind of mistake reported with its line.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EnvironmentFileError, parseEnvironmentFile } from '../../src/node/environment/environmentFile.ts';

function problemsOf(text: string, file = '.agents/environment.yaml'): string[] {
  try {
    parseEnvironmentFile(text, file);
  } catch (error) {
    assert.ok(error instanceof EnvironmentFileError, String(error));
    return error.problems.map((p) => `${p.line}:${p.column} ${p.message}`);
  }
  assert.fail('expected problems');
}

test('a YAML environment file with every field parses', () => {
  const value = parseEnvironmentFile(
    [
      'setup:',
      '  - npm ci',
      '  - npm run build',
      'test: npm test',
      'timeoutMinutes: 15',
      'network:',
      '  setup: [example.org, "*.example.org"]',
      '  agents: []',
      'env:',
      '  NODE_ENV: test',
      'copyFiles: [.env.test]',
      'cacheDirectories: [node_modules]',
      '',
    ].join('\n'),
    '.agents/environment.yaml',
  );
  assert.deepEqual(value.setup, ['npm ci', 'npm run build']);
  assert.equal(value.test, 'npm test');
  assert.deepEqual(value.network?.setup, ['example.org', '*.example.org']);
  assert.deepEqual(value.env, { NODE_ENV: 'test' });
});

test('a JSON environment file parses, and a single set-up command may be a string', () => {
  const value = parseEnvironmentFile(
    '{\n  "setup": "pnpm install",\n  "test": "pnpm test"\n}\n',
    '.agents/environment.json',
  );
  assert.equal(value.setup, 'pnpm install');
});

test('an unknown field is reported at its own line, with the known fields', () => {
  const problems = problemsOf('setup: npm ci\ntest: npm test\ninstal: npm i\n');
  assert.equal(problems.length, 1);
  assert.match(problems[0] ?? '', /^3:1 unknown field "instal" \(known: setup, test/);
});

test('a wrong type names the field and its line', () => {
  const problems = problemsOf('setup: npm ci\ntimeoutMinutes: soon\n');
  assert.match(problems[0] ?? '', /^2:17 timeoutMinutes: /);
});

test('a domain with a scheme, and an empty command, are refused where they are written', () => {
  const problems = problemsOf('setup:\n  - npm ci\n  - "  "\nnetwork:\n  setup:\n    - https://example.org/path\n');
  assert.ok(
    problems.some((p) => /^3:5 setup\.1: a command cannot be empty/.test(p)),
    problems.join('\n'),
  );
  assert.ok(
    problems.some((p) => /^6:7 network\.setup\.0: a domain is a host name/.test(p)),
    problems.join('\n'),
  );
});

test('secrets are refused by name and by value: the file holds plain variables only', () => {
  const problems = problemsOf(
    'env:\n  NPM_TOKEN: abc\n  HARMLESS: ghp_0123456789abcdefghijklmnopqrstuvwx\n  PLAIN: yes\n',
  );
  assert.equal(problems.length, 2, problems.join('\n'));
  assert.match(problems[0] ?? '', /^2:14 env\.NPM_TOKEN: NPM_TOKEN looks like a secret/);
  assert.match(problems[1] ?? '', /^3:13 env\.HARMLESS: the value of HARMLESS looks like a secret/);
});

test('a path outside the repository is refused', () => {
  const problems = problemsOf('copyFiles:\n  - ../../home/.ssh/id_rsa\n');
  assert.match(problems[0] ?? '', /^2:5 copyFiles\.0: a path relative to the repository, inside it/);
});

test('YAML and JSON syntax errors name the line', () => {
  assert.match(problemsOf('setup: [npm ci\ntest: x\n')[0] ?? '', /^\d+:\d+ /);
  const json = problemsOf('{\n  "setup": "npm ci",\n  "test": \n}\n', '.agents/environment.json');
  assert.match(json[0] ?? '', /^[34]:\d+ /);
  assert.match(problemsOf('- npm ci\n')[0] ?? '', /^1:1 the environment file must be a mapping/);
});

test('the error message lists every problem as file:line:column', () => {
  try {
    parseEnvironmentFile('test: 3\nother: 1\n', '.agents/environment.yaml');
    assert.fail('expected an error');
  } catch (error) {
    assert.match(
      String((error as Error).message),
      /^\.agents\/environment\.yaml:1:7: test: .*\n\.agents\/environment\.yaml:2:1: unknown field "other"/,
    );
  }
});
