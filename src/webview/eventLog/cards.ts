// The part of the Event Log that asks the person something: the Planner's questions before the Coder starts
// (answered in the card), the Reviewer's verdict (approve, show changes, request changes), `always_ask` tool
// calls (allow, deny), and the pull request once opened.
import {
  MAX_ANSWER_LENGTH,
  type CardAction,
  type QuestionsCard,
  type SessionSummary,
} from '../../shared/eventLogProtocol.ts';

export function renderCards(
  doc: Document,
  container: HTMLElement,
  summary: SessionSummary,
  act: (a: CardAction) => void,
): void {
  // Cards are drawn anew with every summary: answers being typed survive it.
  const typed = typedAnswers(container, summary.questions?.eventId);
  container.replaceChildren();
  if (summary.questions) container.append(questionsCard(doc, summary.questions, typed, act));
  const v = summary.verdict;
  if (v && !v.answered && !summary.pullRequest) {
    const card = section(
      doc,
      'card verdict',
      v.decision === 'APPROVE' ? 'verified' : 'law',
      `Reviewer's verdict: ${v.decision}`,
    );
    card.dataset['verdict'] = v.eventId;
    if (v.summary) card.append(text(doc, 'p', v.summary, 'summary'));
    const evidence = doc.createElement('ul');
    evidence.className = 'evidence';
    for (const run of v.testRuns) {
      const li = doc.createElement('li');
      li.append(icon(doc, run.ok === null ? 'question' : run.ok ? 'pass' : 'error'), text(doc, 'code', run.command));
      evidence.append(li);
    }
    const commits = doc.createElement('li');
    commits.append(
      icon(doc, 'git-commit'),
      text(doc, 'span', `commits ${v.baseCommit.slice(0, 8)}..${v.headCommit.slice(0, 8)}`),
    );
    evidence.append(commits);
    card.append(evidence);
    const buttons = doc.createElement('div');
    buttons.className = 'buttons';
    if (v.decision === 'APPROVE')
      buttons.append(
        button(doc, 'Approve and Create PR', 'approve', false, () =>
          act({ action: 'approve', verdictEventId: v.eventId }),
        ),
      );
    buttons.append(
      button(doc, 'Show Changes', 'showChanges', true, () => act({ action: 'showChanges' })),
      button(doc, 'Request Changes…', 'requestChanges', true, () =>
        act({ action: 'requestChanges', verdictEventId: v.eventId }),
      ),
    );
    card.append(buttons);
    container.append(card);
  }
  for (const ask of summary.toolAsks) {
    const card = section(doc, 'card ask', 'shield', `${ask.agent} asks to run ${ask.tool}`);
    card.dataset['toolUse'] = ask.eventId;
    card.append(text(doc, 'pre', ask.input, 'input'));
    const buttons = doc.createElement('div');
    buttons.className = 'buttons';
    buttons.append(
      button(doc, 'Allow', 'allowTool', false, () => act({ action: 'allowTool', toolUseEventId: ask.eventId })),
      button(doc, 'Deny…', 'denyTool', true, () => act({ action: 'denyTool', toolUseEventId: ask.eventId })),
    );
    card.append(buttons);
    container.append(card);
  }
  if (summary.pullRequest) {
    const card = section(doc, 'card pr', 'git-pull-request', `Pull request #${summary.pullRequest.number} opened`);
    const link = doc.createElement('a');
    link.href = summary.pullRequest.url;
    link.textContent = summary.pullRequest.url;
    link.className = 'pr-link';
    link.addEventListener('click', (ev) => {
      ev.preventDefault();
      act({ action: 'openPullRequest' });
    });
    card.append(link);
    container.append(card);
  }
}

const REASONS: Record<QuestionsCard['reason'], string> = {
  questions: 'The Planner has questions before the Coder starts',
  low_confidence: 'The Planner is not sure of its plan: check it before the Coder starts',
  always: 'You asked to see every plan before the Coder starts',
};

/** One text box per question; the answers go to the Planner, which revises its plan. */
function questionsCard(
  doc: Document,
  q: QuestionsCard,
  typed: readonly string[],
  act: (a: CardAction) => void,
): HTMLElement {
  const card = section(doc, 'card questions', 'question', REASONS[q.reason]);
  card.dataset['questions'] = q.eventId;
  if (q.confidence !== undefined)
    card.append(text(doc, 'p', `The plan's confidence: ${Math.round(q.confidence * 100)}%.`, 'summary'));
  const boxes = q.questions.map((question, i) => {
    const label = doc.createElement('label');
    label.className = 'question';
    const box = doc.createElement('textarea');
    box.rows = 2;
    box.maxLength = MAX_ANSWER_LENGTH;
    box.dataset['answer'] = String(i);
    box.value = typed[i] ?? '';
    box.setAttribute('aria-label', question);
    label.append(text(doc, 'span', `${i + 1}. ${question}`), box);
    card.append(label);
    return box;
  });
  const buttons = doc.createElement('div');
  buttons.className = 'buttons';
  buttons.append(
    button(doc, 'Send Answers', 'answerQuestions', false, () =>
      act({ action: 'answerQuestions', questionsEventId: q.eventId, answers: boxes.map((b) => b.value.trim()) }),
    ),
  );
  card.append(buttons);
  return card;
}

function typedAnswers(container: HTMLElement, questionsEventId: string | undefined): string[] {
  const card = container.querySelector<HTMLElement>('.card.questions');
  if (!card || card.dataset['questions'] !== questionsEventId) return [];
  return [...card.querySelectorAll('textarea')].map((b) => b.value);
}

function section(doc: Document, className: string, codicon: string, heading: string): HTMLElement {
  const card = doc.createElement('section');
  card.className = className;
  const h = doc.createElement('h2');
  h.append(icon(doc, codicon), doc.createTextNode(` ${heading}`));
  card.append(h);
  return card;
}

function icon(doc: Document, name: string): HTMLElement {
  const el = doc.createElement('span');
  el.className = `codicon codicon-${name}`;
  return el;
}

function text(doc: Document, tag: string, value: string, className?: string): HTMLElement {
  const el = doc.createElement(tag);
  el.textContent = value;
  if (className) el.className = className;
  return el;
}

function button(doc: Document, label: string, action: string, secondary: boolean, onClick: () => void): HTMLElement {
  const b = doc.createElement('vscode-button');
  b.textContent = label;
  b.dataset['action'] = action;
  if (secondary) b.setAttribute('secondary', '');
  b.addEventListener('click', onClick);
  return b;
}
