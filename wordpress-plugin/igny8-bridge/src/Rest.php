<?php

namespace Igny8\Bridge;

use WP_Error;
use WP_REST_Request;
use WP_REST_Response;

/**
 * The routes IGNY8 calls, under igny8/v1. Every one checks the signature first (see Signature):
 * the key id must be the pasted key's, the signature must match, the timestamp must be within
 * 300 s of our clock and the nonce must be new. Refusals are 401 with a code and plain words.
 */
final class Rest
{
    public const NAMESPACE = 'igny8/v1';

    /** True while IGNY8's own call is being served: its changes are reported in the answer. */
    public static bool $serving = false;

    public static function register(): void
    {
        $routes = [
            'status' => ['GET, POST', [self::class, 'status']],
            'site-structure' => ['GET, POST', [self::class, 'siteStructure']],
            'publish' => ['POST', [self::class, 'publish']],
            'unpublish' => ['POST', [self::class, 'unpublish']],
        ];
        foreach ($routes as $route => [$methods, $callback]) {
            register_rest_route(self::NAMESPACE, '/' . $route, [
                'methods' => $methods,
                'callback' => $callback,
                'permission_callback' => [self::class, 'authorize'],
            ]);
        }
    }

    /** @var \WeakMap<WP_REST_Request, true|WP_Error>|null verdicts per request (WordPress asks again) */
    private static ?\WeakMap $verdicts = null;

    /**
     * The signature check, once per request: WordPress calls a route's permission callback
     * again for each method while building the Allow header, and a second look at the same
     * nonce would read as a replay.
     *
     * @return true|WP_Error
     */
    public static function authorize(WP_REST_Request $request)
    {
        // A WeakMap, not object ids: an id can be reused by a later request object.
        self::$verdicts ??= new \WeakMap();
        if (!isset(self::$verdicts[$request])) {
            self::$verdicts[$request] = self::check($request);
        }
        return self::$verdicts[$request];
    }

    /**
     * @return true|WP_Error
     */
    private static function check(WP_REST_Request $request)
    {
        $limit = self::maxBodyBytes();
        $length = isset($_SERVER['CONTENT_LENGTH']) ? (int) $_SERVER['CONTENT_LENGTH'] : 0;
        if ($limit > 0 && $length > $limit) {
            // PHP has dropped the body: it would read as a bad signature, which it is not.
            $message = sprintf(
                /* translators: 1: size of the call, 2: the server's limit */
                __('The article with its images (%1$s) is larger than this server accepts (%2$s, PHP’s post_max_size). Raise post_max_size or send smaller images.', 'igny8-bridge'),
                size_format($length),
                size_format($limit)
            );
            Log::add('in', 'refused', false, $message);
            return new WP_Error('igny8_too_large', $message, ['status' => 413, 'max_bytes' => $limit]);
        }
        $connection = Connection::get();
        if ($connection === null) {
            return self::refuse(
                'igny8_not_connected',
                __(
                    'This WordPress site has no IGNY8 connection yet: paste the connection string in Settings → IGNY8 Bridge.',
                    'igny8-bridge'
                )
            );
        }
        $headers = [];
        foreach (['x-igny8-key-id', 'x-igny8-timestamp', 'x-igny8-nonce', 'x-igny8-signature'] as $name) {
            $headers[$name] = (string) $request->get_header($name);
        }
        if ($headers['x-igny8-key-id'] === '' && $headers['x-igny8-signature'] === '') {
            return self::refuse('igny8_unsigned', __('This call is not signed by IGNY8.', 'igny8-bridge'));
        }
        if (!hash_equals((string) $connection['key_id'], $headers['x-igny8-key-id'])) {
            return self::refuse(
                'igny8_unknown_key',
                __(
                    'This call was signed with another key than the one pasted here. Paste the current connection string from IGNY8.',
                    'igny8-bridge'
                )
            );
        }
        $why = Signature::verify(
            (string) $connection['key'],
            $request->get_method(),
            $request->get_route(),
            (string) $request->get_body(),
            $headers
        );
        if ($why === 'unsigned') {
            return self::refuse('igny8_unsigned', __('This call is not signed by IGNY8.', 'igny8-bridge'));
        }
        if ($why === 'expired') {
            return self::refuse(
                'igny8_expired',
                __(
                    'The signature is more than 5 minutes old (or the clocks of IGNY8 and this server differ by more than 5 minutes).',
                    'igny8-bridge'
                )
            );
        }
        if ($why !== '') {
            return self::refuse('igny8_bad_signature', __('The signature does not match the pasted key.', 'igny8-bridge'));
        }
        // IGNY8 sends 32 hex digits; anything unlike a nonce cannot be remembered reliably.
        if (!preg_match('/^[A-Za-z0-9_-]{8,64}$/', $headers['x-igny8-nonce'])) {
            return self::refuse('igny8_unsigned', __('This call is not signed by IGNY8.', 'igny8-bridge'));
        }
        if (!Store::rememberNonce($headers['x-igny8-nonce'], time())) {
            return self::refuse('igny8_replayed', __('This exact call was already received once; it is refused.', 'igny8-bridge'));
        }
        Log::inbound();
        return true;
    }

    /**
     * The largest body PHP accepts here (0: no limit).
     */
    public static function maxBodyBytes(): int
    {
        return (int) wp_convert_hr_to_bytes((string) ini_get('post_max_size'));
    }

    private static function refuse(string $code, string $message): WP_Error
    {
        Log::add('in', 'refused', false, $message);
        return new WP_Error($code, $message, ['status' => 401]);
    }

    /**
     * The JSON body of a signed call; WP_Error when it is not an object.
     *
     * @return array<string, mixed>|WP_Error
     */
    private static function body(WP_REST_Request $request)
    {
        $raw = (string) $request->get_body();
        if ($raw === '') {
            return [];
        }
        $data = json_decode($raw, true);
        if (!is_array($data)) {
            return new WP_Error('igny8_bad_request', __('The body must be a JSON object.', 'igny8-bridge'), ['status' => 400]);
        }
        return $data;
    }

    public static function status(WP_REST_Request $request): WP_REST_Response
    {
        $body = self::body($request);
        $callback = null;
        // {"callback": true}: prove the other direction too, inside the same test (first, so
        // the health below already counts it).
        if (is_array($body) && !empty($body['callback'])) {
            $callback = Api::testConnection();
        }
        $answer = Structure::versions() + [
            'post_types' => Structure::postTypes(),
            'taxonomies' => Structure::taxonomies(),
            'key_id' => (string) (Connection::get()['key_id'] ?? ''),
            'api_base' => Connection::apiBase(),
            // The plugin's side of the connection's health, for the integration page.
            'health' => [
                'reports_waiting' => count(Outbox::waiting()),
                'last_error' => (string) (Log::health()['last_error'] ?? ''),
            ],
            // What one publish call may carry, so IGNY8 can send big images separately.
            'limits' => ['max_body_bytes' => self::maxBodyBytes(), 'max_upload_bytes' => (int) wp_max_upload_size()],
        ];
        if ($callback !== null) {
            $answer['callback'] = $callback;
        }
        Log::add('in', 'status', true, __('IGNY8 checked the connection.', 'igny8-bridge'));
        return new WP_REST_Response($answer, 200);
    }

    public static function siteStructure(WP_REST_Request $request): WP_REST_Response
    {
        Log::add('in', 'structure', true, __('IGNY8 read the site structure.', 'igny8-bridge'));
        return new WP_REST_Response(Structure::collect(), 200);
    }

    /**
     * @return WP_REST_Response|WP_Error
     */
    public static function publish(WP_REST_Request $request)
    {
        $body = self::body($request);
        if ($body instanceof WP_Error) {
            return $body;
        }
        self::$serving = true;
        try {
            $result = Publisher::publish($body);
        } finally {
            self::$serving = false;
        }
        if ($result instanceof WP_Error) {
            Log::add('in', 'publish', false, $result->get_error_message());
            return $result;
        }
        Log::add('in', 'publish', true, sprintf(
            /* translators: 1: post id, 2: post status */
            __('Post %1$d saved (%2$s).', 'igny8-bridge'),
            $result['post_id'],
            $result['status']
        ));
        return new WP_REST_Response($result, $result['created'] ? 201 : 200);
    }

    /**
     * @return WP_REST_Response|WP_Error
     */
    public static function unpublish(WP_REST_Request $request)
    {
        $body = self::body($request);
        if ($body instanceof WP_Error) {
            return $body;
        }
        self::$serving = true;
        try {
            $result = Publisher::unpublish($body);
        } finally {
            self::$serving = false;
        }
        if ($result instanceof WP_Error) {
            Log::add('in', 'unpublish', false, $result->get_error_message());
            return $result;
        }
        Log::add('in', 'unpublish', true, sprintf(
            /* translators: 1: post id, 2: post status */
            __('Post %1$d is now %2$s.', 'igny8-bridge'),
            $result['post_id'],
            $result['status']
        ));
        return new WP_REST_Response($result, 200);
    }
}
