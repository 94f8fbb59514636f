/** The error response for an upstream request that failed before any response header arrived. */
export interface UpstreamFailure {
  readonly status: 502 | 504;
  readonly message: string;
}

const HEADERS_TIMEOUT = 'UND_ERR_HEADERS_TIMEOUT';

export function describeUpstreamFailure(error: Error & { code?: unknown }, pod: string, functionKey: string, timeoutMs: number): UpstreamFailure {
  if (error.code === HEADERS_TIMEOUT) {
    return {
      status: 504,
      message: `function ${functionKey} did not respond within its ${timeoutMs} ms timeout (pod ${pod})`,
    };
  }
  return { status: 502, message: `pod ${pod} failed: ${error.message}` };
}
