// The Reviewer's verdict with its evidence (the test runs with exit codes and counts, base and head
// commits, the changed files with +/−) and the person's actions on it.
import type { CardAction } from '../../shared/eventLogProtocol.ts';
import type { SessionOverview } from '../../shared/overviewProtocol.ts';
import { runSummary } from './checklist.ts';
import { button, eventLink, h, icon, shortSha } from './dom.ts';

export function renderVerdict(
  o: SessionOverview,
  act: (a: CardAction) => void,
  open: (seq: number) => void,
): HTMLElement {
  const section = h('section', { class: 'section verdict', 'aria-labelledby': 'verdict-heading' });
  const v = o.verdict;
  if (!v) {
    section.append(
      h('h2', { id: 'verdict-heading' }, icon('law'), ' Verdict'),
      h('p', { class: 'muted' }, 'No verdict yet: the Reviewer has not reviewed the change.'),
    );
    return section;
  }
  const approve = v.decision === 'APPROVE';
  section.classList.add(approve ? 'approve' : 'reject');
  section.dataset['verdict'] = v.eventId;
  section.append(
    h(
      'h2',
      { id: 'verdict-heading' },
      icon(approve ? 'verified-filled' : 'error'),
      ` Reviewer's verdict: ${v.decision}`,
      h('span', { class: 'muted' }, ` · review ${v.round}`),
    ),
    h(
      'p',
      { class: 'verdict-summary' },
      v.summary,
      ' ',
      eventLink('Open verdict', v.seq, open, 'Open the verdict in the Event Log'),
    ),
  );
  if (v.fixes.length) {
    section.append(
      h('h3', {}, 'Fixes asked for'),
      h(
        'ul',
        { class: 'fixes' },
        ...v.fixes.map((f) =>
          h('li', {}, f.file ? h('code', {}, f.file) : '', f.file ? ': ' : '', f.problem, ' — ', h('em', {}, f.fix)),
        ),
      ),
    );
  }
  const evidence = h('dl', { class: 'facts evidence' });
  evidence.append(h('dt', {}, 'Test runs'));
  if (v.testRuns.length === 0) evidence.append(h('dd', { class: 'muted' }, 'none recorded'));
  for (const run of v.testRuns) {
    evidence.append(
      h(
        'dd',
        { class: 'test-run' },
        icon(run.ok === null ? 'loading' : run.ok ? 'pass' : 'error'),
        ' ',
        h('code', { class: 'command' }, run.command),
        ' ',
        runSummary(run, open),
      ),
    );
  }
  evidence.append(
    h('dt', {}, 'Commits'),
    h(
      'dd',
      {},
      'base ',
      h('code', { title: v.baseCommit }, shortSha(v.baseCommit)),
      ' → head ',
      h('code', { title: v.headCommit }, shortSha(v.headCommit)),
    ),
    h('dt', {}, 'Changed files'),
  );
  if (v.changedFiles?.length) {
    const table = h('table', { class: 'files', 'aria-label': 'Changed files' });
    table.append(
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { scope: 'col' }, 'File'),
          h('th', { scope: 'col' }, 'Added'),
          h('th', { scope: 'col' }, 'Removed'),
        ),
      ),
    );
    const body = h('tbody');
    for (const f of v.changedFiles) {
      body.append(
        h(
          'tr',
          {},
          h(
            'td',
            {},
            h('span', { class: `file-status st-${f.status}`, title: f.status }, f.status),
            ' ',
            h('code', {}, f.path),
          ),
          h('td', { class: 'add' }, f.additions === undefined ? 'binary' : `+${f.additions}`),
          h('td', { class: 'del' }, f.deletions === undefined ? '' : `−${f.deletions}`),
        ),
      );
    }
    table.append(body);
    evidence.append(h('dd', {}, table));
  } else
    evidence.append(
      h('dd', { class: 'muted' }, v.changedFilesNote ?? (v.changedFiles ? 'no files changed' : 'reading the change…')),
    );
  section.append(evidence);

  const buttons = h('div', { class: 'buttons' });
  const open_ = !v.answered && !o.pullRequest;
  if (approve && open_)
    buttons.append(
      button('Approve and Create PR', 'approve', () => act({ action: 'approve', verdictEventId: v.eventId })),
    );
  buttons.append(button('Show Changes', 'showChanges', () => act({ action: 'showChanges' }), true));
  if (open_)
    buttons.append(
      button(
        'Request Changes…',
        'requestChanges',
        () => act({ action: 'requestChanges', verdictEventId: v.eventId }),
        true,
      ),
    );
  section.append(buttons);
  if (o.pullRequest) {
    const link = h('a', { class: 'pr-link', href: o.pullRequest.url }, `Pull request #${o.pullRequest.number}`);
    link.addEventListener('click', (ev) => {
      ev.preventDefault();
      act({ action: 'openPullRequest' });
    });
    section.append(h('p', { class: 'answered' }, icon('git-pull-request'), ' You approved. ', link, ' is open.'));
  } else if (v.answered) {
    section.append(
      h(
        'p',
        { class: 'answered' },
        icon(v.answered === 'approve' ? 'check' : 'comment'),
        v.answered === 'approve' ? ' You approved this verdict.' : ' You asked for changes.',
      ),
    );
  } else if (approve) {
    section.append(h('p', { class: 'answered muted' }, 'Nothing is pushed until you approve.'));
  }
  return section;
}
