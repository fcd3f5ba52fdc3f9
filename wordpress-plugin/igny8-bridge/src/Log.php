<?php

namespace Igny8\Bridge;

/**
 * The last 10 exchanges with IGNY8 and the connection's health, for the settings page. Both are
 * options that are never autoloaded.
 */
final class Log
{
    public const OPTION = 'igny8_bridge_log';
    public const HEALTH = 'igny8_bridge_health';
    public const KEEP = 10;

    public static function add(string $direction, string $kind, bool $ok, string $summary): void
    {
        $entries = get_option(self::OPTION, []);
        if (!is_array($entries)) {
            $entries = [];
        }
        array_unshift($entries, [
            'time' => time(),
            'direction' => $direction,
            'kind' => $kind,
            'ok' => $ok,
            'summary' => mb_substr($summary, 0, 300),
        ]);
        self::put(self::OPTION, array_slice($entries, 0, self::KEEP));
    }

    /**
     * @return list<array{time: int, direction: string, kind: string, ok: bool, summary: string}>
     */
    public static function entries(): array
    {
        $entries = get_option(self::OPTION, []);
        return is_array($entries) ? array_values($entries) : [];
    }

    public static function inbound(): void
    {
        self::health(['last_inbound_at' => time()]);
    }

    public static function outbound(bool $ok, string $error = ''): void
    {
        self::health($ok
            ? ['last_outbound_ok_at' => time(), 'last_error' => '']
            : ['last_error' => $error, 'last_error_at' => time()]);
    }

    /**
     * @param array<string, mixed>|null $changes
     * @return array<string, mixed>
     */
    public static function health(?array $changes = null): array
    {
        $health = get_option(self::HEALTH, []);
        if (!is_array($health)) {
            $health = [];
        }
        if ($changes) {
            $health = array_merge($health, $changes);
            self::put(self::HEALTH, $health);
        }
        return $health;
    }

    /**
     * @param mixed $value
     */
    private static function put(string $name, $value): void
    {
        if (get_option($name, null) === null) {
            add_option($name, $value, '', 'no');
        } else {
            update_option($name, $value, 'no');
        }
    }
}
