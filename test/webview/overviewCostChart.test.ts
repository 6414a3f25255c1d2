// The Session Overview's cost chart in headless Chromium: the real bundle and page (the HTML the panel
// writes), answered over the real protocol with the overview the real model (SessionOverviewModel) makes
// of a log. The budget line is drawn where the session was configured with a budget, on the bars' scale
// and marked reached once the session's cost passed it; without a budget there is no line, and the
// chart says how to set one.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { SessionEvent } from '../../src/core/events/sessionEvent.ts';
import { parseOverviewWebviewMessage, type SessionOverview } from '../../src/shared/overviewProtocol.ts';
import { SessionOverviewModel } from '../../src/views/sessionOverview.ts';
import { missingBrowser, openWebviewPage, type WebviewPage } from '../../bench/support/webviewPage.ts';
import { verdict } from '../support/requirements.ts';
import { plannedSession, T } from '../views/overviewLog.ts';

const META = { title: 'acme/widgets#7: widget count is off by one', source: 'acme/widgets#7' };

/** The planned session (configured with a $0.50 budget) with the Coder's work: $0.15 in all. */
function events(budget: { max_usd?: number; max_tokens?: number } | undefined): SessionEvent[] {
  const log = plannedSession();
  log.running(T.coder, 'Coder', 1_120);
  log.request(T.coder, 1_200, 1_500, 0.05, 5_000);
  log.request(T.coder, 2_700, 2_900, 0.05, 5_000);
  return log.events.map((e) => {
    if (e.type !== 'agent_os.session_configured') return e;
    const { budget: _recorded, ...rest } = e;
    return budget ? { ...rest, budget } : rest;
  });
}

function overviewOf(list: SessionEvent[]): SessionOverview {
  const model = new SessionOverviewModel('sesn_test');
  model.append(list);
  return model.overview({ meta: META, live: false });
}

describe('Session Overview page: the cost chart and its budget line', { skip: verdict(missingBrowser()) }, () => {
  let web: WebviewPage;
  let shown: SessionOverview;

  before(async () => {
    web = await openWebviewPage({
      entry: 'src/webview/overview/main.ts',
      style: 'media/overview/overview.css',
      async onMessage(raw, page) {
        const msg = parseOverviewWebviewMessage(raw);
        if (!msg) throw new Error(`bad message from the webview: ${JSON.stringify(raw)}`);
        // As OverviewPanel: the page's `ready` is answered with the overview.
        if (msg.type === 'ready') await page.send({ type: 'overview', overview: shown });
      },
    });
  });
  after(async () => web?.close());

  /** The page opened on `overview`, once it has drawn it. */
  async function open(overview: SessionOverview): Promise<void> {
    shown = overview;
    await web.page.goto(web.url);
    await web.page.waitForSelector('body[data-rendered] .section.costs svg.cost-svg', { timeout: 10_000 });
  }

  /** Where the bars of the session's total start and end, and where the budget line is (x). */
  async function geometry() {
    return web.page.evaluate(() => {
      const total = document.querySelector('.cost-svg .bar-row.total rect.bar')!;
      const track = document.querySelector('.cost-svg .bar-row.total rect.bar-track')!;
      const line = document.querySelector('.cost-svg g.budget line.budget-line');
      const n = (el: Element, a: string) => Number(el.getAttribute(a));
      return {
        start: n(track, 'x'),
        trackWidth: n(track, 'width'),
        totalEnd: n(total, 'x') + n(total, 'width'),
        line: line ? { x1: n(line, 'x1'), x2: n(line, 'x2'), y1: n(line, 'y1'), y2: n(line, 'y2') } : null,
        svgHeight: Number(document.querySelector('.cost-svg')!.getAttribute('height')),
      };
    });
  }

  test('with a budget the line is drawn on the bars’ scale, labelled, and named for screen readers', async () => {
    const overview = overviewOf(events({ max_usd: 0.5 }));
    assert.equal(Number(overview.costs.totalUsd.toFixed(4)), 0.15);
    await open(overview);
    const budget = web.page.locator('.cost-svg g.budget');
    assert.equal(await budget.count(), 1);
    assert.equal(await budget.getAttribute('class'), 'budget', 'not reached');
    assert.equal(await budget.getAttribute('aria-label'), 'budget $0.50');
    assert.equal(await budget.locator('text.budget-label').textContent(), 'budget $0.50');
    assert.match((await web.page.locator('.cost-svg').getAttribute('aria-label')) ?? '', /; budget \$0\.50$/);
    const g = await geometry();
    assert.ok(g.line, 'the line is there');
    assert.equal(g.line.x1, g.line.x2, 'a vertical line');
    assert.equal(g.line.y2, g.svgHeight, 'across every bar');
    // The budget is the largest value, so the line ends the scale; the $0.15 total is 0.3 of the way.
    assert.ok(Math.abs(g.line.x1 - (g.start + g.trackWidth)) < 0.5, JSON.stringify(g));
    assert.ok(Math.abs(g.totalEnd - (g.start + 0.3 * g.trackWidth)) < 0.5, JSON.stringify(g));
    assert.equal(await web.page.locator('.section.costs p.muted', { hasText: 'No budget is set' }).count(), 0);
  });

  test('a budget the session passed: the line sits inside the total’s bar and says reached', async () => {
    await open(overviewOf(events({ max_usd: 0.1 })));
    const budget = web.page.locator('.cost-svg g.budget');
    assert.equal(await budget.getAttribute('class'), 'budget over');
    assert.equal(await budget.getAttribute('aria-label'), 'budget $0.10, reached');
    const g = await geometry();
    assert.ok(g.line && g.line.x1 < g.totalEnd, JSON.stringify(g));
    // On the same scale: $0.10 is two thirds of the $0.15 the bar shows.
    assert.ok(Math.abs(g.line.x1 - g.start - ((g.totalEnd - g.start) * 2) / 3) < 0.5, JSON.stringify(g));
  });

  test('without a budget there is no line, and the chart says how to set one', async () => {
    const overview = overviewOf(events(undefined));
    assert.equal(overview.costs.budgetLabel, undefined);
    await open(overview);
    assert.equal(await web.page.locator('.cost-svg .bar-row').count(), overview.costs.bars.length + 1, 'the bars');
    assert.equal(await web.page.locator('.cost-svg g.budget').count(), 0);
    assert.equal(await web.page.locator('.cost-svg line').count(), 0, 'no line of any kind');
    assert.doesNotMatch((await web.page.locator('.cost-svg').getAttribute('aria-label')) ?? '', /budget/);
    assert.match(
      await web.page.locator('.section.costs p.muted').innerText(),
      /No budget is set for this session \(setting agentOs\.budget\.maxUsd\)/,
    );
    // The scale ends at the largest bar, the session's total.
    const g = await geometry();
    assert.ok(Math.abs(g.totalEnd - (g.start + g.trackWidth)) < 0.5, JSON.stringify(g));
  });
});
