// Email in the real window, against a real Dovecot and a real SMTP server (aiosmtpd) started by
// tests/servers: the agent sets up the mailbox in Settings → Channels, tests both logins, and a
// Property Finder enquiry delivered into the inbox arrives on the Leads screen as a graded lead
// with the source "Property Finder" — read by the window's own background loop.
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cli, startProviderServers, openChannelSettings } from '../wdio.conf.js';

const USER = 'sara@primehomes.test';
const PASSWORD = 'e2e-Mail-Pass 7';
const here = path.dirname(fileURLToPath(import.meta.url));
const fixture = path.join(here, '../../../src-tauri/core/tests/fixtures/mail/pf-enquiry.eml');
const byTestId = (id) => $(`[data-testid="${id}"]`);
const inCard = async (id) => (await byTestId('channel-card-email')).$(`[data-testid="${id}"]`);

let servers;
let ports;

describe('Email', () => {
  before(async () => {
    ({ proc: servers, urls: ports } = await startProviderServers(['--mail-user', USER, '--mail-password', PASSWORD]));
  });

  after(() => {
    // Later specs expect no mailbox: a mailbox whose servers are gone would hold their mail.
    cli(process.env.LEADBOOK_E2E_DB, 'channel', 'remove', 'email');
    servers?.kill();
  });

  it('sets up the mailbox, tests both servers, and shows it connected only after the test', async () => {
    await openChannelSettings();
    const card = await byTestId('channel-card-email');
    await card.waitForDisplayed();
    expect(await card.getAttribute('data-state')).toBe('unconfigured');

    await (await inCard('channel-field-from')).setValue(USER);
    await (await inCard('channel-field-username')).setValue(USER);
    await (await inCard('channel-field-imap_host')).setValue('127.0.0.1');
    await (await inCard('channel-field-smtp_host')).setValue('127.0.0.1');
    await (await inCard('channel-secret')).setValue(PASSWORD);
    await (await inCard('channel-advanced')).click();
    await (await inCard('channel-field-imap_security')).selectByAttribute('value', 'none');
    await (await inCard('channel-field-imap_port')).setValue(String(ports.imap_port));
    await (await inCard('channel-field-smtp_security')).selectByAttribute('value', 'none');
    await (await inCard('channel-field-smtp_port')).setValue(String(ports.smtp_port));
    await (await inCard('channel-save')).click();
    // Saved is not connected: the card tries the servers at once, and only their answer makes it `ok`.
    await browser.waitUntil(async () => ['untested', 'ok'].includes(await card.getAttribute('data-state')), { timeoutMsg: 'the mailbox was not saved' });
    expect(await (await inCard('channel-secret')).getValue()).toBe('');
    expect(await (await $('body')).getText()).not.toContain(PASSWORD);

    await (await inCard('channel-test')).click();
    const result = await inCard('channel-test-result');
    await result.waitForDisplayed();
    await browser.waitUntil(async () => (await result.getAttribute('data-ok')) === 'true', { timeoutMsg: 'the test of both servers did not pass' });
    await browser.waitUntil(async () => (await card.getAttribute('data-state')) === 'ok', { timeoutMsg: 'the mailbox never showed as connected' });
  });

  it('turns a Property Finder enquiry delivered to the inbox into a lead on the Leads screen', async () => {
    // The fixture's enquiry, from a number no seeded lead has, so it is a new lead.
    const raw = readFileSync(fixture, 'latin1').replaceAll('501234567', '507654321').replace('50 123 4567', '50 765 4321');
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'leadbook-e2e-mail-')), 'pf.eml');
    writeFileSync(file, raw, 'latin1');
    servers.stdin.write(`deliver ${file}\n`);

    await (await byTestId('nav-leads')).click();
    const arrived = async () => (await (await $('body')).getText()).includes('John Smith');
    // The window reads the mailbox every 20 s while online.
    await browser.waitUntil(arrived, { timeout: 90_000, interval: 2_000, timeoutMsg: 'the enquiry never arrived as a lead' });
    const leads = cli(process.env.LEADBOOK_E2E_DB, 'lead', 'list', '--source', 'property_finder');
    expect(leads.map((l) => [l.name, l.phone])).toEqual([['John Smith', '+971507654321']]);
    await browser.saveScreenshot(path.join(here, '../screenshots/email-enquiry-arrived.png'));
  });
});
