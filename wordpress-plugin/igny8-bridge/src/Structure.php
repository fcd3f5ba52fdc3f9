<?php

namespace Igny8\Bridge;

/**
 * What this site offers to publish into: post types, taxonomies, categories and tags, versions.
 */
final class Structure
{
    /**
     * @return array<string, mixed>
     */
    public static function versions(): array
    {
        global $wp_version;
        return [
            'plugin_version' => IGNY8_BRIDGE_VERSION,
            'wp_version' => (string) $wp_version,
            'php_version' => PHP_VERSION,
            'seo_plugin' => Seo::active(),
            'site_url' => home_url('/'),
            'site_name' => get_bloginfo('name'),
            'pretty_permalinks' => (bool) get_option('permalink_structure'),
        ];
    }

    /**
     * @return list<array{name: string, label: string}>
     */
    public static function postTypes(): array
    {
        $types = [];
        foreach (get_post_types(['public' => true, 'show_in_rest' => true], 'objects') as $type) {
            if ($type->name === 'attachment') {
                continue;
            }
            $types[] = ['name' => $type->name, 'label' => (string) $type->labels->singular_name];
        }
        return $types;
    }

    /**
     * @return list<array{name: string, label: string, hierarchical: bool, post_types: list<string>}>
     */
    public static function taxonomies(): array
    {
        $taxonomies = [];
        foreach (get_taxonomies(['public' => true, 'show_in_rest' => true], 'objects') as $taxonomy) {
            $taxonomies[] = [
                'name' => $taxonomy->name,
                'label' => (string) $taxonomy->labels->singular_name,
                'hierarchical' => (bool) $taxonomy->hierarchical,
                'post_types' => array_values((array) $taxonomy->object_type),
            ];
        }
        return $taxonomies;
    }

    /**
     * @return list<array{id: int, name: string, slug: string, parent: int}>
     */
    public static function terms(string $taxonomy, int $limit = 500): array
    {
        $terms = get_terms(['taxonomy' => $taxonomy, 'hide_empty' => false, 'number' => $limit]);
        if (!is_array($terms)) {
            return [];
        }
        $out = [];
        foreach ($terms as $term) {
            $out[] = [
                'id' => (int) $term->term_id,
                'name' => html_entity_decode($term->name, ENT_QUOTES),
                'slug' => $term->slug,
                'parent' => (int) $term->parent,
            ];
        }
        return $out;
    }

    /**
     * @return array<string, mixed>
     */
    public static function collect(): array
    {
        return self::versions() + [
            'post_types' => self::postTypes(),
            'taxonomies' => self::taxonomies(),
            'categories' => self::terms('category'),
            'tags' => self::terms('post_tag'),
        ];
    }
}
