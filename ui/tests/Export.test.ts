import { beforeEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen } from '@testing-library/svelte';
import { deferred, stubIpc } from './ipcMock';
import type { Exported } from '../src/lib/types';
import { withExtension } from '../src/lib/transfer';
import Export from '../src/lib/screens/Export.svelte';

vi.mock('../src/lib/ipc');

describe('Export', () => {
  let ipc: ReturnType<typeof stubIpc>;
  beforeEach(() => {
    ipc = stubIpc();
    vi.mocked(ipc.copyText).mockResolvedValue();
  });

  it('exports to the typed path, shows a spinner, then the count and path with a copy button', async () => {
    const pending = deferred<Exported>();
    vi.mocked(ipc.exportRun).mockReturnValue(pending.promise);
    render(Export);
    await fireEvent.input(screen.getByTestId('export-path'), { target: { value: '/tmp/book' } });
    await fireEvent.click(screen.getByTestId('export-run'));
    expect(ipc.exportRun).toHaveBeenCalledWith('/tmp/book.xlsx');
    expect(screen.getByTestId('export-run').textContent).toContain('Exporting…');
    expect((screen.getByTestId('export-run') as HTMLButtonElement).disabled).toBe(true);

    pending.resolve({ path: '/tmp/book.xlsx', leads: 1336 });
    const result = await screen.findByTestId('export-result');
    expect(result.textContent).toContain('Exported 1,336 leads to');
    expect(screen.getByTestId('export-saved-path').textContent).toBe('/tmp/book.xlsx');
    await fireEvent.click(screen.getByTestId('export-copy-path'));
    expect(ipc.copyText).toHaveBeenCalledWith('/tmp/book.xlsx');
  });

  it('switching to CSV changes the extension of the path', async () => {
    vi.mocked(ipc.exportRun).mockResolvedValue({ path: '/tmp/book.csv', leads: 1 });
    render(Export);
    await fireEvent.input(screen.getByTestId('export-path'), { target: { value: '/tmp/book.xlsx' } });
    await fireEvent.click(screen.getByTestId('export-format-csv'));
    expect((screen.getByTestId('export-path') as HTMLInputElement).value).toBe('/tmp/book.csv');
    await fireEvent.click(screen.getByTestId('export-run'));
    expect(ipc.exportRun).toHaveBeenCalledWith('/tmp/book.csv');
    expect((await screen.findByTestId('export-result')).textContent).toContain('Exported 1 lead to');
  });

  it('the calendar format writes the viewings as .ics through its own command', async () => {
    vi.mocked(ipc.calendarExport).mockResolvedValue({ path: '/tmp/book.ics', events: 3 });
    render(Export);
    await fireEvent.input(screen.getByTestId('export-path'), { target: { value: '/tmp/book.xlsx' } });
    await fireEvent.click(screen.getByTestId('export-format-ics'));
    expect((screen.getByTestId('export-path') as HTMLInputElement).value).toBe('/tmp/book.ics');
    await fireEvent.click(screen.getByTestId('export-run'));
    await vi.waitFor(() => expect(ipc.calendarExport).toHaveBeenCalledWith('/tmp/book.ics'));
    expect(ipc.exportRun).not.toHaveBeenCalled();
    expect((await screen.findByTestId('export-result')).textContent).toContain('Wrote 3 viewings to');
  });

  it('uses the path from the save dialog', async () => {
    vi.mocked(ipc.pickExportPath).mockResolvedValue('/home/me/leads.xlsx');
    render(Export);
    await fireEvent.click(screen.getByTestId('export-choose'));
    await vi.waitFor(() =>
      expect((screen.getByTestId('export-path') as HTMLInputElement).value).toBe('/home/me/leads.xlsx'),
    );
    expect(vi.mocked(ipc.pickExportPath).mock.calls[0][1]).toBe('xlsx');
  });

  it('asks for a path instead of exporting nowhere, and shows a failed export', async () => {
    render(Export);
    await fireEvent.click(screen.getByTestId('export-run'));
    expect(ipc.exportRun).not.toHaveBeenCalled();
    expect(screen.getByText('Choose where to save the file.')).toBeTruthy();

    vi.mocked(ipc.exportRun).mockRejectedValue({ code: 'io', message: 'permission denied' });
    await fireEvent.input(screen.getByTestId('export-path'), { target: { value: '/root/x.csv' } });
    await fireEvent.click(screen.getByTestId('export-run'));
    const error = await screen.findByTestId('export-error');
    expect(error.textContent).toContain('The export failed');
    expect(error.textContent).toContain('permission denied');
  });

  it('has Rust confirm a typed path before exporting, and exports to the path Rust confirmed', async () => {
    vi.mocked(ipc.exportConfirm).mockResolvedValue('/real/book.xlsx');
    vi.mocked(ipc.exportRun).mockResolvedValue({ path: '/real/book.xlsx', leads: 2 });
    render(Export);
    await fireEvent.input(screen.getByTestId('export-path'), { target: { value: '/link/book.xlsx' } });
    await fireEvent.click(screen.getByTestId('export-run'));
    await screen.findByTestId('export-saved-path');
    expect(ipc.exportConfirm).toHaveBeenCalledWith('/link/book.xlsx');
    expect(ipc.exportRun).toHaveBeenCalledWith('/real/book.xlsx');
  });

  it('shows a path Rust refuses next to the field and exports nothing', async () => {
    vi.mocked(ipc.exportConfirm).mockRejectedValue({
      code: 'validation',
      field: 'path',
      message: "'/home/me/.local/share/com.leadbook.desktop/x.csv' is in Leadbook's own data",
    });
    render(Export);
    await fireEvent.input(screen.getByTestId('export-path'), {
      target: { value: '/home/me/.local/share/com.leadbook.desktop/x.csv' },
    });
    await fireEvent.click(screen.getByTestId('export-run'));
    expect(await screen.findByText(/Leadbook's own data/)).toBeTruthy();
    expect(ipc.exportRun).not.toHaveBeenCalled();
  });
});

describe('withExtension', () => {
  it('replaces or appends the extension', () => {
    expect(withExtension('/a/b.CSV', 'xlsx')).toBe('/a/b.xlsx');
    expect(withExtension(' /a/b ', 'csv')).toBe('/a/b.csv');
    expect(withExtension('', 'csv')).toBe('');
  });
});
