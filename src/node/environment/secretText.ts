// Recognizes secrets by content, for what the environment file lets into a sandbox (variables, copied
// files): values shaped like tokens and keys are kept out even when their name looks harmless.

const TOKEN_SHAPES = [
  /-----BEGIN [A-Z ]*PRIVATE KEY-----/,
  /\bsk-[A-Za-z0-9_-]{16,}/, // model providers' API keys
  /\bgh[pousr]_[A-Za-z0-9]{20,}/, // GitHub tokens
  /\bgithub_pat_[A-Za-z0-9_]{20,}/,
  /\bglpat-[A-Za-z0-9_-]{16,}/, // GitLab
  /\bxox[abprs]-[A-Za-z0-9-]{10,}/, // Slack
  /\bAKIA[0-9A-Z]{16}\b/, // AWS access key ids
  /\bnpm_[A-Za-z0-9]{30,}/, // npm tokens
  /_authToken\s*=/, // .npmrc credentials
  /\/\/[^/\s:@]+:[^/\s@]+@/, // credentials in a URL
];

export function looksLikeSecretValue(value: string): boolean {
  return TOKEN_SHAPES.some((shape) => shape.test(value));
}

/** File names that hold credentials whatever is inside: never copied. */
const SECRET_FILE =
  /(^|\/)(\.netrc|\.npmrc|\.pypirc|\.git-credentials|id_[a-z0-9]+|[^/]*\.(pem|key|p12|pfx|jks|keystore)|credentials[^/]*|secrets?[^/]*)$/i;

export function isSecretFileName(path: string): boolean {
  return SECRET_FILE.test(path);
}
