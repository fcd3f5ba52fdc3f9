<?php

namespace Igny8\Bridge;

use WP_Error;

/**
 * Creates or updates the post of one IGNY8 article. The article's id is kept in post meta
 * _igny8_content_id: a retry (after a timeout whose first try did save the post) finds the post
 * and updates it, never making a second one. A MySQL named lock per content id keeps two
 * simultaneous calls for the same article from both creating.
 */
final class Publisher
{
    public const STATUSES = ['draft', 'publish', 'future', 'pending', 'private'];

    /**
     * @param array<string, mixed> $data the publish payload (see apps/publisher/payload.py)
     * @return array<string, mixed>|WP_Error
     */
    public static function publish(array $data)
    {
        $checked = self::check($data);
        if ($checked instanceof WP_Error) {
            return $checked;
        }
        global $wpdb;
        $lock = 'igny8_content_' . md5($checked['content_id']);
        if ((int) $wpdb->get_var($wpdb->prepare('SELECT GET_LOCK(%s, 30)', $lock)) !== 1) {
            return new WP_Error('igny8_busy', __('This article is being saved by another call; try again.', 'igny8-bridge'), ['status' => 409]);
        }
        $previousUser = get_current_user_id();
        wp_set_current_user($checked['author']);
        try {
            return self::save($checked);
        } finally {
            wp_set_current_user($previousUser);
            $wpdb->query($wpdb->prepare('SELECT RELEASE_LOCK(%s)', $lock));
        }
    }

    /**
     * The post (any type, any status, the trash included) made for this content id, 0 when none.
     */
    public static function findPost(string $contentId): int
    {
        $ids = get_posts([
            'post_type' => 'any',
            'post_status' => array_keys(get_post_stati()),
            'numberposts' => 1,
            'fields' => 'ids',
            'meta_key' => Meta::CONTENT_ID,
            'meta_value' => $contentId,
            'orderby' => 'ID',
            'order' => 'ASC',
            'suppress_filters' => true,
        ]);
        // 'any' leaves out types excluded from search; look there too before saying "none".
        if (!$ids) {
            global $wpdb;
            return (int) $wpdb->get_var($wpdb->prepare(
                "SELECT p.ID FROM {$wpdb->posts} p JOIN {$wpdb->postmeta} m ON m.post_id = p.ID
                 WHERE m.meta_key = %s AND m.meta_value = %s AND p.post_type <> 'revision' ORDER BY p.ID LIMIT 1",
                Meta::CONTENT_ID,
                $contentId
            ));
        }
        return (int) $ids[0];
    }

    /**
     * @param array<string, mixed> $data
     * @return array<string, mixed>|WP_Error the payload, checked and normalised
     */
    private static function check(array $data)
    {
        $fields = [];
        $contentId = $data['content_id'] ?? '';
        if (!is_scalar($contentId) || !preg_match('/^[A-Za-z0-9_.:-]{1,64}$/', (string) $contentId)) {
            $fields['content_id'] = __('Required: IGNY8’s id of the article.', 'igny8-bridge');
        }
        $title = $data['title'] ?? '';
        if (!is_string($title) || trim($title) === '') {
            $fields['title'] = __('Required: the title.', 'igny8-bridge');
        }
        foreach (['html', 'excerpt', 'slug'] as $name) {
            if (isset($data[$name]) && !is_string($data[$name])) {
                $fields[$name] = __('Must be text.', 'igny8-bridge');
            }
        }
        $status = (string) ($data['status'] ?? '');
        if ($status === '') {
            $status = Settings::get()['post_status'];
        }
        if (!in_array($status, self::STATUSES, true)) {
            $fields['status'] = __('Must be one of draft, publish, future, pending, private.', 'igny8-bridge');
        }
        $dateGmt = '';
        if (!empty($data['date_gmt'])) {
            $time = is_string($data['date_gmt']) ? strtotime($data['date_gmt'] . (preg_match('/(Z|[+-]\d\d:?\d\d)$/', $data['date_gmt']) ? '' : 'Z')) : false;
            if ($time === false) {
                $fields['date_gmt'] = __('Must be a date and time in UTC, like 2026-12-08T09:00:00.', 'igny8-bridge');
            } else {
                $dateGmt = gmdate('Y-m-d H:i:s', $time);
            }
        } elseif ($status === 'future') {
            $fields['date_gmt'] = __('A future post needs its date.', 'igny8-bridge');
        }
        $postType = (string) ($data['post_type'] ?? 'post');
        $type = get_post_type_object($postType);
        if (!$type || !$type->public || $postType === 'attachment') {
            $fields['post_type'] = sprintf(
                /* translators: %s: a post type name */
                __('This site has no public post type “%s”.', 'igny8-bridge'),
                $postType
            );
        }
        $lists = [];
        foreach (['categories', 'tags', 'images'] as $name) {
            $value = $data[$name] ?? [];
            if (!is_array($value) || ($value && array_keys($value) !== range(0, count($value) - 1))) {
                $fields[$name] = __('Must be a list.', 'igny8-bridge');
                $value = [];
            }
            $lists[$name] = $value;
        }
        foreach (['categories', 'tags'] as $name) {
            foreach ($lists[$name] as $term) {
                if (!is_string($term) || trim($term) === '') {
                    $fields[$name] = __('Must be a list of names.', 'igny8-bridge');
                }
            }
        }
        $seo = $data['seo'] ?? [];
        if (!is_array($seo)) {
            $fields['seo'] = __('Must be an object with title, description, focus_keyword.', 'igny8-bridge');
            $seo = [];
        }
        $postId = $data['post_id'] ?? null;
        $wellFormed = is_int($postId) || (is_string($postId) && ctype_digit($postId));
        if ($postId !== null && $postId !== '' && !$wellFormed) {
            $fields['post_id'] = __('Must be the id of a post on this site.', 'igny8-bridge');
        }
        $author = Settings::authorId();
        if (!empty($data['author'])) {
            $user = is_numeric($data['author']) ? get_userdata((int) $data['author']) : get_user_by('login', (string) $data['author']);
            if (!$user) {
                $fields['author'] = __('No such WordPress user.', 'igny8-bridge');
            } else {
                $author = (int) $user->ID;
            }
        }
        if ($fields) {
            return new WP_Error(
                'igny8_bad_request',
                __('Some fields of the article are not valid.', 'igny8-bridge'),
                ['status' => 400, 'fields' => $fields]
            );
        }
        return [
            'content_id' => (string) $contentId,
            'title' => trim((string) $title),
            'html' => (string) ($data['html'] ?? ''),
            'excerpt' => (string) ($data['excerpt'] ?? ''),
            'slug' => (string) ($data['slug'] ?? ''),
            'status' => $status,
            'date_gmt' => $dateGmt,
            'post_type' => $postType,
            'categories' => array_values(array_map('trim', $lists['categories'])),
            'tags' => array_values(array_map('trim', $lists['tags'])),
            'images' => $lists['images'],
            'seo' => $seo,
            'author' => $author,
            'post_id' => (int) ($postId ?? 0),
        ];
    }

    /**
     * The post IGNY8 knows this article by (sent as post_id) when no post carries the content
     * id yet: one made through WordPress's own REST API before this plugin was connected.
     * Taken over only when it is of the same type and no other article's; otherwise 0 (a new
     * post), so a stale or wrong id can never overwrite someone else's post.
     */
    private static function adoptable(int $postId, string $postType): int
    {
        if ($postId <= 0) {
            return 0;
        }
        $post = get_post($postId);
        if (!$post || $post->post_type !== $postType) {
            return 0;
        }
        return get_post_meta($postId, Meta::CONTENT_ID, true) === '' ? $postId : 0;
    }

    /**
     * @param array<string, mixed> $data checked
     * @return array<string, mixed>|WP_Error
     */
    private static function save(array $data)
    {
        $existing = self::findPost($data['content_id'])
            ?: self::adoptable($data['post_id'], $data['post_type']);
        $media = Media::ingest($data['images'], $existing);
        if ($media instanceof WP_Error) {
            return $media;
        }
        $html = self::clean(Media::swapSources($data['html'], $media['by_ref']));
        $post = [
            // A title is text (themes print it unescaped in places); an excerpt may keep markup.
            'post_title' => wp_strip_all_tags($data['title']),
            'post_content' => $html,
            'post_excerpt' => self::clean($data['excerpt']),
            'post_status' => $data['status'],
            'post_type' => $data['post_type'],
            'post_author' => $data['author'],
        ];
        if ($data['slug'] !== '') {
            $post['post_name'] = sanitize_title($data['slug']);
        }
        if ($data['date_gmt'] !== '') {
            $post['post_date_gmt'] = $data['date_gmt'];
            $post['post_date'] = get_date_from_gmt($data['date_gmt']);
            $post['edit_date'] = true;
        } elseif ($existing && $data['status'] === 'publish' && get_post_status($existing) !== 'publish') {
            // "Publish now" for a post that was a draft or scheduled: now, not its old date.
            $post['post_date_gmt'] = current_time('mysql', true);
            $post['post_date'] = current_time('mysql');
            $post['edit_date'] = true;
        }
        if ($existing) {
            $post['ID'] = $existing;
            $postId = wp_update_post(wp_slash($post), true);
        } else {
            $post['meta_input'] = [Meta::CONTENT_ID => $data['content_id']];
            $postId = wp_insert_post(wp_slash($post), true);
        }
        if (is_wp_error($postId)) {
            $postId->add_data(['status' => 500]);
            return $postId;
        }
        $postId = (int) $postId;
        update_post_meta($postId, Meta::CONTENT_ID, $data['content_id']);
        Media::attach($media['items'], $postId);

        $warnings = [];
        $terms = ['category' => [], 'post_tag' => []];
        if ($data['categories']) {
            if (is_object_in_taxonomy($data['post_type'], 'category')) {
                $terms['category'] = self::categoryIds($data['categories']);
                wp_set_post_terms($postId, $terms['category'], 'category');
            } else {
                $warnings[] = __('This post type has no categories; they were left out.', 'igny8-bridge');
            }
        }
        if ($data['tags']) {
            if (is_object_in_taxonomy($data['post_type'], 'post_tag')) {
                wp_set_post_terms($postId, $data['tags'], 'post_tag');
                $terms['post_tag'] = array_map('intval', wp_get_post_terms($postId, 'post_tag', ['fields' => 'ids']));
            } else {
                $warnings[] = __('This post type has no tags; they were left out.', 'igny8-bridge');
            }
        }
        if ($media['featured']) {
            set_post_thumbnail($postId, $media['featured']);
            if ((int) get_post_thumbnail_id($postId) !== $media['featured']) {
                return new WP_Error('igny8_featured_image', __('WordPress did not keep the featured image.', 'igny8-bridge'), ['status' => 500]);
            }
        }
        $seoKeys = $data['seo'] ? Seo::write($postId, $data['seo']) : [];

        $status = (string) get_post_status($postId);
        $permalink = (string) get_permalink($postId);
        Hooks::remember($postId, $status, $permalink);
        if (ctype_digit($data['content_id']) && in_array($status, ['publish', 'draft', 'pending', 'future', 'private'], true)) {
            // Also told to IGNY8 on its own: if IGNY8's call timed out after this save, the
            // acknowledgement still links the article to this post (no second post on retry).
            Outbox::enqueue('contents/' . $data['content_id'] . '/ack', [
                'post_id' => $postId,
                'url' => $permalink,
                'status' => $status,
            ], 'ack:' . $data['content_id']);
        }
        $mediaOut = [];
        foreach ($media['items'] as $item) {
            $mediaOut[$item['ref'] !== '' ? $item['ref'] : $item['role']] = $item;
        }
        return [
            'post_id' => $postId,
            'created' => !$existing,
            'status' => $status,
            'permalink' => $permalink,
            'post_type' => $data['post_type'],
            'date_gmt' => self::dateGmt($postId),
            'term_ids' => $terms,
            'featured_media' => (int) get_post_thumbnail_id($postId),
            'media' => $mediaOut,
            'seo_plugin' => Seo::active(),
            'seo_keys' => $seoKeys,
            'warnings' => $warnings,
        ];
    }

    /**
     * HTML through wp_kses_post, without the text of script and style elements (kses removes
     * the tags but would leave their code as words on the page).
     */
    private static function clean(string $html): string
    {
        return wp_kses_post((string) preg_replace('@<(script|style)[^>]*?>.*?</\\1>@si', '', $html));
    }

    /**
     * The post's date in UTC (ISO 8601), null for a draft that has none yet.
     */
    private static function dateGmt(int $postId): ?string
    {
        $date = (string) get_post_field('post_date_gmt', $postId);
        return ($date === '' || str_starts_with($date, '0000')) ? null : mysql_to_rfc3339($date);
    }

    /**
     * Category ids for names: the owner's mapping first, then a category of that name (or
     * slug), else a new one.
     *
     * @param list<string> $names
     * @return list<int>
     */
    private static function categoryIds(array $names): array
    {
        $ids = [];
        foreach ($names as $name) {
            $mapped = Settings::mappedCategory($name);
            if ($mapped && get_term($mapped, 'category')) {
                $ids[] = $mapped;
                continue;
            }
            $term = term_exists($name, 'category');
            if (!$term) {
                $term = wp_insert_term($name, 'category');
                if (is_wp_error($term)) {
                    $existing = $term->get_error_data('term_exists');
                    if (!$existing) {
                        continue;
                    }
                    $term = ['term_id' => $existing];
                }
            }
            $ids[] = (int) (is_array($term) ? $term['term_id'] : $term);
        }
        return array_values(array_unique($ids));
    }

    /**
     * Takes an article back: to draft (the default) or to the trash.
     *
     * @param array<string, mixed> $data {content_id | post_id, mode: draft|trash}
     * @return array<string, mixed>|WP_Error
     */
    public static function unpublish(array $data)
    {
        $postId = 0;
        if (!empty($data['content_id']) && is_scalar($data['content_id'])) {
            $postId = self::findPost((string) $data['content_id']);
        }
        if (!$postId && !empty($data['post_id']) && is_numeric($data['post_id'])) {
            $candidate = (int) $data['post_id'];
            // Only posts IGNY8 made can be taken back.
            if (get_post_meta($candidate, Meta::CONTENT_ID, true) !== '') {
                $postId = $candidate;
            }
        }
        if (!$postId || !get_post($postId)) {
            return new WP_Error('igny8_not_found', __('There is no post of this article on this site.', 'igny8-bridge'), ['status' => 404]);
        }
        $mode = (string) ($data['mode'] ?? 'draft');
        if (!in_array($mode, ['draft', 'trash'], true)) {
            return new WP_Error(
                'igny8_bad_request',
                __('mode must be draft or trash.', 'igny8-bridge'),
                ['status' => 400, 'fields' => ['mode' => __('Must be draft or trash.', 'igny8-bridge')]]
            );
        }
        if ($mode === 'trash') {
            if (get_post_status($postId) !== 'trash') {
                wp_trash_post($postId);
            }
        } else {
            if (get_post_status($postId) === 'trash') {
                wp_untrash_post($postId);
            }
            wp_update_post(['ID' => $postId, 'post_status' => 'draft']);
        }
        $status = (string) get_post_status($postId);
        Hooks::remember($postId, $status, (string) get_permalink($postId));
        return ['post_id' => $postId, 'status' => $status, 'permalink' => (string) get_permalink($postId)];
    }
}
