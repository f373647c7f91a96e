export interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

/** What OpenAI answers for each status, so clients map errors the way they would in production. */
const ERRORS_BY_STATUS: Record<number, { message: string; type: string; code: string | null }> = {
  400: { message: 'Invalid request.', type: 'invalid_request_error', code: null },
  401: { message: 'Incorrect API key provided.', type: 'invalid_request_error', code: 'invalid_api_key' },
  403: { message: 'You are not allowed to sample from this model.', type: 'permission_error', code: null },
  404: { message: 'The model does not exist.', type: 'invalid_request_error', code: 'model_not_found' },
  429: { message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded' },
  500: { message: 'The server had an error while processing your request.', type: 'server_error', code: null },
  503: { message: 'The engine is currently overloaded, please try again later.', type: 'server_error', code: null },
};

export function openAIErrorBody(
  status: number,
  message?: string,
  details: { param?: string | null; code?: string | null } = {},
): OpenAIErrorBody {
  const known = ERRORS_BY_STATUS[status] ?? {
    message: `Fake error with status ${status}.`,
    type: status >= 500 ? 'server_error' : 'invalid_request_error',
    code: null,
  };
  return {
    error: { message: message ?? known.message, type: known.type, param: details.param ?? null, code: details.code ?? known.code },
  };
}

/** OpenAI's answer to `max_tokens` sent to a model that takes only `max_completion_tokens` (o-series, gpt-5). */
export function maxTokensUnsupportedBody(): OpenAIErrorBody {
  return openAIErrorBody(400, "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.", {
    param: 'max_tokens',
    code: 'unsupported_parameter',
  });
}
