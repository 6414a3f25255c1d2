// The environment a sandboxed command starts with. Credentials live in the harness process only: an agent's
// shell must not see the API key, a GitHub token, or anything that looks like a secret, whatever its name.

/** Variable names that are dropped whatever their value. */
const SECRET_NAME = /(KEY|TOKEN|SECRET|PASSWORD|PASSWD|PASS|CREDENTIAL|AUTH|COOKIE|SESSION|PRIVATE|CERT)/i;
/** Whole families of cloud and tool credentials, and our own process' settings. */
const SECRET_PREFIX =
  /^(ANTHROPIC_|CLAUDE_|AWS_|AZURE_|GOOGLE_|GCP_|GCLOUD_|CLOUDSDK_|GH_|GITHUB_|GITLAB_|NPM_CONFIG_|DOCKER_|KUBE|SSH_|GPG_|VAULT_|OPENAI_|HF_|HUGGING)/i;
/** Variables that would point a sandboxed program at a socket or agent outside the sandbox. */
const HOST_HANDLES = new Set([
  'SSH_AUTH_SOCK',
  'GPG_AGENT_INFO',
  'DBUS_SESSION_BUS_ADDRESS',
  'XDG_RUNTIME_DIR',
  'DISPLAY',
  'WAYLAND_DISPLAY',
]);
/** Only these are passed through from the parent; everything else is left behind. */
const PASS_THROUGH = ['PATH', 'LANG', 'LANGUAGE', 'LC_ALL', 'LC_CTYPE', 'TZ', 'TERM'];
/** Where the machine's trusted certificate authorities are (a company's TLS proxy): public files, named like
 * secrets (CERT) but none. Without them npm, pip and git fail with "self-signed certificate" there. */
const TRUST_STORES = [
  'NODE_EXTRA_CA_CERTS',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
  'REQUESTS_CA_BUNDLE',
  'CURL_CA_BUNDLE',
  'GIT_SSL_CAINFO',
];

export interface ScrubbedEnvOptions {
  /** HOME inside the sandbox: a scratch directory, never the user's home with its dotfiles and tokens. */
  home: string;
  /** The parent environment; defaults to this process'. */
  parent?: NodeJS.ProcessEnv;
  /** Extra variables (already vetted by the caller), applied last. */
  extra?: Record<string, string>;
}

export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name) || SECRET_PREFIX.test(name) || HOST_HANDLES.has(name.toUpperCase());
}

/** An allow-list environment: a few harmless variables from the parent, HOME pointing into the sandbox. */
export function scrubbedEnv(options: ScrubbedEnvOptions): Record<string, string> {
  const parent = options.parent ?? process.env;
  const env: Record<string, string> = {};
  for (const name of PASS_THROUGH) {
    const value = parent[name];
    if (value !== undefined && !isSecretName(name)) env[name] = value;
  }
  for (const name of TRUST_STORES) {
    const value = parent[name];
    if (value !== undefined) env[name] = value;
  }
  env.PATH ??= '/usr/local/bin:/usr/bin:/bin';
  env.LANG ??= 'C.UTF-8';
  env.HOME = options.home;
  // Tools that page or colour their output would otherwise wait for a key or emit escape codes.
  env.TERM = 'dumb';
  env.PAGER = 'cat';
  env.GIT_PAGER = 'cat';
  env.GIT_TERMINAL_PROMPT = '0';
  for (const [name, value] of Object.entries(options.extra ?? {})) env[name] = value;
  return env;
}
