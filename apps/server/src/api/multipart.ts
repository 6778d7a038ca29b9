/**
 * Just enough multipart/form-data (RFC 7578) to take one uploaded file out of a form post, so a
 * browser's `<input type="file">` can send a vCard without a multipart library. The whole body
 * is already in memory (under the route's body limit); parts are cut at the boundary lines.
 */

export class MultipartError extends Error {
  readonly statusCode = 400;
  constructor(message: string) {
    super(message);
    this.name = 'MultipartError';
  }
}

interface Part {
  readonly name: string | null;
  readonly filename: string | null;
  readonly body: Buffer;
}

/** The boundary of a `multipart/form-data; boundary=...` content type (RFC 2046 §5.1.1). */
function boundaryOf(contentType: string): string {
  const match = /;\s*boundary=(?:"([^"]{1,70})"|([^\s;"]{1,70}))/i.exec(contentType);
  const boundary = match?.[1] ?? match?.[2];
  if (boundary === undefined) {
    throw new MultipartError('the multipart/form-data body has no boundary in its Content-Type');
  }
  return boundary;
}

function parts(body: Buffer, boundary: string): Part[] {
  const delimiter = Buffer.from(`--${boundary}`);
  const found: Part[] = [];
  let start = body.indexOf(delimiter);
  while (start !== -1) {
    const afterDelimiter = start + delimiter.length;
    // `--boundary--` closes the body.
    if (body.subarray(afterDelimiter, afterDelimiter + 2).toString('latin1') === '--') break;
    const next = body.indexOf(delimiter, afterDelimiter);
    if (next === -1) break;
    // The part sits between the CRLF after the delimiter and the CRLF before the next one.
    let part = body.subarray(afterDelimiter, next);
    if (part.subarray(0, 2).toString('latin1') === '\r\n') part = part.subarray(2);
    if (part.subarray(-2).toString('latin1') === '\r\n') part = part.subarray(0, -2);
    const headerEnd = part.indexOf('\r\n\r\n');
    if (headerEnd !== -1) {
      const headers = part.subarray(0, headerEnd).toString('utf8');
      const disposition = /^content-disposition:(.*)$/im.exec(headers)?.[1] ?? '';
      found.push({
        name: /\bname="([^"]*)"/i.exec(disposition)?.[1] ?? null,
        filename: /\bfilename="([^"]*)"/i.exec(disposition)?.[1] ?? null,
        body: part.subarray(headerEnd + 4),
      });
    }
    start = next;
  }
  return found;
}

/**
 * The text of the uploaded file: the part with a filename (the first, if several), else the part
 * named `file`, else the only part. A clear error when the body holds no such part.
 */
export function uploadedText(body: Buffer, contentType: string): string {
  return uploadedFile(body, contentType).toString('utf8');
}

/** The bytes of the uploaded file, chosen as `uploadedText` chooses it (binary files: audio). */
export function uploadedFile(body: Buffer, contentType: string): Buffer {
  const all = parts(body, boundaryOf(contentType));
  const chosen =
    all.find((p) => p.filename !== null) ??
    all.find((p) => p.name === 'file') ??
    (all.length === 1 ? all[0] : undefined);
  if (chosen === undefined) {
    throw new MultipartError(
      all.length === 0
        ? 'the multipart/form-data body holds no part'
        : 'the multipart/form-data body holds no file (send it as the part named "file")',
    );
  }
  return chosen.body;
}
