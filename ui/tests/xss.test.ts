import { beforeEach, describe, expect, it, vi } from 'vitest';
import { render, screen, waitFor } from '@testing-library/svelte';
import { stubIpc } from './ipcMock';
import { makeDetail, makeLead } from './fixtures';
import LeadDetail from '../src/lib/screens/LeadDetail.svelte';
import LeadTable from '../src/lib/components/LeadTable.svelte';
import DuplicateWarning from '../src/lib/components/DuplicateWarning.svelte';

vi.mock('../src/lib/ipc');

const EVIL = '<img src=x onerror="window.__pwned=1">';
const pwned = () => (window as unknown as Record<string, unknown>).__pwned;

describe('lead data is rendered as text', () => {
  let ipc: ReturnType<typeof stubIpc>;
  beforeEach(() => {
    ipc = stubIpc();
  });

  it('on the lead page', async () => {
    vi.mocked(ipc.leadGet).mockResolvedValue(
      makeDetail({
        name: EVIL,
        notes: '<script>window.__pwned=1</script>',
        locations: ['<b>JVC</b>'],
        timeline: [{ at: '2025-03-21T08:00:00Z', kind: 'note', detail: EVIL }],
      }),
    );
    const { container } = render(LeadDetail, { props: { id: 1 } });
    const title = await screen.findByTestId('lead-title');
    expect(title.textContent).toBe(EVIL);
    expect(screen.getByTestId('detail-notes').textContent).toBe('<script>window.__pwned=1</script>');
    expect(container.querySelector('img')).toBeNull();
    expect(container.querySelector('script')).toBeNull();
    expect(container.querySelector('b')).toBeNull();
    expect(pwned()).toBeUndefined();
  });

  it('in the leads table', async () => {
    vi.mocked(ipc.leadList).mockResolvedValue({ total: 1, more: false, rows: [makeLead({ name: EVIL })] });
    const { container } = render(LeadTable, {
      props: { filters: {}, sort: 'score', desc: true, onsort: vi.fn(), onopen: vi.fn(), onclear: vi.fn(), onnew: vi.fn() },
    });
    await waitFor(() => expect(screen.getByTestId('lead-name').textContent).toBe(EVIL));
    expect(container.querySelector('img')).toBeNull();
    expect(pwned()).toBeUndefined();
  });

  it('in the duplicate warning', () => {
    const { container } = render(DuplicateWarning, {
      props: { match: { lead: makeLead({ name: EVIL }), key: 'email' }, onmerge: vi.fn(), onseparate: vi.fn() },
    });
    expect(screen.getByTestId('duplicate-warning').textContent).toContain(EVIL);
    expect(container.querySelector('img')).toBeNull();
  });

  it('no component uses {@html}', () => {
    const sources = import.meta.glob('../src/**/*.svelte', { query: '?raw', import: 'default', eager: true });
    const files = Object.entries(sources);
    expect(files.length).toBeGreaterThan(10);
    for (const [path, text] of files) expect(String(text), path).not.toMatch(/\{@html/);
  });
});
