// Cost and tokens per thread as horizontal bars (SVG of our own), the session's total first, with the
// budget as a line on the same scale when one is set. Unpriced models (cost 0 throughout) are drawn
// by tokens instead, against a token budget.
import type { SessionOverview } from '../../shared/overviewProtocol.ts';
import { h, s } from './dom.ts';

const LABEL_W = 132;
const BAR_H = 18;
const GAP = 8;
const VALUE_W = 220;

export function renderCostChart(o: SessionOverview): HTMLElement {
  const section = h('section', { class: 'section costs', 'aria-labelledby': 'costs-heading' });
  section.append(h('h2', { id: 'costs-heading' }, 'Cost and tokens per thread'));
  const { bars, totalUsd, totalTokens, budgetUsd, budgetTokens } = o.costs;
  const byTokens = totalUsd === 0 && totalTokens > 0;
  const measure = (b: { costUsd: number; tokens: number }) => (byTokens ? b.tokens : b.costUsd);
  const budget = byTokens ? budgetTokens : budgetUsd;
  const rows = [
    {
      agentName: 'Session',
      costUsd: totalUsd,
      tokens: totalTokens,
      costLabel: '',
      tokensLabel: o.costs.totalLabel,
      total: true,
    },
    ...bars.map((b) => ({ ...b, total: false })),
  ];
  const max = Math.max(...rows.map(measure), budget ?? 0, byTokens ? 1 : 0.0001);
  const width = Math.max(420, Math.min(900, section.clientWidth || 760));
  const plotW = width - LABEL_W - VALUE_W;
  const top = budget !== undefined ? 16 : 4;
  const height = top + rows.length * (BAR_H + GAP);
  const x = (v: number) => LABEL_W + (v / max) * plotW;

  const svg = s('svg', {
    class: 'cost-svg',
    width,
    height,
    viewBox: `0 0 ${width} ${height}`,
    role: 'list',
    'aria-label': `Cost per thread${byTokens ? ' (in tokens: the models are unpriced)' : ''}${o.costs.budgetLabel ? `; ${o.costs.budgetLabel}` : ''}`,
  });
  rows.forEach((r, i) => {
    const y = top + i * (BAR_H + GAP);
    const value = measure(r);
    const label = r.total ? `Session total: ${r.tokensLabel}` : `${r.agentName}: ${r.costLabel}, ${r.tokensLabel}`;
    const g = s('g', {
      role: 'listitem',
      'aria-label': label,
      class: r.total ? 'bar-row total' : 'bar-row',
      'data-agent': r.agentName,
    });
    g.append(
      s('text', { x: 8, y: y + BAR_H - 5, class: 'bar-label', 'aria-hidden': 'true' }, r.agentName),
      s('rect', { x: LABEL_W, y, width: plotW, height: BAR_H, class: 'bar-track', 'aria-hidden': 'true' }),
      s('rect', {
        x: LABEL_W,
        y,
        width: Math.max(value > 0 ? 2 : 0, x(value) - LABEL_W),
        height: BAR_H,
        rx: 2,
        class: 'bar',
        'aria-hidden': 'true',
      }),
      s(
        'text',
        { x: LABEL_W + plotW + 8, y: y + BAR_H - 5, class: 'bar-value', 'aria-hidden': 'true' },
        r.total ? r.tokensLabel : `${r.costLabel} · ${r.tokensLabel}`,
      ),
    );
    svg.append(g);
  });
  if (budget !== undefined) {
    const bx = x(budget);
    const over = measure(rows[0]!) > budget;
    svg.append(
      s(
        'g',
        {
          role: 'listitem',
          'aria-label': `${o.costs.budgetLabel ?? 'budget'}${over ? ', reached' : ''}`,
          class: over ? 'budget over' : 'budget',
        },
        s('line', { x1: bx, x2: bx, y1: 2, y2: height, class: 'budget-line', 'aria-hidden': 'true' }),
        s(
          'text',
          { x: bx, y: 11, 'text-anchor': 'middle', class: 'budget-label', 'aria-hidden': 'true' },
          o.costs.budgetLabel ?? 'budget',
        ),
      ),
    );
  }
  section.append(svg);
  if (!o.costs.budgetLabel)
    section.append(h('p', { class: 'muted' }, 'No budget is set for this session (setting agentOs.budget.maxUsd).'));
  return section;
}
