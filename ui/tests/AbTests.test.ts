import { beforeEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { stubIpc } from './ipcMock';
import { makeLead } from './fixtures';
import { locateStepError, verdictOf } from '../src/lib/followups';
import { setLanguage } from '../src/lib/i18n/i18n.svelte';
import en from '../src/lib/i18n/en';
import fa from '../src/lib/i18n/fa';
import ar from '../src/lib/i18n/ar';
import CampaignEditor from '../src/lib/components/CampaignEditor.svelte';
import AbTests from '../src/lib/components/AbTests.svelte';
import Followups from '../src/lib/screens/Followups.svelte';
import { followupCommand } from '../src/mock/followups';
import { compare, wilson } from '../src/mock/abtest';
import type { Campaign, Step, StepStats, VariantStats } from '../src/lib/types';

vi.mock('../src/lib/ipc');

function step(position: number, over: Partial<Step> = {}): Step {
  return {
    position,
    offset_minutes: position * 1440,
    label: `Step ${position}`,
    template_en: 'Hi {first_name}',
    template_fa: 'سلام {first_name}',
    template_ar: 'مرحباً {first_name}',
    channel: null,
    wa_template: null,
    wa_template_language: null,
    wa_template_params: [],
    subject_en: '',
    subject_fa: '',
    subject_ar: '',
    variants: [],
    ...over,
  };
}

const B = { template_en: 'Hello {first_name}?', template_fa: 'درود {first_name}؟', template_ar: 'أهلاً {first_name}؟' };

const campaign = (steps: Step[] = [step(1), step(2)]): Campaign => ({ id: 1, name: 'New lead nurture', is_default: true, review_before_sending: false, steps });

function variant(v: number, sent: number, replied: number, over: Partial<VariantStats> = {}): VariantStats {
  const [low, high] = wilson(replied, sent);
  return {
    variant: v,
    label: String.fromCharCode(65 + v),
    sent,
    replied,
    reply_rate: sent ? replied / sent : 0,
    low,
    high,
    versus_a: null,
    ...over,
  };
}

/** A step's figures with A's counts first; the comparisons computed as the core does. */
function stepStats(position: number, counts: [number, number][], over: Partial<StepStats> = {}): StepStats {
  const [aSent, aReplied] = counts[0];
  const variants = counts.map(([s, r], v) => variant(v, s, r, { versus_a: v === 0 ? null : compare(r, s, aReplied, aSent) }));
  return { campaign_id: 1, campaign: 'New lead nurture', position, label: `Step ${position}`, variants, winner: null, ...over };
}

describe('A/B helpers', () => {
  it('a validation error on a variant names the step, the field and the variant', () => {
    expect(
      locateStepError({ code: 'validation', field: 'template_fa', message: 'step 2 variant C needs a message of 1 to 1000 characters' }, 3),
    ).toEqual({ index: 1, field: 'template_fa', variant: 2 });
    expect(locateStepError({ code: 'validation', field: 'variants', message: 'step 1 has at most 4 variants (A to D)' }, 3)).toEqual({
      index: 0,
      field: 'variants',
    });
  });

  it('gives a verdict only with 20 sent on both sides', () => {
    const s = stepStats(2, [[212, 23], [205, 41], [19, 10], [60, 7]]);
    expect(s.variants.map((v) => verdictOf(s, v))).toEqual(['baseline', 'better', 'too_few', 'no_difference']);
    const worse = stepStats(2, [[200, 50], [200, 30]]);
    expect(verdictOf(worse, worse.variants[1])).toBe('worse');
  });

  it('catalogues keep identical keys with the A/B strings in every language', () => {
    const keys = Object.keys(en).sort();
    expect(Object.keys(fa).sort()).toEqual(keys);
    expect(Object.keys(ar).sort()).toEqual(keys);
    const ab = keys.filter((k) => k.startsWith('ab.'));
    expect(ab.length).toBeGreaterThan(30);
    for (const k of ab) {
      if (k === 'ab.short' || k === 'ab.p' || k === 'ab.pBelow') continue;
      expect((fa as Record<string, string>)[k], k).not.toBe((en as Record<string, string>)[k]);
      expect((ar as Record<string, string>)[k], k).not.toBe((en as Record<string, string>)[k]);
    }
  });
});

describe('Step editor: variants', () => {
  let ipc: ReturnType<typeof stubIpc>;
  beforeEach(() => {
    ipc = stubIpc();
    vi.mocked(ipc.leadList).mockResolvedValue({ total: 1, more: false, rows: [makeLead({ id: 7, name: 'Aisha Khan' })] });
    vi.mocked(ipc.templatePreview).mockImplementation(async (_lead, template) => template.replace('{first_name}', 'Aisha'));
    vi.mocked(ipc.campaignUpdate).mockImplementation(async (id, steps) => ({ ...campaign(), id, steps }));
  });

  it('adds variant B with its own tabs, variables and preview, and saves it with campaign_update', async () => {
    const onsaved = vi.fn();
    render(CampaignEditor, { campaign: campaign(), onsaved, oncancel: () => {} });
    expect(screen.queryByTestId('step-ab-badge')).toBeNull();
    await fireEvent.click(screen.getByTestId('variant-add'));

    expect(screen.getByTestId('step-ab-badge').textContent).toBe('A/B test: A, B');
    const b = screen.getByTestId('variant-b');
    const area = within(b).getByTestId('variant-b-template-en') as HTMLTextAreaElement;
    expect(area.value).toBe('Hi {first_name}');
    await fireEvent.input(area, { target: { value: 'Hello ' } });
    area.setSelectionRange(6, 6);
    await fireEvent.click(within(b).getByTestId('variant-b-insert-first_name'));
    expect(area.value).toBe('Hello {first_name}');
    await waitFor(() => expect(within(b).getByTestId('variant-b-preview').textContent).toBe('Hello Aisha'));
    await fireEvent.click(within(b).getByTestId('variant-b-tab-fa'));
    expect(within(b).getByTestId('variant-b-template-fa').getAttribute('dir')).toBe('rtl');
    // The step's own text (A) is untouched.
    expect((screen.getByTestId('step-template-en') as HTMLTextAreaElement).value).toBe('Hi {first_name}');

    await fireEvent.click(screen.getByTestId('save-campaign'));
    await waitFor(() => expect(onsaved).toHaveBeenCalled());
    const [, steps] = vi.mocked(ipc.campaignUpdate).mock.calls[0];
    expect(steps[0].variants).toEqual([{ template_en: 'Hello {first_name}', template_fa: 'سلام {first_name}', template_ar: 'مرحباً {first_name}' }]);
    expect(steps[0].template_en).toBe('Hi {first_name}');
    expect(steps[1].variants).toEqual([]);
  });

  it('allows variants up to D, and removing one sends the rest', async () => {
    const onsaved = vi.fn();
    render(CampaignEditor, {
      campaign: campaign([step(1, { variants: [B, { ...B, template_en: 'C {first_name}' }] }), step(2)]),
      onsaved,
      oncancel: () => {},
    });
    expect(screen.getByTestId('step-ab-badge').textContent).toBe('A/B test: A, B, C');
    const add = screen.getByTestId('variant-add') as HTMLButtonElement;
    expect(add.textContent).toContain('Add variant D');
    await fireEvent.click(add);
    expect(add.disabled).toBe(true);
    expect(screen.getByTestId('variant-d')).toBeTruthy();
    await fireEvent.click(screen.getByTestId('variant-remove-d'));
    await fireEvent.click(screen.getByTestId('variant-remove-b'));
    expect(screen.getByTestId('step-ab-badge').textContent).toBe('A/B test: A, B');

    await fireEvent.click(screen.getByTestId('save-campaign'));
    await waitFor(() => expect(onsaved).toHaveBeenCalled());
    const [, steps] = vi.mocked(ipc.campaignUpdate).mock.calls[0];
    expect(steps[0].variants.map((v) => v.template_en)).toEqual(['C {first_name}']);
  });

  it('removing the last variant ends the test in the saved steps', async () => {
    const onsaved = vi.fn();
    render(CampaignEditor, { campaign: campaign([step(1, { variants: [B] }), step(2)]), onsaved, oncancel: () => {} });
    await fireEvent.click(screen.getByTestId('variant-remove-b'));
    expect(screen.queryByTestId('step-ab-badge')).toBeNull();
    await fireEvent.click(screen.getByTestId('save-campaign'));
    await waitFor(() => expect(onsaved).toHaveBeenCalled());
    expect(vi.mocked(ipc.campaignUpdate).mock.calls[0][1][0].variants).toEqual([]);
  });

  it('shows a variant’s validation error next to that variant’s field, not A’s', async () => {
    vi.mocked(ipc.campaignUpdate).mockRejectedValue({
      code: 'validation',
      field: 'template_ar',
      message: 'step 2 variant B: unknown variable {nam}',
    });
    render(CampaignEditor, { campaign: campaign([step(1), step(2, { variants: [B] })]), onsaved: vi.fn(), oncancel: () => {} });
    await fireEvent.click(screen.getByTestId('save-campaign'));
    const error = await screen.findByTestId('variant-b-error-template_ar');
    expect(error.textContent).toContain('variant B: unknown variable {nam}');
    expect(screen.getByTestId('editor-step-2').getAttribute('aria-current')).toBe('step');
    const ar = screen.getByTestId('variant-b-template-ar');
    expect(ar.getAttribute('aria-invalid')).toBe('true');
    expect(ar.getAttribute('aria-describedby')).toBe(error.id);
    expect(screen.queryByTestId('step-error-template_ar')).toBeNull();
    expect(screen.getByTestId('step-tab-en').getAttribute('aria-selected')).toBe('true');
  });
});

describe('A/B tests card', () => {
  let ipc: ReturnType<typeof stubIpc>;
  let outboxChanged: () => void;
  beforeEach(() => {
    ipc = stubIpc();
    vi.mocked(ipc.campaignList).mockResolvedValue([campaign([step(1), step(2, { variants: [B, B] })])]);
    vi.mocked(ipc.onOutboxChanged).mockImplementation(async (fn) => {
      outboxChanged = fn;
      return () => {};
    });
  });

  const sample = () => stepStats(2, [[212, 23], [205, 41], [12, 1]], { winner: 1 });

  it('shows sent, replied, reply rate and the 95 % interval in words for each variant', async () => {
    vi.mocked(ipc.campaignStats).mockResolvedValue([sample()]);
    render(AbTests);
    const card = await screen.findByTestId('ab-step');
    const a = within(card).getByTestId('ab-variant-a');
    expect(within(a).getByTestId('ab-sent').textContent).toBe('212');
    expect(within(a).getByTestId('ab-replied').textContent).toBe('23');
    expect(within(a).getByTestId('ab-rate').textContent).toBe('10.8%');
    const b = within(card).getByTestId('ab-variant-b');
    expect(within(b).getByTestId('ab-rate').textContent).toBe('20%');
    expect(within(b).getByTestId('ab-interval').textContent).toBe('15.1% to 26%');
    expect(within(card).getByTestId('ab-winner').textContent).toBe('B is ahead');
    expect(within(card).getByRole('columnheader', { name: '95 % interval' })).toBeTruthy();
  });

  it('says which variant replies more when significant, no difference otherwise, and too few under 20 sent', async () => {
    vi.mocked(ipc.campaignStats).mockResolvedValue([sample(), stepStats(4, [[48, 6], [45, 7]])]);
    vi.mocked(ipc.campaignList).mockResolvedValue([campaign([step(2, { variants: [B, B] }), step(4, { variants: [B] })])]);
    render(AbTests);
    const [two, four] = await screen.findAllByTestId('ab-step');
    expect(within(within(two).getByTestId('ab-variant-a')).getByTestId('ab-verdict').textContent?.trim()).toBe('Baseline');
    expect(within(within(two).getByTestId('ab-variant-b')).getByTestId('ab-verdict').textContent?.trim()).toBe(
      'B replies more — significant (p = 0.01)',
    );
    const c = within(two).getByTestId('ab-variant-c');
    expect(within(c).getByTestId('ab-verdict').textContent?.trim()).toBe('Not enough sent yet');
    expect(within(c).queryByTestId('ab-p')).toBeNull();
    const b4 = within(four).getByTestId('ab-variant-b');
    expect(within(b4).getByTestId('ab-verdict').textContent?.trim()).toBe('No significant difference yet');
    expect(within(b4).getByTestId('ab-p').textContent).toBe('p = 0.67');
    expect(within(four).queryByTestId('ab-winner')).toBeNull();
  });

  it('shows the figures with Persian digits in Persian', async () => {
    setLanguage('fa');
    vi.mocked(ipc.campaignStats).mockResolvedValue([sample()]);
    render(AbTests);
    const b = await screen.findByTestId('ab-variant-b');
    expect(within(b).getByTestId('ab-sent').textContent).toBe('۲۰۵');
    expect(within(b).getByTestId('ab-rate').textContent).toContain('۲۰');
  });

  it('promotes B after confirming, then reloads and tells the screen', async () => {
    vi.mocked(ipc.campaignStats).mockResolvedValue([sample()]);
    vi.mocked(ipc.campaignPromote).mockResolvedValue(campaign());
    const onpromoted = vi.fn();
    render(AbTests, { onpromoted });
    await fireEvent.click(await screen.findByTestId('ab-promote-b'));
    const dialog = await screen.findByTestId('ab-confirm-dialog');
    expect(dialog.textContent).toContain('Make B the text of this step?');
    expect(ipc.campaignPromote).not.toHaveBeenCalled();
    await fireEvent.click(within(dialog).getByTestId('ab-confirm'));
    await waitFor(() => expect(ipc.campaignPromote).toHaveBeenCalledWith(1, 2, 1));
    await waitFor(() => expect(onpromoted).toHaveBeenCalled());
    await waitFor(() => expect(ipc.campaignStats).toHaveBeenCalledTimes(2));
    expect(screen.queryByTestId('ab-confirm-dialog')).toBeNull();
  });

  it('"Keep A, end test" promotes variant 0; cancelling does nothing', async () => {
    vi.mocked(ipc.campaignStats).mockResolvedValue([sample()]);
    vi.mocked(ipc.campaignPromote).mockResolvedValue(campaign());
    render(AbTests);
    await fireEvent.click(await screen.findByTestId('ab-promote-c'));
    await fireEvent.click(within(await screen.findByTestId('ab-confirm-dialog')).getByRole('button', { name: 'Cancel' }));
    expect(ipc.campaignPromote).not.toHaveBeenCalled();

    await fireEvent.click(screen.getByTestId('ab-keep'));
    const dialog = await screen.findByTestId('ab-confirm-dialog');
    expect(dialog.textContent).toContain('Keep A and end the test?');
    await fireEvent.click(within(dialog).getByTestId('ab-confirm'));
    await waitFor(() => expect(ipc.campaignPromote).toHaveBeenCalledWith(1, 2, 0));
  });

  it('explains how to start a test when none is under way, and lists ended ones without buttons', async () => {
    vi.mocked(ipc.campaignList).mockResolvedValue([campaign()]);
    vi.mocked(ipc.campaignStats).mockResolvedValue([sample()]);
    render(AbTests);
    expect((await screen.findByTestId('ab-empty')).textContent).toContain('Add variant');
    expect(screen.getByTestId('ab-ended')).toBeTruthy();
    expect(screen.queryByTestId('ab-promote-b')).toBeNull();
  });

  it('reloads on outbox-changed', async () => {
    vi.mocked(ipc.campaignStats).mockResolvedValueOnce([]).mockResolvedValue([sample()]);
    render(AbTests);
    await screen.findByTestId('ab-empty');
    await waitFor(() => expect(ipc.onOutboxChanged).toHaveBeenCalled());
    outboxChanged();
    expect(await screen.findByTestId('ab-step')).toBeTruthy();
  });

  it('is on the Follow-ups screen', async () => {
    render(Followups);
    expect(await screen.findByTestId('ab-tests')).toBeTruthy();
  });
});

describe('mock backend', () => {
  const ctx = { leads: () => [makeLead({ id: 1 })], workspace: 99, changed: vi.fn() };

  it('has a seeded test under way, saves variants with the campaign and promotes one', () => {
    const stats = followupCommand('campaign_stats', {}, ctx) as StepStats[];
    const two = stats.find((s) => s.position === 2)!;
    expect(two.variants.map((v) => v.label)).toEqual(['A', 'B']);
    expect(two.winner).toBe(1);
    expect(two.variants[1].versus_a?.significant).toBe(true);

    const [c] = followupCommand('campaign_list', {}, ctx) as Campaign[];
    c.steps[0].variants = [B];
    const saved = followupCommand('campaign_update', { id: c.id, steps: c.steps }, ctx) as Campaign;
    expect(saved.steps[0].variants).toEqual([B]);
    expect(() => followupCommand('campaign_update', { id: c.id, steps: c.steps.map((s, i) => (i === 0 ? { ...s, variants: [{ ...B, template_fa: ' ' }] } : s)) }, ctx)).toThrow();

    const promoted = followupCommand('campaign_promote', { campaignId: c.id, position: 1, variant: 1 }, ctx) as Campaign;
    expect(promoted.steps[0].template_en).toBe(B.template_en);
    expect(promoted.steps[0].variants).toEqual([]);
  });
});
