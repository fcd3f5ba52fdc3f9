<?php

namespace Igny8\Bridge;

use WP_Error;

/**
 * Images sent with an article, into the media library. Each is found again by its sha256 (kept
 * in attachment meta _igny8_image_sha256), so a re-publish reuses what is there. "There" is
 * checked: the attachment post and its file must exist (WordPress silently drops a
 * featured_media that points at nothing); a stale one is removed and the image uploaded again.
 */
final class Media
{
    public const MAX_BYTES = 25 * 1024 * 1024;

    /**
     * @param list<mixed> $images [{sha256, filename, mime, alt, caption, data_b64, role, ref}]
     * @return array{featured: int, by_ref: array<string, array{id: int, url: string}>, items: list<array<string, mixed>>}|WP_Error
     */
    public static function ingest(array $images, int $parentId)
    {
        $out = ['featured' => 0, 'by_ref' => [], 'items' => []];
        $missing = [];
        foreach ($images as $index => $image) {
            if (!is_array($image) || !preg_match('/^[0-9a-f]{64}$/', (string) ($image['sha256'] ?? ''))) {
                return self::bad(sprintf(
                    /* translators: %d: position of the image in the list */
                    __('Image %d has no valid sha256.', 'igny8-bridge'),
                    $index + 1
                ));
            }
            $sha = (string) $image['sha256'];
            $existing = self::find($sha);
            $reused = $existing > 0;
            if (!$reused) {
                if (empty($image['data_b64'])) {
                    $missing[] = $sha;
                    continue;
                }
                $existing = self::upload($image, $parentId);
                if ($existing instanceof WP_Error) {
                    return $existing;
                }
            }
            self::describe($existing, $image);
            $url = (string) wp_get_attachment_url($existing);
            $ref = isset($image['ref']) ? (string) $image['ref'] : '';
            if (($image['role'] ?? 'inline') === 'featured') {
                $out['featured'] = $existing;
            } elseif ($ref !== '') {
                $out['by_ref'][$ref] = ['id' => $existing, 'url' => $url];
            }
            $out['items'][] = [
                'ref' => $ref,
                'role' => (string) ($image['role'] ?? 'inline'),
                'sha256' => $sha,
                'id' => $existing,
                'url' => $url,
                'reused' => $reused,
            ];
        }
        if ($missing) {
            return new WP_Error(
                'igny8_image_missing',
                __('Some images are not in the media library yet: send them with their data.', 'igny8-bridge'),
                ['status' => 409, 'sha256' => $missing]
            );
        }
        return $out;
    }

    /**
     * The attachment holding this image, 0 when none really exists.
     */
    public static function find(string $sha): int
    {
        $ids = get_posts([
            'post_type' => 'attachment',
            'post_status' => 'any',
            'numberposts' => -1,
            'fields' => 'ids',
            'meta_key' => Meta::IMAGE_SHA256,
            'meta_value' => $sha,
            'orderby' => 'ID',
            'order' => 'ASC',
        ]);
        foreach ($ids as $id) {
            $file = get_attached_file((int) $id);
            if ($file && file_exists($file)) {
                return (int) $id;
            }
            // The file is gone (deleted on disk, a restored database): this one cannot serve.
            wp_delete_attachment((int) $id, true);
        }
        return 0;
    }

    /**
     * @param array<string, mixed> $image
     * @return int|WP_Error
     */
    private static function upload(array $image, int $parentId)
    {
        $bytes = base64_decode((string) $image['data_b64'], true);
        if ($bytes === false || $bytes === '') {
            return self::bad(__('An image is not valid base64.', 'igny8-bridge'));
        }
        if (strlen($bytes) > self::MAX_BYTES) {
            return self::bad(__('An image is larger than 25 MB.', 'igny8-bridge'));
        }
        if (!hash_equals((string) $image['sha256'], hash('sha256', $bytes))) {
            return self::bad(__('An image does not match its sha256: it was damaged on the way.', 'igny8-bridge'));
        }
        $filename = sanitize_file_name((string) ($image['filename'] ?? '')) ?: 'igny8-' . substr((string) $image['sha256'], 0, 12);
        $saved = wp_upload_bits($filename, null, $bytes);
        if (!empty($saved['error'])) {
            return new WP_Error('igny8_image_upload', (string) $saved['error'], ['status' => 400]);
        }
        $file = (string) $saved['file'];
        $mime = function_exists('wp_get_image_mime') ? wp_get_image_mime($file) : '';
        if (!$mime) {
            wp_delete_file($file);
            return self::bad(__('A file sent as an image is not an image WordPress can read.', 'igny8-bridge'));
        }
        $title = trim((string) ($image['alt'] ?? '')) ?: pathinfo($filename, PATHINFO_FILENAME);
        $id = wp_insert_attachment([
            'post_mime_type' => $mime,
            'post_title' => wp_slash(sanitize_text_field($title)),
            'post_excerpt' => wp_slash(sanitize_text_field((string) ($image['caption'] ?? ''))),
            'post_content' => '',
            'post_status' => 'inherit',
        ], $file, $parentId, true);
        if (is_wp_error($id)) {
            wp_delete_file($file);
            return $id;
        }
        require_once ABSPATH . 'wp-admin/includes/image.php';
        wp_update_attachment_metadata($id, wp_generate_attachment_metadata($id, $file));
        update_post_meta($id, Meta::IMAGE_SHA256, (string) $image['sha256']);
        return (int) $id;
    }

    /**
     * Alt text and caption follow the latest publish.
     *
     * @param array<string, mixed> $image
     */
    private static function describe(int $id, array $image): void
    {
        if (array_key_exists('alt', $image)) {
            update_post_meta($id, '_wp_attachment_image_alt', wp_slash(sanitize_text_field((string) $image['alt'])));
        }
        if (array_key_exists('caption', $image)) {
            $caption = sanitize_text_field((string) $image['caption']);
            if (get_post_field('post_excerpt', $id) !== $caption) {
                wp_update_post(['ID' => $id, 'post_excerpt' => wp_slash($caption)]);
            }
        }
    }

    /**
     * Attachments uploaded before their post existed are attached to it.
     *
     * @param list<array<string, mixed>> $items
     */
    public static function attach(array $items, int $postId): void
    {
        foreach ($items as $item) {
            if ((int) get_post_field('post_parent', (int) $item['id']) === 0) {
                wp_update_post(['ID' => (int) $item['id'], 'post_parent' => $postId]);
            }
        }
    }

    /**
     * The body with each <img data-igny8-image="REF"> pointing at its uploaded attachment, with
     * WordPress's wp-image-ID class (responsive sizes). Other images are left as they are.
     *
     * @param array<string, array{id: int, url: string}> $byRef
     */
    public static function swapSources(string $html, array $byRef): string
    {
        if (!$byRef) {
            return $html;
        }
        return (string) preg_replace_callback('/<img\b[^>]*>/i', static function (array $match) use ($byRef): string {
            $tag = $match[0];
            if (!preg_match('/\bdata-igny8-image\s*=\s*["\']?(\d+)/i', $tag, $ref) || !isset($byRef[$ref[1]])) {
                return $tag;
            }
            $media = $byRef[$ref[1]];
            $url = esc_url($media['url']);
            $replaced = 0;
            $tag = (string) preg_replace_callback(
                '/((?<![\w-])src\s*=\s*)(["\']).*?\2/is',
                static fn(array $m): string => $m[1] . '"' . $url . '"',
                $tag,
                1,
                $replaced
            );
            if ($replaced === 0) {
                $tag = '<img src="' . $url . '"' . substr($tag, 4);
            }
            $class = 'wp-image-' . (int) $media['id'];
            $replaced = 0;
            $tag = (string) preg_replace_callback(
                '/((?<![\w-])class\s*=\s*)(["\'])(.*?)\2/is',
                static function (array $m) use ($class): string {
                    $names = preg_replace('/\s*\bwp-image-\d+\b/', '', $m[3]);
                    return $m[1] . '"' . trim($names . ' ' . $class) . '"';
                },
                $tag,
                1,
                $replaced
            );
            if ($replaced === 0) {
                $tag = '<img class="' . $class . '"' . substr($tag, 4);
            }
            return $tag;
        }, $html);
    }

    private static function bad(string $message): WP_Error
    {
        return new WP_Error('igny8_bad_image', $message, ['status' => 400]);
    }
}
