<?php
// The people of this identity provider: username and password to attributes (exampleauth:UserPass).
$settings = json_decode(file_get_contents(__DIR__ . '/settings.json'), true, 512, JSON_THROW_ON_ERROR);

$users = ['exampleauth:UserPass'];
foreach ($settings['users'] as $user) {
    $users[$user['username'] . ':' . $user['password']] = $user['attributes'];
}

$config = [
    'admin' => ['core:AdminPassword'],
    'users' => $users,
];
