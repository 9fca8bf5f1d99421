<?php
// This identity provider. Its NameID is the user's email address (format emailAddress), from the
// attribute `email`.
$settings = json_decode(file_get_contents(dirname(__DIR__) . '/settings.json'), true, 512, JSON_THROW_ON_ERROR);

$metadata[$settings['entityId']] = [
    'host' => '__DEFAULT__',
    'auth' => 'users',
    'privatekey' => $settings['privateKey'],
    'certificate' => $settings['certificate'],
    'signature.algorithm' => 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
    'SingleSignOnServiceBinding' => [
        'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect',
        'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST',
    ],
    'NameIDFormat' => 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
    'simplesaml.nameidattribute' => 'email',
    'saml20.sign.assertion' => $settings['signAssertion'],
    'saml20.sign.response' => $settings['signResponse'],
    'assertion.encryption' => $settings['encryptAssertion'],
];
