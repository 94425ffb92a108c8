import { beforeEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { stubIpc } from './ipcMock';
import UnparsedEnquiries from '../src/lib/components/UnparsedEnquiries.svelte';
import type { UnparsedMail } from '../src/lib/types';

vi.mock('../src/lib/ipc');

const XSS = '<img src=x onerror="window.__pwned=1">';
const mail = (over: Partial<UnparsedMail> = {}): UnparsedMail => ({
  id: 5,
  received_at: '2026-03-06T09:00:00Z',
  from: 'no-reply@propertyfinder.ae',
  subject: 'Your listing is live',
  portal: 'property_finder',
  reason: 'no phone number and no email address found in the mail',
  raw_text: `Dear Sara,\n${XSS} is now live.`,
  resolved: false,
  lead_id: null,
  ...over,
});

describe('Unparsed enquiries', () => {
  let ipc: ReturnType<typeof stubIpc>;
  beforeEach(() => {
    ipc = stubIpc();
    vi.mocked(ipc.unparsedList).mockResolvedValue([mail()]);
  });

  it('is hidden when no mail waits', async () => {
    vi.mocked(ipc.unparsedList).mockResolvedValue([]);
    render(UnparsedEnquiries);
    await waitFor(() => expect(ipc.unparsedList).toHaveBeenCalledWith(false));
    expect(screen.queryByTestId('unparsed-enquiries')).toBeNull();
  });

  it('shows sender, subject and the raw text as text, never as HTML', async () => {
    render(UnparsedEnquiries);
    expect((await screen.findByTestId('unparsed-subject')).textContent).toBe('Your listing is live');
    expect(screen.getByTestId('unparsed-from').textContent).toContain('no-reply@propertyfinder.ae');
    expect(screen.getByTestId('unparsed-count').textContent).toBe('1 mail to read');
    const text = screen.getByTestId('unparsed-text');
    expect(text.textContent).toContain(XSS);
    expect(text.querySelector('img')).toBeNull();
  });

  it('dismisses a mail and it leaves the list', async () => {
    vi.mocked(ipc.unparsedDismiss).mockResolvedValue(mail({ resolved: true }));
    render(UnparsedEnquiries);
    await fireEvent.click(await screen.findByTestId('unparsed-dismiss'));
    await waitFor(() => expect(ipc.unparsedDismiss).toHaveBeenCalledWith(5));
    await waitFor(() => expect(screen.queryByTestId('unparsed-enquiries')).toBeNull());
  });

  it('adds it as a lead with what the agent typed, and shows a validation error by its field', async () => {
    vi.mocked(ipc.unparsedAddLead).mockRejectedValueOnce({ code: 'validation', field: 'phone', message: "'12' is not a valid phone number" });
    vi.mocked(ipc.unparsedAddLead).mockResolvedValueOnce({ id: 42, created: true, merged_into: null, score: 30, grade: 'C' });
    const onadded = vi.fn();
    render(UnparsedEnquiries, { onadded });
    await fireEvent.click(await screen.findByTestId('unparsed-add'));
    await fireEvent.input(screen.getByTestId('unparsed-name'), { target: { value: 'Omar' } });
    await fireEvent.input(screen.getByTestId('unparsed-phone'), { target: { value: '12' } });
    await fireEvent.click(screen.getByTestId('unparsed-save'));
    expect((await screen.findByTestId('unparsed-error-phone')).textContent).toContain('not a valid phone number');
    await fireEvent.input(screen.getByTestId('unparsed-phone'), { target: { value: '050 123 4567' } });
    await fireEvent.click(screen.getByTestId('unparsed-save'));
    await waitFor(() => expect(onadded).toHaveBeenCalledWith(42));
    expect(ipc.unparsedAddLead).toHaveBeenLastCalledWith(5, { name: 'Omar', phone: '050 123 4567', email: null });
    await waitFor(() => expect(screen.queryByTestId('unparsed-enquiries')).toBeNull());
  });
});
