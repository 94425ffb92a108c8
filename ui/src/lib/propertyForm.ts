/**
 * The listing form's values (what the inputs hold) and their conversion to the wire's
 * `PropertyInput`: trimmed, blanks as null, numbers parsed from any digits the agent typed.
 * The backend still has the final word on validity.
 */
import type { Property, PropertyInput, PropertyInputField } from './types';
import { fieldMapper, text, wholeNumbers, type FieldProblem } from './formValues';

export interface PropertyFormValues {
  title: string;
  location: string;
  price: string;
  property_type: string;
  bedrooms: string;
  purpose: string;
  permit: string;
  reference: string;
}

/** Every field in the order the form shows them. */
export const PROPERTY_FIELDS: readonly PropertyInputField[] = [
  'title',
  'location',
  'price',
  'property_type',
  'bedrooms',
  'purpose',
  'permit',
  'reference',
];

export const LISTING_PURPOSES = ['sale', 'rent'] as const;
export const PROPERTY_STATUSES = ['available', 'reserved', 'sold'] as const;

export function isPropertyStatus(v: unknown): v is (typeof PROPERTY_STATUSES)[number] {
  return typeof v === 'string' && (PROPERTY_STATUSES as readonly string[]).includes(v);
}

export function emptyPropertyForm(): PropertyFormValues {
  return { title: '', location: '', price: '', property_type: '', bedrooms: '', purpose: 'sale', permit: '', reference: '' };
}

export function formFromProperty(p: Property): PropertyFormValues {
  return {
    title: p.title,
    location: p.location,
    price: String(p.price),
    property_type: p.property_type ?? '',
    bedrooms: p.bedrooms === null ? '' : String(p.bedrooms),
    purpose: p.purpose,
    permit: p.permit ?? '',
    reference: p.reference ?? '',
  };
}

export type PropertyProblem = FieldProblem;

/** The `PropertyInput` (every field present) and what is visibly wrong before asking. */
export function toPropertyInput(v: PropertyFormValues): {
  input: PropertyInput;
  problems: Partial<Record<PropertyInputField, PropertyProblem>>;
} {
  const problems: Partial<Record<PropertyInputField, PropertyProblem>> = {};
  const whole = wholeNumbers(problems);
  const input: PropertyInput = {
    title: text(v.title),
    location: text(v.location),
    price: whole('price', v.price),
    property_type: text(v.property_type),
    bedrooms: whole('bedrooms', v.bedrooms),
    purpose: text(v.purpose),
    permit: text(v.permit),
    reference: text(v.reference),
  };
  for (const f of ['title', 'location', 'price'] as const) {
    if (input[f] === null && !problems[f]) problems[f] = 'required';
  }
  return { input, problems };
}

const FIELD_ALIASES: Record<string, PropertyInputField> = {
  type: 'property_type',
  area: 'location',
  rera: 'permit',
};

/** Maps the `field` of a backend error to the form field it belongs to (null: the form). */
export const propertyFieldFor = fieldMapper(PROPERTY_FIELDS, FIELD_ALIASES);
