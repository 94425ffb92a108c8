import { beforeEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, within } from '@testing-library/svelte';
import { deferred, stubIpc } from './ipcMock';
import type { ImportPreview, ImportProgress, ImportReport } from '../src/lib/types';
import { rejectedCsv } from '../src/lib/transfer';
import Import from '../src/lib/screens/Import.svelte';

vi.mock('../src/lib/ipc');

const preview: ImportPreview = {
  format: 'linkedin',
  headers: ['First Name', 'Last Name', 'URL', 'Email Address', 'Company', 'Position', 'Connected On'],
  mapping: ['first_name', 'last_name', 'linkedin_url', 'email', 'company', 'position', null],
  sample: [
    ['Aisha', 'Khan', 'https://www.linkedin.com/in/aisha', '', 'Emaar Properties, PJSC', 'Manager', '12 Mar 2024'],
    ['<img src=x onerror=alert(1)>', '', '', '', '', '', ''],
  ],
  total_rows: 6,
};
const report: ImportReport = {
  imported: 5,
  merged: 1,
  rejected: [{ row: 12, reason: 'name: a name or a contact is required' }],
};

describe('Import', () => {
  let ipc: ReturnType<typeof stubIpc>;
  let progress: ((p: ImportProgress) => void) | null;
  const unlisten = vi.fn();

  beforeEach(() => {
    ipc = stubIpc();
    progress = null;
    unlisten.mockReset();
    vi.mocked(ipc.importPreview).mockResolvedValue(preview);
    vi.mocked(ipc.importRun).mockResolvedValue(report);
    vi.mocked(ipc.importCancel).mockResolvedValue();
    vi.mocked(ipc.copyText).mockResolvedValue();
    vi.mocked(ipc.onImportProgress).mockImplementation(async (fn) => {
      progress = fn;
      return unlisten;
    });
  });

  async function previewFile(path = '/data/Connections.csv') {
    render(Import);
    await fireEvent.input(screen.getByTestId('import-path'), { target: { value: path } });
    await fireEvent.click(screen.getByTestId('import-preview'));
    return screen.findByTestId('import-preview-table');
  }

  it('previews a typed path with the detected format, rows and mapping', async () => {
    const table = await previewFile();
    expect(ipc.importPreview).toHaveBeenCalledWith('/data/Connections.csv', 'auto');
    expect(screen.getByTestId('import-format').textContent).toBe('LinkedIn connections');
    expect(screen.getByTestId('import-total').textContent).toBe('6 rows');
    const selects = preview.headers.map((_, i) => screen.getByTestId(`import-map-${i}`) as HTMLSelectElement);
    expect(selects.map((s) => s.value)).toEqual([
      'first_name',
      'last_name',
      'linkedin_url',
      'email',
      'company',
      'position',
      '',
    ]);
    expect(selects[0].getAttribute('aria-label')).toBe('Field for column “First Name”');
    expect(within(table).getAllByTestId('import-sample-row')).toHaveLength(2);
    // Cells are text, never HTML.
    expect(within(table).getByText('<img src=x onerror=alert(1)>')).toBeTruthy();
    expect(table.querySelector('img')).toBeNull();
    expect(screen.getByTestId('import-run').textContent).toContain('Import 6 rows');
  });

  it('sends the corrected mapping to import_run', async () => {
    await previewFile();
    await fireEvent.change(screen.getByTestId('import-map-6'), { target: { value: 'notes' } });
    await fireEvent.change(screen.getByTestId('import-map-4'), { target: { value: '' } });
    await fireEvent.click(screen.getByTestId('import-run'));
    await screen.findByTestId('import-report');
    expect(ipc.importRun).toHaveBeenCalledWith('/data/Connections.csv', 'linkedin', [
      'first_name',
      'last_name',
      'linkedin_url',
      'email',
      null,
      'position',
      'notes',
    ]);
  });

  it('moves the progress bar with import-progress events and cancels', async () => {
    const pending = deferred<ImportReport>();
    vi.mocked(ipc.importRun).mockReturnValue(pending.promise);
    await previewFile();
    await fireEvent.click(screen.getByTestId('import-run'));
    const bar = await screen.findByTestId('import-progress');
    expect(bar.getAttribute('aria-valuenow')).toBe('0');
    expect(bar.getAttribute('aria-valuemax')).toBe('6');

    progress!({ done: 3, total: 6 });
    await vi.waitFor(() => expect(bar.getAttribute('aria-valuenow')).toBe('3'));
    expect((bar.firstElementChild as HTMLElement).style.inlineSize).toBe('50%');
    expect(screen.getByTestId('import-progress-text').textContent).toContain('3 of 6 rows');

    await fireEvent.click(screen.getByTestId('import-cancel'));
    expect(ipc.importCancel).toHaveBeenCalledTimes(1);
    pending.reject({ code: 'cancelled', message: 'import cancelled' });
    expect((await screen.findByTestId('import-outcome')).textContent).toContain('Import cancelled. Nothing was changed.');
    expect(screen.queryByTestId('import-progress')).toBeNull();
    expect(unlisten).toHaveBeenCalled();
    expect(screen.queryByTestId('import-report')).toBeNull();
  });

  it('reports imported, merged and the rejected rows, and copies them as CSV', async () => {
    await previewFile();
    await fireEvent.click(screen.getByTestId('import-run'));
    await screen.findByTestId('import-report');
    expect(screen.getByTestId('import-imported').textContent).toBe('5');
    expect(screen.getByTestId('import-merged').textContent).toBe('1');
    expect(screen.getByTestId('import-rejected-count').textContent).toBe('1');
    const rows = within(screen.getByTestId('import-rejected')).getAllByTestId('rejected-row');
    expect(rows).toHaveLength(1);
    expect(rows[0].textContent).toContain('12');
    // The field and the form's sentence for it in words, the core's own line folded under it.
    expect(rows[0].textContent).toContain('Name: Enter a name (up to 200 characters).');
    expect(rows[0].textContent).toContain('a name or a contact is required');

    await fireEvent.click(screen.getByTestId('import-copy-rejected'));
    expect(ipc.copyText).toHaveBeenCalledWith('row,reason\r\n12,name: a name or a contact is required\r\n');
  });

  it('explains an unreadable file next to the path', async () => {
    vi.mocked(ipc.importPreview).mockRejectedValue({ code: 'usage', message: 'unsupported file type: notes.txt' });
    render(Import);
    await fireEvent.input(screen.getByTestId('import-path'), { target: { value: 'notes.txt' } });
    await fireEvent.click(screen.getByTestId('import-preview'));
    const error = await screen.findByTestId('import-file-error');
    expect(error.textContent).toContain('Only .csv and .xlsx files can be imported.');
    expect(screen.getByTestId('import-path').getAttribute('aria-invalid')).toBe('true');
    expect(screen.queryByTestId('import-run')).toBeNull();
  });

  it('shows the encoding a CSV was read in and reads it again in the one chosen', async () => {
    vi.mocked(ipc.importPreview).mockImplementation(async (_p, _f, enc) => ({
      ...preview,
      format: 'csv',
      encoding: enc ?? 'windows-1256',
    }));
    await previewFile('/data/arabic.csv');
    expect(ipc.importPreview).toHaveBeenCalledWith('/data/arabic.csv', 'auto');
    expect(screen.getByTestId('import-format').textContent).toBe('CSV');
    expect(screen.getByTestId('import-encoding').textContent).toBe('Arabic (Windows-1256)');
    const choice = screen.getByTestId('import-encoding-choice') as HTMLSelectElement;
    expect(choice.value).toBe('auto');
    expect([...choice.options].map((o) => o.value)).toEqual([
      'auto',
      'utf-8',
      'utf-16le',
      'utf-16be',
      'windows-1256',
      'windows-1252',
    ]);

    await fireEvent.change(choice, { target: { value: 'windows-1252' } });
    await vi.waitFor(() => expect(ipc.importPreview).toHaveBeenLastCalledWith('/data/arabic.csv', 'auto', 'windows-1252'));
    await vi.waitFor(() =>
      expect(screen.getByTestId('import-encoding').textContent).toBe('Western (Windows-1252)'),
    );

    await fireEvent.click(screen.getByTestId('import-run'));
    await screen.findByTestId('import-report');
    expect(ipc.importRun).toHaveBeenCalledWith('/data/arabic.csv', 'csv', preview.mapping, 'windows-1252');
  });

  it('shows a refused encoding as the file error and lets the agent choose another', async () => {
    vi.mocked(ipc.importPreview).mockImplementation(async (_p, _f, enc) => {
      if (enc === 'utf-8') {
        throw { code: 'validation', message: 'arabic.csv is not valid UTF-8 text; choose another encoding' };
      }
      return { ...preview, format: 'csv', encoding: enc ?? 'windows-1256' };
    });
    await previewFile('/data/arabic.csv');
    await fireEvent.change(screen.getByTestId('import-encoding-choice'), { target: { value: 'utf-8' } });
    const error = await screen.findByTestId('import-file-error');
    expect(error.textContent).toContain('is not valid UTF-8 text; choose another encoding');
    expect(screen.queryByTestId('import-run')).toBeNull();

    const choice = screen.getByTestId('import-encoding-choice') as HTMLSelectElement;
    expect(choice.value).toBe('utf-8');
    await fireEvent.change(choice, { target: { value: 'auto' } });
    await screen.findByTestId('import-preview-table');
    expect(ipc.importPreview).toHaveBeenLastCalledWith('/data/arabic.csv', 'auto');
    expect(screen.queryByTestId('import-file-error')).toBeNull();
    expect(screen.getByTestId('import-encoding').textContent).toBe('Arabic (Windows-1256)');
  });

  it('shows no encoding for a spreadsheet', async () => {
    vi.mocked(ipc.importPreview).mockResolvedValue({ ...preview, format: 'xlsx' });
    await previewFile('/data/leads.xlsx');
    expect(screen.queryByTestId('import-encoding')).toBeNull();
    expect(screen.queryByTestId('import-encoding-choice')).toBeNull();
  });

  it('previews the file chosen in the native picker', async () => {
    vi.mocked(ipc.pickImportFile).mockResolvedValue('/home/me/Connections.csv');
    render(Import);
    await fireEvent.click(screen.getByTestId('import-choose'));
    await screen.findByTestId('import-preview-table');
    expect((screen.getByTestId('import-path') as HTMLInputElement).value).toBe('/home/me/Connections.csv');
    expect(ipc.importPreview).toHaveBeenCalledWith('/home/me/Connections.csv', 'auto');
  });

  it('has Rust confirm a typed path before previewing it, and previews and imports the path Rust confirmed', async () => {
    vi.mocked(ipc.importConfirm).mockResolvedValue('/real/Connections.csv');
    await previewFile('/link/Connections.csv');
    expect(ipc.importConfirm).toHaveBeenCalledWith('/link/Connections.csv');
    expect(vi.mocked(ipc.importConfirm).mock.invocationCallOrder[0]).toBeLessThan(
      vi.mocked(ipc.importPreview).mock.invocationCallOrder[0],
    );
    expect(ipc.importPreview).toHaveBeenCalledWith('/real/Connections.csv', 'auto');
    await fireEvent.click(screen.getByTestId('import-run'));
    await screen.findByTestId('import-report');
    expect(vi.mocked(ipc.importRun).mock.calls[0][0]).toBe('/real/Connections.csv');
  });

  it('shows a path Rust refuses (Leadbook\'s own data) next to the field and previews nothing', async () => {
    vi.mocked(ipc.importConfirm).mockRejectedValue({
      code: 'validation',
      field: 'path',
      message: "'/home/me/.local/share/com.leadbook.desktop/leadbook.db' is in Leadbook's own data",
    });
    render(Import);
    await fireEvent.input(screen.getByTestId('import-path'), {
      target: { value: '/home/me/.local/share/com.leadbook.desktop/leadbook.db' },
    });
    await fireEvent.click(screen.getByTestId('import-preview'));
    const error = await screen.findByTestId('import-file-error');
    expect(error.textContent).toContain("Leadbook's own data");
    expect(ipc.importPreview).not.toHaveBeenCalled();
    expect(screen.queryByTestId('import-run')).toBeNull();
  });
});

describe('rejectedCsv', () => {
  it('quotes commas and quotes and neutralises formulas', () => {
    expect(
      rejectedCsv([
        { row: 3, reason: 'email: "a,b" is not an address' },
        { row: 4, reason: '=HYPERLINK("x")' },
      ]),
    ).toBe('row,reason\r\n3,"email: ""a,b"" is not an address"\r\n4,"\'=HYPERLINK(""x"")"\r\n');
  });
});
