<?php
// The service provider this identity provider trusts, read from its SAML metadata on every request
// (the harness replaces the file when a test learns the service provider's metadata): entity id,
// assertion consumer services, certificates for signed AuthnRequests and for encryption. This test
// identity provider's own choices are laid over it: the NameID is the email address, and whether
// the assertion and the response are signed and the assertion encrypted.
$settings = json_decode(file_get_contents(dirname(__DIR__) . '/settings.json'), true, 512, JSON_THROW_ON_ERROR);

$xml = file_get_contents($settings['serviceProviderMetadata']);
foreach (\SimpleSAML\Metadata\SAMLParser::parseDescriptorsString($xml) as $entityId => $entity) {
    $sp = $entity->getMetadata20SP();
    if ($sp === null) {
        continue;
    }
    $metadata[$entityId] = array_merge($sp, [
        'NameIDFormat' => 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
        'simplesaml.nameidattribute' => 'email',
        'saml20.sign.assertion' => $settings['signAssertion'],
        'saml20.sign.response' => $settings['signResponse'],
        'assertion.encryption' => $settings['encryptAssertion'],
    ]);
}
