import { useEffect, useState } from 'react';
import type {
  ContactDto,
  DeviceDto,
  HandlingCodeDto,
  PhoneNumberDto,
  UserDto,
} from '@switchboard/contracts';
import { api } from './api.js';

interface Data {
  numbers: PhoneNumberDto[];
  devices: DeviceDto[];
  codes: HandlingCodeDto[];
  contacts: ContactDto[];
  totalContacts: number;
}

/** The signed-in user's setup at a glance: how calls reach them and how each caller is handled. */
export function Overview({ user }: { user: UserDto }) {
  const [data, setData] = useState<Data | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    Promise.all([api.numbers(), api.devices(), api.handlingCodes(), api.contacts()])
      .then(([numbers, devices, codes, contacts]) => {
        setData({
          numbers: numbers.items,
          devices: devices.items,
          codes: codes.items,
          contacts: contacts.items,
          totalContacts: contacts.total,
        });
      })
      .catch((failure: unknown) => {
        setError(failure instanceof Error ? failure.message : String(failure));
      });
  }, []);

  if (error) return <p className="error">Could not load your setup: {error}</p>;
  if (!data) return <p className="muted">Loading your setup…</p>;

  return (
    <div className="overview">
      <section className="card">
        <h2>Numbers</h2>
        {data.numbers.length === 0 ? (
          <p className="muted">No number reaches you yet.</p>
        ) : (
          <ul className="plain">
            {data.numbers.map((n) => (
              <li key={n.number} className="mono">
                {n.number}
              </li>
            ))}
          </ul>
        )}
        <h2>Devices</h2>
        <table>
          <tbody>
            {data.devices.map((d) => (
              <tr key={d.id}>
                <td>{d.name}</td>
                <td className="muted">{d.kind === 'sip' ? 'SIP phone' : 'External number'}</td>
                <td className="mono">{d.kind === 'sip' ? d.sipUsername : d.number}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section className="card">
        <h2>Handling codes</h2>
        <table>
          <thead>
            <tr>
              <th>Code</th>
              <th>Handling method</th>
            </tr>
          </thead>
          <tbody>
            <tr>
              <td className="muted">no code</td>
              <td className="mono">{user.defaultHandling}</td>
            </tr>
            <tr>
              <td className="muted">unknown caller</td>
              <td className="mono">{user.unknownHandling}</td>
            </tr>
            {data.codes.map((c) => (
              <tr key={c.code}>
                <td>
                  <span className="code">{c.code}</span>
                </td>
                <td className="mono">{c.method}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section className="card wide">
        <h2>Contacts ({data.totalContacts})</h2>
        <table>
          <thead>
            <tr>
              <th>Name</th>
              <th>Phones</th>
              <th>E-mail</th>
              <th>Code</th>
            </tr>
          </thead>
          <tbody>
            {data.contacts.map((c) => (
              <tr key={c.id}>
                <td>{c.name}</td>
                <td className="mono">{c.phones.map((p) => p.e164).join(', ')}</td>
                <td>{c.emails.join(', ')}</td>
                <td>{c.handlingCode && <span className="code">{c.handlingCode}</span>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </div>
  );
}
