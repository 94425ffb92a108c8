// The agent's keyboard and books: the lead table driven by keys, a status change landing on
// the timeline, and a second workspace that is a separate book. Seeded book: wdio.conf.js.

const byTestId = (id) => $(`[data-testid="${id}"]`);

async function click(id) {
  const el = await byTestId(id);
  await el.waitForClickable();
  await el.click();
}

describe('Keyboard and workspaces', () => {
  it('moves through the lead table with the arrow keys and opens a lead with Enter', async () => {
    await click('nav-leads');
    await browser.waitUntil(async () => (await $$('[data-testid="lead-row"]')).length >= 6, { timeoutMsg: 'rows did not load' });
    await click('lead-search');
    await browser.keys('ArrowDown'); // from the search box into the table
    await browser.keys('ArrowDown'); // one row down
    const active = await $('[data-testid="lead-row"][aria-selected="true"] [data-testid="lead-name"]');
    await active.waitForExist();
    const name = (await active.getText()).trim();
    expect(name.length).toBeGreaterThan(0);
    await browser.keys('Enter');
    const title = await byTestId('lead-title');
    await title.waitForDisplayed();
    await browser.waitUntil(async () => (await title.getText()).trim() === name, { timeoutMsg: `detail did not open ${name}` });
  });

  it('puts a status change on the lead timeline', async () => {
    const select = await byTestId('status-select');
    await select.waitForDisplayed();
    await select.selectByAttribute('value', 'viewing');
    await browser.waitUntil(
      async () => {
        const entries = await $$('[data-testid="timeline-entry"]');
        for (const e of entries) if (/viewing/i.test(await e.getText())) return true;
        return false;
      },
      { timeoutMsg: 'no timeline entry for the status change' },
    );
  });

  it('keeps a second workspace as a separate, empty book', async () => {
    await click('nav-settings');
    const name = await byTestId('new-workspace-name');
    await name.waitForDisplayed();
    await name.setValue('Second Agency');
    await click('add-workspace');
    const switchButton = await byTestId('switch-workspace');
    await switchButton.waitForClickable();
    await switchButton.click();
    await click('nav-dashboard');
    const count = await $('[data-testid="grade-card-A"] [data-testid="grade-count"]');
    await count.waitForDisplayed();
    await browser.waitUntil(async () => (await count.getText()).trim() === '0', { timeoutMsg: 'the new workspace is not empty' });
  });
});
