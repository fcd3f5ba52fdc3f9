<?php

namespace Igny8\Bridge;

use WP_Post;

/**
 * Tells IGNY8 when a post it made changes in WordPress: its status (publish, draft, pending,
 * future, private, trash) or its permalink. Changes are gathered during the request and
 * queued at its end, once per post and only when they differ from what IGNY8 last heard
 * (kept in post meta _igny8_reported); changes made by IGNY8's own calls are answered in
 * those calls instead. Categories and tags changing queue a fresh site structure.
 */
final class Hooks
{
    public const STATUSES = ['publish', 'draft', 'pending', 'future', 'private', 'trash'];

    /** @var array<int, true> */
    private static array $dirty = [];

    /** @var array<int, array<string, mixed>> */
    private static array $deleted = [];

    private static bool $structure = false;

    public static function register(): void
    {
        add_action('transition_post_status', [self::class, 'onTransition'], 10, 3);
        add_action('post_updated', [self::class, 'onUpdated'], 10, 3);
        add_action('before_delete_post', [self::class, 'onDelete'], 10, 1);
        foreach (['created_term', 'edited_term', 'delete_term'] as $hook) {
            add_action($hook, [self::class, 'onTerm'], 10, 3);
        }
        add_action('shutdown', [self::class, 'flush'], 5);
    }

    private static function ours(int $postId): bool
    {
        return get_post_meta($postId, Meta::CONTENT_ID, true) !== '';
    }

    /**
     * @param mixed $post
     */
    public static function onTransition(string $new, string $old, $post): void
    {
        if (Rest::$serving || !$post instanceof WP_Post || $new === $old || wp_is_post_revision($post)) {
            return;
        }
        self::$dirty[(int) $post->ID] = true;
    }

    /**
     * @param mixed $after
     * @param mixed $before
     */
    public static function onUpdated(int $postId, $after, $before): void
    {
        if (Rest::$serving || !$after instanceof WP_Post || !$before instanceof WP_Post) {
            return;
        }
        if ($after->post_name !== $before->post_name || $after->post_parent !== $before->post_parent || $after->post_date !== $before->post_date) {
            self::$dirty[$postId] = true;
        }
    }

    public static function onDelete(int $postId): void
    {
        if (Rest::$serving || !self::ours($postId)) {
            return;
        }
        // After the delete nothing is left to read: take what IGNY8 needs now.
        // "deleted": IGNY8 forgets the post, so a later publish makes a new one.
        self::$deleted[$postId] = self::report($postId, 'trash', '', (string) get_post_type($postId)) + ['deleted' => true];
        unset(self::$dirty[$postId]);
    }

    /**
     * @param mixed $termId
     * @param mixed $ttId
     * @param mixed $taxonomy
     */
    public static function onTerm($termId, $ttId = 0, $taxonomy = ''): void
    {
        if (in_array($taxonomy, ['category', 'post_tag'], true)) {
            self::$structure = true;
        }
    }

    /**
     * The body of a posts/status report (IGNY8's API: post_id, content_id, status, permalink,
     * post_type, modified_gmt; content_id only when it is one of IGNY8's numeric ids, permalink
     * only when there is one).
     *
     * @return array<string, mixed>
     */
    public static function report(int $postId, string $status, string $permalink, string $postType): array
    {
        $body = ['post_id' => $postId, 'status' => $status, 'post_type' => $postType];
        $modified = (string) get_post_field('post_modified_gmt', $postId);
        if ($modified !== '' && !str_starts_with($modified, '0000')) {
            $body['modified_gmt'] = gmdate('c', (int) strtotime($modified . ' UTC'));
        }
        $contentId = (string) get_post_meta($postId, Meta::CONTENT_ID, true);
        if (ctype_digit($contentId) && $contentId !== '0') {
            $body['content_id'] = (int) $contentId;
        }
        if ($permalink !== '') {
            $body['permalink'] = $permalink;
        }
        return $body;
    }

    /**
     * What IGNY8 knows of a post now (its own call answered with it).
     */
    public static function remember(int $postId, string $status, string $permalink): void
    {
        update_post_meta($postId, Meta::REPORTED, $status . '|' . $permalink);
        unset(self::$dirty[$postId]);
    }

    /**
     * Queues a report for every changed post of ours (and the structure when terms changed).
     */
    public static function flush(): void
    {
        foreach (array_keys(self::$dirty) as $postId) {
            $post = get_post($postId);
            if (!$post || !self::ours($postId)) {
                continue;
            }
            $status = (string) $post->post_status;
            if (!in_array($status, self::STATUSES, true)) {
                continue;
            }
            $permalink = $status === 'trash' ? '' : (string) get_permalink($post);
            if (get_post_meta($postId, Meta::REPORTED, true) === $status . '|' . $permalink) {
                continue;
            }
            Outbox::enqueue('posts/status', self::report($postId, $status, $permalink, (string) $post->post_type), 'post:' . $postId);
            update_post_meta($postId, Meta::REPORTED, $status . '|' . $permalink);
        }
        self::$dirty = [];
        foreach (self::$deleted as $postId => $body) {
            Outbox::enqueue('posts/status', $body, 'post:' . $postId);
        }
        self::$deleted = [];
        if (self::$structure) {
            self::$structure = false;
            Outbox::enqueue('site/structure', Structure::collect(), 'structure');
        }
    }
}
