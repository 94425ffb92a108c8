import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createShortcutHandler, type ShortcutActions } from '../src/lib/shortcuts';

function key(k: string, code: string, target: EventTarget = document.body, extra: KeyboardEventInit = {}) {
  const e = new KeyboardEvent('keydown', { key: k, code, bubbles: true, cancelable: true, ...extra });
  Object.defineProperty(e, 'target', { value: target });
  return e;
}

describe('keyboard shortcuts', () => {
  let actions: { [K in keyof ShortcutActions]: ReturnType<typeof vi.fn<() => void>> };
  let handle: (e: KeyboardEvent) => void;

  beforeEach(() => {
    const fn = () => vi.fn<() => void>();
    actions = {
      goDashboard: fn(),
      goLeads: fn(),
      goSettings: fn(),
      newLead: fn(),
      focusSearch: fn(),
      showHelp: fn(),
    };
    handle = createShortcutHandler(actions);
  });
  afterEach(() => {
    document.body.innerHTML = '';
  });

  it('g then d / l / s navigates', () => {
    handle(key('g', 'KeyG'));
    handle(key('d', 'KeyD'));
    handle(key('g', 'KeyG'));
    handle(key('l', 'KeyL'));
    handle(key('g', 'KeyG'));
    handle(key('s', 'KeyS'));
    expect(actions.goDashboard).toHaveBeenCalledOnce();
    expect(actions.goLeads).toHaveBeenCalledOnce();
    expect(actions.goSettings).toHaveBeenCalledOnce();
  });

  it('works on a Persian keyboard layout (matches the physical key)', () => {
    handle(key('گ', 'KeyG'));
    handle(key('ل', 'KeyL'));
    expect(actions.goLeads).toHaveBeenCalledOnce();
  });

  it('n, / and ? trigger their actions', () => {
    handle(key('n', 'KeyN'));
    handle(key('/', 'Slash'));
    handle(key('?', 'Slash', document.body, { shiftKey: true }));
    expect(actions.newLead).toHaveBeenCalledOnce();
    expect(actions.focusSearch).toHaveBeenCalledOnce();
    expect(actions.showHelp).toHaveBeenCalledOnce();
  });

  it('is ignored while typing in a field or with a modifier', () => {
    const input = document.createElement('input');
    document.body.append(input);
    handle(key('n', 'KeyN', input));
    handle(key('n', 'KeyN', document.body, { ctrlKey: true }));
    expect(actions.newLead).not.toHaveBeenCalled();
  });

  it('is ignored while a dialog is open', () => {
    const dialog = document.createElement('div');
    dialog.setAttribute('aria-modal', 'true');
    document.body.append(dialog);
    handle(key('n', 'KeyN'));
    expect(actions.newLead).not.toHaveBeenCalled();
  });
  it('F1 opens the guide, from a field too, but not over a dialog', () => {
    const showGuide = vi.fn<() => void>();
    const withGuide = createShortcutHandler({ ...actions, showGuide });
    const input = document.createElement('input');
    document.body.append(input);
    const e = key('F1', 'F1', input);
    withGuide(e);
    expect(showGuide).toHaveBeenCalledOnce();
    expect(e.defaultPrevented).toBe(true);
    const dialog = document.createElement('div');
    dialog.setAttribute('aria-modal', 'true');
    document.body.append(dialog);
    withGuide(key('F1', 'F1'));
    expect(showGuide).toHaveBeenCalledOnce();
    expect(actions.showHelp).not.toHaveBeenCalled();
  });
});
