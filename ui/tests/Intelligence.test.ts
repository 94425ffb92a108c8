import { beforeEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { stubIpc } from './ipcMock';
import { makeDetail, makeOutboxMessage } from './fixtures';
import { setLanguage } from '../src/lib/i18n/i18n.svelte';
import { featureLabel, llmPayload, promptText, reviewText, suggestLost } from '../src/lib/intelligence';
import LlmSettings from '../src/lib/components/LlmSettings.svelte';
import OutboxList from '../src/lib/components/OutboxList.svelte';
import ReviewQueue from '../src/lib/components/ReviewQueue.svelte';
import CampaignEditor from '../src/lib/components/CampaignEditor.svelte';
import Timeline from '../src/lib/components/Timeline.svelte';
import ScoreBreakdown from '../src/lib/components/ScoreBreakdown.svelte';
import LeadDetail from '../src/lib/screens/LeadDetail.svelte';
import type { Campaign, OutboxMessage, TimelineEntry } from '../src/lib/types';

vi.mock('../src/lib/ipc');

const XSS = '<img src=x onerror="window.__pwned=1">';
const PROMPT = JSON.stringify([
  { role: 'system', content: 'Rewrite the follow-up for one lead.' },
  { role: 'user', content: `Lead: ${XSS}\nTemplate: Hi {first_name}` },
]);

const pending = (over: Partial<OutboxMessage> = {}) =>
  makeOutboxMessage({ id: 11, kind: 'followup', campaign_step: 2, body: 'Hi Sara, two options this week.', draft: 'model', review: 'pending', lead_name: 'Sara', llm_prompt: PROMPT, llm_answer: 'Hi Sara, two options this week.', ...over });

describe('helpers', () => {
  it('sends a null key when the field is empty, "" to forget it, and a number or null for the time limit', () => {
    const form = { base_url: ' http://127.0.0.1:11434 ', model: ' llama3.1 ', timeout: '' };
    expect(llmPayload(form, '')).toEqual({ baseUrl: 'http://127.0.0.1:11434', model: 'llama3.1', apiKey: null, timeoutSeconds: null });
    expect(llmPayload({ ...form, timeout: '30' }, 'sk-1')).toMatchObject({ apiKey: 'sk-1', timeoutSeconds: 30 });
    expect(llmPayload(form, 'ignored', true).apiKey).toBe('');
    expect(() => llmPayload({ ...form, timeout: 'soon' }, '')).toThrow();
  });

  it('renders the prompt as role: content text and names features readably', () => {
    expect(promptText(PROMPT)).toBe(`system: Rewrite the follow-up for one lead.\n\nuser: Lead: ${XSS}\nTemplate: Hi {first_name}`);
    expect(promptText('not json')).toBe('not json');
    expect(featureLabel('source:referral')).toBe('Source: Referral');
    expect(featureLabel('area:dubai marina')).toBe('Area: Dubai Marina');
    expect(featureLabel('response:<1h')).toBe('Answered within an hour');
    expect(featureLabel('budget_band:1m-2m')).toBe('Budget: AED 1M to 2M');
    expect(featureLabel('phone')).toBe('Phone or WhatsApp number');
    expect(reviewText('a', 'a')).toBeNull();
    expect(reviewText('a', 'b')).toBe('b');
  });

  it('suggests lost only after a not-interested latest reply on an open lead', () => {
    const tl: TimelineEntry[] = [
      { at: '2025-03-01T08:00:00Z', kind: 'replied', detail: 'no', reply_class: 'not_interested' },
      { at: '2025-03-02T08:00:00Z', kind: 'replied', detail: 'ok', reply_class: 'interested' },
    ];
    expect(suggestLost('replied', tl)).toBe(false);
    expect(suggestLost('replied', tl.slice(0, 1))).toBe(true);
    expect(suggestLost('lost', tl.slice(0, 1))).toBe(false);
  });
});

describe('Settings → Language model', () => {
  let ipc: ReturnType<typeof stubIpc>;
  beforeEach(() => {
    ipc = stubIpc();
    vi.mocked(ipc.llmGet).mockResolvedValue({ settings: { base_url: 'http://127.0.0.1:11434', model: 'llama3.1', timeout_seconds: 20 }, has_key: true });
  });

  it('never fills in the key, says it is saved, and keeps it when the field is empty', async () => {
    vi.mocked(ipc.llmSet).mockImplementation(async (i) => ({ settings: { base_url: i.baseUrl, model: i.model, timeout_seconds: i.timeoutSeconds ?? undefined }, has_key: true }));
    render(LlmSettings);
    const key = (await screen.findByTestId('llm-key')) as HTMLInputElement;
    await waitFor(() => expect(key.placeholder).toBe('•••• saved'));
    expect(key.value).toBe('');
    expect(key.type).toBe('password');
    expect((screen.getByTestId('llm-base-url') as HTMLInputElement).value).toBe('http://127.0.0.1:11434');
    expect(screen.getByTestId('llm-local-hint').textContent).toContain('http://127.0.0.1:11434');
    await fireEvent.input(screen.getByTestId('llm-model'), { target: { value: 'qwen2.5' } });
    await fireEvent.input(screen.getByTestId('llm-timeout'), { target: { value: '45' } });
    await fireEvent.click(screen.getByTestId('llm-save'));
    await waitFor(() => expect(ipc.llmSet).toHaveBeenCalledWith({ baseUrl: 'http://127.0.0.1:11434', model: 'qwen2.5', apiKey: null, timeoutSeconds: 45 }));
  });

  it('shows a validation error next to its field', async () => {
    vi.mocked(ipc.llmSet).mockRejectedValue({ code: 'validation', message: 'base_url must be an http(s) URL', field: 'base_url' });
    render(LlmSettings);
    await waitFor(() => expect((screen.getByTestId('llm-save') as HTMLButtonElement).disabled).toBe(false));
    await fireEvent.input(screen.getByTestId('llm-base-url'), { target: { value: 'localhost' } });
    await fireEvent.click(screen.getByTestId('llm-save'));
    expect((await screen.findByTestId('llm-error-base_url')).textContent).toContain('base_url must be an http(s) URL');
    expect(screen.getByTestId('llm-base-url').getAttribute('aria-invalid')).toBe('true');
    expect(screen.queryByTestId('llm-error-model')).toBeNull();
  });

  it('catches a time limit that is not a number before calling', async () => {
    render(LlmSettings);
    await waitFor(() => expect((screen.getByTestId('llm-save') as HTMLButtonElement).disabled).toBe(false));
    await fireEvent.input(screen.getByTestId('llm-timeout'), { target: { value: 'soon' } });
    await fireEvent.click(screen.getByTestId('llm-save'));
    expect((await screen.findByTestId('llm-error-timeout')).textContent).toContain('1 to 600');
    expect(ipc.llmSet).not.toHaveBeenCalled();
  });

  it('"Hold the model\'s drafts for my review" is on by default and turns review off and on with llm_set_review', async () => {
    const settings = { base_url: 'http://127.0.0.1:11434', model: 'llama3.1', timeout_seconds: 20 };
    vi.mocked(ipc.llmSetReview).mockImplementation(async (on) => ({ settings: { ...settings, review: on }, has_key: true }));
    render(LlmSettings);
    const box = (await screen.findByTestId('llm-review')) as HTMLInputElement;
    expect(screen.getByTestId('llm-review-field').textContent).toContain("Hold the model's drafts for my review");
    expect(box.checked, 'settings saved before review existed read as on').toBe(true);
    await fireEvent.click(box);
    await waitFor(() => expect(ipc.llmSetReview).toHaveBeenCalledWith(false));
    await waitFor(() => expect(box.checked).toBe(false));
    await fireEvent.click(box);
    await waitFor(() => expect(ipc.llmSetReview).toHaveBeenLastCalledWith(true));
    await waitFor(() => expect(box.checked).toBe(true));
    expect(ipc.llmSet).not.toHaveBeenCalled();
  });

  it('puts the review toggle back when llm_set_review is refused, and hides it until a model is set up', async () => {
    vi.mocked(ipc.llmGet).mockResolvedValue({ settings: { base_url: 'http://127.0.0.1:11434', model: 'llama3.1', review: false }, has_key: false });
    vi.mocked(ipc.llmSetReview).mockRejectedValue({ code: 'io', message: 'disk I/O error' });
    const { unmount } = render(LlmSettings);
    const box = (await screen.findByTestId('llm-review')) as HTMLInputElement;
    expect(box.checked).toBe(false);
    await fireEvent.click(box);
    await waitFor(() => expect(ipc.llmSetReview).toHaveBeenCalledWith(true));
    await waitFor(() => expect(box.checked).toBe(false));
    unmount();

    vi.mocked(ipc.llmGet).mockResolvedValue({ settings: null, has_key: false });
    render(LlmSettings);
    await screen.findByTestId('llm-state');
    expect(screen.queryByTestId('llm-review')).toBeNull();
  });
});

describe('Drafts in the outbox', () => {
  let ipc: ReturnType<typeof stubIpc>;
  beforeEach(() => {
    ipc = stubIpc();
  });

  it('says where each text came from, with the reason the template went', async () => {
    vi.mocked(ipc.outboxList).mockResolvedValue([
      makeOutboxMessage({ id: 1, draft: 'model', llm_prompt: PROMPT, llm_answer: 'Hi' }),
      makeOutboxMessage({ id: 2, draft: 'template', draft_note: 'the model took longer than 20 s' }),
      makeOutboxMessage({ id: 3, draft: 'agent' }),
      makeOutboxMessage({ id: 4 }),
    ]);
    render(OutboxList);
    await screen.findAllByTestId('outbox-message');
    const badges = screen.getAllByTestId('draft-badge');
    expect(badges.map((b) => b.textContent?.trim())).toEqual(['Written by the model', 'Template', 'Edited by you']);
    expect(badges[1].getAttribute('title')).toBe('Why the template: the model took longer than 20 s');
    expect(screen.getByTestId('draft-note').textContent).toContain('the model took longer than 20 s');
  });

  it('shows the prompt and the answer as text, never as HTML', async () => {
    vi.mocked(ipc.outboxList).mockResolvedValue([makeOutboxMessage({ id: 1, draft: 'model', llm_prompt: PROMPT, llm_answer: `Hi ${XSS}` })]);
    render(OutboxList);
    const audit = await screen.findByTestId('draft-audit');
    expect(within(audit).getByText('Audit')).toBeTruthy();
    const prompt = within(audit).getByTestId('audit-prompt');
    expect(prompt.textContent).toContain('system: Rewrite the follow-up for one lead.');
    expect(prompt.textContent).toContain(XSS);
    expect(within(audit).getByTestId('audit-answer').textContent).toBe(`Hi ${XSS}`);
    expect(audit.querySelector('img')).toBeNull();
    expect((window as unknown as Record<string, unknown>).__pwned).toBeUndefined();
  });
});

describe('Review queue', () => {
  let ipc: ReturnType<typeof stubIpc>;
  beforeEach(() => {
    ipc = stubIpc();
    vi.mocked(ipc.outboxList).mockResolvedValue([pending(), pending({ id: 12, lead_name: 'Omid', body: 'Salam Omid' }), makeOutboxMessage({ id: 13, review: 'approved' })]);
    vi.mocked(ipc.outboxReview).mockImplementation(async (id) => pending({ id, review: 'approved' }));
  });

  it('lists only the pending drafts with their count', async () => {
    render(ReviewQueue);
    expect((await screen.findAllByTestId('review-item')).length).toBe(2);
    expect(screen.getByTestId('review-count').textContent).toBe('2 drafts waiting');
  });

  it('approves with null when the text is unchanged', async () => {
    render(ReviewQueue);
    const [first] = await screen.findAllByTestId('review-item');
    await fireEvent.click(within(first).getByTestId('review-approve'));
    await waitFor(() => expect(ipc.outboxReview).toHaveBeenCalledWith(11, true, null));
  });

  it('approves with the edited text', async () => {
    render(ReviewQueue);
    const [first] = await screen.findAllByTestId('review-item');
    await fireEvent.input(within(first).getByTestId('review-text'), { target: { value: 'Hi Sara, three options this week.' } });
    expect(within(first).getByTestId('review-edited')).toBeTruthy();
    await fireEvent.click(within(first).getByTestId('review-approve'));
    await waitFor(() => expect(ipc.outboxReview).toHaveBeenCalledWith(11, true, 'Hi Sara, three options this week.'));
  });

  it('rejects', async () => {
    render(ReviewQueue);
    const items = await screen.findAllByTestId('review-item');
    await fireEvent.click(within(items[1]).getByTestId('review-reject'));
    await waitFor(() => expect(ipc.outboxReview).toHaveBeenCalledWith(12, false, null));
  });
});

describe('Review before sending', () => {
  it('calls campaign_set_review when toggled', async () => {
    const ipc = stubIpc();
    const campaign: Campaign = { id: 3, name: 'Nurture', is_default: true, steps: [], review_before_sending: false };
    vi.mocked(ipc.campaignSetReview).mockResolvedValue({ ...campaign, review_before_sending: true });
    const onreview = vi.fn();
    render(CampaignEditor, { campaign, onsaved: () => {}, oncancel: () => {}, onreview });
    const toggle = screen.getByTestId('campaign-review-toggle') as HTMLInputElement;
    expect(toggle.checked).toBe(false);
    await fireEvent.click(toggle);
    await waitFor(() => expect(ipc.campaignSetReview).toHaveBeenCalledWith(3, true));
    await waitFor(() => expect(onreview).toHaveBeenCalled());
    expect(toggle.checked).toBe(true);
  });
});

describe('Reply classes and the learned score', () => {
  it('shows each reply class as a badge, none for unclear', () => {
    const at = (d: number) => `2025-03-${String(10 + d).padStart(2, '0')}T08:00:00Z`;
    render(Timeline, {
      entries: [
        { at: at(1), kind: 'replied', detail: 'yes', reply_class: 'interested' },
        { at: at(2), kind: 'replied', detail: 'later', reply_class: 'asks_later' },
        { at: at(3), kind: 'replied', detail: 'no', reply_class: 'not_interested' },
        { at: at(4), kind: 'replied', detail: 'STOP', reply_class: 'opt_out' },
        { at: at(5), kind: 'replied', detail: 'who?', reply_class: 'wrong_number' },
        { at: at(6), kind: 'replied', detail: '👍', reply_class: 'unclear' },
      ],
    });
    const badges = screen.getAllByTestId('reply-class');
    expect(badges.map((b) => [b.dataset.class, b.textContent, b.className.match(/tone-\w+/)?.[0]])).toEqual([
      ['wrong_number', 'Wrong number', 'tone-danger'],
      ['opt_out', 'Opted out', 'tone-danger'],
      ['not_interested', 'Not interested', 'tone-neutral'],
      ['asks_later', 'Asks to talk later', 'tone-warning'],
      ['interested', 'Interested', 'tone-success'],
    ]);
  });

  it('labels the learned factor and lists the top reasons with the chance of a win', () => {
    render(ScoreBreakdown, {
      score: 70,
      grade: 'A',
      source: 'referral',
      factors: [{ factor: 'phone', points: 15 }, { factor: 'learned', points: -4 }],
      learned: { p_won: 0.62, points: -4, blended: 70, outcomes: 47, top: [['source:referral', 0.6], ['response:<1h', 0.3], ['area:dubai marina', -0.4]], weights: [] },
    });
    const learned = screen.getAllByTestId('score-factor').find((f) => f.dataset.factor === 'learned')!;
    expect(learned.textContent?.replace(/\s+/g, ' ').trim()).toBe('Learned from your wins (47 outcomes) −4');
    expect(screen.getByTestId('learned-chance').textContent).toBe('Chance of a win: 62%');
    expect(screen.getAllByTestId('learned-reason').map((r) => r.textContent?.replace(/\s+/g, ' ').trim())).toEqual([
      '↑ Raises the chance: Source: Referral',
      '↓ Lowers the chance: Area: Dubai Marina',
      '↑ Raises the chance: Answered within an hour',
    ]);
  });

  it('formats the chance in Persian digits', () => {
    setLanguage('fa');
    render(ScoreBreakdown, { score: 10, grade: 'D', source: 'manual', factors: [], learned: { p_won: 0.5, points: 0, blended: 10, outcomes: 31, top: [], weights: [] } });
    expect(screen.getByTestId('learned-chance').textContent).toContain('۵۰');
  });

  it('offers "Mark as lost?" after a not-interested reply and sets the status', async () => {
    const ipc = stubIpc();
    const timeline: TimelineEntry[] = [{ at: '2025-03-21T09:00:00Z', kind: 'replied', detail: 'not looking any more', reply_class: 'not_interested' }];
    vi.mocked(ipc.leadGet).mockResolvedValue(makeDetail({ id: 7, status: 'replied', timeline }));
    vi.mocked(ipc.leadSetStatus).mockResolvedValue(makeDetail({ id: 7, status: 'lost', timeline }));
    render(LeadDetail, { props: { id: 7 } });
    const suggestion = await screen.findByTestId('suggest-lost');
    expect(suggestion.textContent).toContain('Mark as lost?');
    await fireEvent.click(within(suggestion).getByTestId('suggest-lost-yes'));
    await waitFor(() => expect(ipc.leadSetStatus).toHaveBeenCalledWith(7, 'lost'));
    await waitFor(() => expect(screen.queryByTestId('suggest-lost')).toBeNull());
  });

  it('does not offer it when the lead is already lost or the reply was positive', async () => {
    const ipc = stubIpc();
    vi.mocked(ipc.leadGet).mockResolvedValue(
      makeDetail({ id: 7, status: 'replied', timeline: [{ at: '2025-03-21T09:00:00Z', kind: 'replied', detail: 'yes', reply_class: 'interested' }] }),
    );
    render(LeadDetail, { props: { id: 7 } });
    await screen.findByTestId('timeline');
    expect(screen.queryByTestId('suggest-lost')).toBeNull();
  });
});
