<?php

namespace Igny8\Bridge;

/**
 * Settings → IGNY8 Bridge: paste the connection string, test it, publishing defaults (post
 * status, author, category mapping), the connection's health and the last 10 exchanges. Every
 * form posts to admin-post.php, checked for the capability and a nonce.
 */
final class Admin
{
    public const PAGE = 'igny8-bridge';
    public const CAPABILITY = 'manage_options';
    private const ACTIONS = ['connect', 'disconnect', 'test', 'structure', 'settings'];

    public static function register(): void
    {
        add_action('admin_menu', [self::class, 'menu']);
        foreach (self::ACTIONS as $action) {
            add_action('admin_post_igny8_bridge_' . $action, [self::class, 'handle' . ucfirst($action)]);
        }
        add_filter('plugin_action_links_' . plugin_basename(IGNY8_BRIDGE_FILE), [self::class, 'links']);
    }

    public static function menu(): void
    {
        add_options_page(
            __('IGNY8 Bridge', 'igny8-bridge'),
            __('IGNY8 Bridge', 'igny8-bridge'),
            self::CAPABILITY,
            self::PAGE,
            [self::class, 'render']
        );
    }

    /**
     * @param array<string, string> $links
     * @return array<string, string>
     */
    public static function links(array $links): array
    {
        $links['settings'] = '<a href="' . esc_url(self::url()) . '">' . esc_html__('Settings', 'igny8-bridge') . '</a>';
        return $links;
    }

    public static function url(): string
    {
        return admin_url('options-general.php?page=' . self::PAGE);
    }

    // -- handlers ---------------------------------------------------------------------------

    private static function guard(string $action): void
    {
        if (!current_user_can(self::CAPABILITY)) {
            wp_die(esc_html__('You may not change the IGNY8 Bridge settings.', 'igny8-bridge'), '', ['response' => 403]);
        }
        check_admin_referer('igny8_bridge_' . $action);
    }

    private static function back(string $message, bool $ok): void
    {
        set_transient('igny8_bridge_notice_' . get_current_user_id(), ['message' => $message, 'ok' => $ok], MINUTE_IN_SECONDS);
        wp_safe_redirect(self::url());
        exit;
    }

    public static function handleConnect(): void
    {
        self::guard('connect');
        // Checked strictly by Connection::parse (an http(s) URL and a key of [A-Za-z0-9_-]);
        // sanitize_text_field would silently drop %XX sequences from the address.
        $pasted = isset($_POST['connection_string']) ? trim(wp_unslash((string) $_POST['connection_string'])) : '';
        $error = Connection::save($pasted);
        if ($error !== '') {
            self::back($error, false);
        }
        Log::add('out', 'connect', true, __('A connection string was pasted.', 'igny8-bridge'));
        Outbox::enqueue('site/structure', Structure::collect(), 'structure');
        $test = Api::testConnection();
        Outbox::flush();
        self::back(
            $test['ok']
                ? __('Connected: IGNY8 answered. In IGNY8, press “Test connection” to check the other direction.', 'igny8-bridge')
                : sprintf(
                    /* translators: %s: the reason */
                    __('The connection string is saved, but IGNY8 did not answer: %s', 'igny8-bridge'),
                    $test['error']
                ),
            $test['ok']
        );
    }

    public static function handleDisconnect(): void
    {
        self::guard('disconnect');
        Connection::forget();
        Log::add('out', 'disconnect', true, __('The connection string was removed.', 'igny8-bridge'));
        self::back(__('Disconnected: IGNY8 can no longer publish here until a connection string is pasted again.', 'igny8-bridge'), true);
    }

    public static function handleTest(): void
    {
        self::guard('test');
        $test = Api::testConnection();
        self::back(
            $test['ok'] ? __('IGNY8 answered: this site reaches IGNY8.', 'igny8-bridge') : $test['error'],
            $test['ok']
        );
    }

    public static function handleStructure(): void
    {
        self::guard('structure');
        Outbox::enqueue('site/structure', Structure::collect(), 'structure');
        $done = Outbox::flush();
        self::back(
            $done['failed'] === 0
                ? __('The site structure was sent to IGNY8.', 'igny8-bridge')
                : __('The site structure could not be sent yet; it will be tried again (see the exchanges below).', 'igny8-bridge'),
            $done['failed'] === 0
        );
    }

    public static function handleSettings(): void
    {
        self::guard('settings');
        $status = isset($_POST['post_status']) ? sanitize_key(wp_unslash((string) $_POST['post_status'])) : 'publish';
        $author = isset($_POST['author']) ? absint($_POST['author']) : 0;
        $mapText = isset($_POST['category_map']) ? sanitize_textarea_field(wp_unslash((string) $_POST['category_map'])) : '';
        [$map, $errors] = Settings::parseCategoryMap($mapText);
        if ($author && !user_can($author, 'edit_posts')) {
            $errors[] = __('The default author must be a user who can write posts.', 'igny8-bridge');
            $author = 0;
        }
        if (!in_array($status, ['draft', 'publish'], true)) {
            $status = 'publish';
        }
        Settings::save(['post_status' => $status, 'author' => $author, 'category_map' => $map]);
        if ($errors) {
            self::back(
                __('Saved, except:', 'igny8-bridge') . ' ' . implode(' ', $errors),
                false
            );
        }
        self::back(__('Settings saved.', 'igny8-bridge'), true);
    }

    // -- the page ---------------------------------------------------------------------------

    private static function when(?int $time): string
    {
        if (!$time) {
            return __('never', 'igny8-bridge');
        }
        return sprintf(
            /* translators: %s: a time span like "5 mins" */
            __('%s ago', 'igny8-bridge'),
            human_time_diff($time, time())
        );
    }

    private static function kindLabel(string $direction, string $kind): string
    {
        $labels = $direction === 'in'
            ? [
                'status' => __('Connection check', 'igny8-bridge'),
                'publish' => __('Publish', 'igny8-bridge'),
                'unpublish' => __('Unpublish', 'igny8-bridge'),
                'structure' => __('Site structure read', 'igny8-bridge'),
                'refused' => __('Refused call', 'igny8-bridge'),
            ]
            : [
                'test' => __('Connection test', 'igny8-bridge'),
                'status' => __('Post status report', 'igny8-bridge'),
                'ack' => __('Publish confirmation', 'igny8-bridge'),
                'structure' => __('Site structure sent', 'igny8-bridge'),
                'connect' => __('Connection string pasted', 'igny8-bridge'),
                'disconnect' => __('Disconnected', 'igny8-bridge'),
            ];
        return $labels[$kind] ?? $kind;
    }

    private static function form(string $action, string $button, string $class = 'button'): void
    {
        echo '<form method="post" action="' . esc_url(admin_url('admin-post.php')) . '" class="igny8-inline">';
        echo '<input type="hidden" name="action" value="igny8_bridge_' . esc_attr($action) . '">';
        wp_nonce_field('igny8_bridge_' . $action);
        submit_button($button, $class, 'submit', false);
        echo '</form> ';
    }

    public static function render(): void
    {
        if (!current_user_can(self::CAPABILITY)) {
            return;
        }
        $connection = Connection::get();
        $settings = Settings::get();
        $health = Log::health();
        $waiting = Outbox::waiting();
        $notice = get_transient('igny8_bridge_notice_' . get_current_user_id());
        delete_transient('igny8_bridge_notice_' . get_current_user_id());

        echo '<div class="wrap igny8-bridge">';
        echo '<style>.igny8-inline{display:inline-block;margin-right:.5em}.igny8-bridge .form-table td p.description{max-width:48em}</style>';
        echo '<h1>' . esc_html__('IGNY8 Bridge', 'igny8-bridge') . '</h1>';
        if (is_array($notice)) {
            printf(
                '<div class="notice notice-%s is-dismissible"><p>%s</p></div>',
                $notice['ok'] ? 'success' : 'error',
                esc_html((string) $notice['message'])
            );
        }

        echo '<h2>' . esc_html__('Connection', 'igny8-bridge') . '</h2>';
        if ($connection) {
            echo '<p>' . sprintf(
                /* translators: 1: IGNY8 address, 2: key id */
                esc_html__('Connected to %1$s with key %2$s.', 'igny8-bridge'),
                '<code>' . esc_html($connection['api_base']) . '</code>',
                '<code>igk_' . esc_html($connection['key_id']) . '_…</code>'
            ) . '</p>';
            echo '<p>';
            self::form('test', __('Test connection', 'igny8-bridge'), 'button button-primary');
            self::form('structure', __('Send site structure', 'igny8-bridge'));
            self::form('disconnect', __('Disconnect', 'igny8-bridge'), 'button-link-delete button');
            echo '</p>';
        } else {
            echo '<p>' . esc_html__('In IGNY8, open the site’s Integration page, create a connection and copy the connection string it shows once. Paste it here.', 'igny8-bridge') . '</p>';
        }
        echo '<form method="post" action="' . esc_url(admin_url('admin-post.php')) . '">';
        echo '<input type="hidden" name="action" value="igny8_bridge_connect">';
        wp_nonce_field('igny8_bridge_connect');
        echo '<table class="form-table" role="presentation"><tr><th scope="row"><label for="igny8-connection-string">'
            . esc_html($connection ? __('Replace the connection string', 'igny8-bridge') : __('Connection string', 'igny8-bridge'))
            . '</label></th><td>';
        echo '<input type="password" class="large-text code" id="igny8-connection-string" name="connection_string" autocomplete="off" spellcheck="false" placeholder="https://… igk_…">';
        echo '<p class="description">' . esc_html__('The address and the key, as one line. The key is kept in this site’s database and is never shown again.', 'igny8-bridge') . '</p>';
        echo '</td></tr></table>';
        submit_button($connection ? __('Replace and test', 'igny8-bridge') : __('Connect and test', 'igny8-bridge'));
        echo '</form>';

        echo '<h2>' . esc_html__('Health', 'igny8-bridge') . '</h2>';
        echo '<table class="widefat striped" style="max-width:48em"><tbody>';
        $rows = [
            __('Last call from IGNY8', 'igny8-bridge') => self::when(isset($health['last_inbound_at']) ? (int) $health['last_inbound_at'] : null),
            __('Last report IGNY8 accepted', 'igny8-bridge') => self::when(isset($health['last_outbound_ok_at']) ? (int) $health['last_outbound_ok_at'] : null),
            __('Last problem', 'igny8-bridge') => !empty($health['last_error'])
                ? $health['last_error'] . ' (' . self::when((int) ($health['last_error_at'] ?? 0)) . ')'
                : __('none', 'igny8-bridge'),
            __('Reports waiting to be sent', 'igny8-bridge') => (string) count($waiting),
        ];
        foreach ($rows as $label => $value) {
            echo '<tr><th scope="row">' . esc_html($label) . '</th><td>' . esc_html($value) . '</td></tr>';
        }
        echo '</tbody></table>';

        echo '<h2>' . esc_html__('Publishing defaults', 'igny8-bridge') . '</h2>';
        echo '<form method="post" action="' . esc_url(admin_url('admin-post.php')) . '">';
        echo '<input type="hidden" name="action" value="igny8_bridge_settings">';
        wp_nonce_field('igny8_bridge_settings');
        echo '<table class="form-table" role="presentation">';
        echo '<tr><th scope="row"><label for="igny8-post-status">' . esc_html__('Post status', 'igny8-bridge') . '</label></th><td>';
        echo '<select id="igny8-post-status" name="post_status">';
        foreach (['publish' => __('Published', 'igny8-bridge'), 'draft' => __('Draft', 'igny8-bridge')] as $value => $label) {
            echo '<option value="' . esc_attr($value) . '"' . selected($settings['post_status'], $value, false) . '>' . esc_html($label) . '</option>';
        }
        echo '</select><p class="description">' . esc_html__('Used when IGNY8 does not say how an article should arrive.', 'igny8-bridge') . '</p></td></tr>';
        echo '<tr><th scope="row"><label for="igny8-author">' . esc_html__('Author', 'igny8-bridge') . '</label></th><td>';
        wp_dropdown_users([
            'name' => 'author',
            'id' => 'igny8-author',
            'selected' => $settings['author'],
            'capability' => ['edit_posts'],
            'show_option_none' => __('— the first administrator —', 'igny8-bridge'),
            'option_none_value' => 0,
        ]);
        echo '<p class="description">' . esc_html__('Who IGNY8’s posts are written by.', 'igny8-bridge') . '</p></td></tr>';
        echo '<tr><th scope="row"><label for="igny8-category-map">' . esc_html__('Category mapping', 'igny8-bridge') . '</label></th><td>';
        echo '<textarea id="igny8-category-map" name="category_map" rows="5" class="large-text code" placeholder="' . esc_attr__('IGNY8 category = WordPress category', 'igny8-bridge') . '">'
            . esc_textarea(Settings::categoryMapText($settings['category_map'])) . '</textarea>';
        echo '<p class="description">' . esc_html__('One per line: IGNY8 category = WordPress category. Other names are used as they are (a missing category is created).', 'igny8-bridge') . '</p></td></tr>';
        echo '</table>';
        submit_button(__('Save defaults', 'igny8-bridge'));
        echo '</form>';

        echo '<h2>' . esc_html__('Last 10 exchanges', 'igny8-bridge') . '</h2>';
        $entries = Log::entries();
        if (!$entries) {
            echo '<p>' . esc_html__('Nothing yet.', 'igny8-bridge') . '</p>';
        } else {
            echo '<table class="widefat striped"><thead><tr><th>' . esc_html__('When', 'igny8-bridge') . '</th><th>'
                . esc_html__('Direction', 'igny8-bridge') . '</th><th>' . esc_html__('What', 'igny8-bridge') . '</th><th>'
                . esc_html__('Result', 'igny8-bridge') . '</th><th>' . esc_html__('Details', 'igny8-bridge') . '</th></tr></thead><tbody>';
            foreach ($entries as $entry) {
                echo '<tr><td>' . esc_html(self::when((int) $entry['time'])) . '</td><td>'
                    . esc_html($entry['direction'] === 'in' ? __('From IGNY8', 'igny8-bridge') : __('To IGNY8', 'igny8-bridge')) . '</td><td>'
                    . esc_html(self::kindLabel((string) $entry['direction'], (string) $entry['kind'])) . '</td><td>'
                    . esc_html($entry['ok'] ? __('OK', 'igny8-bridge') : __('Failed', 'igny8-bridge')) . '</td><td>'
                    . esc_html($entry['summary']) . '</td></tr>';
            }
            echo '</tbody></table>';
        }
        echo '</div>';
    }
}
