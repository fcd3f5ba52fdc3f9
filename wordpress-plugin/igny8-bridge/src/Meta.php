<?php

namespace Igny8\Bridge;

/**
 * Post meta the plugin writes, registered so the block editor and the core REST API can read them.
 */
final class Meta
{
    public const CONTENT_ID = '_igny8_content_id';
    public const IMAGE_SHA256 = '_igny8_image_sha256';
    public const META_TITLE = '_igny8_meta_title';
    public const META_DESCRIPTION = '_igny8_meta_description';
    public const META_FOCUS_KEYWORD = '_igny8_meta_focus_keyword';
    public const REPORTED = '_igny8_reported';

    public static function register(): void
    {
        $editable = static function (bool $allowed, string $key, int $postId): bool {
            return current_user_can('edit_post', $postId);
        };
        foreach ([self::META_TITLE, self::META_DESCRIPTION, self::META_FOCUS_KEYWORD] as $key) {
            register_post_meta('', $key, [
                'type' => 'string',
                'single' => true,
                'show_in_rest' => true,
                'auth_callback' => $editable,
            ]);
        }
        register_post_meta('', self::CONTENT_ID, [
            'type' => 'string',
            'single' => true,
            'show_in_rest' => true,
            // Only IGNY8 sets it (through the signed publish route); the editor must not.
            'auth_callback' => '__return_false',
        ]);
        register_post_meta('attachment', self::IMAGE_SHA256, [
            'type' => 'string',
            'single' => true,
            'show_in_rest' => true,
            'auth_callback' => '__return_false',
        ]);
    }
}
