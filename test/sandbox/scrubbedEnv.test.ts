import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isSecretName, scrubbedEnv } from '../../src/node/sandbox/scrubbedEnv.ts';

describe('scrubbed environment', () => {
  it('passes only harmless variables and points HOME into the sandbox', () => {
    const env = scrubbedEnv({
      home: '/sandbox/home',
      parent: {
        PATH: '/usr/bin:/bin',
        HOME: '/home/person',
        LANG: 'de_DE.UTF-8',
        ANTHROPIC_API_KEY: 'sk-ant',
        GITHUB_TOKEN: 'ghp',
        GH_TOKEN: 'gho',
        MY_SECRET: 's',
        AWS_REGION: 'eu-west-1',
        NPM_CONFIG_USERCONFIG: '/home/person/.npmrc',
        SSH_AUTH_SOCK: '/run/user/1000/ssh',
        SOME_HARMLESS: 'x',
        NODE_EXTRA_CA_CERTS: '/etc/ssl/certs/company.pem',
      },
      extra: { CI: '1' },
    });
    // The machine's certificate authorities pass (public files a TLS proxy needs), though named like a secret.
    assert.deepEqual(Object.keys(env).sort(), [
      'CI',
      'GIT_PAGER',
      'GIT_TERMINAL_PROMPT',
      'HOME',
      'LANG',
      'NODE_EXTRA_CA_CERTS',
      'PAGER',
      'PATH',
      'TERM',
    ]);
    assert.equal(env.HOME, '/sandbox/home');
    assert.equal(env.PATH, '/usr/bin:/bin');
    assert.equal(env.LANG, 'de_DE.UTF-8');
  });

  it('recognizes secret-looking names', () => {
    for (const name of [
      'ANTHROPIC_API_KEY',
      'GITHUB_TOKEN',
      'GH_TOKEN',
      'MY_SECRET',
      'DB_PASSWORD',
      'PGPASSWD',
      'AWS_REGION',
      'GOOGLE_APPLICATION_CREDENTIALS',
      'SESSION_ID',
      'auth_header',
      'COOKIE_JAR',
      'SSH_AUTH_SOCK',
    ]) {
      assert.equal(isSecretName(name), true, name);
    }
    for (const name of ['PATH', 'LANG', 'TERM', 'TZ', 'CI']) assert.equal(isSecretName(name), false, name);
  });
});
