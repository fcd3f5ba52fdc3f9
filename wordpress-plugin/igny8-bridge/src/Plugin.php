<?php

namespace Igny8\Bridge;

/**
 * Wires the plugin into WordPress: REST routes, status hooks, the outbox's cron, the settings page.
 */
final class Plugin
{
    public static function boot(): void
    {
        add_action('rest_api_init', [Rest::class, 'register']);
        add_action('init', [Meta::class, 'register']);
        Hooks::register();
        Outbox::register();
        if (is_admin()) {
            Admin::register();
        }
    }

    public static function activate(): void
    {
        Store::install();
        Outbox::schedule();
        Outbox::enqueue('site/structure', Structure::collect(), 'structure');
    }

    public static function deactivate(): void
    {
        Outbox::unschedule();
    }
}
