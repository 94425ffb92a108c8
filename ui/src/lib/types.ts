/**
 * The types the UI shares with the Rust side. Every type a Tauri command takes or returns, or
 * an event carries, is generated from the Rust types into `wire.gen.ts` (regenerate with
 * `UPDATE_WIRE_TYPES=1 cargo test -p leadbook --lib wire_types`; a test fails when it is
 * stale). This file re-exports them and adds only what no Rust type describes: the UI's own
 * names for them, the arguments commands take one by one, and the UI's error shape.
 */
import type {
  ChannelInfo,
  Enrolment,
  ErrorCode,
  ImportPreview,
  LeadInput,
  MessageStatus,
  PropertyInput,
  Step,
  WireError,
} from './wire.gen';

export type * from './wire.gen';

/** The UI's name for a language. */
export type { Language as Lang } from './wire.gen';

/** A field of the lead form, as validation errors name it. */
export type LeadInputField = keyof LeadInput;

/** A field of the listing form, as validation errors name it. */
export type PropertyInputField = keyof PropertyInput;

/** The channels a follow-up step may prefer. */
export type StepChannel = NonNullable<Step['channel']>;

/** Where a lead stands in a campaign. */
export type EnrolmentState = Enrolment['state'];

/** A provider's health, as Settings shows it. */
export type ChannelState = ChannelInfo['state'];

/**
 * The one error shape every command rejects with (after `toAppError`): the Rust error's wire
 * form, with any other code passed through (and `internal` for the UI's own failures).
 */
export type AppError = Omit<WireError, 'code'> & { code: ErrorCode | (string & {}) };

/** `outbox_list`'s arguments. */
export interface OutboxQuery {
  status?: MessageStatus;
  leadId?: number;
}

/** `llm_set`'s arguments. */
export interface LlmInput {
  baseUrl: string;
  model: string;
  /** null keeps the stored key, "" removes it. */
  apiKey: string | null;
  timeoutSeconds: number | null;
}

/** The formats a file can be read as (`import_preview` tells which; `import_run` can be told). */
export type ImportFormat = ImportPreview['format'];
