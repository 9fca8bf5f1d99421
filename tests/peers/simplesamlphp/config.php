<?php
// simplesamlphp 1.19 (Debian's package) as a customer's SAML identity provider for the tests: one
// instance per test run under `php -S 127.0.0.1:PORT -t /usr/share/simplesamlphp/www`, configured
// by settings.json, which the test harness (tests/TestSupport/Peers/SimpleSamlPhpIdp.cs) writes
// next to a copy of this file.
$settings = json_decode(file_get_contents(__DIR__ . '/settings.json'), true, 512, JSON_THROW_ON_ERROR);
$work = $settings['workDirectory'];

$config = [
    // Served at the root of its own port, not under Debian's Apache alias /simplesamlphp.
    'baseurlpath' => $settings['baseUrl'],
    'certdir' => $work . '/cert/',
    'loggingdir' => $work . '/tmp/',
    'datadir' => $work . '/tmp/',
    'tempdir' => $work . '/tmp/',
    'metadatadir' => __DIR__ . '/metadata/',
    'metadata.sources' => [['type' => 'flatfile']],
    'secretsalt' => $settings['secretSalt'],
    'auth.adminpassword' => $settings['adminPassword'],
    'admin.checkforupdates' => false,
    'technicalcontact_name' => 'Key Portal tests',
    'technicalcontact_email' => 'tests@example.test',
    'timezone' => 'UTC',

    // To the PHP server's standard error, which the harness keeps as this peer's log.
    'logging.handler' => 'errorlog',
    'logging.level' => SimpleSAML\Logger::INFO,
    'showerrors' => true,
    'errorreporting' => false,

    'enable.saml20-idp' => true,
    'module.enable' => ['core' => true, 'saml' => true, 'exampleauth' => true, 'admin' => true],

    // Plain http on 127.0.0.1: cookies must not be Secure (nor SameSite=None, which needs Secure).
    'session.cookie.secure' => false,
    'session.cookie.samesite' => null,
    'language.cookie.secure' => false,
    'language.cookie.samesite' => null,
    'store.type' => 'phpsession',
    'session.phpsession.savepath' => $work . '/sessions',
];
