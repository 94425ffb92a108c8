// The sample book in the real window (SPEC §15, issue #18): opened from the first-run
// checklist, its made-up leads shown under a banner that says nothing is ever sent, no channel
// can be connected in it, and it is removed in one step, leaving the agent's own book as it was.
import path from 'node:path';
import { cli } from '../wdio.conf.js';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const byTestId = (id) => $(`[data-testid="${id}"]`);
const saveScreenshot = (name) => browser.saveScreenshot(path.join(here, `../../../docs/screenshots/${name}.png`));
async function goTo(nav) {
  const link = await byTestId(nav);
  await link.waitForClickable();
  await link.click();
}

describe('the sample book', () => {
  it('opens from the checklist with its made-up leads under a banner', async () => {
    await goTo('nav-today');
    const open = await byTestId('start-sample');
    await open.waitForDisplayed({ timeoutMsg: 'the checklist offers no sample book' });
    await open.click();
    const banner = await byTestId('sample-banner');
    await banner.waitForDisplayed({ timeoutMsg: 'no banner says this is the sample book' });
    expect(await banner.getText()).toContain('nothing in it is ever sent');
    await goTo('nav-leads');
    await browser.waitUntil(async () => (await $$('[data-testid="lead-name"]')).length >= 16, { timeoutMsg: 'the sample leads are not listed' });
    const names = [];
    for (const n of await $$('[data-testid="lead-name"]')) names.push(await n.getText());
    expect(names).toContain('علی رضایی');
    expect(names).not.toContain('Existing Buyer');
    await saveScreenshot('sample-en');
  });

  it('cannot connect a channel', async () => {
    await browser.execute(() => (window.location.hash = '#/settings/channels'));
    await (await byTestId('sample-no-channels')).waitForDisplayed({ timeoutMsg: 'channels are offered in the sample book' });
    expect(await $$('[data-testid="channel-settings"]')).toHaveLength(0);
  });

  it('is removed in one step after asking, and the agent’s own book is back', async () => {
    await (await byTestId('sample-remove')).click();
    await (await byTestId('sample-remove-dialog')).waitForDisplayed();
    await (await byTestId('sample-remove-yes')).click();
    await browser.waitUntil(async () => (await $$('[data-testid="sample-banner"]')).length === 0, { timeoutMsg: 'the banner stayed' });
    await goTo('nav-leads');
    await browser.waitUntil(
      async () => {
        const names = [];
        for (const n of await $$('[data-testid="lead-name"]')) names.push(await n.getText());
        return names.includes('Existing Buyer') && !names.includes('علی رضایی');
      },
      { timeoutMsg: 'the own book did not come back' },
    );
  });

  it('offers a LinkedIn lead and a hand-typed lead of the same name as possible duplicates, and merges them', async () => {
    const db = process.env.LEADBOOK_E2E_DB;
    cli(db, 'lead', 'add', '--name', 'Aisha Khan', '--linkedin', 'https://www.linkedin.com/in/aisha-khan-e2e', '--source', 'linkedin');
    cli(db, 'lead', 'add', '--name', 'aisha khan', '--phone', '0507770001');
    await goTo('nav-today');
    await goTo('nav-leads');
    const card = await byTestId('possible-duplicates');
    await card.waitForDisplayed({ timeoutMsg: 'the two Aisha Khans are not offered as possible duplicates' });
    await (await byTestId('possible-toggle')).click();
    const pair = await byTestId('possible-pair');
    expect(await pair.getText()).toContain('The same name');
    await (await byTestId('possible-merge')).click();
    await browser.waitUntil(async () => (await $$('[data-testid="possible-duplicates"]')).length === 0, { timeoutMsg: 'the pair stayed after the merge' });
    const names = [];
    for (const n of await $$('[data-testid="lead-name"]')) names.push((await n.getText()).toLowerCase());
    expect(names.filter((n) => n === 'aisha khan')).toHaveLength(1);
  });
});
