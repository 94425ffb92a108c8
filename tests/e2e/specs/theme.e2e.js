// Light and dark in the real window: one palette whose tokens hold both values, picked by the
// system setting or the agent's choice in Settings (jsdom cannot compute it, WebKit can).

const byTestId = (id) => $(`[data-testid="${id}"]`);

/** The page background's relative luminance (0 black … 1 white). */
async function backgroundLuminance() {
  return browser.execute(() => {
    const c = getComputedStyle(document.body).backgroundColor.match(/[\d.]+/g).map(Number);
    const lin = (v) => {
      const s = v / 255;
      return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    };
    return 0.2126 * lin(c[0]) + 0.7152 * lin(c[1]) + 0.0722 * lin(c[2]);
  });
}

async function choose(theme) {
  const option = await byTestId(`theme-${theme}`);
  await option.waitForExist();
  // The radio itself is visually hidden behind its label, as in the keyboard spec.
  await (await option.parentElement()).click();
  await browser.waitUntil(async () => (await browser.execute(() => document.documentElement.dataset.theme ?? 'system')) === theme);
}

describe('Light and dark', () => {
  it('paints dark when the agent picks dark and light when they pick light, and keeps text readable', async () => {
    const nav = await byTestId('nav-settings');
    await nav.waitForClickable();
    await nav.click();
    await choose('dark');
    expect(await backgroundLuminance()).toBeLessThan(0.1);
    const darkText = await browser.execute(() => getComputedStyle(document.body).color);
    await browser.saveScreenshot('./screenshots/theme-dark.png');
    await choose('light');
    expect(await backgroundLuminance()).toBeGreaterThan(0.6);
    const lightText = await browser.execute(() => getComputedStyle(document.body).color);
    expect(darkText).not.toEqual(lightText);
    await browser.saveScreenshot('./screenshots/theme-light.png');
  });
});
