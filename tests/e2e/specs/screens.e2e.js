// Every screen of the real window in English and Persian, on the seeded book of wdio.conf.js:
// each one opens, says something (an h1), keeps the window itself from scrolling (the sidebar
// stays put: only the screen's own area scrolls), and is kept as a screenshot for the README
// and the guide (docs/screenshots/screen-<name>-<lang>.png).
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const shot = (name) => browser.saveScreenshot(path.join(here, `../../../docs/screenshots/${name}.png`));
const settle = () => browser.execute(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));

const SCREENS = [
  ['today', '#/today'],
  ['dashboard', '#/dashboard'],
  ['leads', '#/leads'],
  ['lead', null],
  ['lead-new', '#/lead/new'],
  ['pipeline', '#/pipeline?kind=sale'],
  ['calendar', '#/calendar?view=week'],
  ['listings', '#/properties'],
  ['followups', '#/followups'],
  ['outbox', '#/followups?tab=outbox'],
  ['import', '#/import'],
  ['export', '#/export'],
  ['compliance', '#/compliance'],
  ['settings', '#/settings'],
  ['channels', '#/settings/channels'],
];

async function visit(hash) {
  await browser.execute((h) => (window.location.hash = h), hash);
  const h1 = await $('main h1');
  await h1.waitForDisplayed({ timeoutMsg: `${hash} shows no heading` });
  await browser.waitUntil(async () => (await $$('[aria-busy="true"]')).length === 0, { timeout: 10000, timeoutMsg: `${hash} kept loading` });
  await settle();
}

for (const lang of ['en', 'fa']) {
  describe(`every screen in ${lang === 'en' ? 'English' : 'Persian'}`, () => {
    let leadHash;
    before(async () => {
      const select = await $('[data-testid="language-select"]');
      await select.waitForDisplayed();
      await select.selectByAttribute('value', lang);
      await browser.waitUntil(async () => (await browser.execute(() => document.documentElement.lang)) === lang);
      await visit('#/leads');
      const first = await $('[data-testid="lead-name"]');
      await first.waitForDisplayed();
      await first.click();
      await browser.waitUntil(async () => /^#\/lead\/\d+$/.test(await browser.execute(() => window.location.hash)));
      leadHash = await browser.execute(() => window.location.hash);
    });

    for (const [name, hash] of SCREENS) {
      it(`${name} opens without scrolling the window`, async () => {
        await visit(hash ?? leadHash);
        const { page, view } = await browser.execute(() => ({ page: document.documentElement.scrollHeight, view: window.innerHeight }));
        expect(page).toBeLessThanOrEqual(view + 1);
        await shot(`screen-${name}-${lang}`);
      });
    }
  });
}
