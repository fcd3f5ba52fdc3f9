<?php

namespace Igny8\Bridge;

/**
 * SEO title, description and focus keyword, written where each SEO plugin reads them and to our
 * own _igny8_meta_* keys (the theme or another plugin can use those when no SEO plugin is active).
 */
final class Seo
{
    /** @var array<string, array{title: string, description: string, focus_keyword: string}> */
    public const KEYS = [
        'yoast' => [
            'title' => '_yoast_wpseo_title',
            'description' => '_yoast_wpseo_metadesc',
            'focus_keyword' => '_yoast_wpseo_focuskw',
        ],
        'rank_math' => [
            'title' => 'rank_math_title',
            'description' => 'rank_math_description',
            'focus_keyword' => 'rank_math_focus_keyword',
        ],
        'seopress' => [
            'title' => '_seopress_titles_title',
            'description' => '_seopress_titles_desc',
            'focus_keyword' => '_seopress_analysis_target_kw',
        ],
        'aioseo' => [
            'title' => '_aioseo_title',
            'description' => '_aioseo_description',
            'focus_keyword' => '_aioseo_keywords',
        ],
        'igny8' => [
            'title' => Meta::META_TITLE,
            'description' => Meta::META_DESCRIPTION,
            'focus_keyword' => Meta::META_FOCUS_KEYWORD,
        ],
    ];

    /**
     * The SEO plugin in use, "" when none of the four is active.
     */
    public static function active(): string
    {
        if (defined('WPSEO_VERSION')) {
            return 'yoast';
        }
        if (defined('RANK_MATH_VERSION')) {
            return 'rankmath';
        }
        if (defined('SEOPRESS_VERSION')) {
            return 'seopress';
        }
        if (defined('AIOSEO_VERSION')) {
            return 'aioseo';
        }
        return '';
    }

    /**
     * @param array<string, mixed> $seo {title, description, focus_keyword}
     * @return list<string> the meta keys written
     */
    public static function write(int $postId, array $seo): array
    {
        $written = [];
        foreach (self::KEYS as $keys) {
            foreach ($keys as $field => $metaKey) {
                if (!array_key_exists($field, $seo) || $seo[$field] === null) {
                    continue;
                }
                $value = sanitize_text_field((string) $seo[$field]);
                if ($value === '') {
                    delete_post_meta($postId, $metaKey);
                } else {
                    update_post_meta($postId, $metaKey, wp_slash($value));
                }
                $written[] = $metaKey;
            }
        }
        self::writeAioseoTable($postId, $seo);
        return $written;
    }

    /**
     * All in One SEO 4 reads its own table first; keep it in step when the table exists.
     *
     * @param array<string, mixed> $seo
     */
    private static function writeAioseoTable(int $postId, array $seo): void
    {
        global $wpdb;
        $table = $wpdb->prefix . 'aioseo_posts';
        if ($wpdb->get_var($wpdb->prepare('SHOW TABLES LIKE %s', $table)) !== $table) {
            return;
        }
        $row = ['post_id' => $postId];
        if (isset($seo['title'])) {
            $row['title'] = sanitize_text_field((string) $seo['title']);
        }
        if (isset($seo['description'])) {
            $row['description'] = sanitize_text_field((string) $seo['description']);
        }
        if (isset($seo['focus_keyword'])) {
            $row['keyphrases'] = wp_json_encode([
                'focus' => ['keyphrase' => sanitize_text_field((string) $seo['focus_keyword'])],
                'additional' => [],
            ]);
        }
        $existing = $wpdb->get_var($wpdb->prepare("SELECT id FROM {$table} WHERE post_id = %d", $postId));
        if ($existing) {
            $wpdb->update($table, $row, ['id' => (int) $existing]);
        } else {
            $now = current_time('mysql', true);
            $wpdb->insert($table, $row + ['created' => $now, 'updated' => $now]);
        }
    }
}
