import { beforeEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { get } from 'svelte/store';
import { route } from '../src/lib/router';
import { toasts } from '../src/lib/toast';
import { stubIpc } from './ipcMock';
import { makeDetail, makeLead } from './fixtures';
import LeadForm from '../src/lib/screens/LeadForm.svelte';

vi.mock('../src/lib/ipc');

const field = (name: string) => screen.getByTestId(`field-${name}`) as HTMLInputElement;
const type = (name: string, value: string) => fireEvent.input(field(name), { target: { value } });

describe('Add lead form', () => {
  let ipc: ReturnType<typeof stubIpc>;
  beforeEach(() => {
    ipc = stubIpc();
  });

  it('shows a validation error next to the field named in the error and keeps the values', async () => {
    vi.mocked(ipc.leadAdd).mockRejectedValue({ code: 'validation', field: 'email', message: 'invalid email: nope' });
    render(LeadForm);
    await type('name', 'Sara Rahimi');
    await type('email', 'nope');
    await type('budget_max', '2,500,000');
    await fireEvent.click(screen.getByTestId('save-lead'));

    const error = await waitFor(() => {
      const el = document.getElementById('error-email');
      expect(el).not.toBeNull();
      return el!;
    });
    expect(error.textContent).toContain('Enter a valid e-mail address.');
    expect(error.textContent).toContain('invalid email: nope');
    const email = field('email');
    expect(email.getAttribute('aria-invalid')).toBe('true');
    expect(email.getAttribute('aria-describedby')?.split(' ')).toContain('error-email');
    expect(email.value).toBe('nope');
    expect(field('name').value).toBe('Sara Rahimi');
    expect(field('budget_max').value).toBe('2,500,000');
    expect(field('name').getAttribute('aria-invalid')).toBeNull();
    expect(ipc.leadAdd).toHaveBeenCalledWith(
      expect.objectContaining({ name: 'Sara Rahimi', email: 'nope', budget_max: 2500000 }),
    );
    await waitFor(() => expect(document.activeElement).toBe(email));
  });

  it('shows every refused field at once on save, in the agent\'s words, and saves nothing', async () => {
    vi.mocked(ipc.leadCheck).mockResolvedValue([
      { code: 'validation', field: 'email', message: "'john.carter@gmail' is not a valid email address" },
      { code: 'validation', field: 'phone', message: 'not a phone number' },
    ]);
    render(LeadForm);
    await type('name', 'John Carter');
    await type('email', 'john.carter@gmail');
    await type('phone', '12');
    await fireEvent.click(screen.getByTestId('save-lead'));
    await waitFor(() => expect(document.getElementById('error-email')?.textContent).toContain('Enter a valid e-mail address.'));
    expect(document.getElementById('error-phone')?.textContent).toContain('Enter a valid phone number.');
    expect(ipc.leadAdd).not.toHaveBeenCalled();
    await waitFor(() => expect(document.activeElement).toBe(field('email')));
  });

  it('checks a field when the agent leaves it, and clears the error once it is right', async () => {
    render(LeadForm);
    await type('name', 'John Carter');
    vi.mocked(ipc.leadCheck).mockResolvedValue([{ code: 'validation', field: 'email', message: 'bad' }]);
    await type('email', 'john.carter@gmail');
    await fireEvent.blur(field('email'));
    await waitFor(() => expect(document.getElementById('error-email')?.textContent).toContain('Enter a valid e-mail address.'));
    // Leaving another field does not put the e-mail's error on it.
    await fireEvent.blur(field('phone'));
    await waitFor(() => expect(ipc.leadCheck).toHaveBeenCalledTimes(2));
    expect(document.getElementById('error-phone')).toBeNull();
    vi.mocked(ipc.leadCheck).mockResolvedValue([]);
    await type('email', 'john.carter@gmail.com');
    await fireEvent.blur(field('email'));
    await waitFor(() => expect(document.getElementById('error-email')).toBeNull());
  });

  it('catches a missing name before asking the backend', async () => {
    render(LeadForm);
    await fireEvent.click(screen.getByTestId('save-lead'));
    expect(document.getElementById('error-name')?.textContent).toContain('This is required.');
    expect(field('name').getAttribute('aria-invalid')).toBe('true');
    expect(ipc.leadAdd).not.toHaveBeenCalled();
  });

  it('adds a lead and opens it', async () => {
    vi.mocked(ipc.leadAdd).mockResolvedValue({ id: 41, created: true, merged_into: null, score: 30, grade: 'C' });
    render(LeadForm);
    await type('name', 'New Person');
    await type('phone', '050 123 4567');
    await fireEvent.input(field('locations'), { target: { value: 'JVC; Marina; ' } });
    await fireEvent.click(screen.getByTestId('save-lead'));
    await waitFor(() => expect(get(route)).toEqual({ name: 'lead', id: 41 }));
    expect(vi.mocked(ipc.leadAdd).mock.calls[0][0]).toMatchObject({
      name: 'New Person',
      phone: '050 123 4567',
      locations: ['JVC', 'Marina'],
      source: 'manual',
      email: null,
    });
  });

  it('warns about a duplicate and merges into it with lead_add', async () => {
    const existing = makeLead({ id: 5, name: 'Omid Karimi' });
    vi.mocked(ipc.leadFindDuplicate).mockResolvedValue({ lead: existing, key: 'phone' });
    vi.mocked(ipc.leadAdd).mockResolvedValue({ id: 5, created: false, merged_into: 5, score: 50, grade: 'B' });
    render(LeadForm);
    await type('phone', '050 123 4567');
    await fireEvent.blur(field('phone'));

    const warning = await screen.findByTestId('duplicate-warning');
    expect(warning.textContent).toContain('Omid Karimi');
    expect(warning.textContent).toContain('same phone number');
    expect(ipc.leadFindDuplicate).toHaveBeenCalledWith(expect.objectContaining({ phone: '050 123 4567' }));
    expect(within(warning).getByTestId('duplicate-open').getAttribute('href')).toBe('#/lead/5');

    await fireEvent.click(within(warning).getByTestId('merge-button'));
    await waitFor(() => expect(ipc.leadAdd).toHaveBeenCalledOnce());
    expect(vi.mocked(ipc.leadAdd).mock.calls[0][0]).toMatchObject({ phone: '050 123 4567', name: 'Omid Karimi' });
    await waitFor(() => expect(get(route)).toEqual({ name: 'lead', id: 5 }));
    expect(get(toasts).map((x) => x.message)).toContain('Merged into Omid Karimi');
  });

  it('never merges on save while a duplicate is found: it asks, and "Add as a new lead" adds a lead of its own', async () => {
    const existing = makeLead({ id: 5, name: 'Omid Karimi' });
    vi.mocked(ipc.leadFindDuplicate).mockResolvedValue({ lead: existing, key: 'phone' });
    vi.mocked(ipc.leadAddSeparate).mockResolvedValue({ id: 42, created: true, merged_into: null, score: 30, grade: 'C' });
    render(LeadForm);
    await type('name', 'Sara Karimi');
    await type('phone', '050 123 4567');
    await fireEvent.click(screen.getByTestId('save-lead'));

    expect(await screen.findByTestId('duplicate-ask')).toBeTruthy();
    expect(ipc.leadAdd).not.toHaveBeenCalled();
    expect(get(route)).not.toEqual({ name: 'lead', id: 5 });

    await fireEvent.click(screen.getByTestId('add-separate-button'));
    await waitFor(() => expect(ipc.leadAddSeparate).toHaveBeenCalledOnce());
    expect(vi.mocked(ipc.leadAddSeparate).mock.calls[0][0]).toMatchObject({ name: 'Sara Karimi', phone: '050 123 4567' });
    expect(ipc.leadAdd).not.toHaveBeenCalled();
    await waitFor(() => expect(get(route)).toEqual({ name: 'lead', id: 42 }));
    expect(get(toasts).map((x) => x.message)).toContain('Added as a new lead, apart from Omid Karimi');
  });

  it('still finds a duplicate by phone while the e-mail is half typed', async () => {
    vi.mocked(ipc.leadFindDuplicate).mockImplementation(async (input) => {
      if (input.email) throw { code: 'validation', field: 'email', message: 'invalid email' };
      return input.phone ? { lead: makeLead({ id: 5, name: 'Omid Karimi' }), key: 'phone' } : null;
    });
    render(LeadForm);
    await type('email', 'omid@');
    await type('phone', '0501234567');
    await fireEvent.blur(field('phone'));
    expect((await screen.findByTestId('duplicate-warning')).textContent).toContain('Omid Karimi');
    expect(ipc.leadFindDuplicate).toHaveBeenCalledTimes(2);
    expect(vi.mocked(ipc.leadFindDuplicate).mock.calls[1][0]).toMatchObject({ email: null, phone: '0501234567' });
  });

  it('does not look for duplicates when no identity field is filled', async () => {
    render(LeadForm);
    await type('name', 'Only a name');
    await fireEvent.blur(field('email'));
    await new Promise((r) => setTimeout(r, 250));
    expect(ipc.leadFindDuplicate).not.toHaveBeenCalled();
    expect(screen.queryByTestId('duplicate-warning')).toBeNull();
  });
});

describe('Edit lead form', () => {
  let ipc: ReturnType<typeof stubIpc>;
  beforeEach(() => {
    ipc = stubIpc();
  });

  it('loads the lead, saves every field and shows a duplicate error next to its field', async () => {
    vi.mocked(ipc.leadGet).mockResolvedValue(makeDetail({ id: 8, name: 'Sara Rahimi' }));
    vi.mocked(ipc.leadUpdate).mockRejectedValueOnce({
      code: 'duplicate',
      field: 'phone',
      message: 'another lead has this phone',
    });
    render(LeadForm, { props: { id: 8 } });
    await waitFor(() => expect(field('name').value).toBe('Sara Rahimi'));
    await fireEvent.click(screen.getByTestId('save-lead'));
    await waitFor(() => expect(document.getElementById('error-phone')).not.toBeNull());
    expect(field('phone').getAttribute('aria-invalid')).toBe('true');
    expect(vi.mocked(ipc.leadUpdate).mock.calls[0]).toEqual([
      8,
      expect.objectContaining({ name: 'Sara Rahimi', email: 'sara@example.com', locations: ['JVC', 'Dubai Marina'] }),
    ]);
  });
});
