// What `--issue` names: an issue on GitHub (URL or owner/repo#n) or a local issue file (Markdown or JSON),
// for work offline or on a task that was never filed.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { InvalidArgumentError } from '../../core/errors.ts';
import { tryParseIssueRef, type Issue, type IssueRef } from '../../core/github/githubPorts.ts';

export type IssueInput = { kind: 'ref'; ref: IssueRef } | { kind: 'file'; issue: Issue; path: string };

/** A ref when the text reads as one, else an issue file when one exists at that path, else INVALID_ARGUMENT. */
export function resolveIssueInput(text: string, cwd: string = process.cwd()): IssueInput {
  const ref = tryParseIssueRef(text);
  if (ref) return { kind: 'ref', ref };
  const path = resolve(cwd, text.trim());
  if (text.trim() && existsSync(path) && statSync(path).isFile())
    return { kind: 'file', issue: readIssueFile(path), path };
  throw new InvalidArgumentError(
    `not an issue: '${text}' (expected https://host/owner/repo/issues/N, owner/repo#N, or the path of a .md or .json issue file)`,
  );
}

/**
 * Markdown: optional YAML front matter (`title`, `number`, `repository: owner/repo`, `labels`, `url`), then
 * the body; without a front-matter title the first `# heading` is the title. JSON: `{ title, body, … }` —
 * also the shapes GitHub's API and `gh issue view --json` print. An issue with no GitHub number has number 0.
 */
export function readIssueFile(path: string): Issue {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new InvalidArgumentError(
      `issue file ${path}: cannot read it (${(error as NodeJS.ErrnoException).code ?? error})`,
    );
  }
  const fields = extname(path).toLowerCase() === '.json' ? fromJson(path, text) : fromMarkdown(path, text);
  const title = typeof fields.title === 'string' ? fields.title.trim() : '';
  if (!title) throw new InvalidArgumentError(`issue file ${path}: no title (give a '# heading' or a 'title' field)`);
  const repository = typeof fields.repository === 'string' ? fields.repository : undefined;
  const fromUrl = typeof fields.url === 'string' ? tryParseIssueRef(fields.url) : undefined;
  const [owner, repo] = repository?.split('/') ?? [];
  const number = Number(fields.number ?? fromUrl?.number ?? 0);
  if (!Number.isSafeInteger(number) || number < 0) {
    throw new InvalidArgumentError(`issue file ${path}: 'number' must be a whole number, not ${String(fields.number)}`);
  }
  const ref: IssueRef = {
    owner: owner || fromUrl?.owner || 'local',
    repo: repo || fromUrl?.repo || basename(path, extname(path)),
    number,
  };
  return {
    ref,
    title,
    body: typeof fields.body === 'string' ? fields.body.trim() : '',
    url: typeof fields.url === 'string' ? fields.url : pathToFileURL(path).href,
    state: String(fields.state ?? 'open').toLowerCase() === 'closed' ? 'closed' : 'open',
    labels: Array.isArray(fields.labels)
      ? fields.labels
          .map((l: unknown) => (typeof l === 'string' ? l : String((l as { name?: unknown })?.name ?? '')))
          .filter((l: string) => l.length > 0)
      : [],
  };
}

function fromJson(path: string, text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new InvalidArgumentError(`issue file ${path}: not valid JSON (${(error as Error).message})`);
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidArgumentError(`issue file ${path}: expected a JSON object with a title and a body`);
  }
  const fields = { ...(value as Record<string, unknown>) };
  // GitHub's API calls the page `html_url` (its `url` is the API's); `gh --json url` gives the page.
  if (typeof fields.html_url === 'string') fields.url = fields.html_url;
  return fields;
}

function fromMarkdown(path: string, text: string): Record<string, unknown> {
  let fields: Record<string, unknown> = {};
  let rest = text.replace(/^\uFEFF/, '');
  const front = /^---\r?\n([\s\S]*?)\r?\n---\r?\n?/.exec(rest);
  if (front) {
    let parsed: unknown;
    try {
      parsed = parseYaml(front[1] ?? '');
    } catch (error) {
      throw new InvalidArgumentError(
        `issue file ${path}: front matter is not valid YAML (${(error as Error).message.split('\n')[0]})`,
      );
    }
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed))
      fields = { ...(parsed as Record<string, unknown>) };
    rest = rest.slice(front[0].length);
  }
  if (fields.title === undefined) {
    const heading = /^[ \t]*#[ \t]+(.+?)[ \t#]*$/m.exec(rest);
    if (heading) {
      fields.title = heading[1];
      rest = rest.slice(0, heading.index) + rest.slice(heading.index + heading[0].length);
    }
  }
  fields.body = rest;
  return fields;
}
