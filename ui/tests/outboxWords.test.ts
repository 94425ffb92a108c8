import { describe, expect, it } from 'vitest';
import { outboxReason, outboxWhy } from '../src/lib/outboxWords';
import { setLanguage } from '../src/lib/i18n/i18n.svelte';

describe('an outbox reason in words', () => {
  it('says the compliance gate’s lines in the agent’s language', () => {
    expect(outboxWhy('pacing: one marketing message a day and two a week to a lead who has not answered', 'queued')).toEqual({
      text: 'Waits: one marketing message a day and two a week to a lead who has not answered.',
      detail: null,
    });
    expect(outboxWhy('outside the sending window (09:00–18:00): goes when it opens', 'queued').text).toMatch(/^Waits for the sending window \(9:00\s?AM–6:00\s?PM\)/);
    expect(outboxWhy('the lead opted out of this channel', 'failed').text).toBe('Not sent: the lead opted out of this channel.');
    expect(outboxWhy('the lead replied before it went', 'failed').text).toBe('Not sent: the lead replied before it went.');
    expect(outboxWhy("the lead's status ends its follow-ups", 'failed').text).toBe("Not sent: the lead's status ends its follow-ups.");
    expect(outboxWhy('the provider is no longer set up', 'failed').text).toBe('Its channel is no longer set up.');
    setLanguage('fa');
    expect(outboxWhy('the lead replied before it went', 'failed').text).toBe('فرستاده نشد: سرنخ پیش از فرستادن پاسخ داد.');
    expect(outboxWhy('outside the sending window (09:00–18:00): goes when it opens', 'queued').text).toContain('در انتظار بازهٔ ارسال');
  });

  it('puts a provider’s own words under a plain sentence in the agent’s language', () => {
    expect(outboxWhy('offline: tcp connect error: Connection refused (os error 111)', 'deferred')).toEqual({
      text: 'The provider could not be reached; it will try again.',
      detail: 'tcp connect error: Connection refused (os error 111)',
    });
    expect(outboxWhy('no answer from the provider: operation timed out; confirm whether it arrived', 'unknown')).toEqual({
      text: 'It is not known whether it arrived: confirm it.',
      detail: 'no answer from the provider: operation timed out',
    });
    expect(outboxWhy('no answer from smtp.example.com:587: timed out', 'unknown').text).toBe('The provider did not answer; it may have taken the message.');
    expect(outboxWhy('bounced: 550 5.1.1 no such user', 'failed')).toEqual({ text: 'The e-mail bounced.', detail: '550 5.1.1 no such user' });
    expect(outboxWhy('Twilio: 30005 Unknown destination handset (reported after the send)', 'failed')).toEqual({
      text: 'The provider reported after sending that it failed.',
      detail: 'Twilio: 30005 Unknown destination handset',
    });
    setLanguage('ar');
    expect(outboxWhy('Forbidden: bot was blocked by the user', 'failed')).toEqual({
      text: 'لم يقبل مزوّد الخدمة هذه الرسالة.',
      detail: 'Forbidden: bot was blocked by the user',
    });
  });

  it('says what became of a message whose reason is the provider’s alone, by its state', () => {
    const raw = 'Telegram: 401 Unauthorized';
    expect(outboxWhy(raw, 'failed').text).toBe('The provider did not take this message.');
    expect(outboxWhy(raw, 'deferred').text).toBe('It did not go this time; it will try again.');
    expect(outboxWhy(raw, 'queued').text).toBe('Its channel needs attention: the message waits until it is fixed.');
    expect(outboxWhy(raw, 'unknown').text).toBe('It is not known whether it arrived: confirm it.');
    expect(outboxReason(raw, 'failed')).toBe('The provider did not take this message. Telegram: 401 Unauthorized');
    expect(outboxWhy('', 'failed')).toEqual({ text: '', detail: null });
  });

  it('keeps its known lines strict: a line that only looks like one is the provider’s', () => {
    expect(outboxWhy('pacing: something else', 'queued')).toEqual({ text: 'Its channel needs attention: the message waits until it is fixed.', detail: 'pacing: something else' });
  });
});
