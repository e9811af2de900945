export interface PasswordChangeInput {
  currentPassword: string;
  newPassword: string;
  confirmPassword: string;
}

/** The API's least length for a new password (ChangePasswordDto: "at least 12 characters"). */
export const MIN_PASSWORD_LENGTH = 12;

/**
 * What the form can tell before asking the API, by field: the API checks again and its answer
 * (wrong current password, a rule of its own) is shown as it says it.
 */
export function validatePasswordChange(input: PasswordChangeInput): Partial<Record<keyof PasswordChangeInput, string>> {
  const errors: Partial<Record<keyof PasswordChangeInput, string>> = {};
  if (!input.currentPassword) errors.currentPassword = 'Enter your current password.';
  if (!input.newPassword) errors.newPassword = 'Choose a new password.';
  else if ([...input.newPassword].length < MIN_PASSWORD_LENGTH) errors.newPassword = `At least ${MIN_PASSWORD_LENGTH} characters.`;
  else if (input.newPassword === input.currentPassword) errors.newPassword = 'The new password must differ from the current one.';
  if (!errors.newPassword && input.confirmPassword !== input.newPassword) errors.confirmPassword = 'Does not match the new password.';
  return errors;
}
