/**
 * A campaign's name as the agent reads it: the campaign every workspace starts with is stored
 * under its English name (the backend's DEFAULT_CAMPAIGN) and shown in the agent's language;
 * a name the agent gave is shown as typed.
 */
import { t } from './i18n/i18n.svelte';

export const DEFAULT_CAMPAIGN = 'New lead nurture';

export function campaignName(name: string): string {
  return name === DEFAULT_CAMPAIGN ? t('campaign.defaultName') : name;
}
