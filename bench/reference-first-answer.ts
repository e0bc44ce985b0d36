/**
 * The first-answer baseline: the steps of an authorizer's first answer done bare, one after
 * another, as a plain handler would, bundled exactly as the authorizer is. At module scope, as
 * bench/reference-handler.ts: a DynamoDB client and nothing else; then, in the handler, an
 * aws-jwt-verify `verify()` that fetches the JWKS (nothing cached yet), and one `GetItem` on a
 * fresh connection. The authorizer's time from a fresh process to its first answer is compared
 * to this one's.
 */
import { request } from 'node:http';
import { DynamoDBClient, GetItemCommand, type GetItemCommandInput } from '@aws-sdk/client-dynamodb';
import { SimpleJwksCache } from 'aws-jwt-verify/jwk';
import { JwtVerifier } from 'aws-jwt-verify/jwt-verifier';

const client = new DynamoDBClient({});

/**
 * aws-jwt-verify's own fetcher speaks HTTPS only; the benchmark's issuer is plain HTTP on
 * loopback. The same thing over `http`: one GET, the body whole.
 */
const fetcher = {
  fetch: (uri: string): Promise<ArrayBuffer> =>
    new Promise((resolve, reject) => {
      request(uri, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const body = Buffer.concat(chunks);
          resolve(body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength));
        });
        response.on('error', reject);
      })
        .on('error', reject)
        .end();
    }),
};

const verifier = JwtVerifier.create(
  {
    issuer: process.env.JWT_ISSUER ?? '',
    audience: process.env.JWT_AUDIENCE ?? '',
    jwksUri: process.env.JWKS_URI ?? '',
  },
  { jwksCache: new SimpleJwksCache({ fetcher }) },
);

/** Verifies the token, then reads its revocation item; true when there is none. */
export async function handler(event: {
  token: string;
  getItem: GetItemCommandInput;
}): Promise<boolean> {
  await verifier.verify(event.token);
  const output = await client.send(new GetItemCommand(event.getItem));
  return output.Item === undefined;
}
