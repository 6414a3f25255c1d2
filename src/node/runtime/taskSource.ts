// Turns what the person asked for (a GitHub issue, an issue file, a typed task) into the session's
// title and the Coordinator's first message.
import { AgentOsError } from '../../core/errors.ts';
import { formatIssueRef, type Issue, type IssueSource } from '../../core/github/githubPorts.ts';
import { resolveIssueInput } from '../github/issueInput.ts';
import type { StartSessionRequest } from '../../core/runtime/sessionService.ts';

export interface TaskSource {
  issues?: IssueSource;
}

export interface DescribedTask {
  title: string;
  source: string;
  prompt: string;
}

export async function describeTask(tasks: TaskSource, request: StartSessionRequest): Promise<DescribedTask> {
  if (request.task !== undefined) {
    const text = request.task.trim();
    if (!text) throw new AgentOsError('INVALID_ARGUMENT', 'the task is empty');
    return {
      title: firstLine(text),
      source: 'task',
      prompt: promptFor({ title: firstLine(text), body: text, where: 'a task typed by the person' }),
    };
  }
  if (!request.issue) throw new AgentOsError('INVALID_ARGUMENT', 'give an issue or a task');
  const input = resolveIssueInput(request.issue, request.repository);
  let issue: Issue;
  if (input.kind === 'file') {
    issue = input.issue;
  } else {
    if (!tasks.issues) throw new AgentOsError('GITHUB_FAILED', 'no GitHub connection is configured to read issues');
    issue = await tasks.issues.getIssue(input.ref);
  }
  const title = input.kind === 'ref' ? `${formatIssueRef(issue.ref)}: ${issue.title}` : issue.title;
  return { title, source: issue.url, prompt: promptFor({ title, body: issue.body, where: issue.url }) };
}

function firstLine(text: string): string {
  return (text.split('\n').find((l) => l.trim()) ?? '').trim().slice(0, 120);
}

function promptFor(task: { title: string; body: string; where: string }): string {
  return [
    `Resolve this issue in the repository (from ${task.where}).`,
    '',
    `# ${task.title}`,
    '',
    task.body.trim(),
    '',
    'Work through your agents: get a plan from the Planner, have the Coder carry it out, and have the Reviewer check it.',
  ].join('\n');
}
