// The guide in the real window (SPEC §15): F1 opens the section for the screen on show, in the
// interface language — the Import section from Import, the channels section from Settings →
// Channels in Persian, right to left — Esc closes it and gives the screen back. The guide is
// drawn from the bundle (no network under the CSP). Screenshots for the README and the guide.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const settle = () => browser.execute(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
const shot = (name) => browser.saveScreenshot(path.join(here, `../../../docs/screenshots/${name}.png`));
const byTestId = (id) => $(`[data-testid="${id}"]`);
const text = async (el) => ((await el.getProperty('textContent')) ?? '').trim();

async function goTo(nav) {
  const link = await byTestId(nav);
  await link.waitForClickable();
  await link.click();
}

async function pressF1() {
  await browser.keys('F1');
  const dialog = await byTestId('guide-dialog');
  await dialog.waitForDisplayed({ timeoutMsg: 'F1 opened no guide' });
  return dialog;
}

async function closeWithEsc() {
  await browser.keys('Escape');
  await (await byTestId('guide-dialog')).waitForExist({ reverse: true, timeoutMsg: 'Esc did not close the guide' });
}

describe('The guide (F1)', () => {
  it('opens the section for the current screen and closes with Esc', async () => {
    await goTo('nav-import');
    await (await $('h1')).waitForDisplayed();
    const dialog = await pressF1();
    expect(await text(await dialog.$('h2'))).toBe('Importing');
    const article = await byTestId('guide-article');
    expect(await text(article)).toContain('Get a copy of your data');
    expect(await article.getAttribute('lang')).toBe('en');
    // Drawn as text: the guide adds no element of its own beyond the few it is made of.
    const tags = await browser.execute(
      () => [...new Set([...document.querySelectorAll('[data-testid="guide-article"] *')].map((e) => e.tagName.toLowerCase()))],
    );
    expect(tags.every((t) => ['h3', 'h4', 'p', 'ol', 'ul', 'li', 'strong', 'code', 'pre'].includes(t))).toBe(true);
    await settle();
    await shot('guide-en');
    await closeWithEsc();
    expect(await text(await $('h1'))).toBe('Import leads');
  });

  it('follows the screen: Today, then the outbox states from Follow-ups', async () => {
    await goTo('nav-today');
    expect(await text(await (await pressF1()).$('h2'))).toBe('Today');
    await closeWithEsc();
    await goTo('nav-followups');
    expect(await text(await (await pressF1()).$('h2'))).toBe('Follow-ups and review');
    // Another section from the list.
    await (await byTestId('guide-section')).selectByAttribute('value', 'message-states');
    await browser.waitUntil(async () => (await text(await (await byTestId('guide-dialog')).$('h2'))) === 'What each message state means');
    expect(await text(await byTestId('guide-article'))).toContain('To send by hand');
    await closeWithEsc();
  });

  it('in Persian, opens the Persian guide right to left', async () => {
    const select = await byTestId('language-select');
    await select.waitForClickable();
    await select.selectByAttribute('value', 'fa');
    await browser.waitUntil(async () => (await browser.execute(() => document.documentElement.dir)) === 'rtl');
    await goTo('nav-settings');
    await goTo('settings-tab-channels');
    const dialog = await pressF1();
    expect(await text(await dialog.$('h2'))).toBe('کانال‌ها و ایمیل');
    const article = await byTestId('guide-article');
    expect(await article.getAttribute('dir')).toBe('rtl');
    expect(await article.getAttribute('lang')).toBe('fa');
    expect(await text(article)).toContain('آزمایش اتصال');
    await settle();
    await shot('guide-fa');
    await closeWithEsc();
    await (await byTestId('language-select')).selectByAttribute('value', 'en');
  });
});
