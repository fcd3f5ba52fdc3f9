<?php

/**
 * Deleting the plugin removes everything it kept: options, its two tables, its cron events and
 * notices. Posts and images it made stay, with their _igny8_content_id, so a later install
 * updates them instead of making copies.
 */

if (!defined('WP_UNINSTALL_PLUGIN')) {
    exit;
}

require_once __DIR__ . '/src/autoload.php';

$igny8BridgeCleanup = static function (): void {
    global $wpdb;
    foreach (
        [
            Igny8\Bridge\Connection::OPTION,
            Igny8\Bridge\Settings::OPTION,
            Igny8\Bridge\Log::OPTION,
            Igny8\Bridge\Log::HEALTH,
        ] as $option
    ) {
        delete_option($option);
    }
    Igny8\Bridge\Store::uninstall();
    wp_clear_scheduled_hook(Igny8\Bridge\Outbox::FLUSH_HOOK);
    wp_clear_scheduled_hook(Igny8\Bridge\Outbox::SWEEP_HOOK);
    $wpdb->query(
        "DELETE FROM {$wpdb->options} WHERE option_name LIKE '\\_transient\\_igny8\\_bridge\\_%'"
        . " OR option_name LIKE '\\_transient\\_timeout\\_igny8\\_bridge\\_%'"
    );
    delete_post_meta_by_key(Igny8\Bridge\Meta::REPORTED);
};

if (is_multisite()) {
    foreach (get_sites(['fields' => 'ids', 'number' => 0]) as $igny8BridgeSite) {
        switch_to_blog((int) $igny8BridgeSite);
        $igny8BridgeCleanup();
        restore_current_blog();
    }
} else {
    $igny8BridgeCleanup();
}
