<?php

namespace Igny8\Bridge;

/**
 * Calls to IGNY8's API with the pasted key (Authorization: Bearer). Answers follow IGNY8's
 * envelope: {success, data | error{code, message, fields}, request_id}.
 */
final class Api
{
    public const TIMEOUT = 10;

    /**
     * @param array<string, mixed>|null $body
     * @return array{ok: bool, status: int, data: mixed, error: string, retry: bool, retry_after: int}
     */
    public static function call(string $method, string $path, ?array $body = null, int $timeout = self::TIMEOUT): array
    {
        $connection = Connection::get();
        if ($connection === null) {
            return self::failed(0, __('No IGNY8 connection string has been pasted yet.', 'igny8-bridge'), false);
        }
        global $wp_version;
        $args = [
            'method' => $method,
            'timeout' => $timeout,
            'redirection' => 0,
            'headers' => [
                'Authorization' => 'Bearer ' . $connection['key'],
                'Accept' => 'application/json',
                'User-Agent' => 'IGNY8-Bridge/' . IGNY8_BRIDGE_VERSION . ' WordPress/' . $wp_version,
            ],
        ];
        if ($body !== null) {
            $args['headers']['Content-Type'] = 'application/json';
            $args['body'] = wp_json_encode($body);
        }
        $response = wp_remote_request($connection['api_base'] . ltrim($path, '/'), $args);
        if (is_wp_error($response)) {
            $error = sprintf(
                /* translators: %s: the network error */
                __('IGNY8 could not be reached (%s). It will be tried again.', 'igny8-bridge'),
                $response->get_error_message()
            );
            Log::outbound(false, $error);
            return self::failed(0, $error, true);
        }
        $status = (int) wp_remote_retrieve_response_code($response);
        $decoded = json_decode((string) wp_remote_retrieve_body($response), true);
        if ($status >= 200 && $status < 300) {
            Log::outbound(true);
            $data = is_array($decoded) && array_key_exists('data', $decoded) ? $decoded['data'] : $decoded;
            return ['ok' => true, 'status' => $status, 'data' => $data, 'error' => '', 'retry' => false, 'retry_after' => 0];
        }
        $message = is_array($decoded) && isset($decoded['error']['message']) ? (string) $decoded['error']['message'] : '';
        if ($status === 401 || $status === 403) {
            $error = __('IGNY8 refused the key: it was rotated or revoked. Paste the current connection string from IGNY8.', 'igny8-bridge');
            $retry = false;
        } elseif ($status === 404) {
            $error = __('IGNY8 does not know this address. Check the connection string, or the content was deleted in IGNY8.', 'igny8-bridge');
            $retry = false;
        } elseif ($status === 429) {
            $error = __('IGNY8 asked to slow down; it will be tried again.', 'igny8-bridge');
            $retry = true;
        } elseif ($status >= 500) {
            $error = sprintf(
                /* translators: %d: HTTP status */
                __('IGNY8 had a problem (HTTP %d); it will be tried again.', 'igny8-bridge'),
                $status
            );
            $retry = true;
        } else {
            $error = sprintf(
                /* translators: 1: HTTP status, 2: IGNY8's message */
                __('IGNY8 refused the report (HTTP %1$d): %2$s', 'igny8-bridge'),
                $status,
                $message
            );
            $retry = false;
        }
        Log::outbound(false, $error);
        $failed = self::failed($status, $error, $retry);
        $failed['data'] = $decoded;
        $failed['retry_after'] = (int) wp_remote_retrieve_header($response, 'retry-after');
        return $failed;
    }

    /**
     * @return array{ok: bool, status: int, data: mixed, error: string, retry: bool, retry_after: int}
     */
    private static function failed(int $status, string $error, bool $retry): array
    {
        return ['ok' => false, 'status' => $status, 'data' => null, 'error' => $error, 'retry' => $retry, 'retry_after' => 0];
    }

    /**
     * Proves this site reaches IGNY8 (IGNY8 then shows "WordPress reached us").
     *
     * @return array{ok: bool, status: int, error: string}
     */
    public static function testConnection(): array
    {
        $result = self::call('POST', 'connection/test', Structure::versions());
        Log::add(
            'out',
            'test',
            $result['ok'],
            $result['ok'] ? __('IGNY8 answered the connection test.', 'igny8-bridge') : $result['error']
        );
        return ['ok' => $result['ok'], 'status' => $result['status'], 'error' => $result['error']];
    }
}
