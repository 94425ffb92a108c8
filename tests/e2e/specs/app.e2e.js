// The agent's first minutes with the real window, on the seeded book of wdio.conf.js:
// 1 A, 2 B, 1 C and 2 D leads.

const byTestId = (id) => $(`[data-testid="${id}"]`);

async function goTo(nav) {
  const link = await byTestId(nav);
  await link.waitForClickable();
  await link.click();
}

describe('Leadbook window', () => {
  it('shows the grade counts of the book on the dashboard', async () => {
    // The window opens on Today: go to the dashboard first.
    await goTo('nav-dashboard');
    const counts = {};
    for (const g of ['A', 'B', 'C', 'D']) {
      const count = await $(`[data-testid="grade-card-${g}"] [data-testid="grade-count"]`);
      await count.waitForDisplayed();
      await browser.waitUntil(async () => (await count.getText()).trim() !== '', { timeoutMsg: `grade ${g} count empty` });
      counts[g] = (await count.getText()).trim();
    }
    expect(counts).toEqual({ A: '1', B: '2', C: '1', D: '2' });
  });

  it('shows a blank name error next to the name field and saves nothing', async () => {
    await goTo('nav-new-lead');
    const save = await byTestId('save-lead');
    await save.waitForClickable();
    await save.click();
    const error = await $('#error-name');
    await error.waitForDisplayed();
    expect((await error.getText()).length).toBeGreaterThan(0);
    const name = await byTestId('field-name');
    expect(await name.getAttribute('aria-invalid')).toBe('true');
    expect(await name.getAttribute('aria-describedby')).toContain('error-name');
  });

  it('offers the merge when the phone belongs to an existing lead', async () => {
    await goTo('nav-new-lead');
    const name = await byTestId('field-name');
    await name.waitForDisplayed();
    await name.setValue('Walk-in Buyer');
    const phone = await byTestId('field-phone');
    await phone.setValue('050 123 4567');
    await browser.keys('Tab');
    const warning = await byTestId('duplicate-warning');
    await warning.waitForDisplayed();
    expect(await warning.getText()).toContain('Existing Buyer');
    expect(await (await byTestId('merge-button')).isDisplayed()).toBe(true);

    // Saving does not merge behind the agent's back: it asks; "Add as a new lead" adds one.
    await (await byTestId('save-lead')).click();
    await (await byTestId('duplicate-ask')).waitForDisplayed();
    await (await byTestId('add-separate-button')).click();
    const title = await $('h1');
    await browser.waitUntil(async () => (await title.getText()).includes('Walk-in Buyer'), { timeoutMsg: 'the new lead did not open' });
    await browser.waitUntil(async () => (await $('body').getText()).includes('Existing Buyer'), {
      timeoutMsg: 'the timeline does not say which lead shares the phone',
    });
  });

  it('shows a lead named like HTML as text and runs none of it', async () => {
    await goTo('nav-leads');
    await browser.waitUntil(async () => (await $$('[data-testid="lead-name"]')).length > 0);
    const texts = [];
    for (const n of await $$('[data-testid="lead-name"]')) texts.push(await n.getText());
    expect(texts).toContain('<img src=x onerror="window.__pwned=1">');
    expect(await browser.execute(() => typeof window.__pwned)).toBe('undefined');
    expect(await browser.execute(() => document.querySelectorAll('img[src="x"]').length)).toBe(0);
  });

  it('turns the whole document right-to-left in Persian', async () => {
    const select = await byTestId('language-select');
    await select.waitForDisplayed();
    await select.selectByAttribute('value', 'fa');
    await browser.waitUntil(async () => (await browser.execute(() => document.documentElement.dir)) === 'rtl', {
      timeoutMsg: 'document did not turn rtl',
    });
    expect(await browser.execute(() => document.documentElement.lang)).toBe('fa');
    // The interface changed; the language of messages to leads did not (two settings).
    await browser.execute(() => (window.location.hash = '#/settings'));
    const messages = await byTestId('ws-language');
    await messages.waitForDisplayed();
    expect(await messages.getValue()).toBe('en');
  });
});
