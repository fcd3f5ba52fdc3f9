<?php

namespace Igny8\Bridge;

/**
 * The plugin's two small tables: nonces already seen (so a captured request cannot be replayed;
 * a primary key makes "seen?" and "remember" one atomic insert) and the outbox of reports to
 * IGNY8 waiting for (another) try.
 */
final class Store
{
    public const DB_VERSION = '1';
    public const DB_VERSION_OPTION = 'igny8_bridge_db_version';

    public static function noncesTable(): string
    {
        global $wpdb;
        return $wpdb->prefix . 'igny8_nonces';
    }

    public static function outboxTable(): string
    {
        global $wpdb;
        return $wpdb->prefix . 'igny8_outbox';
    }

    public static function install(): void
    {
        global $wpdb;
        require_once ABSPATH . 'wp-admin/includes/upgrade.php';
        $charset = $wpdb->get_charset_collate();
        dbDelta(
            'CREATE TABLE ' . self::noncesTable() . " (
  nonce varchar(64) NOT NULL,
  seen_at bigint(20) unsigned NOT NULL,
  PRIMARY KEY  (nonce),
  KEY seen_at (seen_at)
) $charset;"
        );
        dbDelta(
            'CREATE TABLE ' . self::outboxTable() . " (
  id bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  topic varchar(191) NOT NULL DEFAULT '',
  path varchar(191) NOT NULL,
  body longtext NOT NULL,
  attempts smallint(5) unsigned NOT NULL DEFAULT 0,
  next_at bigint(20) unsigned NOT NULL,
  last_error text NOT NULL,
  created_at bigint(20) unsigned NOT NULL,
  PRIMARY KEY  (id),
  KEY next_at (next_at),
  KEY topic (topic)
) $charset;"
        );
        // Autoloaded: it is read on every call that touches the tables.
        update_option(self::DB_VERSION_OPTION, self::DB_VERSION, 'yes');
    }

    /**
     * Tables made by an earlier version (or files copied without activating) are brought up to date.
     */
    public static function ensure(): void
    {
        if (get_option(self::DB_VERSION_OPTION) !== self::DB_VERSION) {
            self::install();
        }
    }

    /**
     * Remembers a nonce; false when it was already seen (a replay).
     */
    public static function rememberNonce(string $nonce, int $now): bool
    {
        global $wpdb;
        self::ensure();
        $table = self::noncesTable();
        // Nonces older than twice the allowed clock skew can never verify again: forget them.
        $wpdb->query($wpdb->prepare("DELETE FROM {$table} WHERE seen_at < %d", $now - 2 * Signature::MAX_SKEW));
        $inserted = $wpdb->query(
            $wpdb->prepare("INSERT IGNORE INTO {$table} (nonce, seen_at) VALUES (%s, %d)", $nonce, $now)
        );
        return $inserted === 1;
    }

    public static function uninstall(): void
    {
        global $wpdb;
        $wpdb->query('DROP TABLE IF EXISTS ' . self::noncesTable());
        $wpdb->query('DROP TABLE IF EXISTS ' . self::outboxTable());
        delete_option(self::DB_VERSION_OPTION);
    }
}
