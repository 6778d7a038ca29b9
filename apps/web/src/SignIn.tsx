import { useState, type SyntheticEvent } from 'react';
import type { UserDto } from '@switchboard/contracts';
import { api } from './api.js';

export function SignIn({
  onSignedIn,
  problem,
}: {
  onSignedIn: (user: UserDto) => void;
  problem: string | null;
}) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(problem);
  const [busy, setBusy] = useState(false);

  const submit = (event: SyntheticEvent<HTMLFormElement>) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    api
      .signIn(email, password)
      .then(({ user }) => {
        onSignedIn(user);
      })
      .catch((failure: unknown) => {
        setError(failure instanceof Error ? failure.message : 'Sign-in failed');
      })
      .finally(() => {
        setBusy(false);
      });
  };

  return (
    <form className="card signin" onSubmit={submit} aria-label="Sign in">
      <h1>Sign in</h1>
      <label>
        E-mail
        <input
          type="email"
          name="email"
          autoComplete="username"
          value={email}
          onChange={(e) => {
            setEmail(e.target.value);
          }}
          required
        />
      </label>
      <label>
        Password
        <input
          type="password"
          name="password"
          autoComplete="current-password"
          value={password}
          onChange={(e) => {
            setPassword(e.target.value);
          }}
          required
        />
      </label>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <button type="submit" disabled={busy}>
        {busy ? 'Signing in…' : 'Sign in'}
      </button>
      <p className="muted small">First run? The server printed the demo sign-in when it started.</p>
    </form>
  );
}
