/** The core's English lines (outbox reasons, draft notes, tasks, timeline) said again in the agent's words. */
import { describe, expect, it } from 'vitest';
import { outboxReason, outboxWhy } from '../src/lib/outboxWords';
import { draftNote } from '../src/lib/draftWords';
import { taskTitle, telegramLinkDetail } from '../src/lib/taskWords';
import { entryWords } from '../src/lib/timelineWords';
import { campaignName, stepLabel } from '../src/lib/campaignName';
import { setLanguage, t } from '../src/lib/i18n/i18n.svelte';
import { rejectedReason, unparsedReason } from '../src/lib/transfer';

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

describe('a draft note in words', () => {
  it('says why the template went, with its time read as a time', () => {
    const n = draftNote('the model took too long (2026-03-02T06:00:00Z)');
    expect(n.detail).toBeNull();
    expect(n.text).toMatch(/^the model took too long \(.*2026.*\)$/);
    expect(draftNote('no language model is set up').text).toBe('no language model is set up');
    expect(draftNote('the model answered with no text').text).toBe('the model answered with no text');
    expect(draftNote('the model answered HTTP 502 Bad Gateway with no readable body').text).toBe('the model answered HTTP 502 with nothing readable');
    expect(draftNote('the model refused: HTTP 429 Too Many Requests slow down')).toEqual({ text: 'the model refused (HTTP 429)', detail: 'Too Many Requests slow down' });
    expect(draftNote('the model could not be reached: error sending request')).toEqual({ text: 'the model could not be reached', detail: 'error sending request' });
    setLanguage('fa');
    expect(draftNote('the model took too long (2026-03-02T06:00:00Z)').text).toMatch(/^مدل بیش از حد طول کشید \(/);
    expect(draftNote('no language model is set up').text).toBe('هیچ مدل زبانی راه‌اندازی نشده است');
  });

  it('says what a held draft adds', () => {
    const note = "held for review: the model's text adds a link (bit.ly/x3), a price (1,080,000) that the template does not have";
    expect(draftNote(note).text).toBe("held for review: the model's text adds a link (bit.ly/x3) and a price (1,080,000) that the template does not have");
    setLanguage('ar');
    expect(draftNote("held for review: the campaign's messages are reviewed before sending").text).toBe('محجوزة للمراجعة: رسائل الحملة تُراجع قبل الإرسال');
    expect(draftNote(note).text.replace(/[\u2068\u2069]/g, '')).toContain('رابطًا (bit.ly/x3)');
  });

  it('shows a note it does not know as stored', () => {
    expect(draftNote('the model took longer than 20 s')).toEqual({ text: 'the model took longer than 20 s', detail: null });
  });
});

describe('a task the core made, in words', () => {
  it('says a matching task with the lead’s own name, and leaves a typed title alone', () => {
    expect(taskTitle('Tell Sara about Marina 2BR', 'Sara')).toBe('Tell Sara about Marina 2BR');
    expect(taskTitle('Ring Sara about the Palm', 'Sara')).toBe('Ring Sara about the Palm');
    expect(taskTitle('Tell Omid about the price', 'Sara')).toBe('Tell Omid about the price');
    setLanguage('fa');
    const plain = (s: string) => s.replace(/[\u2068\u2069]/g, '');
    expect(plain(taskTitle('Tell Sara about Marina 2BR', 'Sara'))).toBe('Sara را از Marina 2BR باخبر کنید');
    expect(taskTitle('Tell Omid about the price', 'Sara')).toBe('Tell Omid about the price');
    expect(taskTitle('Decide about a Telegram start link', 'Sara')).toBe('دربارهٔ یک پیوند شروع تلگرام تصمیم بگیرید');
    expect(taskTitle('Find a phone number or e-mail', 'Sara')).toBe('یک شماره تلفن یا ایمیل پیدا کنید (پیگیری‌ها پس از آن شروع می‌شوند)');
  });

  it('says why a Telegram start link did not link', () => {
    const line = (why: string) => `Telegram @sara (42) pressed Start on the link of Sara (#7) and was not linked: ${why}. Their message is on their own lead.`;
    expect(telegramLinkDetail(line('the link was used already by Telegram 99, and a link links once'))).toBe(
      'Telegram @sara (42) pressed Start on the link of Sara (#7) and was not linked: the link was used already by Telegram 99, and a link links once. Their message is on their own lead.',
    );
    setLanguage('ar');
    const plain = (s: string | null) => s?.replace(/[\u2068\u2069]/g, '');
    expect(plain(telegramLinkDetail(line('that Telegram account is already lead #3; merge the two by hand if they are the same person')))).toBe(
      'ضغط تيليجرام @sara (42) على Start في رابط Sara (#7) ولم يُربط: حساب تيليجرام هذا هو العميل #3 من قبل؛ ادمجهما يدويًا إن كانا الشخص نفسه. رسالته على عميله الخاص.',
    );
    expect(plain(telegramLinkDetail(line('Sara is linked to Telegram 5 already')))).toContain('Sara مرتبط بتيليجرام 5 من قبل');
    expect(plain(telegramLinkDetail(line('the link expired (it was made 2026-01-02; links last 30 days)')))).toContain('انتهت صلاحية الرابط');
    expect(telegramLinkDetail(line('something new'))).toBeNull();
  });

  it('says the timeline’s task lines and delivery reasons in words', () => {
    setLanguage('fa');
    const plain = (s: string) => s.replace(/[\u2068\u2069]/g, '');
    expect(plain(entryWords({ at: '2026-03-02T06:00:00Z', kind: 'task_open', detail: 'call task: Tell Sara about Marina 2BR' }).text)).toContain('Sara را از Marina 2BR باخبر کنید');
    const task = entryWords({ at: '2026-03-02T06:00:00Z', kind: 'task', detail: 'Telegram 42 pressed Start on the link of Sara (#7) and was not linked: the link was used already, and a link links once. Their message is on their own lead.' });
    expect(task.words).toBe(true);
    expect(plain(task.text)).toContain('این پیوند قبلاً به کار رفته');
    const bounced = entryWords({ at: '2026-03-02T06:00:00Z', kind: 'channel_unusable', detail: 'email cannot reach this lead: bounced: 550 no such user' });
    expect(plain(bounced.text)).toContain('ایمیل برگشت خورد: 550 no such user');
    const late = entryWords({ at: '2026-03-02T06:00:00Z', kind: 'channel_unusable', detail: 'sms cannot reach this lead: Twilio: 30005 Unknown destination handset (reported after the send)' });
    expect(plain(late.text)).toContain('Twilio: 30005 Unknown destination handset (پس از ارسال گزارش شد)');
  });
});

describe('the default campaign in words', () => {
  it('names its steps in the agent’s language and leaves the agent’s own names alone', () => {
    expect(['Introduction', 'Value', 'Urgency', 'New listings', 'Check-in'].map(stepLabel)).toEqual(['Introduction', 'Value', 'Urgency', 'New listings', 'Check-in']);
    setLanguage('fa');
    expect(['Introduction', 'Value', 'Urgency', 'New listings', 'Check-in'].map(stepLabel)).toEqual(['معرفی', 'ارزش', 'فوریت', 'آگهی‌های تازه', 'احوال‌پرسی']);
    expect(campaignName('New lead nurture')).not.toBe('New lead nurture');
    expect(stepLabel('My own step')).toBe('My own step');
    setLanguage('ar');
    expect(stepLabel('Check-in')).toBe('اطمئنان');
  });
});

describe('an import row’s reason in words', () => {
  it('names the field and says the form’s sentence, the core’s line kept as the detail', () => {
    expect(rejectedReason("property_type: unknown property type 'castle'; allowed: apartment, villa")).toEqual({
      text: 'Property type: Choose a property type from the list.',
      detail: "unknown property type 'castle'; allowed: apartment, villa",
    });
    setLanguage('fa');
    const fa = rejectedReason("email: 'john@x' is not a valid email address");
    expect(fa.text.replace(/[\u2068\u2069]/g, '')).toBe('ایمیل: ' + t('invalid.email'));
    expect(fa.detail).toBe("'john@x' is not a valid email address");
    expect(rejectedReason('the row is empty')).toEqual({ text: 'the row is empty', detail: null });
    expect(rejectedReason('colour: red')).toEqual({ text: 'colour: red', detail: null });
  });
});

describe('an unread portal mail’s reason in words', () => {
  it('says the core’s fixed lines in the agent’s language', () => {
    setLanguage('ar');
    expect(unparsedReason('no phone number and no email address found in the mail')).toBe('لم يُعثر في البريد على رقم هاتف ولا عنوان بريد إلكتروني');
    expect(unparsedReason('the mail has no text to read')).toBe('لا يحتوي البريد على نص للقراءة');
    expect(unparsedReason('something else')).toBe('something else');
  });
});
