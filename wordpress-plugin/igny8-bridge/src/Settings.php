<?php

namespace Igny8\Bridge;

/**
 * The site owner's choices: the post status used when IGNY8 sends none, the author of new
 * posts, and which WordPress category an IGNY8 category name goes to.
 */
final class Settings
{
    public const OPTION = 'igny8_bridge_settings';

    /**
     * @return array{post_status: string, author: int, category_map: array<string, int>}
     */
    public static function get(): array
    {
        $stored = get_option(self::OPTION, []);
        $stored = is_array($stored) ? $stored : [];
        return [
            'post_status' => in_array($stored['post_status'] ?? '', ['draft', 'publish'], true) ? $stored['post_status'] : 'publish',
            'author' => (int) ($stored['author'] ?? 0),
            'category_map' => is_array($stored['category_map'] ?? null) ? array_map('intval', $stored['category_map']) : [],
        ];
    }

    /**
     * @param array<string, mixed> $values
     */
    public static function save(array $values): void
    {
        $current = self::get();
        $new = array_merge($current, array_intersect_key($values, $current));
        if (get_option(self::OPTION, null) === null) {
            add_option(self::OPTION, $new, '', 'no');
        } else {
            update_option(self::OPTION, $new, 'no');
        }
    }

    /**
     * The author of posts IGNY8 makes: the chosen user, else the first administrator.
     */
    public static function authorId(): int
    {
        $chosen = self::get()['author'];
        if ($chosen > 0 && get_userdata($chosen)) {
            return $chosen;
        }
        $admins = get_users(['role' => 'administrator', 'number' => 1, 'orderby' => 'ID', 'fields' => 'ID']);
        return $admins ? (int) $admins[0] : 0;
    }

    /**
     * "IGNY8 name = WordPress category" lines (the settings page's textarea) to a name → term id map;
     * lines naming a category that does not exist are returned as errors.
     *
     * @return array{0: array<string, int>, 1: list<string>}
     */
    public static function parseCategoryMap(string $text): array
    {
        $map = [];
        $errors = [];
        foreach (preg_split('/\R/', $text) ?: [] as $line) {
            $line = trim($line);
            if ($line === '') {
                continue;
            }
            $parts = array_map('trim', explode('=', $line, 2));
            if (count($parts) !== 2 || $parts[0] === '' || $parts[1] === '') {
                $errors[] = sprintf(
                    /* translators: %s: the line as typed */
                    __('“%s” is not of the form “IGNY8 name = WordPress category”.', 'igny8-bridge'),
                    $line
                );
                continue;
            }
            $term = get_term_by('name', $parts[1], 'category') ?: get_term_by('slug', sanitize_title($parts[1]), 'category');
            if (!$term) {
                $errors[] = sprintf(
                    /* translators: %s: a category name */
                    __('There is no WordPress category “%s”.', 'igny8-bridge'),
                    $parts[1]
                );
                continue;
            }
            // Kept as typed (shown back so); matched without regard to case.
            $map[$parts[0]] = (int) $term->term_id;
        }
        return [$map, $errors];
    }

    /**
     * @param array<string, int> $map
     */
    public static function categoryMapText(array $map): string
    {
        $lines = [];
        foreach ($map as $name => $termId) {
            $term = get_term($termId, 'category');
            if ($term && !is_wp_error($term)) {
                $lines[] = $name . ' = ' . html_entity_decode($term->name, ENT_QUOTES);
            }
        }
        return implode("\n", $lines);
    }

    /**
     * The mapped category of an IGNY8 category name, 0 when it is not mapped.
     */
    public static function mappedCategory(string $name): int
    {
        foreach (self::get()['category_map'] as $mapped => $termId) {
            if (self::fold((string) $mapped) === self::fold($name)) {
                return (int) $termId;
            }
        }
        return 0;
    }

    public static function fold(string $name): string
    {
        return mb_strtolower(trim($name));
    }
}
