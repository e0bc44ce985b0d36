/**
 * The demo API's protected route (`GET /hello`): it echoes what the authorizer passed on, so a
 * deployment shows the authorizer's context end to end. REST APIs put the context in
 * `requestContext.authorizer`, HTTP APIs in `requestContext.authorizer.lambda`.
 */
interface DemoEvent {
  readonly requestContext?: {
    readonly authorizer?: Record<string, unknown> & { lambda?: Record<string, unknown> };
  };
}

export function handler(
  event: DemoEvent,
): Promise<{ statusCode: number; headers: Record<string, string>; body: string }> {
  const authorizer = event.requestContext?.authorizer ?? {};
  const context = authorizer.lambda ?? authorizer;
  const sub = context.sub;
  return Promise.resolve({
    statusCode: 200,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      message: `Hello, ${typeof sub === 'string' ? sub : 'caller'}`,
      authorizer: context,
    }),
  });
}
