/**
 * The provider's side of signatures: what a genuine `payment-signature` header looks like, and a
 * published test vector to check the handler against something the checks did not compute.
 */
import { createHmac } from 'node:crypto';
import type * as Kata from './index.ts';

export const SIGNATURE_HEADER = 'payment-signature';

/** Lowercase hex HMAC-SHA256 of `${t}.${rawBody}` under `secret`. */
export function signature(rawBody: string, secret: string, timestampSeconds: number | string): string {
  return createHmac('sha256', secret).update(`${timestampSeconds}.${rawBody}`).digest('hex');
}

export interface SigningOptions {
  /** One v1 per secret, in this order. */
  readonly secrets: readonly string[];
  readonly timestampSeconds: number;
  /** The header's name as sent (any letter case). Default: payment-signature. */
  readonly headerName?: string;
  /**
   * Entries of other schemes, which the handler must ignore: a `v0=` HMAC under another key, and a
   * `v2=` whose value is all digits (a day-old time), which a parser that reads any number as `t` takes.
   */
  readonly withV0?: boolean;
}

export function signedDelivery(rawBody: string, options: SigningOptions): Kata.SignedDelivery {
  const t = options.timestampSeconds;
  const parts = [
    `t=${t}`,
    ...(options.withV0 ? [`v0=${signature(rawBody, 'legacy-scheme', t)}`, `v2=${t - 86_400}`] : []),
    ...options.secrets.map((secret) => `v1=${signature(rawBody, secret, t)}`),
  ];
  return {
    rawBody,
    headers: {
      'content-type': 'application/json',
      'x-request-id': 'req_0001',
      [options.headerName ?? SIGNATURE_HEADER]: parts.join(','),
    },
  };
}

export function withHeader(rawBody: string, header: string | undefined): Kata.SignedDelivery {
  return { rawBody, headers: header === undefined ? {} : { [SIGNATURE_HEADER]: header } };
}

/**
 * Stripe's published webhook-signature fixture, from the stripe-dotnet client library's test
 * suite: src/StripeTests/Services/Events/EventUtilityTest.cs (secret, timestamp and header) with
 * the payload src/StripeTests/Resources/event_test_signature.json (LF line endings, trailing
 * newline), https://github.com/stripe/stripe-dotnet. Stripe's scheme is the one the README
 * describes: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">`, with a `v0` entry to ignore.
 */
export const STRIPE_TEST_VECTOR = {
  secret: 'webhook_secret',
  timestampSeconds: 1533204620,
  header:
    't=1533204620,v1=2220f87ef101a04665f11cdf770523143f875572008577fa0f20882ddb9cc3c7,v0=63f3a72374a733066c4be69ed7f8e5ac85c22c9f0a6a612ab9a025a9e4ee7eef',
  rawBody:
    '{\n  "id": "evt_123",\n  "object": "event",\n  "account": "acct_123",\n  "api_version": "2017-05-25",\n  "created": 1533204620,\n  "data": {\n    "object": {\n      "id": "cus_123",\n      "object": "customer",\n      "created": 123456789,\n      "email": "test@stripe.com",\n      "livemode": false,\n      "metadata": {}\n    }\n  },\n  "livemode": false,\n  "pending_webhooks": 1,\n  "request": {\n    "id": "req_123",\n    "idempotency_key": "idempotency-key-123"\n  },\n  "type": "customer.created"\n}\n',
} as const;
