import { beforeEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { get } from 'svelte/store';
import { stubIpc } from './ipcMock';
import { makeChannel, makeChannelOverview } from './fixtures';
import { toasts } from '../src/lib/toast';
import { setLanguage } from '../src/lib/i18n/i18n.svelte';
import { fieldOfError, portProblem, settingsPayload } from '../src/lib/channels';
import ChannelSettings from '../src/lib/components/ChannelSettings.svelte';
import Settings from '../src/lib/screens/Settings.svelte';
import type { ChannelInfo } from '../src/lib/types';

vi.mock('../src/lib/ipc');

const TOKEN = '7012345678:AAH-very-secret-token-value';

const telegramOk = (over: Partial<ChannelInfo> = {}) =>
  makeChannel('telegram', {
    state: 'ok',
    settings: { bot_username: 'leadbook_bot', base_url: null },
    has_secret: true,
    checked_at: new Date(Date.now() - 3600e3).toISOString(),
    ...over,
  });

async function card(provider: string) {
  return screen.findByTestId(`channel-card-${provider}`);
}

describe('channel helpers', () => {
  it('sends every field of the provider, trimmed, empty ones as null, the bot name without @', () => {
    expect(settingsPayload('telegram', { bot_username: ' @leadbook_bot ', base_url: '' })).toEqual({
      bot_username: 'leadbook_bot',
      base_url: null,
    });
    expect(Object.keys(settingsPayload('twilio', {}))).toEqual(['account_sid', 'from', 'whatsapp_from', 'base_url']);
  });

  it('sends an email port as a number and finds a port that is not one', () => {
    const form = { imap_host: ' imap.example.com ', imap_port: '993', smtp_port: '', from: 'a@b.ae' };
    const out = settingsPayload('email', form);
    expect(out).toMatchObject({ imap_host: 'imap.example.com', imap_port: 993, smtp_port: null, from: 'a@b.ae', folder: null });
    expect(portProblem(form, 'email')).toBeNull();
    expect(portProblem({ ...form, smtp_port: '70000' }, 'email')).toBe('smtp_port');
    expect(fieldOfError('email', 'password')).toBe('secret');
    expect(fieldOfError('email', 'imap_security')).toBe('imap_security');
  });

  it('puts a token error on the token field and ignores fields the form does not have', () => {
    expect(fieldOfError('twilio', 'auth_token')).toBe('secret');
    expect(fieldOfError('telegram', 'bot_username')).toBe('bot_username');
    expect(fieldOfError('telegram', 'phone_number_id')).toBeNull();
  });
});

describe('Settings → Channels', () => {
  let ipc: ReturnType<typeof stubIpc>;
  beforeEach(() => {
    ipc = stubIpc();
    vi.mocked(ipc.channelList).mockResolvedValue(
      makeChannelOverview({
        channels: [
          telegramOk(),
          makeChannel('whatsapp', {
            state: 'needs_attention',
            detail: '(#190) Error validating access token: Session has expired.',
            settings: { phone_number_id: '1065', api_version: null, default_template: null, default_template_language: null, base_url: null },
            has_secret: true,
          }),
          makeChannel('twilio'),
        ],
      }),
    );
  });

  it('shows one card per provider with its state, and the reason when one needs attention', async () => {
    render(ChannelSettings);
    const tg = await card('telegram');
    expect(within(tg).getByTestId('channel-state').textContent).toContain('Connected');
    const wa = screen.getByTestId('channel-card-whatsapp');
    expect(within(wa).getByTestId('channel-state').textContent).toContain('Needs attention');
    expect(within(wa).getByTestId('channel-detail').textContent).toBe('(#190) Error validating access token: Session has expired.');
    // The provider's own words are folded under the plain sentence, not shown as the sentence.
    expect(within(wa).getByTestId('channel-detail').closest('details')?.open).toBe(false);
    expect(within(wa).getByTestId('channel-outbound-only').textContent).toContain("replies arrive through Twilio's WhatsApp sender");
    const tw = screen.getByTestId('channel-card-twilio');
    expect(within(tw).getByTestId('channel-state').textContent).toContain('Not set up');
    expect(within(tw).queryByTestId('channel-outbound-only')).toBeNull();
    expect(within(tw).queryByTestId('channel-remove')).toBeNull();
    expect((within(tw).getByTestId('channel-test') as HTMLButtonElement).disabled).toBe(true);
  });

  it('never fills in the token: "•••• saved" when one is stored, and Save with it empty keeps it (secret null)', async () => {
    const saved = telegramOk({ settings: { bot_username: 'nadia_homes_bot', base_url: null } });
    vi.mocked(ipc.channelSet).mockResolvedValue(saved);
    render(ChannelSettings);
    const tg = await card('telegram');
    const secret = within(tg).getByTestId('channel-secret') as HTMLInputElement;
    expect(secret.type).toBe('password');
    expect(secret.value).toBe('');
    expect(secret.placeholder).toBe('•••• saved');
    const bot = within(tg).getByTestId('channel-field-bot_username') as HTMLInputElement;
    expect(bot.value).toBe('leadbook_bot');
    await fireEvent.input(bot, { target: { value: 'nadia_homes_bot' } });
    await fireEvent.click(within(tg).getByTestId('channel-save'));
    await waitFor(() => expect(ipc.channelSet).toHaveBeenCalledWith('telegram', { bot_username: 'nadia_homes_bot', base_url: null }, null));
    await waitFor(() => expect(get(toasts).map((t) => t.message)).toContain('Telegram saved'));
  });

  it('sends a typed token once and then forgets it: it is never rendered; saved is not connected until the test passes', async () => {
    render(ChannelSettings);
    const tw = await card('twilio');
    expect((within(tw).getByTestId('channel-secret') as HTMLInputElement).placeholder).toBe('Paste the token');
    await fireEvent.input(within(tw).getByTestId('channel-field-account_sid'), { target: { value: 'AC0123456789abcdef' } });
    await fireEvent.input(within(tw).getByTestId('channel-field-from'), { target: { value: '+14155550100' } });
    const secret = within(tw).getByTestId('channel-secret') as HTMLInputElement;
    await fireEvent.input(secret, { target: { value: `  ${TOKEN} ` } });
    const settings = { account_sid: 'AC0123456789abcdef', from: '+14155550100', whatsapp_from: null, base_url: null };
    vi.mocked(ipc.channelSet).mockResolvedValue(makeChannel('twilio', { state: 'untested', has_secret: true, settings }));
    let answer: (r: { ok: boolean; identity: string | null; message: string | null }) => void = () => {};
    vi.mocked(ipc.channelTest).mockReturnValueOnce(new Promise((r) => (answer = r)));
    await fireEvent.click(within(tw).getByTestId('channel-save'));
    await waitFor(() => expect(ipc.channelSet).toHaveBeenCalledWith('twilio', settings, TOKEN));
    await waitFor(() => expect(within(tw).getByTestId('channel-state').textContent).toContain('Saved — not tested yet'));
    // The card tests what was just saved; only the provider's answer makes it connected.
    expect(ipc.channelTest).toHaveBeenCalledWith('twilio');
    vi.mocked(ipc.channelList).mockResolvedValue(
      makeChannelOverview({ channels: [telegramOk(), makeChannel('twilio', { state: 'ok', has_secret: true, settings })] }),
    );
    answer({ ok: true, identity: 'Leadbook (AC01…)', message: null });
    await waitFor(() => expect(within(tw).getByTestId('channel-state').textContent).toContain('Connected'));
    expect(secret.value).toBe('');
    expect(secret.placeholder).toBe('•••• saved');
    expect(document.body.innerHTML).not.toContain(TOKEN);
    expect(JSON.stringify(get(toasts))).not.toContain(TOKEN);
  });

  it('a test that fails with an error (the provider unreachable) still reloads the card, which then says so', async () => {
    render(ChannelSettings);
    const tg = await card('telegram');
    vi.mocked(ipc.channelList).mockResolvedValue(
      makeChannelOverview({ channels: [telegramOk({ state: 'unreachable', detail: 'tcp connect error: Connection refused' })] }),
    );
    vi.mocked(ipc.channelTest).mockRejectedValueOnce({ code: 'offline', message: 'cannot reach the provider: tcp connect error' });
    await fireEvent.click(within(tg).getByTestId('channel-test'));
    await waitFor(() => expect(within(tg).getByTestId('channel-state').textContent).toContain('Could not connect'));
    expect(within(tg).getByTestId('channel-unreachable')).toBeTruthy();
  });

  it('a test that cannot reach the provider says so in words, with the transport error folded away', async () => {
    vi.mocked(ipc.channelList).mockResolvedValue(
      makeChannelOverview({
        channels: [telegramOk({ state: 'unreachable', detail: 'cannot reach the provider: tcp connect error: Connection refused (os error 111)' })],
      }),
    );
    render(ChannelSettings);
    const tg = await card('telegram');
    expect(within(tg).getByTestId('channel-state').textContent).toContain('Could not connect');
    const notice = within(tg).getByTestId('channel-unreachable');
    expect(notice.textContent).toContain('Leadbook could not reach the provider');
    expect(notice.querySelector('details')?.open).toBe(false);
    expect(within(tg).getByTestId('channel-detail').textContent).toContain('Connection refused');
  });

  it('shows a validation error next to its field, and opens "Advanced" for the base URL', async () => {
    vi.mocked(ipc.channelSet).mockRejectedValueOnce({
      code: 'validation',
      field: 'bot_username',
      message: 'a bot username ends in "bot"',
    });
    render(ChannelSettings);
    const tg = await card('telegram');
    await fireEvent.click(within(tg).getByTestId('channel-save'));
    const error = await within(tg).findByTestId('channel-error-bot_username');
    expect(error.textContent).toContain('a bot username ends in "bot"');
    const bot = within(tg).getByTestId('channel-field-bot_username');
    expect(bot.getAttribute('aria-invalid')).toBe('true');
    expect(bot.getAttribute('aria-describedby')).toContain(error.id);
    expect(within(tg).queryByTestId('channel-error-secret')).toBeNull();

    const details = within(tg).getByTestId('channel-advanced').closest('details')!;
    expect(details.open).toBe(false);
    vi.mocked(ipc.channelSet).mockRejectedValueOnce({ code: 'validation', field: 'base_url', message: 'base_url must be an http(s) URL' });
    await fireEvent.click(within(tg).getByTestId('channel-save'));
    expect((await within(tg).findByTestId('channel-error-base_url')).textContent).toContain('base_url must be an http(s) URL');
    expect(details.open).toBe(true);
    expect(within(tg).queryByTestId('channel-error-bot_username')).toBeNull();
  });

  it('a token error lands on the token field, translated in Persian with the core’s words kept', async () => {
    setLanguage('fa');
    vi.mocked(ipc.channelSet).mockRejectedValue({ code: 'validation', field: 'secret', message: 'an auth token is required' });
    render(ChannelSettings);
    const tw = await card('twilio');
    await fireEvent.click(within(tw).getByTestId('channel-save'));
    const error = await within(tw).findByTestId('channel-error-secret');
    expect(error.textContent).toContain('توکنی را که سرویس به شما داده بچسبانید.');
    expect(error.textContent).toContain('an auth token is required');
    expect(within(tw).getByTestId('channel-secret').getAttribute('aria-invalid')).toBe('true');
  });

  it('"Test connection" shows who the token belongs to, or why it failed', async () => {
    vi.mocked(ipc.channelTest).mockResolvedValueOnce({ ok: true, identity: '@leadbook_bot', message: null });
    render(ChannelSettings);
    const tg = await card('telegram');
    await fireEvent.click(within(tg).getByTestId('channel-test'));
    const result = await within(tg).findByTestId('channel-identity');
    expect(result.textContent).toBe('@leadbook_bot');
    expect(within(tg).getByTestId('channel-test-result').textContent).toContain('Connected as');
    expect(ipc.channelTest).toHaveBeenCalledWith('telegram');
    await waitFor(() => expect(ipc.channelList).toHaveBeenCalledTimes(2)); // the state may have changed

    vi.mocked(ipc.channelTest).mockResolvedValueOnce({ ok: false, identity: null, message: 'Unauthorized (401)' });
    await fireEvent.click(within(tg).getByTestId('channel-test'));
    expect((await within(tg).findByTestId('channel-test-message')).textContent).toBe('Unauthorized (401)');
    expect(within(tg).getByTestId('channel-test-message').closest('details')?.open).toBe(false);
    expect(within(tg).getByTestId('channel-test-result').dataset.ok).toBe('false');
  });

  it('a webhook on the Telegram bot shows on its card with "Remove the webhook", which removes it', async () => {
    const detail =
      'a webhook is set on this bot, so Telegram gives its messages to that address and not to Leadbook: replies are not heard until it is removed (leadbook channel delete-webhook telegram)';
    vi.mocked(ipc.channelList).mockResolvedValue(
      makeChannelOverview({
        channels: [telegramOk({ state: 'needs_attention', detail, webhook: true }), makeChannel('whatsapp'), makeChannel('twilio')],
      }),
    );
    vi.mocked(ipc.channelDeleteWebhook).mockResolvedValue(telegramOk());
    render(ChannelSettings);
    const tg = await card('telegram');
    expect(within(tg).getByTestId('channel-state').textContent).toContain('Needs attention');
    expect(within(tg).getByTestId('channel-webhook-hint').textContent).toContain('through a webhook');
    await fireEvent.click(within(tg).getByTestId('channel-remove-webhook'));
    expect(ipc.channelDeleteWebhook).toHaveBeenCalledWith('telegram');
    await waitFor(() => expect(within(tg).getByTestId('channel-state').textContent).toContain('Connected'));
    expect(within(tg).queryByTestId('channel-remove-webhook')).toBeNull();
    expect(within(tg).queryByTestId('channel-attention')).toBeNull();
    await waitFor(() => expect(get(toasts).map((t) => t.message)).toContain('The webhook was removed; replies reach Leadbook again'));
  });

  it('offers no webhook removal when the attention is for another reason, and says why a removal failed', async () => {
    vi.mocked(ipc.channelList).mockResolvedValue(
      makeChannelOverview({
        channels: [
          telegramOk({ state: 'needs_attention', detail: 'Unauthorized (401): the bot token was refused' }),
          makeChannel('whatsapp'),
          makeChannel('twilio'),
        ],
      }),
    );
    render(ChannelSettings);
    const tg = await card('telegram');
    expect(within(tg).getByTestId('channel-attention')).toBeTruthy();
    expect(within(tg).queryByTestId('channel-remove-webhook')).toBeNull();
  });

  it('a refused webhook removal keeps the offer and shows the reason', async () => {
    vi.mocked(ipc.channelList).mockResolvedValue(
      makeChannelOverview({
        channels: [telegramOk({ state: 'needs_attention', detail: 'a webhook is set', webhook: true }), makeChannel('whatsapp'), makeChannel('twilio')],
      }),
    );
    vi.mocked(ipc.channelDeleteWebhook).mockRejectedValue({ code: 'offline', message: 'network unreachable: connection refused' });
    render(ChannelSettings);
    const tg = await card('telegram');
    await fireEvent.click(within(tg).getByTestId('channel-remove-webhook'));
    const error = await within(tg).findByTestId('channel-webhook-error');
    expect(error.textContent).toContain('The webhook could not be removed: network unreachable: connection refused');
    expect(within(tg).getByTestId('channel-remove-webhook')).toBeTruthy();
  });

  it('Remove asks first, then forgets the provider', async () => {
    vi.mocked(ipc.channelRemove).mockResolvedValue(makeChannel('telegram'));
    render(ChannelSettings);
    const tg = await card('telegram');
    await fireEvent.click(within(tg).getByTestId('channel-remove'));
    const dialog = screen.getByTestId('channel-remove-dialog');
    expect(dialog.textContent).toContain('Remove Telegram?');
    await fireEvent.click(within(dialog).getByTestId('channel-remove-confirm'));
    await waitFor(() => expect(ipc.channelRemove).toHaveBeenCalledWith('telegram'));
    await waitFor(() => expect(within(tg).getByTestId('channel-state').textContent).toContain('Not set up'));
    expect((within(tg).getByTestId('channel-field-bot_username') as HTMLInputElement).value).toBe('');
    expect(screen.queryByTestId('channel-remove-dialog')).toBeNull();
  });

  it('warns when tokens are kept in a file because there is no system keychain', async () => {
    vi.mocked(ipc.channelList).mockResolvedValue(
      makeChannelOverview({ secret_store: { kind: 'file', path: '/home/nadia/.config/leadbook/secrets.json', warning: 'no keychain' } }),
    );
    render(ChannelSettings);
    const banner = await screen.findByTestId('secret-store-warning');
    expect(banner.textContent).toContain('No system keychain found — tokens are kept in a file only you can read');
    expect(within(banner).getByTestId('secret-store-path').textContent).toBe('/home/nadia/.config/leadbook/secrets.json');
    expect(screen.queryByTestId('secret-store-keychain')).toBeNull();
    expect(document.body.textContent).not.toContain('system keychain.');
  });

  it('says the tokens are in the keychain only when the keychain is used', async () => {
    render(ChannelSettings);
    await card('telegram');
    expect(screen.queryByTestId('secret-store-warning')).toBeNull();
    expect(screen.getByTestId('secret-store-keychain').textContent).toBe('Tokens are kept in your system keychain.');
  });

  it('is the Channels tab of Settings: #/settings/channels opens and focuses it', async () => {
    render(Settings, { section: 'channels' });
    const heading = await screen.findByRole('heading', { level: 2, name: 'Channels' });
    await waitFor(() => expect(document.activeElement).toBe(heading));
    expect(await screen.findByTestId('channel-card-twilio')).toBeTruthy();
    expect(screen.getByTestId('settings-tab-channels').getAttribute('aria-current')).toBe('page');
    expect(screen.getByTestId('settings-tab-general').getAttribute('href')).toBe('#/settings');
    expect(screen.queryByTestId('workspace-form')).toBeNull();
  });

  it('plain #/settings shows the workspace, with a tab to the channels', async () => {
    render(Settings);
    expect(await screen.findByTestId('workspace-form')).toBeTruthy();
    expect(screen.queryByTestId('channel-settings')).toBeNull();
    expect(screen.getByTestId('settings-tab-channels').getAttribute('href')).toBe('#/settings/channels');
  });
});
