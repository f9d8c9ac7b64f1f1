/**
 * An error as an AWS JSON 1.0 service returns it. The server turns it into
 * `{"__type": code, "message": message}` with `statusCode`, so SDK clients raise
 * the exception class of the same name (e.g. `ConflictException`).
 */
export class AwsServiceError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly statusCode = 400,
    /** Extra members of the error shape, e.g. `{ resourceName }` for `ResourceNotFound`. */
    readonly fields: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = code;
  }
}
