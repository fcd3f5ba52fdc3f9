<?php

/**
 * Plugin Name:       IGNY8 Bridge
 * Plugin URI:        https://igny8.com/
 * Description:       Receives articles published from IGNY8 and reports their status back.
 * Version:           1.0.0
 * Requires at least: 6.0
 * Requires PHP:      8.0
 * Author:            IGNY8
 * License:           GPL-2.0-or-later
 * License URI:       https://www.gnu.org/licenses/gpl-2.0.html
 * Text Domain:       igny8-bridge
 */

if (!defined('ABSPATH')) {
    exit;
}

define('IGNY8_BRIDGE_VERSION', '1.0.0');
define('IGNY8_BRIDGE_FILE', __FILE__);

require_once __DIR__ . '/src/autoload.php';

register_activation_hook(__FILE__, ['Igny8\\Bridge\\Plugin', 'activate']);
register_deactivation_hook(__FILE__, ['Igny8\\Bridge\\Plugin', 'deactivate']);
Igny8\Bridge\Plugin::boot();
