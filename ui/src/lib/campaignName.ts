/**
 * A campaign's name, and its steps' names, as the agent reads them: the campaign every
 * workspace starts with is stored under its English name (the backend's DEFAULT_CAMPAIGN) and
 * its steps under their English labels (`followups/campaigns.rs`, `default_steps`); both are
 * shown in the agent's language. A name the agent gave is shown as typed. (The steps' texts
 * ship in all three languages already.)
 */
import { t } from './i18n/i18n.svelte';

export const DEFAULT_CAMPAIGN = 'New lead nurture';

export function campaignName(name: string): string {
  return name === DEFAULT_CAMPAIGN ? t('campaign.defaultName') : name;
}

/** The default campaign's step labels, as the backend stores them, and their catalogue keys. */
const DEFAULT_STEPS: Record<string, 'campaign.step.introduction' | 'campaign.step.value' | 'campaign.step.urgency' | 'campaign.step.newListings' | 'campaign.step.checkIn'> = {
  Introduction: 'campaign.step.introduction',
  Value: 'campaign.step.value',
  Urgency: 'campaign.step.urgency',
  'New listings': 'campaign.step.newListings',
  'Check-in': 'campaign.step.checkIn',
};

export function stepLabel(label: string): string {
  const key = DEFAULT_STEPS[label];
  return key ? t(key) : label;
}
