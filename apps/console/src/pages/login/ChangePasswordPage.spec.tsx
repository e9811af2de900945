import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { MemoryRouter } from 'react-router';
import { setSession } from '../../api/session';
import ChangePasswordPage from './ChangePasswordPage';
import { validatePasswordChange } from './password-rules';

describe('validatePasswordChange', () => {
  const ok = { currentPassword: 'initial-admin-password-1', newPassword: 'a-long-new-passphrase', confirmPassword: 'a-long-new-passphrase' };

  it('accepts a new password of 12 characters or more, repeated, differing from the current one', () => {
    expect(validatePasswordChange(ok)).toEqual({});
    expect(validatePasswordChange({ ...ok, newPassword: 'twelve-chars', confirmPassword: 'twelve-chars' })).toEqual({});
  });

  it('names each field that is wrong', () => {
    expect(validatePasswordChange({ currentPassword: '', newPassword: '', confirmPassword: '' })).toEqual({
      currentPassword: 'Enter your current password.',
      newPassword: 'Choose a new password.',
    });
    expect(validatePasswordChange({ ...ok, newPassword: 'short', confirmPassword: 'short' })).toEqual({ newPassword: 'At least 12 characters.' });
    expect(validatePasswordChange({ ...ok, newPassword: ok.currentPassword, confirmPassword: ok.currentPassword })).toEqual({
      newPassword: 'The new password must differ from the current one.',
    });
    expect(validatePasswordChange({ ...ok, confirmPassword: 'a-long-new-passphrasX' })).toEqual({ confirmPassword: 'Does not match the new password.' });
  });

  it('counts characters, not UTF-16 units', () => {
    const emoji = '🔑'.repeat(11);
    expect(validatePasswordChange({ ...ok, newPassword: emoji, confirmPassword: emoji })).toEqual({ newPassword: 'At least 12 characters.' });
  });
});

describe('ChangePasswordPage', () => {
  beforeEach(() => setSession({ token: 't', user: { id: '3f1c2a9e-6b0d-4e8f-9a7c-1d2e3f4a5b6c', username: 'admin', role: 'admin', mustChangePassword: true } }));
  afterEach(() => {
    cleanup();
    setSession(null);
  });

  it('shows the field errors next to their labelled inputs and sends nothing while the form is wrong', async () => {
    const fetchSpy = jest.fn();
    globalThis.fetch = fetchSpy;
    render(
      <MemoryRouter initialEntries={['/password']}>
        <ChangePasswordPage />
      </MemoryRouter>,
    );
    expect(screen.getByRole('heading', { name: 'Choose your password' })).toBeTruthy();
    fireEvent.change(screen.getByLabelText('Current password'), { target: { value: 'initial-admin-password-1' } });
    fireEvent.change(screen.getByLabelText('New password'), { target: { value: 'short' } });
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Change password' })));

    const input = screen.getByLabelText('New password');
    expect(input.getAttribute('aria-invalid')).toBe('true');
    const described = (input.getAttribute('aria-describedby') ?? '').split(' ').map((id) => document.getElementById(id)?.textContent);
    expect(described).toEqual(['At least 12 characters.', 'At least 12 characters.']);
    expect(screen.getByLabelText('Current password').getAttribute('aria-invalid')).toBeNull();
    expect(fetchSpy).not.toHaveBeenCalled();
  });
});
