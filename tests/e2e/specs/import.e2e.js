// Importing LinkedIn's Connections.csv in the real window: the path is typed (the native file
// dialog cannot be driven), the preview shows the detected LinkedIn mapping, and the report
// counts 5 new leads, 1 merge (Aisha Khan appears twice) and the nameless row 12 rejected.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const fixture = path.resolve(here, '../../fixtures/linkedin-connections.csv');
const byTestId = (id) => $(`[data-testid="${id}"]`);

describe('Import', () => {
  it('imports LinkedIn connections typed as a path and reports what happened', async () => {
    await (await byTestId('nav-dashboard')).waitForClickable();
    await browser.keys(['g']);
    await browser.keys(['i']);

    const input = await byTestId('import-path');
    await input.waitForDisplayed({ timeoutMsg: 'g i did not open the Import screen' });
    await input.setValue(fixture);
    await (await byTestId('import-preview')).click();

    const table = await byTestId('import-preview-table');
    await table.waitForDisplayed({ timeoutMsg: 'the preview did not appear' });
    expect(await (await byTestId('import-format')).getText()).toBe('LinkedIn connections');
    expect(await (await byTestId('import-map-0')).getValue()).toBe('first_name');

    await (await byTestId('import-run')).click();
    const report = await byTestId('import-report');
    await report.waitForDisplayed({ timeout: 20000, timeoutMsg: 'the import report did not appear' });
    expect(await (await byTestId('import-imported')).getText()).toBe('5');
    expect(await (await byTestId('import-merged')).getText()).toBe('1');
    expect(await (await byTestId('import-rejected-count')).getText()).toBe('1');
    const rows = await $$('[data-testid="rejected-row-number"]');
    expect(rows.length).toBe(1);
    expect(await rows[0].getText()).toBe('12');
  });
});
