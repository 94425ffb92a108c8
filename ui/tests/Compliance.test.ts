import { beforeEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { get } from 'svelte/store';
import { stubIpc } from './ipcMock';
import { makeDetail, makeProperty, workspace } from './fixtures';
import { toasts } from '../src/lib/toast';
import { setLanguage } from '../src/lib/i18n/i18n.svelte';
import { currentWorkspace } from '../src/lib/stores';
import { parseHash, routeToHash } from '../src/lib/router';
import {
  brokeLine,
  checksLine,
  consentSourceWord,
  detailWord,
  holdReasonWord,
  logChannelWord,
  logFilterOf,
  EMPTY_LOG_FORM,
  CHECKS,
  HOLD_REASONS,
} from '../src/lib/complianceWords';
import type { ContactEntry } from '../src/lib/types';
import Compliance from '../src/lib/screens/Compliance.svelte';
import LeadCompliance from '../src/lib/components/LeadCompliance.svelte';
import PropertyDetail from '../src/lib/screens/PropertyDetail.svelte';
import Settings from '../src/lib/screens/Settings.svelte';

vi.mock('../src/lib/ipc');

function entry(over: Partial<ContactEntry> = {}): ContactEntry {
  return {
    id: 1,
    lead_id: 7,
    lead_name: 'Sara Ahmadi',
    at: '2026-03-02T08:00:00Z',
    channel: 'whatsapp',
    purpose: 'marketing',
    outcome: 'sent',
    outbox_id: 3,
    call_id: null,
    passed: ['window', 'opt_out', 'quiet_hours'],
    held_by: null,
    broke: [],
    detail: null,
    ...over,
  };
}

describe('compliance words', () => {
  it('says every check, every broken rule and every hold reason in words, in each language', () => {
    for (const lang of ['en', 'fa', 'ar'] as const) {
      setLanguage(lang);
      // A word missing from the catalogue would come back as the bare name.
      for (const c of CHECKS) {
        expect(checksLine([c])).not.toBe(c);
        expect(brokeLine([c])).not.toMatch(new RegExp(`: ${c}$`));
      }
      for (const r of HOLD_REASONS) expect(holdReasonWord(r)).not.toBe(r);
    }
    setLanguage('en');
  });

  it('joins the checks passed and the rules not kept', () => {
    expect(checksLine(['window', 'dncr'])).toBe('Sending window · Not on the Do Not Call Register');
    expect(brokeLine(['quiet_hours', 'pacing'])).toBe('Rules not kept: During quiet hours, Too soon after the last contact');
    expect(brokeLine([])).toBe('');
    expect(holdReasonWord('no_permit')).toBe('The listing has no permit number');
    expect(holdReasonWord(null)).toBe('');
    expect(logChannelWord('call')).toBe('Call');
    expect(logChannelWord('manual')).toBe('By hand');
    expect(consentSourceWord('inbound')).toBe('Wrote first on this channel');
    expect(consentSourceWord('verbal')).toBe('Recorded by you');
    expect(detailWord('call', 'no_answer')).toBe('No answer');
    expect(detailWord('sent', "sent by the agent's hand")).toBe('Sent by your hand');
    expect(detailWord('sent', 'something else')).toBe('something else');
    expect(detailWord('call', null)).toBe('');
  });

  it('builds the log filter from the form, leaving out what is empty or malformed', () => {
    expect(logFilterOf(EMPTY_LOG_FORM)).toEqual({});
    expect(logFilterOf({ from: '2026-03-01', to: '2026-3-9', leadId: 7, channel: 'sms', rule: 'no_permit', outcome: 'held' })).toEqual({
      from: '2026-03-01',
      lead_id: 7,
      channel: 'sms',
      rule: 'no_permit',
      outcome: 'held',
    });
    expect(logFilterOf({ ...EMPTY_LOG_FORM, rule: 'quiet_hours' })).toEqual({ rule: 'quiet_hours' });
    expect(logFilterOf({ ...EMPTY_LOG_FORM, rule: 'nonsense', outcome: 'maybe' })).toEqual({});
  });

  it('has its own address', () => {
    expect(parseHash('#/compliance')).toEqual({ name: 'compliance' });
    expect(routeToHash({ name: 'compliance' })).toBe('#/compliance');
    expect(parseHash('#/compliance?lead=42')).toEqual({ name: 'compliance', lead: 42 });
    expect(routeToHash({ name: 'compliance', lead: 42 })).toBe('#/compliance?lead=42');
    expect(parseHash('#/compliance?lead=x')).toEqual({ name: 'compliance' });
  });
});

describe('Compliance screen', () => {
  let ipc: ReturnType<typeof stubIpc>;
  beforeEach(() => {
    ipc = stubIpc();
    toasts.set([]);
  });

  it('shows the log with totals, the checks passed, the hold reason and the rules not kept, the lead as a link', async () => {
    vi.mocked(ipc.complianceLog).mockResolvedValue({
      entries: [
        entry({ id: 3, outcome: 'held', held_by: 'no_permit', passed: ['window', 'opt_out'], channel: 'telegram' }),
        entry({ id: 2, outcome: 'call', channel: 'call', passed: [], broke: ['quiet_hours'], lead_name: '<img src=x onerror=alert(1)>' }),
        entry({ id: 1 }),
      ],
      total: 3,
      contacts: 2,
      held: 1,
      next: null,
    });
    render(Compliance);
    await waitFor(() => expect(screen.getAllByTestId('log-entry')).toHaveLength(3));
    expect(ipc.complianceLog).toHaveBeenCalledWith({}, null, 100);
    expect(screen.getByTestId('log-contacts').textContent).toBe('2 contacts');
    expect(screen.getByTestId('log-held').textContent).toBe('1 held');
    const [held, call, sent] = screen.getAllByTestId('log-entry');
    expect(within(held).getByTestId('log-held-reason').textContent).toBe('Held: The listing has no permit number');
    expect(within(held).getByTestId('log-outcome').textContent).toBe('Held');
    expect(within(held).getByTestId('log-channel').textContent).toBe('Telegram');
    expect(within(held).getByTestId('log-purpose').textContent).toBe('Marketing');
    expect(within(call).getByTestId('log-broke').textContent).toBe('Rules not kept: During quiet hours');
    expect(within(call).getByTestId('log-lead').textContent).toBe('<img src=x onerror=alert(1)>');
    expect(call.querySelector('img')).toBeNull();
    expect(within(sent).getByTestId('log-passed').textContent).toContain('Checks passed: Sending window · Not opted out · Outside quiet hours');
    expect(within(sent).getByTestId('log-lead').getAttribute('href')).toBe('#/lead/7');
  });

  it('filters by rule and outcome, and pages with "Show more"', async () => {
    vi.mocked(ipc.complianceLog).mockImplementation(async (_f, before) =>
      before === null
        ? { entries: [entry({ id: 200 })], total: 150, contacts: 150, held: 0, next: 200 }
        : { entries: [entry({ id: 100 })], total: 150, contacts: 150, held: 0, next: null },
    );
    render(Compliance);
    await screen.findByTestId('log-more');
    expect(screen.getByTestId('log-more').textContent).toContain('Show 100 more');
    await fireEvent.click(screen.getByTestId('log-more'));
    await waitFor(() => expect(screen.getAllByTestId('log-entry')).toHaveLength(2));
    expect(ipc.complianceLog).toHaveBeenLastCalledWith({}, 200, 100);
    expect(screen.queryByTestId('log-more')).toBeNull();

    await fireEvent.change(screen.getByTestId('log-filter-rule'), { target: { value: 'dncr' } });
    await waitFor(() => expect(ipc.complianceLog).toHaveBeenLastCalledWith({ rule: 'dncr' }, null, 100));
    await fireEvent.change(screen.getByTestId('log-filter-outcome'), { target: { value: 'held' } });
    await waitFor(() => expect(ipc.complianceLog).toHaveBeenLastCalledWith({ rule: 'dncr', outcome: 'held' }, null, 100));
  });

  it("opens on one lead's entries from its page, with its name, and lets the filter go", async () => {
    vi.mocked(ipc.leadGet).mockResolvedValue(makeDetail({ id: 7, name: 'Sara Ahmadi' }));
    render(Compliance, { lead: 7 });
    await waitFor(() => expect(ipc.complianceLog).toHaveBeenCalledWith({ lead_id: 7 }, null, 100));
    expect((await screen.findByTestId('log-filter-lead-name')).textContent).toBe('Sara Ahmadi');
    await fireEvent.click(screen.getByTestId('log-filter-lead-clear'));
    await waitFor(() => expect(ipc.complianceLog).toHaveBeenLastCalledWith({}, null, 100));
  });

  it('exports the report of the filtered log to a typed path, and says the counts', async () => {
    vi.mocked(ipc.complianceReport).mockResolvedValue({ path: '/tmp/evidence.csv', contacts: 12, held: 3 });
    render(Compliance);
    await fireEvent.change(screen.getByTestId('report-format'), { target: { value: 'csv' } });
    await fireEvent.input(screen.getByTestId('report-path'), { target: { value: '/tmp/evidence' } });
    await fireEvent.click(screen.getByTestId('report-run'));
    await waitFor(() => expect(ipc.complianceReport).toHaveBeenCalledWith({}, '/tmp/evidence.csv'));
    expect(ipc.exportConfirm).toHaveBeenCalledWith('/tmp/evidence.csv');
    await waitFor(() => expect(get(toasts).map((x) => x.message)).toContain('Report saved: 12 contacts, 3 held. /tmp/evidence.csv'));
  });

  it('asks for a path before writing the report', async () => {
    render(Compliance);
    await fireEvent.click(screen.getByTestId('report-run'));
    expect((await screen.findByTestId('report-error')).textContent).toBe('Choose where to save the report.');
    expect(ipc.complianceReport).not.toHaveBeenCalled();
  });

  it('chooses the report path with the save dialog', async () => {
    vi.mocked(ipc.pickExportPath).mockResolvedValue('/home/a/report.xlsx');
    render(Compliance);
    await fireEvent.click(screen.getByTestId('report-choose'));
    await waitFor(() => expect((screen.getByTestId('report-path') as HTMLInputElement).value).toBe('/home/a/report.xlsx'));
    expect(vi.mocked(ipc.pickExportPath).mock.calls[0][1]).toBe('xlsx');
  });

  it('shows the register, imports a new one and lists the refused rows', async () => {
    vi.mocked(ipc.dncrSummary).mockResolvedValue({ numbers: 4, leads_affected: 1, refused: [], refused_count: 0 });
    vi.mocked(ipc.pickImportFile).mockResolvedValue('/tmp/dncr.csv');
    vi.mocked(ipc.dncrImport).mockResolvedValue({ numbers: 120, leads_affected: 6, refused: [{ row: 4, value: 'n/a' }], refused_count: 1 });
    render(Compliance);
    expect((await screen.findByTestId('dncr-summary')).textContent?.trim()).toBe('4 numbers on the register, covering 1 of your leads.');
    expect(screen.getByTestId('dncr').textContent).toContain('viewing confirmations the lead asked for still go');
    await fireEvent.click(screen.getByTestId('dncr-choose'));
    await waitFor(() => expect((screen.getByTestId('dncr-path') as HTMLInputElement).value).toBe('/tmp/dncr.csv'));
    await fireEvent.click(screen.getByTestId('dncr-import'));
    const result = await screen.findByTestId('dncr-result');
    expect(ipc.dncrImport).toHaveBeenCalledWith('/tmp/dncr.csv');
    expect(result.textContent).toContain('Register imported: 120 numbers, 6 leads affected.');
    expect(screen.getByTestId('dncr-refused-count').textContent).toBe('1 row was not a phone number');
    expect(result.textContent).toContain('Row 4: n/a');
    expect(screen.getByTestId('dncr-summary').textContent?.trim()).toBe('120 numbers on the register, covering 6 of your leads.');
  });

  it('speaks Persian', async () => {
    setLanguage('fa');
    vi.mocked(ipc.complianceLog).mockResolvedValue({ entries: [entry({ outcome: 'held', held_by: 'dncr' })], total: 1, contacts: 0, held: 1, next: null });
    render(Compliance);
    expect((await screen.findByTestId('log-held-reason')).textContent).toBe('نگه‌داشته: در فهرست «تماس نگیرید»');
    setLanguage('en');
  });
});

describe('Lead compliance card', () => {
  let ipc: ReturnType<typeof stubIpc>;
  beforeEach(() => {
    ipc = stubIpc();
  });

  it('flags the register, lists consents in words, records and withdraws one, and counts held messages', async () => {
    vi.mocked(ipc.leadCompliance).mockResolvedValue({
      lead_id: 7,
      dncr: true,
      consents: [{ lead_id: 7, channel: 'telegram', source: 'inbound', at: '2026-03-01T10:00:00Z' }],
      held: [{ reason: 'dncr', count: 2 }],
    });
    vi.mocked(ipc.consentSet).mockResolvedValue([
      { lead_id: 7, channel: 'telegram', source: 'inbound', at: '2026-03-01T10:00:00Z' },
      { lead_id: 7, channel: 'sms', source: 'verbal', at: '2026-03-02T10:00:00Z' },
    ]);
    vi.mocked(ipc.consentWithdraw).mockResolvedValue([]);
    render(LeadCompliance, { leadId: 7 });
    expect((await screen.findByTestId('lead-dncr')).textContent).toContain('On the Do Not Call Register.');
    const [c] = screen.getAllByTestId('lead-consent');
    expect(c.textContent).toContain('Telegram');
    expect(c.textContent).toContain('Wrote first on this channel');
    expect(screen.getByTestId('lead-held').textContent).toBe('2 messages — On the Do Not Call Register');
    expect(screen.getByTestId('lead-held-link').getAttribute('href')).toBe('#/followups?outbox=held&lead=7');
    expect(screen.getByTestId('lead-log-link').getAttribute('href')).toBe('#/compliance?lead=7');

    await fireEvent.change(screen.getByTestId('consent-channel'), { target: { value: 'sms' } });
    await fireEvent.click(screen.getByTestId('consent-record'));
    expect(ipc.consentSet).toHaveBeenCalledWith(7, 'sms', 'verbal');
    await waitFor(() => expect(screen.getAllByTestId('lead-consent')).toHaveLength(2));
    expect(screen.getAllByTestId('lead-consent')[1].textContent).toContain('Recorded by you');

    await fireEvent.click(screen.getAllByTestId('consent-withdraw')[0]);
    expect(ipc.consentWithdraw).toHaveBeenCalledWith(7, 'telegram');
    await screen.findByTestId('lead-consents-empty');
  });
});

describe('the permit on a listing', () => {
  let ipc: ReturnType<typeof stubIpc>;
  beforeEach(() => {
    ipc = stubIpc();
  });

  it('says its alerts are held while the workspace requires permits and the listing has none', async () => {
    currentWorkspace.set({ ...workspace, require_permits: true });
    vi.mocked(ipc.propertyList).mockResolvedValue([makeProperty({ id: 7, permit: null })]);
    render(PropertyDetail, { id: 7 });
    expect((await screen.findByTestId('property-permit-held')).textContent).toContain('its alerts are held until you add one');
  });

  it('says nothing once it has a permit, or when the workspace does not require one', async () => {
    currentWorkspace.set({ ...workspace, require_permits: true });
    vi.mocked(ipc.propertyList).mockResolvedValue([makeProperty({ id: 7, permit: '71234567890' }), makeProperty({ id: 8, permit: null })]);
    const first = render(PropertyDetail, { id: 7 });
    await screen.findByTestId('property-title');
    expect(screen.queryByTestId('property-permit-held')).toBeNull();
    first.unmount();
    currentWorkspace.set({ ...workspace, require_permits: false });
    render(PropertyDetail, { id: 8 });
    await screen.findByTestId('property-title');
    expect(screen.queryByTestId('property-permit-held')).toBeNull();
  });
});

describe('workspace compliance settings', () => {
  let ipc: ReturnType<typeof stubIpc>;
  beforeEach(() => {
    ipc = stubIpc();
  });

  it('saves "require consent" and "require a permit" through the workspace patch', async () => {
    currentWorkspace.set({ ...workspace, require_consent: false, require_permits: true });
    render(Settings);
    const consent = (await screen.findByTestId('ws-require-consent')) as HTMLInputElement;
    const permits = screen.getByTestId('ws-require-permits') as HTMLInputElement;
    expect([consent.checked, permits.checked]).toEqual([false, true]);
    expect(screen.getByText('Alerts for a listing without its permit number are held until you add one.')).toBeTruthy();
    await fireEvent.click(consent);
    await fireEvent.click(permits);
    await fireEvent.click(screen.getByTestId('ws-save'));
    await waitFor(() => expect(ipc.workspaceUpdate).toHaveBeenCalled());
    expect(vi.mocked(ipc.workspaceUpdate).mock.calls[0][1]).toMatchObject({ require_consent: true, require_permits: false });
  });
});
