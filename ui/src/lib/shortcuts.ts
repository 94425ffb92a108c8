/**
 * Global keyboard shortcuts: `g d` dashboard, `g l` leads, `g p` listings, `g f` follow-ups, `g i` import, `g e` export, `g t` today, `g b` deals board, `g c` calendar, `g k` compliance, `g s` settings, `n` new lead,
 * `/` search, `?` help, F1 the guide for this screen (also while typing). Physical key codes are matched too, so they work on Persian and
 * Arabic keyboard layouts. Ignored while typing in a field or when a dialog is open.
 */
export interface ShortcutActions {
  goDashboard(): void;
  goLeads(): void;
  goSettings(): void;
  goProperties?(): void;
  goFollowups?(): void;
  goImport?(): void;
  goExport?(): void;
  goPipeline?(): void;
  goCalendar?(): void;
  goCompliance?(): void;
  goToday?(): void;
  newLead(): void;
  focusSearch(): void;
  showHelp(): void;
  showGuide?(): void;
}

export function isEditable(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  const tag = target.tagName;
  if (tag === 'TEXTAREA' || tag === 'SELECT') return true;
  if (tag === 'INPUT') {
    const type = (target as HTMLInputElement).type;
    return !['button', 'submit', 'reset', 'checkbox', 'radio'].includes(type);
  }
  return false;
}

export function letter(e: KeyboardEvent): string | null {
  if (/^Key[A-Z]$/.test(e.code)) return e.code.slice(3).toLowerCase();
  return e.key.length === 1 ? e.key.toLowerCase() : null;
}

export function createShortcutHandler(
  actions: ShortcutActions,
  chordMs = 1200,
): (e: KeyboardEvent) => void {
  let pendingG = 0;
  return (e: KeyboardEvent) => {
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
    // F1 types nothing, so it works from a field too; not over another dialog.
    if (e.key === 'F1') {
      e.preventDefault();
      if (actions.showGuide && !document.querySelector('[aria-modal="true"]')) actions.showGuide();
      return;
    }
    if (isEditable(e.target)) return;
    if (document.querySelector('[aria-modal="true"]')) return;

    const now = Date.now();
    const key = letter(e);
    if (pendingG && now - pendingG <= chordMs) {
      pendingG = 0;
      const go =
        key === 'd'
          ? actions.goDashboard
          : key === 'l'
            ? actions.goLeads
            : key === 's'
              ? actions.goSettings
              : key === 'p'
                ? actions.goProperties
                : key === 'f'
                  ? actions.goFollowups
                  : key === 'i'
                    ? actions.goImport
                    : key === 'e'
                      ? actions.goExport
                      : key === 'b'
                        ? actions.goPipeline
                      : key === 'c'
                        ? actions.goCalendar
                      : key === 'k'
                        ? actions.goCompliance
                      : key === 't'
                        ? actions.goToday
                        : null;
      if (go) {
        e.preventDefault();
        go();
        return;
      }
    }
    pendingG = 0;

    if (e.key === '?' || (e.code === 'Slash' && e.shiftKey)) {
      e.preventDefault();
      actions.showHelp();
    } else if (e.key === '/' || e.code === 'Slash') {
      e.preventDefault();
      actions.focusSearch();
    } else if (key === 'g' && !e.shiftKey) {
      pendingG = now;
    } else if (key === 'n' && !e.shiftKey) {
      e.preventDefault();
      actions.newLead();
    }
  };
}
