<?php

namespace Igny8\Bridge;

/**
 * Reports to IGNY8 (post status, permalink, site structure, publish acknowledgements) wait in a
 * table until IGNY8 has them. They are sent after the response (never blocking the editor):
 * from PHP CLI and WP-Cron at once, under PHP-FPM after fastcgi_finish_request(), elsewhere by a
 * WP-Cron event spawned for now. A failed report is tried again by WP-Cron with a growing wait
 * (1, 2, 4 … 60 minutes), 10 times at most. A newer report on the same topic (the same post)
 * replaces one not yet sent: IGNY8 needs the latest state, not every step.
 */
final class Outbox
{
    public const FLUSH_HOOK = 'igny8_bridge_flush';
    public const SWEEP_HOOK = 'igny8_bridge_sweep';
    public const MAX_ATTEMPTS = 10;
    public const BATCH = 50;

    private static bool $pending = false;

    public static function register(): void
    {
        add_action(self::FLUSH_HOOK, [self::class, 'flush']);
        add_action(self::SWEEP_HOOK, [self::class, 'flush']);
        add_action('shutdown', [self::class, 'onShutdown'], 20);
    }

    public static function schedule(): void
    {
        if (!wp_next_scheduled(self::SWEEP_HOOK)) {
            wp_schedule_event(time() + HOUR_IN_SECONDS, 'hourly', self::SWEEP_HOOK);
        }
    }

    public static function unschedule(): void
    {
        wp_clear_scheduled_hook(self::SWEEP_HOOK);
        wp_clear_scheduled_hook(self::FLUSH_HOOK);
    }

    /**
     * @param array<string, mixed> $body
     */
    public static function enqueue(string $path, array $body, string $topic = ''): void
    {
        global $wpdb;
        Store::ensure();
        $table = Store::outboxTable();
        if ($topic !== '') {
            $wpdb->query($wpdb->prepare("DELETE FROM {$table} WHERE topic = %s", $topic));
        }
        $wpdb->insert($table, [
            'topic' => $topic,
            'path' => $path,
            'body' => (string) wp_json_encode($body),
            'attempts' => 0,
            'next_at' => time(),
            'last_error' => '',
            'created_at' => time(),
        ]);
        self::$pending = true;
    }

    public static function onShutdown(): void
    {
        if (!self::$pending) {
            return;
        }
        self::$pending = false;
        if (PHP_SAPI === 'cli' || wp_doing_cron()) {
            self::flush();
            return;
        }
        if (function_exists('fastcgi_finish_request')) {
            fastcgi_finish_request();
            self::flush();
            return;
        }
        self::wake(time());
        if (function_exists('spawn_cron')) {
            spawn_cron();
        }
    }

    /**
     * A WP-Cron event to flush at $when (none is added when one is due by then already).
     */
    private static function wake(int $when): void
    {
        $next = wp_next_scheduled(self::FLUSH_HOOK);
        if ($next !== false && $next <= $when) {
            return;
        }
        if ($next !== false) {
            // WordPress refuses a second identical event within 10 minutes: move the later one.
            wp_unschedule_event($next, self::FLUSH_HOOK);
        }
        wp_schedule_single_event($when, self::FLUSH_HOOK);
    }

    /**
     * Sends what is due; one flush at a time (a named lock), the rest wait for the next.
     *
     * @return array{sent: int, failed: int, left: int}
     */
    public static function flush(): array
    {
        global $wpdb;
        $done = ['sent' => 0, 'failed' => 0, 'left' => 0];
        if (Connection::get() === null) {
            return $done;
        }
        Store::ensure();
        if ((int) $wpdb->get_var("SELECT GET_LOCK('igny8_bridge_outbox', 0)") !== 1) {
            return $done;
        }
        try {
            $table = Store::outboxTable();
            $rows = $wpdb->get_results($wpdb->prepare(
                "SELECT * FROM {$table} WHERE next_at <= %d ORDER BY id LIMIT %d",
                time(),
                self::BATCH
            ), ARRAY_A);
            foreach ($rows ?: [] as $row) {
                $body = json_decode((string) $row['body'], true);
                $result = Api::call('POST', (string) $row['path'], is_array($body) ? $body : []);
                $kind = self::kind((string) $row['path']);
                if ($result['ok']) {
                    $wpdb->delete($table, ['id' => (int) $row['id']]);
                    Log::add('out', $kind, true, self::summary($kind, is_array($body) ? $body : []));
                    $done['sent']++;
                    continue;
                }
                $attempts = (int) $row['attempts'] + 1;
                // 401/403: the key may come back with a new connection string; keep trying.
                $keep = $result['retry'] || in_array($result['status'], [401, 403], true);
                if (!$keep || $attempts >= self::MAX_ATTEMPTS) {
                    $wpdb->delete($table, ['id' => (int) $row['id']]);
                    Log::add('out', $kind, false, sprintf(
                        /* translators: %s: the reason */
                        __('Given up: %s', 'igny8-bridge'),
                        $result['error']
                    ));
                    $done['failed']++;
                    continue;
                }
                $wait = max((int) $result['retry_after'], min(HOUR_IN_SECONDS, MINUTE_IN_SECONDS * 2 ** ($attempts - 1)));
                $wpdb->update($table, [
                    'attempts' => $attempts,
                    'next_at' => time() + $wait,
                    'last_error' => $result['error'],
                ], ['id' => (int) $row['id']]);
                Log::add('out', $kind, false, $result['error']);
                $done['failed']++;
            }
            $done['left'] = (int) $wpdb->get_var("SELECT COUNT(*) FROM {$table}");
            $next = $wpdb->get_var("SELECT MIN(next_at) FROM {$table}");
            if ($next !== null) {
                self::wake(max(time(), (int) $next));
            }
        } finally {
            $wpdb->query("SELECT RELEASE_LOCK('igny8_bridge_outbox')");
        }
        return $done;
    }

    /**
     * @return list<array<string, mixed>>
     */
    public static function waiting(): array
    {
        global $wpdb;
        Store::ensure();
        return $wpdb->get_results('SELECT id, topic, path, attempts, next_at, last_error FROM ' . Store::outboxTable() . ' ORDER BY id', ARRAY_A) ?: [];
    }

    private static function kind(string $path): string
    {
        if (str_starts_with($path, 'posts/status')) {
            return 'status';
        }
        if (str_starts_with($path, 'site/structure')) {
            return 'structure';
        }
        if (str_ends_with($path, '/ack')) {
            return 'ack';
        }
        return $path;
    }

    /**
     * @param array<string, mixed> $body
     */
    private static function summary(string $kind, array $body): string
    {
        if ($kind === 'status') {
            return sprintf(
                /* translators: 1: post id, 2: status */
                __('Reported post %1$d as %2$s.', 'igny8-bridge'),
                (int) ($body['post_id'] ?? 0),
                (string) ($body['status'] ?? '')
            );
        }
        if ($kind === 'ack') {
            return sprintf(
                /* translators: %d: post id */
                __('Confirmed post %d to IGNY8.', 'igny8-bridge'),
                (int) ($body['post_id'] ?? 0)
            );
        }
        if ($kind === 'structure') {
            return __('Sent the site structure.', 'igny8-bridge');
        }
        return $kind;
    }
}
