// Follow-ups in the real window, on the seeded book of wdio.conf.js: every seeded lead joined
// the default campaign when it was added.

const byTestId = (id) => $(`[data-testid="${id}"]`);

describe('Follow-ups', () => {
  it('opens with g f and shows the default campaign with its five steps', async () => {
    await (await byTestId('nav-dashboard')).waitForClickable();
    await browser.keys(['g']);
    await browser.keys(['f']);

    const campaign = await byTestId('campaign');
    await campaign.waitForDisplayed({ timeoutMsg: 'g f did not open the Follow-ups screen' });
    expect(await (await byTestId('campaign-name')).getText()).toBe('New lead nurture');
    await browser.waitUntil(async () => (await $$('[data-testid="campaign-step"]')).length === 5, {
      timeoutMsg: 'the default campaign does not show 5 steps',
    });
    expect(await (await byTestId('campaign-step-count')).getText()).toBe('5 steps');
    await (await byTestId('due-queue')).waitForDisplayed();
  });

  it('pauses a lead\'s follow-ups from lead detail', async () => {
    await (await byTestId('nav-leads')).click();
    const search = await $('#lead-search');
    await search.waitForDisplayed();
    await search.setValue('Warm One');
    await browser.waitUntil(async () => {
      const names = await $$('[data-testid="lead-name"]');
      return names.length === 1 && (await names[0].getText()) === 'Warm One';
    }, { timeoutMsg: 'the search did not find Warm One alone' });
    await (await byTestId('lead-row')).click();

    const heading = await byTestId('lead-title');
    await heading.waitForDisplayed();
    expect(await heading.getText()).toBe('Warm One');

    const state = await byTestId('enrolment-state');
    await state.waitForDisplayed();
    expect(await state.getText()).toBe('Active');
    await (await byTestId('followup-pause')).click();
    await browser.waitUntil(async () => (await (await byTestId('enrolment-state')).getText()) === 'Paused', {
      timeoutMsg: 'the enrolment did not show Paused',
    });
    await (await byTestId('followup-resume')).waitForDisplayed();
  });
});
