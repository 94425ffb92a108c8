import { describe, expect, it } from 'vitest';
import { emptyForm, formFieldFor, formFromLead, parseWholeNumber, splitList, toLeadInput } from '../src/lib/leadForm';
import { makeLead } from './fixtures';

describe('lead form values', () => {
  it('trims text and sends blanks as null', () => {
    const { input, problems } = toLeadInput({ ...emptyForm(), name: '  Sara  ', email: '   ', notes: '\n' });
    expect(problems).toEqual({});
    expect(input.name).toBe('Sara');
    expect(input.email).toBeNull();
    expect(input.notes).toBeNull();
    expect(input.source).toBe('manual');
    expect(input.locations).toEqual([]);
  });

  it('requires a name', () => {
    expect(toLeadInput({ ...emptyForm(), name: '   ' }).problems).toEqual({ name: 'required' });
  });

  it('reads numbers with separators and Persian or Arabic digits', () => {
    expect(parseWholeNumber('2,500,000')).toBe(2500000);
    expect(parseWholeNumber('۲٬۵۰۰٬۰۰۰')).toBe(2500000);
    expect(parseWholeNumber('٣')).toBe(3);
    expect(parseWholeNumber('')).toBeNull();
    expect(parseWholeNumber('1.5')).toBe('invalid');
    expect(parseWholeNumber('-3')).toBe('invalid');
    const { input, problems } = toLeadInput({ ...emptyForm(), name: 'x', budget_max: '۳۰۰۰۰۰۰', bedrooms: 'two' });
    expect(input.budget_max).toBe(3000000);
    expect(problems).toEqual({ bedrooms: 'notNumber' });
  });

  it('splits and de-duplicates areas', () => {
    expect(splitList('JVC; Dubai Marina, Downtown؛ جميرا')).toEqual(['JVC', 'Dubai Marina', 'Downtown', 'جميرا']);
    expect(toLeadInput({ ...emptyForm(), name: 'x', locations: ['JVC', 'jvc', ' Marina '] }).input.locations).toEqual([
      'JVC',
      'Marina',
    ]);
  });

  it('round-trips a lead', () => {
    const lead = makeLead({ telegram_username: 'sara_r', tags: ['investor'] });
    const { input } = toLeadInput(formFromLead(lead));
    expect(input).toMatchObject({
      name: lead.name,
      email: lead.email,
      phone: lead.phone,
      budget_min: lead.budget_min,
      budget_max: lead.budget_max,
      locations: lead.locations,
      bedrooms: lead.bedrooms,
      telegram_username: 'sara_r',
      tags: ['investor'],
    });
  });

  it('maps backend error fields to form fields', () => {
    expect(formFieldFor('email')).toBe('email');
    expect(formFieldFor('budget')).toBe('budget_max');
    expect(formFieldFor('linkedin')).toBe('linkedin_url');
    expect(formFieldFor('nonsense')).toBeNull();
    expect(formFieldFor(undefined)).toBeNull();
  });
});
