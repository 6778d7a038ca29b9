import { useEffect, useState } from 'react';
import type { UserDto } from '@switchboard/contracts';
import { api, ApiError } from './api.js';
import { Overview } from './Overview.js';
import { SignIn } from './SignIn.js';

type State =
  | { kind: 'loading' }
  | { kind: 'signed-out'; problem?: string | null }
  | { kind: 'signed-in'; user: UserDto };

export function App() {
  const [state, setState] = useState<State>({ kind: 'loading' });

  useEffect(() => {
    api
      .me()
      .then(({ user }) => {
        setState({ kind: 'signed-in', user });
      })
      .catch((error: unknown) => {
        // 401 is the ordinary "not signed in yet"; anything else is shown on the sign-in card.
        const problem = error instanceof ApiError && error.status === 401 ? null : String(error);
        setState({ kind: 'signed-out', problem });
      });
  }, []);

  return (
    <div className="shell">
      <header className="topbar">
        <span className="brand">Switchboard</span>
        {state.kind === 'signed-in' && (
          <span className="who">
            {state.user.name}
            <button
              type="button"
              className="link"
              onClick={() => {
                void api.signOut().finally(() => {
                  setState({ kind: 'signed-out' });
                });
              }}
            >
              Sign out
            </button>
          </span>
        )}
      </header>
      <main>
        {state.kind === 'loading' && <p className="muted">Loading…</p>}
        {state.kind === 'signed-out' && (
          <SignIn
            problem={state.problem ?? null}
            onSignedIn={(user) => {
              setState({ kind: 'signed-in', user });
            }}
          />
        )}
        {state.kind === 'signed-in' && <Overview user={state.user} />}
      </main>
    </div>
  );
}
