/**
 * The Add/Edit lead form's values (what the inputs hold) and their conversion to the wire's
 * `LeadInput`. Trimming and blank → null happen here too, so what the UI sends is already
 * what the backend will store; the backend still has the final word on validity.
 */
import type { Lead, LeadInput, LeadInputField } from './types';
import { asciiDigits } from './i18n/i18n.svelte';
import { fieldMapper, text, wholeNumbers, type FieldProblem } from './formValues';

export { parseWholeNumber, type FieldProblem } from './formValues';

export interface LeadFormValues {
  name: string;
  email: string;
  phone: string;
  whatsapp: string;
  telegram_id: string;
  telegram_username: string;
  linkedin_url: string;
  source: string;
  budget_min: string;
  budget_max: string;
  locations: string[];
  property_type: string;
  bedrooms: string;
  purpose: string;
  language: string;
  notes: string;
  tags: string[];
}

/** Every field in the order the form shows them. */
export const LEAD_FIELDS: readonly LeadInputField[] = [
  'name',
  'email',
  'phone',
  'whatsapp',
  'telegram_id',
  'telegram_username',
  'linkedin_url',
  'source',
  'budget_min',
  'budget_max',
  'locations',
  'property_type',
  'bedrooms',
  'purpose',
  'language',
  'notes',
  'tags',
];

export type IdentityField = 'email' | 'phone' | 'whatsapp' | 'linkedin_url' | 'telegram_id' | 'telegram_username';

/** The fields whose change may reveal an existing lead (identity keys). */
export const IDENTITY_FIELDS: readonly IdentityField[] = [
  'email',
  'phone',
  'whatsapp',
  'linkedin_url',
  'telegram_id',
  'telegram_username',
];

export function isIdentityField(f: string | null | undefined): f is IdentityField {
  return (IDENTITY_FIELDS as readonly (string | null | undefined)[]).includes(f);
}

export function emptyForm(): LeadFormValues {
  return {
    name: '',
    email: '',
    phone: '',
    whatsapp: '',
    telegram_id: '',
    telegram_username: '',
    linkedin_url: '',
    source: 'manual',
    budget_min: '',
    budget_max: '',
    locations: [],
    property_type: '',
    bedrooms: '',
    purpose: '',
    language: '',
    notes: '',
    tags: [],
  };
}

const str = (v: string | null | undefined) => v ?? '';
const num = (v: number | null | undefined) => (v === null || v === undefined ? '' : String(v));

export function formFromLead(lead: Lead): LeadFormValues {
  return {
    name: lead.name,
    email: str(lead.email),
    phone: str(lead.phone),
    whatsapp: str(lead.whatsapp),
    telegram_id: num(lead.telegram_id),
    telegram_username: str(lead.telegram_username),
    linkedin_url: str(lead.linkedin_url),
    source: lead.source,
    budget_min: num(lead.budget_min),
    budget_max: num(lead.budget_max),
    locations: [...lead.locations],
    property_type: str(lead.property_type),
    bedrooms: num(lead.bedrooms),
    purpose: str(lead.purpose),
    language: str(lead.language),
    notes: str(lead.notes),
    tags: [...lead.tags],
  };
}

/** Splits "JVC; Marina, Downtown" into areas (`;` and `,` and Arabic `؛`/`،` separate). */
export function splitList(v: string): string[] {
  return v
    .split(/[;,؛،\n]/)
    .map((s) => s.trim())
    .filter(Boolean);
}

export function uniqueList(items: string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const item of items) {
    const trimmed = item.trim();
    const key = trimmed.toLocaleLowerCase();
    if (trimmed && !seen.has(key)) {
      seen.add(key);
      out.push(trimmed);
    }
  }
  return out;
}

/**
 * Builds the `LeadInput` (every field present; null = empty) and the problems we can see
 * before asking the backend.
 */
export function toLeadInput(v: LeadFormValues): {
  input: LeadInput;
  problems: Partial<Record<LeadInputField, FieldProblem>>;
} {
  const problems: Partial<Record<LeadInputField, FieldProblem>> = {};
  const whole = wholeNumbers(problems);
  const input: LeadInput = {
    name: text(v.name),
    email: text(v.email),
    phone: text(asciiDigits(v.phone)),
    whatsapp: text(asciiDigits(v.whatsapp)),
    telegram_id: whole('telegram_id', v.telegram_id),
    telegram_username: text(v.telegram_username.replace(/^\s*@/, '')),
    linkedin_url: text(v.linkedin_url),
    source: text(v.source),
    budget_min: whole('budget_min', v.budget_min),
    budget_max: whole('budget_max', v.budget_max),
    locations: uniqueList(v.locations),
    property_type: text(v.property_type),
    bedrooms: whole('bedrooms', v.bedrooms),
    purpose: text(v.purpose),
    language: text(v.language),
    notes: text(v.notes),
    tags: uniqueList(v.tags),
  };
  if (input.name === null) problems.name = 'required';
  return { input, problems };
}

/** True when any identity key is filled in, i.e. a duplicate check is worth asking for. */
export function hasIdentity(input: LeadInput): boolean {
  return Boolean(
    input.email || input.phone || input.whatsapp || input.linkedin_url || input.telegram_id || input.telegram_username,
  );
}

const FIELD_ALIASES: Record<string, LeadInputField> = {
  budget: 'budget_max',
  telegram: 'telegram_id',
  telegram_user_id: 'telegram_id',
  linkedin: 'linkedin_url',
  type: 'property_type',
  location: 'locations',
  tag: 'tags',
  lang: 'language',
};

/** Maps the `field` of a backend error to the form field it belongs to (null: the form). */
export const formFieldFor = fieldMapper(LEAD_FIELDS, FIELD_ALIASES);
