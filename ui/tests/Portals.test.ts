import { beforeEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { stubIpc } from './ipcMock';
import { makeDashboard } from './fixtures';
import { setLanguage } from '../src/lib/i18n/i18n.svelte';
import PortalSettings from '../src/lib/components/PortalSettings.svelte';
import Dashboard from '../src/lib/screens/Dashboard.svelte';
import type { Portal, PortalInfo } from '../src/lib/types';

vi.mock('../src/lib/ipc');

const SECRET = 'pf-very-secret-api-secret';

const portal = (p: Portal, over: Partial<PortalInfo> = {}): PortalInfo => ({
  portal: p,
  state: 'unconfigured',
  detail: null,
  settings: null,
  has_secret: false,
  checked_at: null,
  cursor: null,
  ...over,
});

describe('Settings → Portals', () => {
  let ipc: ReturnType<typeof stubIpc>;
  beforeEach(() => {
    setLanguage('en');
    ipc = stubIpc();
    vi.mocked(ipc.portalList).mockResolvedValue([
      portal('property_finder'),
      portal('bayut', { state: 'needs_attention', has_secret: true, settings: {}, detail: 'Bayut did not accept the Profolio token: it has expired.' }),
      portal('dubizzle'),
    ]);
  });

  it('saves the key and secret as untested, then shows what the test found, never the secret', async () => {
    vi.mocked(ipc.portalSet).mockResolvedValue(portal('property_finder', { state: 'untested', has_secret: true, settings: {} }));
    vi.mocked(ipc.portalTest).mockResolvedValue({
      result: { ok: true, identity: 'Property Finder: the key reads leads', message: null },
      info: portal('property_finder', { state: 'ok', has_secret: true, settings: {}, checked_at: new Date().toISOString() }),
    });
    render(PortalSettings);
    const card = await screen.findByTestId('portal-card-property_finder');
    await fireEvent.input(within(card).getByTestId('portal-secret-api_key'), { target: { value: 'pf-key' } });
    await fireEvent.input(within(card).getByTestId('portal-secret-api_secret'), { target: { value: SECRET } });
    await fireEvent.click(within(card).getByTestId('portal-save'));
    await waitFor(() => expect(within(card).getByTestId('portal-state').textContent).toContain('Not tested yet'));
    expect(ipc.portalSet).toHaveBeenCalledWith('property_finder', { base_url: undefined, legacy: undefined }, { api_key: 'pf-key', api_secret: SECRET, token: null });
    expect((within(card).getByTestId('portal-secret-api_secret') as HTMLInputElement).value).toBe('');
    await fireEvent.click(within(card).getByTestId('portal-test'));
    await waitFor(() => expect(within(card).getByTestId('portal-state').textContent).toContain('Reading leads'));
    expect(document.body.innerHTML).not.toContain(SECRET);
  });

  it('says why a portal needs attention, and puts a refused field beside the form', async () => {
    vi.mocked(ipc.portalSet).mockRejectedValue({ code: 'validation', message: 'the Profolio token is required', field: 'token' });
    render(PortalSettings);
    const bayut = await screen.findByTestId('portal-card-bayut');
    expect(within(bayut).getByTestId('portal-detail').textContent).toContain('expired');
    const dubizzle = screen.getByTestId('portal-card-dubizzle');
    await fireEvent.click(within(dubizzle).getByTestId('portal-save'));
    await waitFor(() => expect(within(dubizzle).getByTestId('portal-error').textContent).toContain('token is required'));
    expect(within(dubizzle).getByTestId('portal-secret-token').getAttribute('aria-invalid')).toBe('true');
  });
});

describe('Dashboard → speed to lead', () => {
  beforeEach(() => {
    setLanguage('en');
  });

  it('shows the median this week and each waiting lead with its age, its name as text', async () => {
    const ipc = stubIpc();
    vi.mocked(ipc.dashboard).mockResolvedValue(
      makeDashboard({
        speed_to_lead: {
          median_minutes: 6,
          answered_this_week: 4,
          unanswered_total: 1,
          unanswered: [{ id: 7, name: '<img src=x onerror=alert(1)>', source: 'property_finder', arrived_at: new Date().toISOString(), age_minutes: 12 }],
        },
      }),
    );
    render(Dashboard);
    const box = await screen.findByTestId('speed-to-lead');
    expect(within(box).getByTestId('speed-median').textContent).toContain('6 min');
    const waiting = within(box).getByTestId('speed-unanswered');
    expect(waiting.textContent).toContain('<img src=x onerror=alert(1)>');
    expect(waiting.textContent).toContain('Property Finder');
    expect(waiting.textContent).toContain('12 min');
    expect(waiting.querySelector('img')).toBeNull();
  });
});
