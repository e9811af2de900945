export { type Alert, type AlertKind, type RenderedAlert, escapeHtml, renderAlert, scrubSecrets } from './alert';
export { AlertMailer, type AlertMailerOptions, AlertSendError, type AlertSendResult, SMTP_UNREACHABLE_MESSAGE, type SmtpSettings } from './alert-mailer';
export {
  type AlertClaim,
  AlertDeduper,
  type AlertDeduperOptions,
  type AlertKeyStore,
  DEFAULT_DEDUPE_WINDOW_MS,
  MemoryAlertKeyStore,
  type RunAlertKind,
} from './alert-deduper';
export { type AlertDelivery, type EnvAlertSettings, resolveAlertDelivery, type SavedAlertSettings } from './alert-settings';
