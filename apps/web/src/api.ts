import type {
  ContactPage,
  DeviceList,
  HandlingCodeList,
  LoginResponse,
  MeResponse,
  PhoneNumberList,
} from '@switchboard/contracts';

/** An API failure carrying the server's own message, shown to the person as is. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const init: RequestInit = { method, credentials: 'same-origin', headers: {} };
  if (body !== undefined) {
    init.headers = { 'content-type': 'application/json' };
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  const text = await response.text();
  const data: unknown = text === '' ? undefined : JSON.parse(text);
  if (!response.ok) {
    const message =
      (data as { error?: { message?: string } } | undefined)?.error?.message ??
      `${response.status} ${response.statusText}`;
    throw new ApiError(response.status, message);
  }
  return data as T;
}

export const api = {
  signIn: (email: string, password: string) =>
    request<LoginResponse>('POST', '/api/auth/login', { email, password }),
  signOut: () => request<unknown>('POST', '/api/auth/logout'),
  me: () => request<MeResponse>('GET', '/api/me'),
  numbers: () => request<PhoneNumberList>('GET', '/api/users/me/numbers'),
  devices: () => request<DeviceList>('GET', '/api/users/me/devices'),
  handlingCodes: () => request<HandlingCodeList>('GET', '/api/users/me/handling-codes'),
  contacts: () => request<ContactPage>('GET', '/api/users/me/contacts?limit=200'),
};
