<?php

namespace Igny8\Bridge;

/**
 * The connection string pasted from IGNY8: the workspace's API base URL and the key, joined by
 * a space ("https://acme.igny8.example/api/v1/ igk_0a1b2c3d4e5f_..."). Kept in one option that
 * is never autoloaded, so the key is not read on every page view.
 */
final class Connection
{
    public const OPTION = 'igny8_bridge_connection';
    public const KEY_PATTERN = '/^igk_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/';

    /**
     * Parses a pasted connection string.
     *
     * @return array{api_base: string, key: string, key_id: string}|string the parts, or why not
     */
    public static function parse(string $pasted)
    {
        $parts = preg_split('/\s+/', trim($pasted));
        if (!is_array($parts) || count($parts) !== 2) {
            return __(
                'Paste the whole connection string from IGNY8: the address and the key, with one space between.',
                'igny8-bridge'
            );
        }
        [$url, $key] = $parts;
        $scheme = strtolower((string) wp_parse_url($url, PHP_URL_SCHEME));
        if (!in_array($scheme, ['http', 'https'], true) || !wp_parse_url($url, PHP_URL_HOST) || !filter_var($url, FILTER_VALIDATE_URL)) {
            return __(
                'The connection string must start with the IGNY8 address (https://...). Copy it again from IGNY8.',
                'igny8-bridge'
            );
        }
        if (!preg_match(self::KEY_PATTERN, $key, $found)) {
            return __(
                'The key in the connection string is incomplete. Copy the whole string again from IGNY8.',
                'igny8-bridge'
            );
        }
        return ['api_base' => rtrim($url, '/') . '/', 'key' => $key, 'key_id' => $found[1]];
    }

    /**
     * Saves a pasted connection string; "" when saved, else the reason in plain words.
     */
    public static function save(string $pasted): string
    {
        $parsed = self::parse($pasted);
        if (is_string($parsed)) {
            return $parsed;
        }
        $parsed['saved_at'] = time();
        self::store($parsed);
        return '';
    }

    /**
     * @param array<string, mixed> $value
     */
    private static function store(array $value): void
    {
        if (get_option(self::OPTION, null) === null) {
            add_option(self::OPTION, $value, '', 'no');
        } else {
            update_option(self::OPTION, $value, 'no');
        }
    }

    public static function forget(): void
    {
        delete_option(self::OPTION);
    }

    /**
     * @return array{api_base: string, key: string, key_id: string, saved_at: int}|null
     */
    public static function get(): ?array
    {
        $value = get_option(self::OPTION, null);
        if (!is_array($value) || empty($value['key']) || empty($value['api_base'])) {
            return null;
        }
        return $value;
    }

    public static function key(): string
    {
        $connection = self::get();
        return $connection ? (string) $connection['key'] : '';
    }

    public static function apiBase(): string
    {
        $connection = self::get();
        return $connection ? (string) $connection['api_base'] : '';
    }
}
