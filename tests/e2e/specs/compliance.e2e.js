// Compliance evidence in the real window (SPEC §14), on the seeded book of wdio.conf.js (a Dubai
// workspace, which requires a permit on listing alerts): a JVC listing added without its permit
// has its alert to Warm Two held, the sidebar counts it apart and never says "All sent"; the
// Compliance screen shows it with its reason in words beside a logged call, filters by rule,
// writes the report and imports the Do Not Call Register through typed paths (the file dialogs
// cannot be driven); a consent recorded on the lead's page is listed there; the listing says its
// alerts are held until a permit is added, and adding one lets the alert go. Screenshots of the
// screen in English and Persian are kept for the README.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cli } from '../wdio.conf.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const settle = () => browser.execute(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
const shot = (name) => browser.saveScreenshot(path.join(here, `../../../docs/screenshots/${name}.png`));
const byTestId = (id) => $(`[data-testid="${id}"]`);
const db = () => process.env.LEADBOOK_E2E_DB;
const text = async (el) => ((await el.getProperty('textContent')) ?? '').trim();
/** Closes the toasts still shown, so a screenshot shows the screen. */
async function dismissToasts() {
  for (const b of await $$('[data-testid="toast-dismiss"]')) if (await b.isClickable()) await b.click();
  await browser.waitUntil(async () => (await $$('[data-testid="toast-dismiss"]')).length === 0, { timeoutMsg: 'a toast stayed' });
}

async function goTo(nav) {
  const link = await byTestId(nav);
  await link.waitForClickable();
  await link.click();
}

/** The log's entries as {outcome, heldBy, lead, text}. */
async function entries() {
  const out = [];
  for (const e of await $$('[data-testid="log-entry"]')) {
    out.push({
      outcome: await e.getAttribute('data-outcome'),
      heldBy: await e.getAttribute('data-held-by'),
      lead: await text(await e.$('[data-testid="log-lead"]')),
      text: await text(e),
      el: e,
    });
  }
  return out;
}

let warmTwo;
let hot;
let listing;
const dir = mkdtempSync(path.join(os.tmpdir(), 'leadbook-compliance-'));

describe('Compliance evidence', () => {
  before(() => {
    warmTwo = cli(db(), 'lead', 'list', '--search', 'Warm Two')[0].id;
    hot = cli(db(), 'lead', 'list', '--search', 'Hot Lead')[0].id;
    // Warm Two wants JVC; the listing has no permit number.
    listing = cli(db(), 'property', 'add', '--title', 'JVC studio', '--location', 'JVC', '--price', '1000000').id;
    cli(db(), 'call', 'log', String(hot), '--outcome', 'answered', '--notes', 'Asked about the Palm');
  });

  it('holds the alert of a listing without its permit, and the sidebar counts it apart from what was sent', async () => {
    await (await byTestId('delivery-send-now')).waitForClickable();
    await (await byTestId('delivery-send-now')).click();
    const held = await byTestId('delivery-held');
    await held.waitForDisplayed({ timeout: 30_000, timeoutMsg: 'the sidebar never counted the held alert' });
    expect(await text(held)).toContain('1 held by a rule');
    expect(await text(await byTestId('delivery-headline'))).not.toContain('All sent');
    const [m] = cli(db(), 'outbox', 'list').filter((x) => x.lead_id === warmTwo);
    expect([m.status, m.held_for]).toEqual(['held', 'no_permit']);
  });

  it('shows the contact log with the held alert and its reason in words, and the call', async () => {
    await goTo('nav-compliance');
    await (await byTestId('contact-log')).waitForDisplayed();
    await browser.waitUntil(async () => (await entries()).length >= 2, { timeout: 15_000, timeoutMsg: 'the log does not show the held alert and the call' });
    const all = await entries();
    const held = all.find((e) => e.outcome === 'held');
    expect(held.heldBy).toBe('no_permit');
    expect(held.lead).toBe('Warm Two');
    expect(held.text).toContain('Held: The listing has no permit number');
    expect(held.text).toContain('Marketing');
    const call = all.find((e) => e.outcome === 'call');
    expect(call.lead).toBe('Hot Lead');
    expect(await text(await byTestId('log-held'))).toBe('1 held');
    expect(await text(call.el)).toContain('Answered');
    const summary = await byTestId('dncr-summary');
    await summary.waitForDisplayed();
    await dismissToasts();
    await settle();
    await shot('compliance-en');
  });

  it('filters the log by rule', async () => {
    await (await byTestId('log-filter-rule')).selectByAttribute('value', 'no_permit');
    await browser.waitUntil(async () => {
      const e = await entries();
      return e.length === 1 && e[0].heldBy === 'no_permit';
    }, { timeoutMsg: 'filtering by "no permit" does not show only the held alert' });
    await (await byTestId('log-filter-rule')).selectByAttribute('value', 'dncr');
    await (await byTestId('log-empty')).waitForDisplayed({ timeoutMsg: 'nothing was held by the register, yet the log shows entries' });
    await (await byTestId('log-filter-clear')).click();
    await browser.waitUntil(async () => (await entries()).length >= 2, { timeoutMsg: 'clearing the filter did not bring the log back' });
  });

  it('writes the report to a typed path and says the counts', async () => {
    const target = path.join(dir, 'evidence.csv');
    await (await byTestId('report-format')).selectByAttribute('value', 'csv');
    await (await byTestId('report-path')).setValue(target);
    await (await byTestId('report-run')).click();
    const toast = await byTestId('toast-success');
    await toast.waitForDisplayed({ timeout: 15_000, timeoutMsg: 'the report was not written' });
    expect(await text(toast)).toMatch(/Report saved: \d+ contacts, 1 held\./);
    expect(existsSync(target)).toBe(true);
    expect(readFileSync(target, 'utf8')).toContain('Warm Two');
    // The toast sits over the register's card.
    await dismissToasts();
  });

  it('imports the Do Not Call Register from a typed path and says what it covers', async () => {
    // Warm One's number, spelt another way, a line that is not a number.
    const file = path.join(dir, 'dncr.csv');
    writeFileSync(file, 'Number\n+971 50 999 0002\nnot a number\n');
    await (await byTestId('dncr-path')).setValue(file);
    await (await byTestId('dncr-import')).scrollIntoView({ block: 'center' });
    await (await byTestId('dncr-import')).click();
    const result = await byTestId('dncr-result');
    await result.waitForDisplayed({ timeout: 15_000, timeoutMsg: 'the register was not imported' });
    expect(await text(result)).toContain('Register imported: 1 numbers, 1 leads affected.');
    expect(await text(await byTestId('dncr-refused-count'))).toContain('1 row was not a phone number');
    expect(await text(await byTestId('dncr-summary'))).toBe('1 numbers on the register, covering 1 of your leads.');
  });

  it('records a consent on the lead page and lists it, with the held alert counted by reason', async () => {
    let warm;
    for (const l of await $$('[data-testid="log-lead"]')) if ((await text(l)) === 'Warm Two') warm = l;
    expect(warm).toBeDefined();
    await warm.click();
    const card = await byTestId('lead-compliance');
    await card.waitForDisplayed();
    await (await byTestId('lead-consents-empty')).waitForDisplayed();
    expect(await text(await byTestId('lead-held'))).toBe('1 message — The listing has no permit number');
    expect(await (await byTestId('lead-held-link')).getAttribute('href')).toMatch(/#\/followups\?outbox=held&lead=\d+$/);

    await (await byTestId('consent-channel')).selectByAttribute('value', 'sms');
    await (await byTestId('consent-record')).click();
    const consent = await byTestId('lead-consent');
    await consent.waitForDisplayed({ timeoutMsg: 'the consent recorded is not listed' });
    expect(await consent.getAttribute('data-channel')).toBe('sms');
    expect(await text(consent)).toContain('Recorded by you');
    const shown = cli(db(), 'consent', 'show', String(warmTwo));
    expect(shown.consents.map((c) => `${c.channel}:${c.source}`)).toEqual(['sms:verbal']);
  });

  it('shows the held alert in the outbox as held, with its reason', async () => {
    await (await byTestId('lead-held-link')).click();
    const outbox = await byTestId('outbox');
    await outbox.waitForDisplayed();
    const reason = await byTestId('outbox-held-reason');
    await reason.waitForDisplayed({ timeoutMsg: 'the outbox filtered to held shows no reason' });
    expect(await text(reason)).toBe('The listing has no permit number');
    expect(await (await byTestId('message-status')).getAttribute('data-state')).toBe('held');
  });

  it("opens the contact log of one lead from its page", async () => {
    await browser.execute((id) => (location.hash = `#/lead/${id}`), warmTwo);
    const link = await byTestId('lead-log-link');
    await link.waitForClickable();
    await link.click();
    await (await byTestId('log-filter-lead-name')).waitForDisplayed();
    expect(await text(await byTestId('log-filter-lead-name'))).toBe('Warm Two');
    await browser.waitUntil(async () => {
      const e = await entries();
      return e.length > 0 && e.every((x) => x.lead === 'Warm Two');
    }, { timeoutMsg: "the log does not show only Warm Two's entries" });
    await (await byTestId('log-filter-lead-clear')).click();
    await browser.waitUntil(async () => (await entries()).some((x) => x.lead === 'Hot Lead'), { timeoutMsg: 'letting the lead go did not bring the others back' });
  });

  it('speaks Persian, right to left', async () => {
    const lang = await byTestId('language-select');
    await lang.selectByAttribute('value', 'fa');
    await browser.waitUntil(async () => (await browser.execute(() => document.documentElement.dir)) === 'rtl');
    await goTo('nav-compliance');
    await browser.waitUntil(async () => (await entries()).some((e) => e.outcome === 'held'), { timeoutMsg: 'the log is empty in Persian' });
    const held = (await entries()).find((e) => e.outcome === 'held');
    expect(held.text).toContain('آگهی شماره‌ی مجوز ندارد');
    await dismissToasts();
    await settle();
    await shot('compliance-fa');
    await lang.selectByAttribute('value', 'en');
    await browser.waitUntil(async () => (await browser.execute(() => document.documentElement.dir)) === 'ltr');
  });

  it('says on the listing that its alerts are held until a permit is added, and adding one lets the alert go', async () => {
    await browser.execute((id) => (location.hash = `#/property/${id}`), listing);
    const note = await byTestId('property-permit-held');
    await note.waitForDisplayed({ timeoutMsg: 'the listing does not say its alerts are held' });
    expect(await text(note)).toContain('its alerts are held until you add one');
    await (await byTestId('property-add-permit')).click();
    const permit = await byTestId('pfield-permit');
    await permit.waitForDisplayed();
    await permit.setValue('71234567890');
    await (await byTestId('save-property')).click();
    await note.waitForDisplayed({ reverse: true, timeoutMsg: 'the note stayed after the permit was added' });
    await browser.waitUntil(async () => {
      const [m] = cli(db(), 'outbox', 'list').filter((x) => x.lead_id === warmTwo);
      return m.status !== 'held';
    }, { timeout: 15_000, timeoutMsg: 'the alert stayed held once the listing had its permit' });
  });
});
