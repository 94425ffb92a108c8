import { describe, expect, it } from 'vitest';
import { FormErrors, formKeys } from '../src/lib/formErrors.svelte';
import { fieldMapper, text, wholeNumbers, type FieldProblem } from '../src/lib/formValues';
import { toasts } from '../src/lib/toast';
import { get } from 'svelte/store';

type F = 'title' | 'price';

function make() {
  return new FormErrors<F>({
    fields: ['title', 'price'],
    inputId: (f) => `x-${f}`,
    fieldFor: fieldMapper<F>(['title', 'price'], { cost: 'price' }),
    codes: ['validation'],
    messageFor: (_e, field) => `bad ${field ?? 'form'}`,
  });
}

describe('FormErrors', () => {
  it('shows what the form found wrong, in field order, and clears one field', () => {
    const form = make();
    expect(form.showProblems({})).toBe(false);
    expect(form.showProblems({ price: 'notNumber', title: 'required' })).toBe(true);
    expect(Object.keys(form.fields)).toEqual(['title', 'price']);
    expect(form.fields.title?.message).toBe('This is required.');
    expect(form.describedBy('price', 'hint-price')).toBe('hint-price error-price');
    form.clear('price');
    expect(form.describedBy('price', 'hint-price')).toBe('hint-price');
    expect(form.describedBy('price')).toBeUndefined();
  });

  it('wires a field: name, error, the ids it is described by, and the edit that clears it', () => {
    const form = make();
    form.showProblems({ title: 'required' });
    const wire = form.wire('title', 'hint-title');
    expect(wire).toMatchObject({ name: 'title', hintId: 'hint-title', describedby: 'hint-title error-title' });
    expect(wire.error?.message).toBe('This is required.');
    wire.onedit();
    expect(form.wire('title').error).toBeUndefined();
    expect(form.wire('title').describedby).toBeUndefined();
  });

  it('puts a core error next to the field it names, above the form, or in a toast', () => {
    const form = make();
    form.show({ code: 'validation', field: 'cost', message: 'too low' });
    expect(form.fields).toEqual({ price: { message: 'bad price', detail: 'too low' } });
    form.reset();
    form.show({ code: 'validation', message: '' });
    expect(form.form).toEqual({ message: 'bad form', detail: undefined });
    form.show({ code: 'io', message: 'disk full' });
    expect(get(toasts).at(-1)?.kind).toBe('error');
  });

  it('runs one save at a time and shows its error', async () => {
    const form = make();
    let runs = 0;
    let release!: () => void;
    const first = form.save(() => new Promise<void>((r) => ((release = r), runs++)));
    await form.save(async () => void runs++);
    expect(form.saving).toBe(true);
    release();
    await first;
    expect(runs).toBe(1);
    expect(form.saving).toBe(false);
    await form.save(async () => Promise.reject({ code: 'validation', field: 'title', message: 'x' }));
    expect(form.fields.title?.message).toBe('bad title');
  });
});

describe('form values', () => {
  it('trims, reads whole numbers and maps backend field names', () => {
    expect(text('  a ')).toBe('a');
    expect(text('   ')).toBeNull();
    const problems: Partial<Record<F, FieldProblem>> = {};
    const whole = wholeNumbers(problems);
    expect(whole('price', '1,200')).toBe(1200);
    expect(whole('title', 'x')).toBeNull();
    expect(problems).toEqual({ title: 'notNumber' });
    const map = fieldMapper<F>(['title'], { name: 'title' });
    expect(map('name')).toBe('title');
    expect(map(undefined)).toBeNull();
  });

  it('saves on Ctrl+Enter and cancels on Esc', () => {
    const calls: string[] = [];
    const keys = formKeys(() => calls.push('save'), () => calls.push('cancel'));
    keys(new KeyboardEvent('keydown', { key: 'Enter', ctrlKey: true }));
    keys(new KeyboardEvent('keydown', { key: 'Escape' }));
    keys(new KeyboardEvent('keydown', { key: 'Enter' }));
    formKeys(() => calls.push('save2'))(new KeyboardEvent('keydown', { key: 'Escape' }));
    expect(calls).toEqual(['save', 'cancel']);
  });
});
