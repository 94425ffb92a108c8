// Channels in the real window, against the local Telegram server (tests/servers): the agent
// sets the bot up in Settings → Channels, tests the connection, and a listing alert for "Hot
// Lead" (Telegram id 77 in the seeded book) goes out through it. A buyer no channel reaches
// gets a message to send by hand, which the agent marks as sent.
import { cli, startProviderServers, openChannelSettings, sendAllDay } from '../wdio.conf.js';

const TOKEN = '7000000001:E2E-token';
const byTestId = (id) => $(`[data-testid="${id}"]`);
const inCard = async (provider, id) => (await byTestId(`channel-card-${provider}`)).$(`[data-testid="${id}"]`);

let servers;
let urls;

describe('Channels', () => {
  before(async () => {
    ({ proc: servers, urls } = await startProviderServers(['--telegram-token', TOKEN, '--telegram-username', 'leadbook_e2e_bot']));
  });

  after(() => {
    servers?.kill();
  });

  it('sets up Telegram with its errors next to the fields, and tests the connection', async () => {
    await openChannelSettings();
    const card = await byTestId('channel-card-telegram');
    await card.waitForDisplayed();
    expect(await card.getAttribute('data-state')).toBe('unconfigured');
    // No keychain on the test machine: the warning says where the tokens are.
    expect(await (await $('body')).getText()).toContain('No system keychain found');

    await (await inCard('telegram', 'channel-field-bot_username')).setValue('no spaces allowed');
    await (await inCard('telegram', 'channel-save')).click();
    const err = await inCard('telegram', 'channel-error-bot_username');
    await err.waitForDisplayed();

    await (await inCard('telegram', 'channel-field-bot_username')).setValue('leadbook_e2e_bot');
    await (await inCard('telegram', 'channel-secret')).setValue(TOKEN);
    await (await inCard('telegram', 'channel-advanced')).click();
    await (await inCard('telegram', 'channel-field-base_url')).setValue(urls.telegram);
    await (await inCard('telegram', 'channel-save')).click();
    // Saved is not connected: the card tests the bot at once, and only that makes it `ok`.
    await browser.waitUntil(async () => (await card.getAttribute('data-state')) === 'ok', { timeoutMsg: 'Telegram never showed as connected' });
    // The token is never shown again.
    expect(await (await inCard('telegram', 'channel-secret')).getValue()).toBe('');
    expect(await (await $('body')).getText()).not.toContain(TOKEN);

    await (await inCard('telegram', 'channel-test')).click();
    const identity = await inCard('telegram', 'channel-identity');
    await identity.waitForDisplayed();
    expect(await identity.getText()).toBe('@leadbook_e2e_bot');
  });

  it('delivers a listing alert through Telegram and leaves one for the agent to send by hand', async () => {
    const db = process.env.LEADBOOK_E2E_DB;
    // Hot Lead (Telegram 77) wants a villa on the Palm; Warm Two (phone only) wants JVC.
    // Both listings have their permit, and the sending window is open whatever the hour (SPEC §14).
    await sendAllDay();
    cli(db, 'property', 'add', '--title', 'Palm villa', '--location', 'Palm Jumeirah', '--price', '2900000', '--type', 'villa', '--bedrooms', '4', '--permit', '71234567890');
    cli(db, 'property', 'add', '--title', 'JVC flat', '--location', 'JVC', '--price', '1000000', '--permit', '71234567891');
    await (await byTestId('delivery-send-now')).click();
    await (await byTestId('nav-followups')).click();
    await (await byTestId('followups-tab-outbox')).click();
    const outbox = await byTestId('outbox');
    await outbox.waitForDisplayed();

    const sentByTelegram = async () => {
      for (const m of await $$('[data-testid="outbox-message"]')) {
        if ((await m.getAttribute('data-status')) === 'sent' && (await m.getAttribute('data-channel')) === 'telegram') return true;
      }
      return false;
    };
    await browser.waitUntil(sentByTelegram, { timeout: 30_000, timeoutMsg: 'the alert to Hot Lead was not sent through Telegram' });

    const byHand = async () => {
      for (const m of await $$('[data-testid="outbox-message"]')) {
        if ((await m.getAttribute('data-channel')) === 'manual' && (await m.getAttribute('data-status')) === 'queued') return m;
      }
      return null;
    };
    await browser.waitUntil(async () => (await byHand()) !== null, { timeout: 30_000, timeoutMsg: 'no message to send by hand' });
    const manual = await byHand();
    expect(await (await manual.$('[data-testid="outbox-open-link"]')).isDisplayed()).toBe(true);
    await (await manual.$('[data-testid="outbox-mark-done"]')).click();
    await browser.waitUntil(async () => (await byHand()) === null, { timeoutMsg: 'marking it as sent did not take' });

    const rows = cli(db, 'outbox', 'list');
    expect(rows.map((m) => `${m.channel}:${m.status}`).sort()).toEqual(['manual:sent', 'telegram:sent']);
    const headline = await byTestId('delivery-headline');
    await browser.waitUntil(async () => (await headline.getText()).includes('All sent'), { timeoutMsg: 'the sidebar does not say all is sent' });
  });
});
