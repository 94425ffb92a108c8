/**
 * The lead page's own keys: `c` call, `r` record a reply, `s` the status, `e` edit. Like the
 * global shortcuts they match physical keys (Persian and Arabic layouts), and are ignored while
 * typing, with a modifier, in a dialog, or as the second key of a `g` chord (`g c` is the
 * calendar, not a call).
 */
import { isEditable, letter } from './shortcuts';

export interface LeadKeyActions {
  call(): void;
  reply(): void;
  status(): void;
  edit(): void;
}

export function createLeadKeys(actions: LeadKeyActions, chordMs = 1200): (e: KeyboardEvent) => void {
  let lastG = 0;
  return (e: KeyboardEvent) => {
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || e.shiftKey) return;
    if (isEditable(e.target) || document.querySelector('[aria-modal="true"]')) return;
    const key = letter(e);
    const now = Date.now();
    if (key === 'g') {
      lastG = now;
      return;
    }
    const afterG = lastG && now - lastG <= chordMs;
    lastG = 0;
    if (afterG) return;
    const act = key === 'c' ? actions.call : key === 'r' ? actions.reply : key === 's' ? actions.status : key === 'e' ? actions.edit : null;
    if (act) {
      e.preventDefault();
      act();
    }
  };
}
