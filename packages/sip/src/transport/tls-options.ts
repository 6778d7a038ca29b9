/**
 * Certificates and verification for TLS and secure WebSocket (RFC 3261 §26.2, RFC 5922,
 * RFC 7118 §5.1), turned into Node's `tls` options. Key and certificate come as PEM (strings or
 * buffers): the server's configuration reads the files.
 */
import { isIP } from 'node:net';
import type { ConnectionOptions, TlsOptions as NodeTlsOptions } from 'node:tls';
import { bareHost } from './inbound.js';
import { TransportError, type TransportProtocol } from './types.js';

type Pem = string | Buffer;

export interface TlsOptions {
  /** Our certificate chain (PEM): required to listen, presented as client certificate when asked. */
  readonly cert?: Pem | readonly Pem[];
  /** The private key of `cert` (PEM). */
  readonly key?: Pem;
  /** Passphrase of an encrypted `key`. */
  readonly passphrase?: string;
  /**
   * Certificate authorities to trust when verifying peers, instead of Node's bundled roots (a
   * private CA, or a test's self-signed certificate).
   */
  readonly ca?: Pem | readonly Pem[];
  /**
   * Verify the certificate of the servers we connect to: chain and host name (RFC 5922 §7.3).
   * Default true; turn it off only for tests or peers reached by address with no usable name.
   */
  readonly rejectUnauthorized?: boolean;
  /** Ask clients for a certificate and refuse those without a valid one (mutual TLS). Default false. */
  readonly requireClientCertificate?: boolean;
  /** Oldest protocol version accepted (default TLS 1.2, RFC 8996 retired 1.0 and 1.1). */
  readonly minVersion?: 'TLSv1.2' | 'TLSv1.3';
}

function list(value: Pem | readonly Pem[] | undefined): Pem | Pem[] | undefined {
  if (value === undefined) return undefined;
  return typeof value === 'string' || Buffer.isBuffer(value) ? value : [...value];
}

/** Options for a TLS (or HTTPS) server; throws a `TransportError` naming what is missing. */
export function tlsServerOptions(
  tls: TlsOptions | undefined,
  protocol: TransportProtocol,
  where: string,
): NodeTlsOptions {
  if (tls?.key === undefined || tls.cert === undefined) {
    throw new TransportError(
      `${protocol.toUpperCase()} on ${where} needs tls.key and tls.cert (PEM)`,
      protocol,
    );
  }
  const requireCert = tls.requireClientCertificate ?? false;
  return {
    key: tls.key,
    cert: list(tls.cert),
    ...(tls.passphrase === undefined ? {} : { passphrase: tls.passphrase }),
    ...(tls.ca === undefined ? {} : { ca: list(tls.ca) }),
    requestCert: requireCert,
    rejectUnauthorized: requireCert,
    minVersion: tls.minVersion ?? 'TLSv1.2',
  };
}

/**
 * Options for a client connection to `host`: verification on unless turned off, SNI with the
 * host name (never with an address, RFC 6066 §3), our certificate when we have one.
 */
export function tlsClientOptions(tls: TlsOptions | undefined, host: string): ConnectionOptions {
  const name = bareHost(host);
  return {
    ...(tls?.key === undefined ? {} : { key: tls.key }),
    ...(tls?.cert === undefined ? {} : { cert: list(tls.cert) }),
    ...(tls?.passphrase === undefined ? {} : { passphrase: tls.passphrase }),
    ...(tls?.ca === undefined ? {} : { ca: list(tls.ca) }),
    rejectUnauthorized: tls?.rejectUnauthorized ?? true,
    minVersion: tls?.minVersion ?? 'TLSv1.2',
    ...(isIP(name) === 0 ? { servername: name } : {}),
  };
}
