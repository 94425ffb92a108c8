// Intelligence in the real window, against the local OpenAI-compatible server of tests/servers:
// the agent sets a language model up in Settings, a listing alert for "Hot Lead" is written by
// it (the outbox says so and keeps the prompt), and a reply that says "not interested" shows its
// class on the timeline with the suggestion to mark the lead lost.
import { cli, startProviderServers, openChannelSettings, sendAllDay } from '../wdio.conf.js';

const byTestId = (id) => $(`[data-testid="${id}"]`);

let servers;
let urls;

describe('Intelligence', () => {
  before(async () => {
    ({ proc: servers, urls } = await startProviderServers());
  });

  after(() => {
    servers?.kill();
  });

  it('writes a listing alert with the language model set up in Settings', async () => {
    await openChannelSettings();
    const card = await byTestId('llm-settings');
    await card.waitForDisplayed();
    await (await byTestId('llm-base-url')).setValue(urls.openai);
    await (await byTestId('llm-model')).setValue('llama3.1');
    await (await byTestId('llm-save')).click();
    const state = await byTestId('llm-state');
    await browser.waitUntil(async () => (await state.getText()) !== '' && (await state.getAttribute('class')).includes('badge-success'), {
      timeoutMsg: 'the model never showed as set up',
    });

    // Hot Lead wants a villa on the Palm; no channel is set up, so the alert is for the agent to
    // send by hand — written by the model first.
    // The listing has its permit, and the sending window is open whatever the hour (SPEC §14).
    await sendAllDay();
    cli(process.env.LEADBOOK_E2E_DB, 'property', 'add', '--title', 'Palm villa', '--location', 'Palm Jumeirah', '--price', '2900000', '--type', 'villa', '--bedrooms', '4', '--permit', '71234567890');
    await (await byTestId('delivery-send-now')).click();
    await (await byTestId('nav-followups')).click();
    await (await byTestId('followups-tab-outbox')).click();
    await (await byTestId('outbox')).waitForDisplayed();
    await browser.waitUntil(async () => {
      const badges = await $$('[data-testid="draft-badge"]');
      for (const b of badges) if ((await b.getAttribute('data-draft')) === 'model') return true;
      return false;
    }, { timeout: 30_000, timeoutMsg: 'no message written by the model' });
    const body = await byTestId('outbox-body');
    expect(await body.getText()).toMatch(/^Rewritten: /);
    const [m] = cli(process.env.LEADBOOK_E2E_DB, 'outbox', 'list');
    expect(m.draft).toBe('model');
    expect(m.llm_prompt).toContain('Hot Lead');
  });

  it('shows what a reply says and suggests marking a lead that is not interested as lost', async () => {
    const db = process.env.LEADBOOK_E2E_DB;
    const [lead] = cli(db, 'lead', 'list', '--search', 'Warm Two');
    cli(db, 'lead', 'reply', String(lead.id), '--text', 'Thanks, but I am not interested anymore');
    await (await byTestId('nav-leads')).click();
    const search = await $('#lead-search');
    await search.waitForDisplayed();
    await search.setValue('Warm Two');
    await browser.waitUntil(async () => {
      const names = await $$('[data-testid="lead-name"]');
      return names.length === 1 && (await names[0].getText()) === 'Warm Two';
    }, { timeoutMsg: 'the search did not find Warm Two alone' });
    await (await byTestId('lead-row')).click();
    const badge = await byTestId('reply-class');
    await badge.waitForDisplayed();
    expect(await badge.getAttribute('data-class')).toBe('not_interested');
    await (await byTestId('suggest-lost')).waitForDisplayed();
    await (await byTestId('suggest-lost-yes')).click();
    await browser.waitUntil(() => cli(db, 'lead', 'show', String(lead.id)).status === 'lost', { timeoutMsg: 'the lead was not marked lost' });
  });
});
