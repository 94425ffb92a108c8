import { beforeEach, describe, expect, it, vi } from 'vitest';
import { get } from 'svelte/store';
import { toasts } from '../src/lib/toast';
import { setLanguage } from '../src/lib/i18n/i18n.svelte';
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { stubIpc } from './ipcMock';
import { makeDetail, makeLead } from './fixtures';
import LeadDetail from '../src/lib/screens/LeadDetail.svelte';

vi.mock('../src/lib/ipc');

describe('Lead detail', () => {
  let ipc: ReturnType<typeof stubIpc>;
  beforeEach(() => {
    ipc = stubIpc();
    vi.mocked(ipc.leadGet).mockResolvedValue(
      makeDetail({ id: 7, whatsapp: '+971 50 765 4321', telegram_username: 'sara_r', opt_outs: ['telegram'] }),
    );
  });

  it('explains the grade with every factor, positive and negative', async () => {
    render(LeadDetail, { props: { id: 7 } });
    const breakdown = await screen.findByTestId('score-breakdown');
    const factors = within(breakdown).getAllByTestId('score-factor');
    expect(factors.map((f) => f.textContent?.replace(/\s+/g, ' ').trim())).toEqual([
      'Phone or WhatsApp number +15',
      'Budget known +15',
      'Source: Referral +15',
      'No contact for 30 days or more −15',
    ]);
    expect(breakdown.textContent).toContain('Score 70 or more');
    expect(screen.getByTestId('lead-score').textContent).toContain('72');
  });

  it('calls, opens WhatsApp, and respects a Telegram opt-out', async () => {
    render(LeadDetail, { props: { id: 7 } });
    await fireEvent.click(await screen.findByTestId('action-call'));
    expect(ipc.openExternal).toHaveBeenCalledWith('tel:+971501234567');
    await fireEvent.click(screen.getByTestId('action-whatsapp'));
    expect(ipc.openExternal).toHaveBeenCalledWith('https://wa.me/971507654321');
    expect((screen.getByTestId('action-telegram') as HTMLButtonElement).disabled).toBe(true);
  });

  it('changes the status', async () => {
    vi.mocked(ipc.leadSetStatus).mockResolvedValue(makeDetail({ id: 7, status: 'viewing' }));
    render(LeadDetail, { props: { id: 7 } });
    const select = (await screen.findByTestId('status-select')) as HTMLSelectElement;
    await fireEvent.change(select, { target: { value: 'viewing' } });
    expect(ipc.leadSetStatus).toHaveBeenCalledWith(7, 'viewing');
    await waitFor(() => expect(select.value).toBe('viewing'));
  });

  it('records a reply from a dialog that Escape closes', async () => {
    vi.mocked(ipc.leadReply).mockResolvedValue(
      makeDetail({ id: 7, timeline: [{ at: '2025-03-23T08:00:00Z', kind: 'replied', detail: 'Call me tomorrow' }] }),
    );
    render(LeadDetail, { props: { id: 7 } });
    await fireEvent.click(await screen.findByTestId('action-reply'));
    let dialog = screen.getByTestId('reply-dialog');
    await fireEvent.keyDown(dialog, { key: 'Escape' });
    expect(screen.queryByTestId('reply-dialog')).toBeNull();

    await fireEvent.click(screen.getByTestId('action-reply'));
    dialog = screen.getByTestId('reply-dialog');
    await fireEvent.input(within(dialog).getByTestId('reply-text'), { target: { value: 'Call me tomorrow' } });
    await fireEvent.change(within(dialog).getByTestId('reply-channel'), { target: { value: 'whatsapp' } });
    await fireEvent.click(within(dialog).getByTestId('reply-save'));
    expect(ipc.leadReply).toHaveBeenCalledWith(7, 'Call me tomorrow', 'whatsapp');
    await waitFor(() => expect(screen.getByTestId('timeline').textContent).toContain('Call me tomorrow'));
  });

  it('merges another lead picked by search', async () => {
    vi.mocked(ipc.leadList).mockResolvedValue({
      total: 2,
      more: false,
      rows: [makeLead({ id: 7, name: 'Sara Rahimi' }), makeLead({ id: 9, name: 'Sara R.' })],
    });
    vi.mocked(ipc.leadMerge).mockResolvedValue(makeDetail({ id: 7 }));
    render(LeadDetail, { props: { id: 7 } });
    await fireEvent.click(await screen.findByTestId('action-merge'));
    const dialog = screen.getByTestId('merge-dialog');
    await fireEvent.input(within(dialog).getByTestId('merge-search'), { target: { value: 'sara' } });
    const options = await within(dialog).findAllByTestId('merge-option');
    expect(options.map((o) => o.textContent)).toEqual([expect.stringContaining('Sara R.')]); // itself excluded
    await fireEvent.keyDown(within(dialog).getByTestId('merge-search'), { key: 'Enter' });
    await fireEvent.click(await within(dialog).findByTestId('merge-confirm-button'));
    expect(ipc.leadMerge).toHaveBeenCalledWith(7, 9);
    await waitFor(() => expect(screen.queryByTestId('merge-dialog')).toBeNull());
  });

  it('says so when the lead does not exist', async () => {
    vi.mocked(ipc.leadGet).mockRejectedValue({ code: 'not_found', message: 'lead 7 not found' });
    render(LeadDetail, { props: { id: 7 } });
    expect((await screen.findByTestId('lead-not-found')).textContent).toContain('Lead not found');
  });
});

describe('Lead detail contact links', () => {
  let ipc: ReturnType<typeof stubIpc>;
  beforeEach(() => {
    ipc = stubIpc();
    vi.mocked(ipc.leadGet).mockResolvedValue(
      makeDetail({ id: 7, phone: '+971501234567', email: 'sara@example.com', linkedin_url: 'https://www.linkedin.com/in/sara-rahimi' }),
    );
  });

  it('shows the phone grouped for reading, left to right, and calls it through the opener', async () => {
    render(LeadDetail, { props: { id: 7 } });
    const link = (await screen.findByTestId('detail-phone-link')) as HTMLAnchorElement;
    expect(link.textContent).toBe('+971 50 123 4567');
    expect(link.getAttribute('href')).toBe('tel:+971501234567');
    expect(link.getAttribute('dir')).toBe('ltr');
    expect(link.querySelector('bdi')).not.toBeNull();
    const click = new MouseEvent('click', { bubbles: true, cancelable: true });
    link.dispatchEvent(click);
    expect(click.defaultPrevented).toBe(true);
    expect(ipc.openExternal).toHaveBeenCalledWith('tel:+971501234567');
  });

  it('links the e-mail and the LinkedIn profile through the opener', async () => {
    render(LeadDetail, { props: { id: 7 } });
    const mail = (await screen.findByTestId('detail-email-link')) as HTMLAnchorElement;
    expect(mail.getAttribute('href')).toBe('mailto:sara@example.com');
    await fireEvent.click(mail);
    expect(ipc.openExternal).toHaveBeenCalledWith('mailto:sara@example.com');
    const linkedin = screen.getByTestId('detail-linkedin-link');
    expect(linkedin.textContent).toBe('https://www.linkedin.com/in/sara-rahimi');
    await fireEvent.click(linkedin);
    expect(ipc.openExternal).toHaveBeenCalledWith('https://www.linkedin.com/in/sara-rahimi');
  });

  it('offers to copy the number in words when no app makes calls', async () => {
    vi.mocked(ipc.openExternal).mockRejectedValue({ code: 'internal', message: 'Launcher failed' });
    render(LeadDetail, { props: { id: 7 } });
    await fireEvent.click(await screen.findByTestId('detail-phone-link'));
    await waitFor(() => expect(get(toasts)[0]?.message).toBe('No app on this computer makes calls from links. Call from your phone instead.'));
    expect(get(toasts)[0].action?.label).toBe('Copy +971501234567');
  });
});

describe('Lead detail money', () => {
  it('shows the budget grouped for reading in the agent’s language', async () => {
    const ipc = stubIpc();
    vi.mocked(ipc.leadGet).mockResolvedValue(makeDetail({ id: 7, budget_min: 1_000_000, budget_max: 2_500_000 }));
    const { unmount } = render(LeadDetail, { props: { id: 7 } });
    const budget = await screen.findByTestId('detail-budget');
    expect(budget.textContent?.replace(/[\u00a0\u202f\u2068\u2069]/g, ' ')).toMatch(/AED 1,000,000 – AED 2,500,000/);
    unmount();
    setLanguage('fa');
    render(LeadDetail, { props: { id: 7 } });
    const fa = await screen.findByTestId('detail-budget');
    expect(fa.textContent).toContain('۱٬۰۰۰٬۰۰۰');
    expect(fa.textContent).toContain('۲٬۵۰۰٬۰۰۰');
  });
});
