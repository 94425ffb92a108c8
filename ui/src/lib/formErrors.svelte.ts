/**
 * What the lead and the listing forms both keep while they are open: the error next to each
 * field (shown with id `error-<field>`), the error for the form as a whole, and whether a
 * save is under way. A core error `{code, message, field}` lands next to the field it names,
 * or above the form; any other error is a toast.
 */
import { tick } from 'svelte';
import { toAppError } from './errors';
import { toastError } from './toast';
import { t } from './i18n/i18n.svelte';
import type { FieldProblem } from './formValues';
import type { AppError } from './types';

/** A message for the agent and, when the backend said more, its own words. */
export type FieldError = { message: string; detail?: string };

export interface FormErrorsOptions<F extends string> {
  /** The fields in the order the form shows them (the first wrong one gets the focus). */
  fields: readonly F[];
  /** The id of a field's input, to focus it. */
  inputId: (field: F) => string;
  /** The form field a backend error's `field` names (null: the form as a whole). */
  fieldFor: (field: string | undefined) => F | null;
  /** The error codes shown in the form; others are toasts. */
  codes: readonly string[];
  /** The message for such an error, on `field` (or on the form when null). */
  messageFor: (err: AppError, field: F | null) => string;
}

export class FormErrors<F extends string> {
  fields = $state<Partial<Record<F, FieldError>>>({});
  form = $state<FieldError | null>(null);
  saving = $state(false);
  readonly #opts: FormErrorsOptions<F>;

  constructor(opts: FormErrorsOptions<F>) {
    this.#opts = opts;
  }

  /** The error ids an input is described by: its hint (when it has one) and its error. */
  describedBy(field: F, hintId?: string): string | undefined {
    const ids = [];
    if (hintId) ids.push(hintId);
    if (this.fields[field]) ids.push(`error-${field}`);
    return ids.length ? ids.join(' ') : undefined;
  }

  /**
   * What a TextField or SelectField needs to show `field`'s error (spread it on the field):
   * its name, the error, the ids it is described by (`hintId` when it has a hint), and the
   * edit that clears the error.
   */
  wire(field: F, hintId?: string) {
    return {
      name: field,
      hintId,
      error: this.fields[field],
      describedby: this.describedBy(field, hintId),
      onedit: () => this.clear(field),
    };
  }

  clear(field: F) {
    if (this.fields[field]) {
      const next = { ...this.fields };
      delete next[field];
      this.fields = next;
    }
  }

  reset() {
    this.fields = {};
    this.form = null;
  }

  async focus(field: F) {
    await tick();
    document.getElementById(this.#opts.inputId(field))?.focus();
  }

  /** Shows what the form found wrong before asking; true when there was anything. */
  showProblems(problems: Partial<Record<F, FieldProblem>>): boolean {
    const wrong = this.#opts.fields.filter((f) => problems[f]);
    if (!wrong.length) return false;
    const next: Partial<Record<F, FieldError>> = {};
    for (const f of wrong) {
      next[f] = { message: t(problems[f] === 'required' ? 'invalid.required' : 'invalid.notNumber') };
    }
    this.fields = next;
    void this.focus(wrong[0]);
    return true;
  }

  /** Puts an error next to its field, above the form, or in a toast. */
  show(e: unknown) {
    const err = toAppError(e);
    if (!this.#opts.codes.includes(err.code)) {
      toastError(err);
      return;
    }
    const field = this.#opts.fieldFor(err.field);
    const message = this.#opts.messageFor(err, field);
    const detail = err.message && err.message !== message ? err.message : undefined;
    if (field) {
      this.fields = { [field]: { message, detail } } as Partial<Record<F, FieldError>>;
      void this.focus(field);
    } else {
      this.form = { message, detail };
    }
  }

  /** The message and detail for a backend error on `field`, in the agent's words. */
  #errorOn(err: AppError, field: F): FieldError {
    const message = this.#opts.messageFor(err, field);
    return { message, detail: err.message && err.message !== message ? err.message : undefined };
  }

  /**
   * Every refused field at once (from a check of the whole form), each next to its field; the
   * focus goes to the first in the form's order. False when there was none.
   */
  showAll(errors: readonly AppError[]): boolean {
    const next: Partial<Record<F, FieldError>> = {};
    for (const err of errors) {
      const field = this.#opts.fieldFor(err.field);
      if (field && !next[field]) next[field] = this.#errorOn(err, field);
    }
    const wrong = this.#opts.fields.filter((f) => next[f]);
    if (!wrong.length) return false;
    this.fields = next;
    void this.focus(wrong[0]);
    return true;
  }

  /** After the agent left `field`: its error from a check of the whole form, or none. */
  showField(field: F, errors: readonly AppError[]) {
    const err = errors.find((e) => this.#opts.fieldFor(e.field) === field);
    const next = { ...this.fields };
    if (err) next[field] = this.#errorOn(err, field);
    else delete next[field];
    this.fields = next;
  }

  /** Runs a save (once at a time): `saving` meanwhile, and its error shown as above. */
  async save(work: () => Promise<void>) {
    if (this.saving) return;
    this.saving = true;
    try {
      await work();
    } catch (err) {
      this.show(err);
    } finally {
      this.saving = false;
    }
  }
}

/** The forms' keys: Ctrl/Cmd+Enter saves from any field, Esc cancels where given. */
export function formKeys(save: () => void, cancel?: () => void) {
  return (e: KeyboardEvent) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      save();
    } else if (cancel && e.key === 'Escape') {
      e.preventDefault();
      cancel();
    }
  };
}
