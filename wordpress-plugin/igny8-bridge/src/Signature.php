<?php

namespace Igny8\Bridge;

/**
 * Checks the signature IGNY8 puts on every call to this plugin. Mirrors apps/publisher/signing.py:
 *
 *     HMAC-SHA256(key, METHOD "\n" ROUTE "\n" TIMESTAMP "\n" NONCE "\n" sha256_hex(BODY))
 *
 * sent as X-IGNY8-Key-Id, X-IGNY8-Timestamp (unix seconds), X-IGNY8-Nonce and X-IGNY8-Signature
 * (hex). ROUTE is the REST route ("/igny8/v1/publish"), the same with pretty permalinks or
 * ?rest_route=. A timestamp more than 300 s from our clock, or a nonce already seen, is refused.
 */
final class Signature
{
    public const MAX_SKEW = 300;

    public static function canonical(string $method, string $route, string $timestamp, string $nonce, string $body): string
    {
        return implode("\n", [strtoupper($method), $route, $timestamp, $nonce, hash('sha256', $body)]);
    }

    public static function sign(string $key, string $method, string $route, string $timestamp, string $nonce, string $body): string
    {
        return hash_hmac('sha256', self::canonical($method, $route, $timestamp, $nonce, $body), $key);
    }

    /**
     * "" when the headers sign this call with this key and are fresh, else why not (signing.verify's
     * words: "unsigned", "expired", "bad signature"). Replays are the caller's to refuse.
     *
     * @param array<string, string> $headers lower-case names
     */
    public static function verify(string $key, string $method, string $route, string $body, array $headers, ?int $now = null): string
    {
        $timestamp = (string) ($headers['x-igny8-timestamp'] ?? '');
        $nonce = (string) ($headers['x-igny8-nonce'] ?? '');
        $given = (string) ($headers['x-igny8-signature'] ?? '');
        if (!($timestamp !== '' && ctype_digit($timestamp) && $nonce !== '' && $given !== '')) {
            return 'unsigned';
        }
        if (abs(($now ?? time()) - (int) $timestamp) > self::MAX_SKEW) {
            return 'expired';
        }
        $expected = self::sign($key, $method, $route, $timestamp, $nonce, $body);
        return hash_equals($expected, strtolower($given)) ? '' : 'bad signature';
    }
}
