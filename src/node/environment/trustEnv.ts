// The host's certificate trust for the set-up's downloads: behind a proxy that re-signs TLS (companies, CI),
// package managers need the same CA bundle the person's own tools use. These variables name files (never
// secrets), but their names look like secrets to the sandbox's scrubbed environment, so the set-up passes them
// on itself — and only to the set-up, which has the network; agents run offline.
const TRUST_VARIABLES = [
  'NODE_EXTRA_CA_CERTS',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
  'REQUESTS_CA_BUNDLE',
  'PIP_CERT',
  'CURL_CA_BUNDLE',
  'GIT_SSL_CAINFO',
];

export function hostTrustEnv(parent: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of TRUST_VARIABLES) {
    const value = parent[name];
    // Paths only: a value that is not an absolute path is not what these variables hold.
    if (value && /^\/[^\0\n]*$/.test(value)) env[name] = value;
  }
  return env;
}
