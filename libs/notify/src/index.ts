export { type Alert, type AlertKind, type RenderedAlert, escapeHtml, renderAlert, scrubSecrets } from './alert';
export { AlertMailer, AlertSendError, type AlertSendResult, type SmtpSettings } from './alert-mailer';
export {
  AlertDeduper,
  type AlertDeduperOptions,
  type AlertStateStore,
  DEFAULT_DEDUPE_WINDOW_MS,
  DEFAULT_FAILING_RETENTION_MS,
  type DedupeDecision,
  decideAlert,
  type LastAlert,
  MemoryAlertStateStore,
} from './alert-deduper';
