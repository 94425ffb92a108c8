// The window says only what is true (issue "Finished and honest"), in the real window on the
// seeded book of wdio.conf.js: a message only the agent can send is never "All sent", and
// "Send now" says so; a Telegram bot whose server cannot be reached is never "connected".
import { cli, openChannelSettings, sendAllDay } from '../wdio.conf.js';

const byTestId = (id) => $(`[data-testid="${id}"]`);
const inCard = async (provider, id) => (await byTestId(`channel-card-${provider}`)).$(`[data-testid="${id}"]`);
const db = () => process.env.LEADBOOK_E2E_DB;

describe('Honest states', () => {
  it('never says "All sent" while a message waits to be sent by hand, and "Send now" says why nothing went', async () => {
    // Warm Two (phone only, no channel set up) wants JVC: the alert is the agent's to send
    // (the listing has its permit: without one, a Dubai workspace holds it, SPEC §14), at
    // whatever hour the spec runs.
    await sendAllDay();
    cli(db(), 'property', 'add', '--title', 'JVC flat', '--location', 'JVC', '--price', '1000000', '--permit', '71234567890');
    const manual = await byTestId('delivery-manual');
    await manual.waitForDisplayed({ timeout: 30000, timeoutMsg: 'the sidebar never counted the message to send by hand' });
    const headline = await byTestId('delivery-headline');
    expect(await headline.getText()).not.toContain('All sent');
    expect(await headline.getText()).toContain('Nothing queued to send');

    await (await byTestId('delivery-send-now')).click();
    const toast = await byTestId('toast-info');
    await toast.waitForDisplayed({ timeout: 30000, timeoutMsg: '"Send now" said nothing' });
    expect(await toast.getText()).toContain('send by hand');
  });

  it('keeps a saved Telegram bot "not tested" until it answers, and says in words that it could not be reached', async () => {
    await openChannelSettings();
    const card = await byTestId('channel-card-telegram');
    await card.waitForDisplayed();
    await (await inCard('telegram', 'channel-field-bot_username')).setValue('leadbook_e2e_bot');
    await (await inCard('telegram', 'channel-secret')).setValue('7000000001:E2E-token');
    await (await inCard('telegram', 'channel-advanced')).click();
    // Port 9 (discard) has no server on the test machine: the connection is refused.
    await (await inCard('telegram', 'channel-field-base_url')).setValue('http://127.0.0.1:9');
    await (await inCard('telegram', 'channel-save')).click();
    await browser.waitUntil(async () => (await card.getAttribute('data-state')) === 'unreachable', {
      timeout: 30000,
      timeoutMsg: `the card says ${await card.getAttribute('data-state')}, not unreachable`,
    });
    expect(await (await inCard('telegram', 'channel-state')).getText()).not.toContain('Connected');
    const notice = await inCard('telegram', 'channel-unreachable');
    await notice.waitForDisplayed();
    expect(await notice.getText()).toContain('could not reach');
    // The technical cause is kept, folded away.
    const detail = await inCard('telegram', 'channel-detail');
    expect(await detail.isDisplayed()).toBe(false);
    expect(await detail.getProperty('textContent')).toMatch(/connect|refused/i);
  });
});
